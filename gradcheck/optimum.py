"""Cross-check a gradient through optimization: it must lead to the same optimum.

A gradient check judges one point; :func:`compare_optima` judges where the gradient
leads. It minimizes ``loss`` twice with scipy, once with the hand-written ``grad`` and
once with scipy's own finite differences, and compares the optima. A gradient with a
missing or extra term moves the stationary point; one off by a positive scale does not,
so this complements the point check rather than replacing it.

scipy is imported on the first call, not with ``gradcheck``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from gradcheck.errors import ContractError, InvalidInputError

#: scipy.optimize.minimize methods that use ``jac`` without needing a Hessian, with
#: tight stopping settings, in each method's own option names.
_TIGHT: dict[str, dict[str, float]] = {
    "L-BFGS-B": {"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000},
    "BFGS": {"gtol": 1e-10, "maxiter": 10_000},
    "CG": {"gtol": 1e-10, "maxiter": 10_000},
    "TNC": {"gtol": 1e-10, "maxfun": 10_000},
    "SLSQP": {"ftol": 1e-15, "maxiter": 10_000},
}
GRADIENT_METHODS = frozenset(_TIGHT)
#: Methods that ignore ``jac``: comparing their runs tells nothing of the gradient.
GRADIENT_FREE_METHODS = frozenset({"Nelder-Mead", "Powell", "COBYLA", "COBYQA"})


@dataclass(frozen=True)
class Run:
    """One minimization: where it stopped and how."""

    x: np.ndarray
    loss: float
    iterations: int
    success: bool
    message: str


@dataclass(frozen=True)
class OptimumComparison:
    """Both runs, and whether they reached the same optimum.

    Attributes
    ----------
    analytic, numeric : Run
        With the hand-written gradient; with scipy's central finite differences.
    loss_gap : float
        ``|analytic.loss - numeric.loss|``.
    distance : float
        ``||analytic.x - numeric.x||`` (meaningful where the optimum is unique).
    agree : bool
        The losses agree within ``atol + rtol * |loss|``.
    """

    analytic: Run
    numeric: Run
    loss_gap: float
    distance: float
    agree: bool

    def __str__(self) -> str:
        verdict = "same optimum" if self.agree else "DIFFERENT optima"
        return (
            f"{verdict}: loss {self.analytic.loss:.10g} with the hand-written gradient "
            f"({self.analytic.iterations} iterations, {self.analytic.message.lower()}) vs "
            f"{self.numeric.loss:.10g} with finite differences; |x - x_fd| = "
            f"{self.distance:.3g}"
        )


def _run(loss, x0, jac, method, options) -> Run:
    from scipy.optimize import minimize  # scipy costs ~0.7 s to import: only on use

    found = minimize(loss, x0, jac=jac, method=method, options=options)
    return Run(
        np.asarray(found.x, dtype=float),
        float(found.fun),
        int(found.nit),
        bool(found.success),
        str(found.message),
    )


def compare_optima(
    loss: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    *,
    method: str = "L-BFGS-B",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    options: Mapping[str, object] | None = None,
) -> OptimumComparison:
    """Minimize with the hand-written gradient and with finite differences; compare.

    Parameters
    ----------
    loss : callable
        ``loss(x) -> float`` for a 1-D float array ``x`` (see :func:`flatten` for dicts
        of named arrays).
    grad : callable
        ``grad(x) -> array`` shaped like ``x``: the hand-written gradient.
    x0 : array_like
        Starting point, 1-D, finite.
    method : str
        A scipy method that uses the gradient (``GRADIENT_METHODS``: ``"L-BFGS-B"``,
        ``"BFGS"``, ``"CG"``, ``"TNC"``, ``"SLSQP"``); a gradient-free or unknown one is
        an ``InvalidInputError``.
    rtol, atol : float
        Tolerance on the loss at the two optima.
    options : mapping, optional
        Passed to ``scipy.optimize.minimize`` (default: tight ``ftol``/``gtol``).

    Returns
    -------
    OptimumComparison

    Raises
    ------
    InvalidInputError
        ``loss`` or ``grad`` not callable, a bad ``x0`` or ``method``.
    ContractError
        A non-scalar or non-finite loss at ``x0``, a gradient of the wrong shape or
        non-finite there, a loss that turned non-finite during a run.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[3.0, 1.0], [1.0, 2.0]]); b = np.array([1.0, -1.0])
    >>> def loss(x): return 0.5 * x @ A @ x - b @ x
    >>> compare_optima(loss, lambda x: A @ x - b, np.zeros(2)).agree
    True
    >>> compare_optima(loss, lambda x: A @ x, np.zeros(2)).agree  # the -b term missing
    False
    """
    for role, function in (("loss", loss), ("grad", grad)):
        if not callable(function):
            raise InvalidInputError(f"{role} must be callable, got {type(function).__name__}")
    x0 = np.array(x0, dtype=float)
    if x0.ndim != 1 or x0.size == 0 or not np.all(np.isfinite(x0)):
        raise InvalidInputError(f"x0 must be a non-empty finite 1-D array, got shape {x0.shape}")
    if method in GRADIENT_FREE_METHODS:
        raise InvalidInputError(
            f"method {method!r} never reads the gradient, so both runs would agree "
            f"whatever it is; use one of {sorted(GRADIENT_METHODS)}"
        )
    if method not in GRADIENT_METHODS:
        raise InvalidInputError(f"unknown method {method!r}; use one of {sorted(GRADIENT_METHODS)}")
    _check_loss(loss, x0)
    probe = np.asarray(grad(x0.copy()), dtype=float)
    if probe.shape != x0.shape:
        raise ContractError(f"grad returned shape {probe.shape} for x of shape {x0.shape}")
    if not np.all(np.isfinite(probe)):
        raise ContractError("grad returned non-finite values at x0")
    settings = dict(_TIGHT[method])
    settings.update(options or {})
    analytic = _run(loss, x0, grad, method, settings)
    numeric = _run(loss, x0, "3-point", method, settings)
    for name, found in (("the hand-written gradient", analytic), ("finite differences", numeric)):
        if not np.isfinite(found.loss):
            raise ContractError(
                f"the loss became {found.loss} during the run with {name} "
                f"(at x = {found.x!r}): no optimum to compare"
            )
    gap = abs(analytic.loss - numeric.loss)
    allowed = atol + rtol * max(abs(analytic.loss), abs(numeric.loss))
    return OptimumComparison(
        analytic, numeric, gap, float(np.linalg.norm(analytic.x - numeric.x)), gap <= allowed
    )


def _check_loss(loss: Callable[[np.ndarray], float], x0: np.ndarray) -> None:
    """Raise a named error unless ``loss(x0)`` is a finite scalar."""
    value = np.asarray(loss(x0.copy()))
    if value.size != 1:
        raise ContractError(
            f"loss must return a scalar, got shape {value.shape}: sum or average it"
        )
    if not np.isfinite(float(value.reshape(-1)[0])):
        raise ContractError(f"loss is {float(value.reshape(-1)[0])} at x0: no optimum to compare")


def flatten(
    params: Mapping[str, np.ndarray],
) -> tuple[np.ndarray, Callable[[np.ndarray], dict[str, np.ndarray]]]:
    """Flatten named arrays into one vector; return it and the inverse.

    >>> x, unflatten = flatten({"W": np.ones((2, 2)), "b": np.zeros(2)})
    >>> x.shape, unflatten(x)["W"].shape
    ((6,), (2, 2))
    """
    if not isinstance(params, Mapping):
        raise InvalidInputError(
            f"flatten takes a mapping of names to arrays, got {type(params).__name__}"
        )
    if not params:
        raise InvalidInputError("flatten got an empty mapping: there is nothing to flatten")
    names = list(params)
    shapes = [np.shape(params[n]) for n in names]
    sizes = [int(np.prod(s, dtype=int)) for s in shapes]

    def unflatten(x: np.ndarray) -> dict[str, np.ndarray]:
        pieces = np.split(np.asarray(x, dtype=float), np.cumsum(sizes)[:-1])
        return {n: p.reshape(s) for n, p, s in zip(names, pieces, shapes, strict=True)}

    return np.concatenate([np.ravel(params[n]).astype(float) for n in names]), unflatten
