"""The public entry points: :func:`check` raises on a wrong gradient, :func:`compare` reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from gradcheck.contract.inputs import validate
from gradcheck.errors import GradientMismatch, GradientUnverified
from gradcheck.localize import localize
from gradcheck.protocols import declared
from gradcheck.report.text import failure_message
from gradcheck.result import CheckResult, Status
from gradcheck.verdict.run import run


def compare(
    forward: Callable[..., object],
    backward: Callable[..., object],
    *inputs: object,
    mode: str = "auto",
    atol: float = 0.0,
    rtol: float | None = None,
    seed: int = 0,
    kink_distance: Callable[..., object] | None = None,
    names: Sequence[str] | None = None,
    nondet_tol: float | None = None,
) -> CheckResult:
    """Check a hand-written gradient and return the verdict without raising on it.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs) -> array``.
    backward : callable
        ``backward(*inputs, grad_output) -> tuple`` with one gradient per input, each
        shaped like its input (a bare array for a one-input function).
    *inputs : array_like
        Floating-point inputs; never modified.
    mode : {"auto", "full", "fast"}
        ``"full"`` checks every element (about 2 forward calls each); ``"fast"`` checks
        random projections in O(1) calls and bisects to name wrong entries; ``"auto"``
        is full up to ``AUTO_FULL_LIMIT`` elements.
    atol : float
        Absolute tolerance added to the error estimate.
    rtol : float, optional
        Relative tolerance added to the error estimate (default by dtype: 1e-9 for
        float64, 1e-4 for float32, 3e-2 for float16).
    seed : int
        Seeds ``grad_output`` and the random directions: equal seeds, equal results.
    kink_distance : callable, optional
        ``kink_distance(*inputs)`` returns per input the distance of each element to its
        nearest kink, pole or domain edge. By default read from a ``kink_distance``
        method of ``forward``'s or ``backward``'s owner (see ``DeclaresKinks``).
    names : sequence of str, optional
        Input names for messages (default: an ``input_names`` attribute of
        ``forward``'s owner, else ``forward``'s parameter names).
    nondet_tol : float, optional
        How far two identical calls of ``forward`` or ``backward`` may differ, relative
        to the largest value returned. By default ``NONDET_ROUNDINGS`` roundings of the
        dtype: summation in an order that varies between calls (a graph walked through
        a set, threaded BLAS) is accepted, randomness is not. ``0`` demands identical
        results.

    Returns
    -------
    CheckResult
        ``result.status`` is ``Status.PASS``, ``Status.FAIL`` (the gradient is wrong)
        or ``Status.UNVERIFIED`` (no step resolved the derivative somewhere);
        ``result.passed`` is True for ``Status.PASS`` only.

    Raises
    ------
    InvalidInputError, ForwardError, NondeterminismError
        Inputs or options that cannot be checked (ValueError subclasses).
    ContractError
        ``forward``, ``backward`` or the kink declaration breaks the calling convention
        (TypeError subclasses: ``ForwardContractError``, ``BackwardContractError``,
        ``BackwardLinearityError``).

    Examples
    --------
    >>> import numpy as np, gradcheck
    >>> result = gradcheck.compare(np.sin, lambda x, g: g * np.cos(x), np.linspace(0, 3, 5))
    >>> result.status, result.mode
    (<Status.PASS: 'pass'>, 'full')
    """
    __tracebackhide__ = True
    request = validate(
        forward,
        backward,
        inputs,
        mode=mode,
        atol=atol,
        rtol=rtol,
        seed=seed,
        kink_distance=kink_distance,
        names=names,
        nondet_tol=nondet_tol,
    )
    result = run(request)
    tracer = declared("trace", forward, backward)
    if result.status is not Status.FAIL or tracer is None:
        return result
    nodes = tracer(*request.inputs.fresh())
    located = localize(nodes, mode=request.options.mode, seed=request.options.seed)
    return replace(result, localization=located)


def check(
    forward: Callable[..., object],
    backward: Callable[..., object],
    *inputs: object,
    mode: str = "auto",
    atol: float = 0.0,
    rtol: float | None = None,
    seed: int = 0,
    kink_distance: Callable[..., object] | None = None,
    names: Sequence[str] | None = None,
    nondet_tol: float | None = None,
) -> CheckResult:
    """Check a hand-written gradient; raise unless it is verified right.

    Takes the same arguments as :func:`compare`.

    Returns
    -------
    CheckResult
        When the gradient is verified right (``Status.PASS``).

    Raises
    ------
    GradientMismatch
        The gradient is wrong (``Status.FAIL``): an ``AssertionError`` naming the wrong
        elements, with a hint and a line that reproduces the check.
    GradientUnverified
        Nothing failed, but no step resolved the derivative somewhere
        (``Status.UNVERIFIED``): an ``AssertionError`` that says what could not be
        verified and why.

    Examples
    --------
    >>> import numpy as np, gradcheck
    >>> def forward(a, b):
    ...     return np.sum(a * b)
    >>> def backward(a, b, grad_output):
    ...     return grad_output * b, grad_output * a
    >>> gradcheck.check(forward, backward, np.array([1.0, 2.0]), np.array([3.0, -4.0])).passed
    True
    >>> def swapped(a, b, grad_output):
    ...     return grad_output * a, grad_output * b
    >>> gradcheck.check(forward, swapped, np.array([1.0, 2.0]), np.array([3.0, -4.0]))
    Traceback (most recent call last):
    ...
    gradcheck.errors.GradientMismatch: gradient wrong at b[1]: analytic -4 vs numeric 2 ...
    """
    __tracebackhide__ = True
    result = compare(
        forward,
        backward,
        *inputs,
        mode=mode,
        atol=atol,
        rtol=rtol,
        seed=seed,
        kink_distance=kink_distance,
        names=names,
        nondet_tol=nondet_tol,
    )
    return raise_unless_passed(result)


def raise_unless_passed(result: CheckResult) -> CheckResult:
    """Return a passing result; raise its ``GradientMismatch`` or ``GradientUnverified``."""
    __tracebackhide__ = True
    if result.status is Status.FAIL:
        raise GradientMismatch(failure_message(result), result)
    if result.status is Status.UNVERIFIED:
        raise GradientUnverified(failure_message(result), result)
    return result
