"""Validate and copy what the user hands over, once, at the boundary.

:func:`validate` turns the arguments of ``check``/``compare`` into a :class:`Request`
or raises a named error: the inputs (private copies), the options, the input names
and the declared kink distances.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from gradcheck.defaults import AUTO_FULL_LIMIT, NUMERIC_DTYPE
from gradcheck.errors import ContractError, InvalidInputError, PrecisionWarning
from gradcheck.protocols import declared

MODES = ("auto", "full", "fast")


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
    if isinstance(value, np.matrix):
        raise InvalidInputError(
            f"input {name!r} is an np.matrix, whose * is matrix multiplication; the "
            "checker perturbs plain arrays, on which * is elementwise, so forward would "
            f"compute something else. Pass np.asarray({name}) and write @ for products."
        )
    if callable(getattr(value, "detach", None)) and callable(getattr(value, "numpy", None)):
        value = value.detach().cpu().numpy()  # a torch tensor, wherever it lives
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


def _prepare_inputs(values: Sequence[object], names: Sequence[str]) -> Inputs:
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
            stacklevel=5,
        )
    numeric = tuple(a.astype(NUMERIC_DTYPE) for a in arrays)
    return Inputs(tuple(names), arrays, numeric, dtype)


@dataclass(frozen=True)
class Options:
    """The check's options, validated.

    ``mode`` is resolved: ``"full"`` or ``"fast"``, never ``"auto"``. ``rtol`` is None
    for the dtype's default.
    """

    mode: str
    atol: float
    rtol: float | None
    seed: int
    nondet_tol: float | None = None

    def shown(self) -> dict[str, object]:
        """Return the options a reproduce line must repeat (builtin values)."""
        shown: dict[str, object] = {"seed": self.seed, "mode": self.mode}
        if self.atol:
            shown["atol"] = self.atol
        if self.rtol is not None:
            shown["rtol"] = self.rtol
        if self.nondet_tol is not None:
            shown["nondet_tol"] = self.nondet_tol
        return shown


@dataclass(frozen=True)
class Request:
    """Everything a check needs, validated: what ``verdict.run`` takes.

    Attributes
    ----------
    forward, backward : callable
        The user's functions.
    inputs : Inputs
        Private copies of the inputs, with their names.
    options : Options
        Mode, tolerances and seed.
    distances : list of numpy.ndarray
        Per input, each element's declared distance to its nearest kink (``inf`` where
        none is declared).
    """

    forward: Callable[..., object]
    backward: Callable[..., object]
    inputs: Inputs
    options: Options
    distances: list[np.ndarray]


def _tolerance(label: str, value: object, optional: bool) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{label} must be a number, got {value!r}.")
    if not (np.isfinite(value) and value >= 0):
        raise InvalidInputError(f"{label} must be a finite number >= 0, got {value!r}.")
    return float(value)


def _options(
    mode: object, atol: object, rtol: object, seed: object, nondet_tol: object, count: int
) -> Options:
    if mode not in MODES:
        raise InvalidInputError(f"mode must be one of {MODES}, got {mode!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidInputError(f"seed must be an integer >= 0, got {seed!r}.")
    if mode == "auto":
        mode = "full" if count <= AUTO_FULL_LIMIT else "fast"
    return Options(
        mode=str(mode),
        atol=_tolerance("atol", atol, optional=False) or 0.0,
        rtol=_tolerance("rtol", rtol, optional=True),
        seed=int(seed),
        nondet_tol=_tolerance("nondet_tol", nondet_tol, optional=True),
    )


def _input_names(
    forward: Callable[..., object], count: int, names: Sequence[str] | None
) -> tuple[str, ...]:
    if names is not None:
        if isinstance(names, str) or not isinstance(names, Sequence):
            raise InvalidInputError(f"names must be a sequence of strings, got {names!r}.")
        if len(names) != count:
            raise InvalidInputError(f"{len(names)} names given for {count} inputs.")
        return tuple(str(n) for n in names)
    given = declared("input_names", forward)
    if given is not None and not isinstance(given, str) and len(given) == count:
        return tuple(str(n) for n in given)
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        parameters = []
    positional = [
        p.name
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) >= count:
        return tuple(positional[:count])
    return tuple(f"x{i}" for i in range(count))


def _kink_distances(declaration: object, inputs: Inputs) -> list[np.ndarray]:
    """Evaluate a kink declaration: one float64 array per input, ``inf`` without one.

    Raises
    ------
    InvalidInputError
        The declaration is not callable.
    ContractError
        It raised, or returned the wrong count, shapes, or negative or NaN values.
    """
    if declaration is None:
        return [np.full(x.shape, np.inf) for x in inputs.numeric]
    if not callable(declaration):
        raise InvalidInputError(
            f"kink_distance must be a callable kink_distance(*inputs), got "
            f"{type(declaration).__name__}."
        )
    try:
        raw = declaration(*[x.copy() for x in inputs.numeric])
    except Exception as exc:
        raise ContractError(f"kink_distance raised {type(exc).__name__}: {exc}") from exc
    values = list(raw) if isinstance(raw, tuple | list) else [raw]
    if len(values) != len(inputs.numeric):
        raise ContractError(
            f"kink_distance returned {len(values)} arrays for {len(inputs.numeric)} inputs."
        )
    distances = []
    for name, value, x in zip(inputs.names, values, inputs.numeric, strict=True):
        try:
            distance = np.broadcast_to(np.asarray(value, dtype=float), x.shape).copy()
        except (ValueError, TypeError) as exc:
            raise ContractError(
                f"kink_distance for {name!r} must be an array of floats shaped like the "
                f"input {x.shape}, got {value!r:.60}."
            ) from exc
        if np.isnan(distance).any() or (distance < 0).any():
            raise ContractError(f"kink_distance for {name!r} must be >= 0 and not NaN.")
        distances.append(distance)
    return distances


def validate(
    forward: object,
    backward: object,
    inputs: Sequence[object],
    *,
    mode: object = "auto",
    atol: object = 0.0,
    rtol: object = None,
    seed: object = 0,
    kink_distance: object = None,
    names: Sequence[str] | None = None,
    nondet_tol: object = None,
) -> Request:
    """Check every argument of a check once and return them as a :class:`Request`.

    Raises
    ------
    InvalidInputError
        A function that is not callable, an unknown mode, a tolerance or seed that is
        not a number of the right range, names of the wrong count, no inputs, or an
        input that is empty, non-floating or not finite.
    ContractError
        The kink declaration raised or returned something unusable.
    """
    for role, function in (("forward", forward), ("backward", backward)):
        if not callable(function):
            raise InvalidInputError(f"{role} must be callable, got {type(function).__name__}.")
    input_names = _input_names(forward, len(inputs), names)
    prepared = _prepare_inputs(inputs, input_names)
    count = sum(x.size for x in prepared.numeric)
    options = _options(mode, atol, rtol, seed, nondet_tol, count)
    if kink_distance is None:
        kink_distance = declared("kink_distance", forward, backward)
    return Request(
        forward=forward,
        backward=backward,
        inputs=prepared,
        options=options,
        distances=_kink_distances(kink_distance, prepared),
    )
