"""What every convergence report does: verify the gradient, ask scipy for the optimum.

These are the experiments that report on themselves, so they import gradcheck (the
rest of nets never does).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import gradcheck

#: Relative step of the finite-difference Hessian (of a verified gradient).
HESSIAN_STEP = 1e-5
#: A difference this small beside the quantity it is a difference of is rounding: it
#: changes with the BLAS build, so the reports print it as such, not its digits.
ROUNDING = 1e-12


def difference(value: float, reference: float, digits: int = 1, sign: bool = False) -> str:
    """Format a difference, or "below rounding" where it is within rounding of ``reference``.

    >>> difference(2.8e-17, 0.097), difference(1.2e-10, 0.28), difference(-3e-4, 1.0, sign=True)
    ('below rounding', '1.2e-10', '-3.0e-04')
    """
    if abs(value) <= ROUNDING * abs(reference):
        return "below rounding"
    return f"{value:{'+' if sign else ''}.{digits}e}"


def verify(model, X: np.ndarray, y: np.ndarray, mode: str = "auto") -> dict[str, object]:
    """Check the model's gradient at its current parameters; return the numbers."""
    objective = model.objective(X, y)
    result = gradcheck.compare(
        objective.forward, objective.backward, *model.params.values(), mode=mode
    )
    return {
        "passed": bool(result.passed),
        "status": result.status.value,
        "mode": result.mode,
        "elements": int(sum(np.size(v) for v in model.params.values())),
        "forward_calls": int(result.forward_calls),
        "max_rel_error": float(result.max_rel_error),
        "sensitivity": float(result.sensitivity),
        "sensitivity_at": result.sensitivity_at,
        "kinks": len(result.at_kinks),
    }


#: How a report words each status of the check.
VERDICTS = {"pass": "verified", "fail": "**found WRONG**", "unverified": "**not verified**"}


def verified_line(numbers: dict[str, object]) -> str:
    """Return one sentence saying how the gradient was verified, and what it certifies."""
    line = (
        f"Hand-written gradient {VERDICTS[str(numbers['status'])]} by `gradcheck` "
        f"({numbers['mode']} mode, {numbers['elements']} parameters, "
        f"{numbers['forward_calls']} forward calls, largest relative error "
        f"{numbers['max_rel_error']:.1e}"
    )
    if numbers["passed"]:
        line += (
            f"; it would have caught any single-entry error above "
            f"{numbers['sensitivity']:.0e} relative, worst at {numbers['sensitivity_at']}"
        )
    return line + ")."


def hessian_max_eigenvalue(grad: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> float:
    """Return the largest eigenvalue of the Hessian at ``x``, by central differences of ``grad``."""
    n = x.size
    hessian = np.empty((n, n))
    for i in range(n):
        step = HESSIAN_STEP * max(1.0, abs(x[i]))
        plus, minus = x.copy(), x.copy()
        plus[i] += step
        minus[i] -= step
        hessian[:, i] = (grad(plus) - grad(minus)) / (2 * step)
    return float(np.linalg.eigvalsh(0.5 * (hessian + hessian.T))[-1])


def optimum_numbers(comparison: gradcheck.OptimumComparison) -> dict[str, object]:
    """Return the numbers of a scipy cross-check."""
    return {
        "agree": bool(comparison.agree),
        "loss_hand_written_gradient": comparison.analytic.loss,
        "loss_finite_differences": comparison.numeric.loss,
        "iterations": comparison.analytic.iterations,
        "distance": comparison.distance,
    }


def optimum_line(comparison: gradcheck.OptimumComparison, loss_scale: float = 0.0) -> str:
    """Return one sentence on what scipy found.

    ``loss_scale`` is the loss's size where it starts: losses and distances within
    rounding of it, or of the optimum's size, print as "below rounding".
    """
    verdict = "the same optimum" if comparison.agree else "**different optima**"
    scale = max(loss_scale, abs(comparison.analytic.loss))
    size = float(np.linalg.norm(comparison.analytic.x))

    def loss(value: float) -> str:
        shown = difference(value, scale)
        return shown if shown == "below rounding" else f"{value:.8g}"

    return (
        f"scipy L-BFGS-B reaches {verdict} with the hand-written gradient "
        f"(loss {loss(comparison.analytic.loss)}, {comparison.analytic.iterations} "
        f"iterations) and with its own finite differences (loss "
        f"{loss(comparison.numeric.loss)}); the two optima lie "
        f"{difference(comparison.distance, size)} apart."
    )
