"""Which class defines a method; whether a two-in-one method goes with its parts.

A gate's ``forward_with_cache`` stands for its ``forward`` (and its cache for what
``backward`` reads); a loss's ``total_and_gradient`` for its ``total`` and its
``gradient``. A subclass that replaces ``gradient`` alone, seed 001's kind of slip,
inherits a combined method written for its parent's ``gradient``: running that would
train with another gradient than the one checked. :func:`joint_holds` tells.

>>> class Parent:
...     def gradient(self): ...
...     def total_and_gradient(self): ...
>>> class Child(Parent):
...     def gradient(self): ...
>>> joint_holds(Parent(), "total_and_gradient", ("gradient",))
True
>>> joint_holds(Child(), "total_and_gradient", ("gradient",))
False
"""

from __future__ import annotations

from collections.abc import Sequence


def owner(obj: object, attribute: str) -> type | None:
    """Return the class that defines ``attribute`` for ``obj`` (None: the instance)."""
    if attribute in getattr(obj, "__dict__", {}):  # an object with __slots__ has none
        return None
    return next(k for k in type(obj).__mro__ if attribute in vars(k))


def joint_holds(obj: object, joint: str, parts: Sequence[str]) -> bool:
    """Whether ``obj``'s method ``joint`` was defined where its ``parts`` are, or below.

    True for a joint set on the instance; False for a part set on the instance and not
    the joint. A part ``obj`` lacks constrains nothing.
    """
    home = owner(obj, joint)
    if home is None:
        return True
    for part in parts:
        if not hasattr(obj, part):
            continue
        defined = owner(obj, part)
        if defined is None or not issubclass(home, defined):
            return False
    return True
