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
        A scipy gradient method (``"L-BFGS-B"``, ``"BFGS"``).
    rtol, atol : float
        Tolerance on the loss at the two optima.
    options : mapping, optional
        Passed to ``scipy.optimize.minimize`` (default: tight ``ftol``/``gtol``).

    Returns
    -------
    OptimumComparison

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
    probe = np.asarray(grad(x0.copy()), dtype=float)
    if probe.shape != x0.shape:
        raise ContractError(f"grad returned shape {probe.shape} for x of shape {x0.shape}")
    settings = {"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10_000}
    if method != "L-BFGS-B":
        settings = {"gtol": 1e-10, "maxiter": 10_000}
    settings.update(options or {})
    analytic = _run(loss, x0, grad, method, settings)
    numeric = _run(loss, x0, "3-point", method, settings)
    gap = abs(analytic.loss - numeric.loss)
    allowed = atol + rtol * max(abs(analytic.loss), abs(numeric.loss))
    return OptimumComparison(
        analytic, numeric, gap, float(np.linalg.norm(analytic.x - numeric.x)), gap <= allowed
    )


def flatten(
    params: Mapping[str, np.ndarray],
) -> tuple[np.ndarray, Callable[[np.ndarray], dict[str, np.ndarray]]]:
    """Flatten named arrays into one vector; return it and the inverse.

    >>> x, unflatten = flatten({"W": np.ones((2, 2)), "b": np.zeros(2)})
    >>> x.shape, unflatten(x)["W"].shape
    ((6,), (2, 2))
    """
    names = list(params)
    shapes = [np.shape(params[n]) for n in names]
    sizes = [int(np.prod(s, dtype=int)) for s in shapes]

    def unflatten(x: np.ndarray) -> dict[str, np.ndarray]:
        pieces = np.split(np.asarray(x, dtype=float), np.cumsum(sizes)[:-1])
        return {n: p.reshape(s) for n, p, s in zip(names, pieces, shapes, strict=True)}

    return np.concatenate([np.ravel(params[n]).astype(float) for n in names]), unflatten
