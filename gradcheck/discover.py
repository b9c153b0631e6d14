"""The checkable objects of a Python module: one rule for the plugin and the command line.

A *differentiable* is something defined in the module (never imported into it) that
is, or adapts to, the checker's forward/backward convention:

- an instance whose class is defined there, with callable ``forward`` and ``backward``
  (``nets.gates.relu``, ``gates.sigmoid``), or an adapted pair
  (:class:`gradcheck.adapters.Adapted`) bound to a name there;
- a pair of functions in the CS231n style, ``<stem>_forward<suffix>`` and
  ``<stem>_backward<suffix>`` (``affine_forward``/``affine_backward``,
  ``conv_forward_naive``/``conv_backward_naive``), found under the forward's name and
  adapted by :func:`~gradcheck.adapters.from_cache`, and a function named ``*_loss``
  returning ``(loss, grads)``, adapted by :func:`~gradcheck.adapters.from_loss`; their
  constants come from a ``constants`` attribute of the forward;
- a ``torch.autograd.Function`` subclass or a ``jax.custom_vjp`` (looked for only when
  the module imported torch or jax).

Its declarations (``arity``, ``kink_distance``, ``bounds``, ``shapes``...; see
:mod:`gradcheck.protocols`) guide the inputs drawn for it. A module opts an object out by
listing its name in ``__gradcheck_exclude__``; names starting with an underscore are
private and skipped; an object bound to several names counts once, under its first name
in sorted order.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from types import ModuleType

from gradcheck.adapters import Adapted, from_cache, from_jax, from_loss, from_torch
from gradcheck.errors import InvalidInputError

#: A CS231n-style forward's name: the stem, then ``_forward``, then an optional suffix.
FORWARD_NAME = re.compile(r"^(?P<stem>.+)_forward(?P<suffix>(_.+)?)$")


def _is_function_class(value: object) -> bool:
    torch = sys.modules.get("torch")
    return (
        torch is not None
        and inspect.isclass(value)
        and issubclass(value, torch.autograd.Function)
        and value is not torch.autograd.Function
    )


def _is_custom_rule(value: object) -> bool:
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(value, jax.custom_vjp | jax.custom_jvp)


def _adapted(name: str, value: object, namespace: dict[str, object]) -> object | None:
    """Return ``value`` as a differentiable, or None if it is not one."""
    if isinstance(value, Adapted):
        return value
    if _is_function_class(value):
        return from_torch(value)
    if _is_custom_rule(value):
        return from_jax(value)
    if inspect.isfunction(value):
        match = FORWARD_NAME.match(name)
        if match:
            backward = namespace.get(f"{match['stem']}_backward{match['suffix']}")
            return from_cache(value, backward) if inspect.isfunction(backward) else None
        return from_loss(value) if name.endswith("_loss") else None
    if inspect.isclass(value) or inspect.ismodule(value) or inspect.isroutine(value):
        return None
    if callable(getattr(value, "forward", None)) and callable(getattr(value, "backward", None)):
        return value
    return None


def _defined_in(value: object, module: ModuleType) -> bool:
    # An instance answers with its class's module; a jax rule with its function's.
    return isinstance(value, Adapted) or getattr(value, "__module__", None) == module.__name__


def differentiables(module: str | ModuleType) -> list[tuple[str, object]]:
    """Return ``(name, object)`` for each differentiable of ``module``, sorted by name.

    Raises
    ------
    InvalidInputError
        The module cannot be imported, or a pair it defines cannot be adapted.
    """
    if isinstance(module, str):
        try:
            module = importlib.import_module(module)
        except ImportError as exc:
            raise InvalidInputError(f"cannot import module {module!r}: {exc}") from exc
    excluded = set(getattr(module, "__gradcheck_exclude__", ()))
    namespace = vars(module)
    found, seen = [], set()
    for name in sorted(namespace):
        value = namespace[name]
        if name.startswith("_") or name in excluded or id(value) in seen:
            continue
        if not _defined_in(value, module):
            continue
        target = _adapted(name, value, namespace)
        if target is not None:
            found.append((name, target))
            seen.add(id(value))
    return found
