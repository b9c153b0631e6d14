"""The public entry points: :func:`check` raises on a wrong gradient, :func:`compare` reports."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from gradcheck.compare import Tolerance
from gradcheck.contract import evaluate_contract
from gradcheck.declared import find_declaration, kink_distances
from gradcheck.defaults import AUTO_FULL_LIMIT, NUMERIC_EPS, dtype_defaults
from gradcheck.elements import Elements
from gradcheck.errors import GradientMismatch, InvalidInputError
from gradcheck.fast import check_fast
from gradcheck.findings import Context, fast_result, full_result
from gradcheck.full import check_all
from gradcheck.inputs import prepare_inputs
from gradcheck.message import failure_message, reproduce_line
from gradcheck.noise import analytic_noise
from gradcheck.objective import Objective
from gradcheck.prober import Prober
from gradcheck.result import CheckResult

MODES = ("auto", "full", "fast")
#: backward calls spent measuring the analytic side's rounding noise.
ANALYTIC_NOISE_CALLS = 3


def _input_names(
    forward: Callable[..., object], count: int, names: Sequence[str] | None
) -> tuple[str, ...]:
    if names is not None:
        names = tuple(str(n) for n in names)
        if len(names) != count:
            raise InvalidInputError(f"{len(names)} names given for {count} inputs.")
        return names
    declared = getattr(getattr(forward, "__self__", None), "input_names", None)
    if declared is not None and len(declared) == count:
        return tuple(str(n) for n in declared)
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


def _validate_options(
    forward: object, backward: object, mode: str, atol: float, rtol: float | None, seed: int
) -> None:
    for role, function in (("forward", forward), ("backward", backward)):
        if not callable(function):
            raise InvalidInputError(f"{role} must be callable, got {type(function).__name__}.")
    if mode not in MODES:
        raise InvalidInputError(f"mode must be one of {MODES}, got {mode!r}.")
    for label, value in (("atol", atol), ("rtol", rtol)):
        if value is not None and not (np.isfinite(value) and value >= 0):
            raise InvalidInputError(f"{label} must be a finite number >= 0, got {value!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InvalidInputError(f"seed must be an integer, got {seed!r}.")


def compare(
    forward: Callable[..., object],
    backward: Callable[..., object],
    *inputs: object,
    mode: str = "auto",
    atol: float = 0.0,
    rtol: float | None = None,
    seed: int = 0,
    kinks: Callable[..., object] | None = None,
    names: Sequence[str] | None = None,
) -> CheckResult:
    """Check a hand-written gradient and return the verdict without raising on a mismatch.

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
        Relative tolerance added to the error estimate (default by dtype: 1e-7 for
        float64).
    seed : int
        Seeds ``grad_output`` and the random directions: equal seeds, equal results.
    kinks : callable, optional
        ``kinks(*inputs)`` returns per input the distance of each element to its nearest
        kink, pole or domain edge. By default read from a ``kink_distance`` method of
        ``forward``'s or ``backward``'s owner.
    names : sequence of str, optional
        Input names for messages (default: an ``input_names`` attribute of
        ``forward``'s owner, else ``forward``'s parameter names).

    Returns
    -------
    CheckResult
        ``result.passed`` says whether the gradient is right.

    Raises
    ------
    InvalidInputError, ForwardError, NondeterminismError
        Inputs or options that cannot be checked (ValueError subclasses).
    ForwardContractError, BackwardContractError, BackwardLinearityError
        ``forward`` or ``backward`` breaks the calling convention (TypeError subclasses).

    Examples
    --------
    >>> import numpy as np, gradcheck
    >>> result = gradcheck.compare(np.sin, lambda x, g: g * np.cos(x), np.linspace(0, 3, 5))
    >>> result.passed, result.mode
    (True, 'full')
    """
    __tracebackhide__ = True
    _validate_options(forward, backward, mode, atol, rtol, seed)
    names = _input_names(forward, len(inputs), names)
    prepared = prepare_inputs(inputs, names)
    rng = np.random.default_rng(seed)
    evaluation = evaluate_contract(forward, backward, prepared, rng)
    declaration = kinks
    if declaration is None:
        declaration = find_declaration("kink_distance", forward, backward)
    elements = Elements.build(
        prepared.numeric, kink_distances(declaration, prepared), evaluation.gradients
    )
    elements = replace(
        elements,
        analytic_noise=analytic_noise(
            backward,
            prepared,
            evaluation.cotangent.astype(evaluation.output.dtype),
            elements.scales,
            elements.distances,
            rng,
        ),
    )
    defaults = dtype_defaults(prepared.dtype)
    largest = max(float(np.max(np.abs(g))) for g in evaluation.gradients)
    tolerance = Tolerance(
        atol=atol,
        rtol=defaults.rtol if rtol is None else rtol,
        analytic_atol=defaults.analytic_rounding * largest,
    )
    objective = Objective(forward, prepared.numeric, evaluation.cotangent)
    floor = NUMERIC_EPS * float(np.sum(np.abs(evaluation.cotangent * evaluation.output)))
    prober = Prober(objective, tolerance, elements.scales, elements.distances, floor, rng)
    chosen = mode if mode != "auto" else ("full" if elements.count <= AUTO_FULL_LIMIT else "fast")
    outcome = check_all(prober, elements) if chosen == "full" else check_fast(prober, elements, rng)

    options: dict[str, object] = {"seed": int(seed), "mode": chosen}
    if atol:
        options["atol"] = atol
    if rtol is not None:
        options["rtol"] = rtol
    context = Context(
        names=names,
        elements=elements,
        forward_calls=evaluation.forward_calls + objective.calls,
        backward_calls=evaluation.backward_calls + ANALYTIC_NOISE_CALLS,
        reproduce=reproduce_line(forward, backward, names, prepared.given, options),
        random_grad_output=evaluation.output.size > 1,
    )
    if chosen == "full":
        result = full_result(context, outcome)
    else:
        result = fast_result(context, outcome)
    tracer = find_declaration("trace", forward, backward)
    if result.passed or tracer is None:
        return result
    from gradcheck.localize import localize  # localize builds on compare

    nodes = tracer(*prepared.fresh())
    return replace(result, localization=localize(nodes, mode=chosen, seed=seed))


def check(
    forward: Callable[..., object],
    backward: Callable[..., object],
    *inputs: object,
    mode: str = "auto",
    atol: float = 0.0,
    rtol: float | None = None,
    seed: int = 0,
    kinks: Callable[..., object] | None = None,
    names: Sequence[str] | None = None,
) -> CheckResult:
    """Check a hand-written gradient; raise :class:`GradientMismatch` if it is wrong.

    Takes the same arguments as :func:`compare`.

    Returns
    -------
    CheckResult
        When the gradient is right.

    Raises
    ------
    GradientMismatch
        An ``AssertionError`` naming the wrong elements, with a hint and a line that
        reproduces the check.

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
        kinks=kinks,
        names=names,
    )
    if not result.passed:
        raise GradientMismatch(failure_message(result), result)
    return result
