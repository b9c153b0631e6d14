"""Call ``forward`` and ``backward`` at the given inputs and hold them to the contract.

Everything here runs before any finite difference: a function that breaks the calling
convention gets a named error that says what is wrong, never a mismatch verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from gradcheck.contract.inputs import Inputs
from gradcheck.defaults import NUMERIC_DTYPE
from gradcheck.errors import (
    BackwardContractError,
    BackwardLinearityError,
    ForwardContractError,
    ForwardError,
    GradcheckError,
    NondeterminismError,
)

#: backward(x, -g / 2) must equal -backward(x, g) / 2: scaling by a power of two is exact
#: in floating point, so a linear backward agrees to within a few roundings (halving, not
#: doubling: a gradient near the float maximum must not overflow in the probe itself).
LINEARITY_SCALE = -0.5
LINEARITY_ROUNDINGS = 64
#: Two identical calls may differ by this many roundings (relative to the largest
#: value) by default: summation in a varying order, not randomness.
NONDET_ROUNDINGS = 64
#: Differences below this (relative) look like summation order rather than randomness.
ORDERING_NOISE = 1e-9


@dataclass(frozen=True)
class Evaluation:
    """``forward`` and ``backward`` at the given inputs, after every contract check.

    Attributes
    ----------
    output : numpy.ndarray
        ``forward(*inputs)``.
    cotangent : numpy.ndarray
        The ``grad_output`` used (float64 values, exactly representable in the output's
        dtype): 1 for a one-element output, seeded normal values otherwise.
    gradients : tuple of numpy.ndarray
        ``backward(*inputs, cotangent)`` in float64.
    forward_calls, backward_calls : int
        Calls spent on these checks.
    """

    output: np.ndarray
    cotangent: np.ndarray
    gradients: tuple[np.ndarray, ...]
    forward_calls: int
    backward_calls: int


def _unchanged(after: np.ndarray, before: np.ndarray) -> bool:
    """Whether a copy handed to user code still equals the array it was made from.

    ``np.array_equal`` for two finite arrays of one dtype, without its conversions.
    """
    return after.shape == before.shape and bool((after == before).all())


def _call_forward(forward: Callable[..., object], inputs: Inputs) -> np.ndarray:
    arguments = inputs.fresh()
    try:
        raw = forward(*arguments)
    except GradcheckError:  # an adapter's named error about the user's code: as it is
        raise
    except Exception as exc:
        raise ForwardError(
            f"forward raised {type(exc).__name__} at the given inputs: {exc}"
        ) from exc
    for name, after, before in zip(inputs.names, arguments, inputs.given, strict=True):
        if not _unchanged(after, before):
            raise ForwardContractError(
                f"forward modified its input {name!r} in place; a checked function must "
                "leave its inputs unchanged (copy before writing into them)."
            )
    if raw is None:
        raise ForwardContractError("forward returned None; it must return the output array.")
    try:
        output = np.array(raw)
    except (ValueError, TypeError) as exc:
        raise ForwardContractError(f"forward returned something not an array: {exc}") from exc
    if output.dtype.kind != "f":
        raise ForwardContractError(
            f"forward returned dtype {output.dtype}; a differentiable function returns "
            "floating-point values."
        )
    if output.size == 0:
        raise ForwardContractError(f"forward returned an empty array (shape {output.shape}).")
    if not np.isfinite(output).all():
        where = [int(i) for i in np.argwhere(~np.isfinite(output))[0]]
        raise ForwardContractError(
            f"forward returned {output[tuple(where)]} at output index {where}; the inputs "
            "may lie outside the function's domain."
        )
    return output


def _gradient_list(raw: object, count: int) -> list[object]:
    if raw is None:
        raise BackwardContractError(
            "backward returned None; it must return one gradient per input."
        )
    if isinstance(raw, tuple | list):
        if len(raw) != count:
            raise BackwardContractError(
                f"backward returned {len(raw)} gradients for {count} inputs; it must "
                "return one gradient per input, in the order of the inputs."
            )
        return list(raw)
    if count != 1:
        raise BackwardContractError(
            f"backward returned a single array for {count} inputs; return a tuple with "
            "one gradient per input."
        )
    return [raw]


def _validate_gradient(raw: object, name: str, like: np.ndarray) -> np.ndarray:
    if raw is None:
        raise BackwardContractError(
            f"backward returned None for input {name!r}; return zeros where the output "
            "does not depend on an input."
        )
    try:
        gradient = np.asarray(raw)
    except (ValueError, TypeError) as exc:
        raise BackwardContractError(
            f"backward's gradient for {name!r} is not an array: {exc}"
        ) from exc
    if gradient.dtype.kind not in "fiu":
        raise BackwardContractError(
            f"backward's gradient for {name!r} has dtype {gradient.dtype}; expected floats."
        )
    if gradient.shape != like.shape:
        advice = ""
        try:
            np.broadcast_shapes(gradient.shape, like.shape)
            advice = (
                " The shapes broadcast: if the input was broadcast in forward, sum the "
                "gradient over the broadcast axes."
            )
        except ValueError:
            if gradient.size == like.size:
                advice = " Same number of elements: a reshape or transpose is missing."
        raise BackwardContractError(
            f"backward's gradient for {name!r} has shape {gradient.shape}, but the input "
            f"has shape {like.shape}.{advice}"
        )
    if not np.isfinite(gradient).all():
        where = [int(i) for i in np.argwhere(~np.isfinite(gradient))[0]]
        raise BackwardContractError(
            f"backward's gradient for {name!r} holds {gradient[tuple(where)]} at {where}."
        )
    return gradient.astype(NUMERIC_DTYPE)


def call_backward(
    backward: Callable[..., object], inputs: Inputs, cotangent: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Call ``backward`` on copies of the inputs and validate what it returns."""
    arguments = inputs.fresh()
    grad_output = cotangent.copy()
    try:
        raw = backward(*arguments, grad_output)
    except GradcheckError:
        raise
    except Exception as exc:
        raise BackwardContractError(f"backward raised {type(exc).__name__}: {exc}") from exc
    for name, after, before in zip(inputs.names, arguments, inputs.given, strict=True):
        if not _unchanged(after, before):
            raise BackwardContractError(f"backward modified its input {name!r} in place.")
    if not _unchanged(grad_output, cotangent):
        raise BackwardContractError(
            "backward modified grad_output in place; callers reuse it (copy before "
            "writing, e.g. delta = probs.copy())."
        )
    raws = _gradient_list(raw, len(inputs.given))
    return tuple(
        _validate_gradient(r, n, x)
        for r, n, x in zip(raws, inputs.names, inputs.given, strict=True)
    )


