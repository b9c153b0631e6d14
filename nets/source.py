"""Generated Python source, shared by the array replay and the float replay of a tape.

Both write a tape's steps out as straight-line functions and compile them here, once
per source, with the source kept in :mod:`linecache` (so a traceback through a replay
shows its line).
"""

from __future__ import annotations

import hashlib
import linecache
from collections.abc import Sequence
from types import CodeType


def tuple_display(names: Sequence[str]) -> str:
    """Return a tuple display of ``names``: ``()``, ``(a,)``, ``(a, b)``."""
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"


def comment(name: str) -> str:
    """Return a step's name as a trailing comment, on one line."""
    return "  # " + " ".join(name.split())


#: At most this many compiled sources are kept, with their lines in linecache.
KEPT = 256
#: Compiled code by (name, source), oldest first: a model built again on the same shapes
#: (each training run of a report) compiles its replay once.
_CODE: dict[tuple[str, str], CodeType] = {}


def compiled(source: str, filename: str, namespace: dict[str, object]) -> None:
    """Run ``source`` in ``namespace`` (which receives its functions), shown in tracebacks.

    The code of a source compiled before is reused. ``filename`` gets a digest of the
    source appended; the source stays in :mod:`linecache` while its code is among the
    :data:`KEPT` most recently used (a replay that outlives that has tracebacks without
    lines, nothing else).
    """
    key = (" ".join(filename.split()), source)
    code = _CODE.pop(key, None)  # put back below as the newest
    if code is None:
        digest = hashlib.blake2b(source.encode(), digest_size=6).hexdigest()
        name = f"<{key[0]} {digest}>"
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        code = compile(source, name, "exec")
        while len(_CODE) >= KEPT:
            oldest = next(iter(_CODE))
            linecache.cache.pop(_CODE.pop(oldest).co_filename, None)
    _CODE[key] = code
    exec(code, namespace)  # source written by nets itself
