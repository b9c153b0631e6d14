"""The checkable objects of a Python module: one rule for the plugin and the command line.

A *differentiable* is an object defined in the module that carries the checker's
convention: an instance (not a class, function or module) whose class is defined in that
module, with callable ``forward`` and ``backward`` (``nets.gates.relu``, ``gates.sigmoid``).
Its declarations (``arity``, ``kink_distance``, ``bounds``, ``in_domain``,
``kink_points``; see :mod:`gradcheck.protocols`) guide the inputs drawn for it. A module
opts an object out by listing its name in ``__gradcheck_exclude__``; names starting with
an underscore are private and skipped; an object bound to several names counts once,
under its first name in sorted order.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

from gradcheck.errors import InvalidInputError


def differentiables(module: str | ModuleType) -> list[tuple[str, object]]:
    """Return ``(name, object)`` for each differentiable of ``module``, sorted by name.

    Raises
    ------
    InvalidInputError
        The module cannot be imported.
    """
    if isinstance(module, str):
        try:
            module = importlib.import_module(module)
        except ImportError as exc:
            raise InvalidInputError(f"cannot import module {module!r}: {exc}") from exc
    excluded = set(getattr(module, "__gradcheck_exclude__", ()))
    found, seen = [], set()
    for name in sorted(vars(module)):
        value = vars(module)[name]
        if name.startswith("_") or name in excluded or id(value) in seen:
            continue
        if inspect.isclass(value) or inspect.ismodule(value) or inspect.isroutine(value):
            continue
        if type(value).__module__ != module.__name__:
            continue
        if callable(getattr(value, "forward", None)) and callable(getattr(value, "backward", None)):
            found.append((name, value))
            seen.add(id(value))
    return found
