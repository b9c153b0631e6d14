"""Read a function's declaration of where it is not differentiable (optional)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradcheck.errors import ContractError
from gradcheck.inputs import Inputs

KinkDeclaration = Callable[..., object]


def find_declaration(attribute: str, *functions: object) -> Callable[..., object] | None:
    """Return the first callable ``attribute`` found on the functions or their owners.

    A bound method's instance is looked at first (``gate.forward`` finds
    ``gate.kink_distance``), then the function itself (an attribute set on it).
    """
    for function in functions:
        for holder in (getattr(function, "__self__", None), function):
            method = getattr(holder, attribute, None)
            if callable(method):
                return method
    return None


def kink_distances(declaration: KinkDeclaration | None, inputs: Inputs) -> list[np.ndarray]:
    """Evaluate the declaration: one float64 array per input, ``inf`` without one.

    Raises
    ------
    ContractError
        The declaration returned the wrong count, shapes, or negative or NaN values.
    """
    if declaration is None:
        return [np.full(x.shape, np.inf) for x in inputs.numeric]
    raw = declaration(*[x.copy() for x in inputs.numeric])
    values = list(raw) if isinstance(raw, tuple | list) else [raw]
    if len(values) != len(inputs.numeric):
        raise ContractError(
            f"kink_distance returned {len(values)} arrays for {len(inputs.numeric)} inputs."
        )
    distances = []
    for name, value, x in zip(inputs.names, values, inputs.numeric, strict=True):
        try:
            distance = np.broadcast_to(np.asarray(value, dtype=float), x.shape).copy()
        except ValueError as exc:
            raise ContractError(
                f"kink_distance for {name!r} has shape {np.shape(value)}, input {x.shape}."
            ) from exc
        if np.isnan(distance).any() or (distance < 0).any():
            raise ContractError(f"kink_distance for {name!r} must be >= 0 and not NaN.")
        distances.append(distance)
    return distances