class GradientAt:
    """``backward`` at other inputs with a fixed ``grad_output``, validated and counted.

    Called with one array per input (in the inputs' dtype); returns float64 gradients
    or raises a :class:`BackwardContractError`.
    """

    def __init__(
        self, backward: Callable[..., object], inputs: Inputs, cotangent: np.ndarray
    ) -> None:
        self._backward = backward
        self._inputs = inputs
        self._cotangent = cotangent
        self.calls = 0

    def __call__(self, values: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """Return the gradients at ``values``."""
        self.calls += 1
        moved = replace(self._inputs, given=tuple(values))
        return call_backward(self._backward, moved, self._cotangent)


def _draw_cotangent(output: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if output.size == 1:
        values = np.ones(output.shape)
    else:
        values = rng.standard_normal(output.shape)
    return values.astype(output.dtype)


def _check_linearity(
    backward: Callable[..., object],
    inputs: Inputs,
    cotangent: np.ndarray,
    gradients: Sequence[np.ndarray],
    nondeterminism: float,
) -> None:
    """Raise BackwardLinearityError unless backward is linear in grad_output.

    ``nondeterminism`` is the relative call-to-call difference accepted (0 for a
    backward that repeated itself exactly).
    """
    scale = max(float(np.abs(g).max()) for g in gradients)
    precision = np.finfo(inputs.dtype)
    # Below the smallest normal number, scaling by 2 is no longer exact: subnormal results
    # carry fewer bits, so differences down there are rounding.
    allowed = max(
        LINEARITY_ROUNDINGS * float(precision.eps) * scale,
        float(precision.tiny),
        2.0 * nondeterminism * scale,
    )
    zero = call_backward(backward, inputs, np.zeros_like(cotangent))
    for name, g in zip(inputs.names, zero, strict=True):
        if np.abs(g).max() > allowed:
            raise BackwardLinearityError(
                f"backward with grad_output = 0 returns a nonzero gradient for {name!r} "
                f"(max |value| {np.max(np.abs(g)):.3g}); a vector-Jacobian product is "
                "linear in grad_output: a term does not multiply grad_output."
            )
    scaled = call_backward(backward, inputs, (LINEARITY_SCALE * cotangent).astype(cotangent.dtype))
    for name, g, reference in zip(inputs.names, scaled, gradients, strict=True):
        deviation = float(np.abs(g - LINEARITY_SCALE * reference).max())
        if deviation > allowed:
            raise BackwardLinearityError(
                f"backward is not linear in grad_output for {name!r}: scaling grad_output "
                f"by {LINEARITY_SCALE:g} changes the gradient by {deviation:.3g} more than "
                "it should. Multiply the local derivative by grad_output (chain rule), "
                "and do not use its sign or magnitude. If that is intended (gradient "
                "clipping in a custom rule, say), the rule is not a vector-Jacobian "
                "product and cannot be checked against finite differences."
            )


def _deviation(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """Return the largest ``|first - second|`` and its size relative to ``max |first|``."""
    with np.errstate(invalid="ignore", over="ignore"):
        worst = float(np.abs(first - second).max(initial=0.0))
    if worst == 0.0:  # two calls that agree: no scale needed
        return 0.0, 0.0
    largest = float(np.abs(first).max(initial=0.0))
    return worst, worst / largest if largest > 0.0 else float("inf")


def _nondeterminism_hint(first: Sequence[np.ndarray], second: Sequence[np.ndarray]) -> str:
    """Say what kind of difference two identical backward calls showed."""
    if all(
        np.allclose(b, 2.0 * a, rtol=1e-9, atol=0.0) for a, b in zip(first, second, strict=True)
    ):
        return (
            "the second call returned twice the first: does it accumulate into state "
            "between calls (grad += ... without resetting)?"
        )
    relative = max(_deviation(a, b)[1] for a, b in zip(first, second, strict=True))
    if relative < ORDERING_NOISE:
        return (
            f"they differ by {relative:.1e} relative, the size of summation in an order "
            "that varies between calls (a graph walked through a set keyed by id, threaded "
            "BLAS): pass nondet_tol= at that level if that is what it is."
        )
    return (
        f"they differ by {relative:.1e} relative: randomness (dropout, sampling) or "
        "state carried between calls? Seed it or remove it before checking."
    )


def _allowed_nondeterminism(nondet_tol: float | None, dtype: np.dtype) -> float:
    if nondet_tol is not None:
        return nondet_tol
    return NONDET_ROUNDINGS * float(np.finfo(dtype).eps)


def evaluate_contract(
    forward: Callable[..., object],
    backward: Callable[..., object],
    inputs: Inputs,
    rng: np.random.Generator,
    nondet_tol: float | None = None,
) -> Evaluation:
    """Run ``forward`` and ``backward`` at the inputs and check the calling convention.

    Two identical calls may differ by ``nondet_tol`` relative to the largest value
    returned (default ``NONDET_ROUNDINGS`` roundings of the inputs' dtype).

    Raises
    ------
    ForwardError
        ``forward`` raised.
    ForwardContractError
        ``forward`` returned None, non-floats, an empty or non-finite array, or
        modified an input.
    BackwardContractError
        ``backward`` raised, returned the wrong number of gradients, None, wrong shapes
        or non-finite values, or modified its arguments.
    BackwardLinearityError
        ``backward`` is not linear in ``grad_output``.
    NondeterminismError
        Two identical calls differed by more than ``nondet_tol``.
    """
    allowed = _allowed_nondeterminism(nondet_tol, inputs.dtype)
    output = _call_forward(forward, inputs)
    _, relative = _deviation(output, _call_forward(forward, inputs))
    if relative > allowed:
        raise NondeterminismError(
            f"forward returned values {relative:.1e} apart (relative) for identical "
            f"inputs, above nondet_tol = {allowed:.1e}; seed or remove the randomness "
            "(e.g. dropout) before checking, or raise nondet_tol if it is summation-order "
            "noise."
        )
    cotangent = _draw_cotangent(output, rng)
    gradients = call_backward(backward, inputs, cotangent)
    again = call_backward(backward, inputs, cotangent)
    relative = max(_deviation(a, b)[1] for a, b in zip(gradients, again, strict=True))
    if relative > allowed:
        raise NondeterminismError(
            f"backward returned gradients {relative:.1e} apart (relative) for identical "
            f"arguments, above nondet_tol = {allowed:.1e}; "
            + _nondeterminism_hint(gradients, again)
        )
    _check_linearity(backward, inputs, cotangent, gradients, allowed if relative else 0.0)
    return Evaluation(
        output=output,
        cotangent=cotangent.astype(NUMERIC_DTYPE),
        gradients=gradients,
        forward_calls=2,
        backward_calls=4,
    )
