"""Validate and copy what the user hands over, once, at the boundary."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradcheck.defaults import NUMERIC_DTYPE
from gradcheck.errors import InvalidInputError, PrecisionWarning


@dataclass(frozen=True)
class Inputs:
    """Private copies of the inputs.

    Attributes
    ----------
    names : tuple of str
        One display name per input.
    given : tuple of numpy.ndarray
        Copies in the dtype the user passed (what ``backward`` sees).
    numeric : tuple of numpy.ndarray
        float64 copies (what the numerical side perturbs).
    dtype : numpy.dtype
        The least precise input dtype: it sets the default tolerances.
    """

    names: tuple[str, ...]
    given: tuple[np.ndarray, ...]
    numeric: tuple[np.ndarray, ...]
    dtype: np.dtype

    def fresh(self) -> list[np.ndarray]:
        """Return new copies of the inputs as given, safe to hand to user code."""
        return [x.copy() for x in self.given]


def _as_float_array(value: object, name: str) -> np.ndarray:
    try:
        array = np.array(value)  # always a copy: the caller's object is never touched
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"input {name!r} is not an array: {exc}") from exc
    kind = array.dtype.kind
    if kind == "b":
        raise InvalidInputError(
            f"input {name!r} is boolean; gradients need floating inputs. If it is a mask "
            "or a constant, close over it instead of passing it."
        )
    if kind in "iu":
        raise InvalidInputError(
            f"input {name!r} has integer dtype {array.dtype}; gradients need floating "
            f"inputs. Pass {name}.astype(float), or close over it if it is a constant "
            "such as class labels."
        )
    if kind == "c":
        raise InvalidInputError(
            f"input {name!r} is complex; gradcheck checks real-valued gradients only."
        )
    if kind != "f":
        raise InvalidInputError(
            f"input {name!r} has dtype {array.dtype}; expected a floating-point array."
        )
    if array.size == 0:
        raise InvalidInputError(f"input {name!r} is empty (shape {array.shape}).")
    bad = ~np.isfinite(array)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidInputError(
            f"input {name!r} holds {array[where]} at index {list(where)}; inputs must be finite."
        )
    return array


def prepare_inputs(values: Sequence[object], names: Sequence[str]) -> Inputs:
    """Validate the inputs and take private copies.

    Raises
    ------
    InvalidInputError
        No inputs, or an input that is empty, non-floating or not finite.
    """
    if not values:
        raise InvalidInputError("no inputs given: call check(forward, backward, *inputs).")
    arrays = tuple(_as_float_array(v, n) for v, n in zip(values, names, strict=True))
    dtype = min((a.dtype for a in arrays), key=lambda d: d.itemsize)
    if dtype.itemsize < NUMERIC_DTYPE.itemsize:
        warnings.warn(
            f"inputs in {dtype}: the numerical side runs in float64 and the tolerances "
            f"fit {dtype}, so errors below that precision go unseen; check in float64 "
            "for a sharper verdict.",
            PrecisionWarning,
            stacklevel=4,
        )
    numeric = tuple(a.astype(NUMERIC_DTYPE) for a in arrays)
    return Inputs(tuple(names), arrays, numeric, dtype)
