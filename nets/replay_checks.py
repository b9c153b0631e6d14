"""What a compiled replay (:mod:`nets.replay`) calls when a gate's result is not the plain case.

The straight-line source tests the common case inline (a float64 array of the
recorded shape, a tuple of the right length); everything else comes here, to be
converted or refused with a message naming the gate.
"""

from __future__ import annotations

import numpy as np

#: The names the compiled source calls.
CALLED = ("loaded", "owned", "broadcast", "single", "coerced", "counted")


def loaded(value: object, recorded: tuple[int, ...], position: int) -> np.ndarray:
    """Return an input as a float64 array, refusing a shape the recording did not see."""
    value = np.asarray(value, dtype=float)
    if value.shape != recorded:
        raise ValueError(
            f"input {position} has shape {value.shape}; the tape was recorded at {recorded}"
        )
    return value


def owned(
    gradients: tuple, inputs: tuple, shapes: tuple[tuple[int, ...], ...]
) -> tuple[np.ndarray, ...]:
    """Return the gradients, each copied unless it is a float64 array of its own.

    A gradient that is a view, an input, another gradient (``a + b`` hands one array
    to both inputs) or not float64 is copied: a caller who updates a parameter in
    place, or edits one gradient, must not change another. An input no gate passes a
    gradient to (None) gets zeros of its shape.
    """
    seen = set(map(id, inputs))
    results = []
    for g, shape in zip(gradients, shapes, strict=True):
        if g is None:
            g = np.zeros(shape)
        elif g.__class__ is not np.ndarray or g.dtype != np.float64 or g.base is not None:
            g = np.array(g, dtype=float)
        elif id(g) in seen:
            g = g.copy()
        seen.add(id(g))
        results.append(g)
    return tuple(results)


def broadcast(gradient: object, shape: tuple[int, ...]) -> object:
    """Return a value's first gradient: as it is with the value's shape, else broadcast."""
    return gradient if np.shape(gradient) == shape else np.zeros(shape) + gradient


def single(local: tuple | list, name: str) -> object:
    """Return the gradient of a one-input gate that returned it in a tuple or list."""
    if len(local) != 1:
        _miscounted(local, 1, name)
    return local[0]


def coerced(value: object, recorded: tuple[int, ...], name: str) -> np.ndarray:
    """Return a gate's output as a float64 array, refusing a shape the recording did not see."""
    value = np.asarray(value, dtype=float)
    if value.shape != recorded:
        _reshaped(value.shape, recorded, name)
    return value


def counted(local: object, inputs: int, name: str) -> tuple | list:
    """Return a gate's gradients when they are a list, or a tuple subclass, of the right length."""
    if not isinstance(local, tuple | list) or len(local) != inputs:
        _miscounted(local, inputs, name)
    return local


def _reshaped(shape: tuple[int, ...], recorded: tuple[int, ...], name: str) -> None:
    raise ValueError(
        f"gate {name!r} returned shape {shape} where the recording saw {recorded}: the "
        "circuit's wiring depends on the values, so record it again at these inputs"
    )


def _miscounted(local: object, inputs: int, name: str) -> None:
    got = len(local) if isinstance(local, tuple | list) else 1
    raise ValueError(f"gate {name!r} returned {got} gradients for {inputs} inputs")
