"""Generated Python source, shared by the array replay and the float replay of a tape.

Both write a tape's steps out as straight-line functions and compile them here, with
the source kept in :mod:`linecache` (so a traceback through a replay shows its line)
for as long as the compiled functions live.
"""

from __future__ import annotations

import linecache
import weakref
from collections.abc import Sequence


def tuple_display(names: Sequence[str]) -> str:
    """Return a tuple display of ``names``: ``()``, ``(a,)``, ``(a, b)``."""
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"


def comment(name: str) -> str:
    """Return a step's name as a trailing comment, on one line."""
    return "  # " + " ".join(name.split())


#: Sources whose replay was collected, left in linecache until the next compile: a
#: finalizer runs whenever the garbage collector does, and popping the cache there could
#: pull an entry from under ``linecache.checkcache``, which iterates over a list of its
#: keys (a KeyError seen once in a doctest run of the suite).
_RETIRED: list[str] = []


def compiled(source: str, filename: str, namespace: dict[str, object]) -> None:
    """Run ``source`` in ``namespace`` (which receives its functions), shown in tracebacks.

    ``filename`` gets the namespace's id appended; the source leaves the cache at the
    first compile after its ``backward`` (every replay defines one) is collected.
    """
    while _RETIRED:
        linecache.cache.pop(_RETIRED.pop(), None)
    filename = f"<{' '.join(filename.split())} at {id(namespace):#x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)  # source written by nets itself
    weakref.finalize(namespace["backward"], _RETIRED.append, filename)
