"""Is one hand-written directional derivative right? The tolerance, and the judge.

:class:`Tolerance` says how far apart the two sides may be; :func:`judge` compares an
analytic value with one numerical estimate, and leaves it unverified where the estimate
cannot tell. Running the probes is :mod:`gradcheck.verdict.probe`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gradcheck.defaults import (
    INFORMATIVE,
    dtype_defaults,
)
from gradcheck.numeric.differences import Estimate
from gradcheck.result import Status, Verdict

_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)
#: The start of the reason of a probe whose every step drowned in phi's rounding.
#: Why a value outside the one-sided derivatives at a kink may not be a failure.
SEVERAL_KINKS = (
    "outside the one-sided derivatives at a kink that may be several meeting along this "
    "coordinate (an input feeding several kinked operations, or broadcast into them)"
)
SWAMPED = "rounding noise in the forward's output swamps every step tried"
#: An estimate whose truncation error exceeds half the derivative cannot even size it: it
#: verifies nothing, and the element is reported as not verified rather than passed.
UNINFORMATIVE = 0.5


@dataclass(frozen=True, kw_only=True)
class Tolerance:
    """What a disagreement may be: ``atol + rtol * |numeric|`` + the estimate's error.

    ``analytic_rounding`` is the rounding of the analytic side relative to the
    derivative's scale (nonzero for gradients computed in float32 or float16, and 64 eps
    in float64).
    """

    atol: float
    rtol: float
    analytic_rounding: float = 0.0
    informative: float = INFORMATIVE

    @classmethod
    def for_check(cls, dtype: np.dtype, atol: float, rtol: float | None) -> Tolerance:
        """Return the tolerance of a check: the user's, else the dtype's defaults."""
        defaults = dtype_defaults(dtype)
        return cls(
            atol=atol,
            rtol=defaults.rtol if rtol is None else rtol,
            analytic_rounding=defaults.analytic_rounding,
            informative=max(INFORMATIVE, defaults.rtol),
        )

    def around(self, numeric: float, error: float, magnitude: float) -> float:
        """Return the allowed ``|analytic - numeric|`` for one estimate.

        ``magnitude`` is the derivative's scale (its size, or its input's typical
        size). Never below the smallest normal float64: subnormal numbers carry too few
        bits to be compared relatively.
        """
        allowed = self.atol + self.analytic_rounding * magnitude + self.rtol * abs(numeric) + error
        return max(allowed, _SMALLEST_NORMAL)


def _informative(uncertainty: float, magnitude: float, threshold: float) -> bool:
    """Whether the numerics' uncertainty is small enough against the scale to prove."""
    return magnitude == 0.0 or uncertainty <= threshold * magnitude


def judge(
    analytic: float,
    estimate: Estimate,
    tolerance: Tolerance,
    allowance: float = 0.0,
    magnitude: float = 0.0,
) -> Verdict:
    """Compare ``analytic`` with ``estimate``.

    Where the estimate is smooth, pass when the two agree within the tolerance plus
    ``allowance`` (the measured rounding noise of the analytic value). At a kink, pass
    when the analytic value lies in the interval of the one-sided derivatives (a
    subgradient), widened by the tolerance alone: a gradient that jumps at the kink
    makes its measured noise meaningless there. ``magnitude`` is the derivative's
    scale (at least ``|analytic|``): an agreement within a tolerance above
    ``INFORMATIVE`` times it proves nothing, and the verdict is ``Status.UNVERIFIED``,
    as it is where no step resolved the derivative. A disagreement beyond the
    tolerance fails at any scale.
    """
    magnitude = max(magnitude, abs(analytic))
    if estimate.kink:
        nearest = min(max(analytic, estimate.low), estimate.high)
        scale = max(abs(estimate.low), abs(estimate.high))
        magnitude = max(magnitude, scale)
        allowed = tolerance.around(scale, estimate.error, magnitude)
        status = Status.PASS if abs(analytic - nearest) <= allowed else Status.FAIL
        verdict = Verdict(
            status=status,
            analytic=analytic,
            numeric=nearest,
            tolerance=allowed,
            kink=True,
            low=estimate.low,
            high=estimate.high,
            scale=magnitude,
            right=estimate.right if np.isfinite(estimate.right) else None,
            left=estimate.left if np.isfinite(estimate.left) else None,
        )
        if status is Status.FAIL:
            return verdict
        return _unless_uninformative(verdict, estimate, estimate.error, tolerance.informative)
    allowed = tolerance.around(estimate.value, estimate.error, magnitude) + allowance
    scale = max(abs(analytic), abs(estimate.value))
    reason = None
    if not np.isfinite(estimate.value):
        reason = (
            "no step gave a usable difference (forward not finite on a side, or the "
            "differences diverging, at every step tried)"
        )
    elif estimate.truncation > max(UNINFORMATIVE * scale, allowance):
        # The steps never got fine enough for this function here (a singularity
        # closer than the finest of them): agreement would prove nothing. A kink the
        # coarser steps saw explains it; otherwise the element is not verified. (Below
        # the analytic side's own rounding noise, the changes prove nothing either way.)
        if estimate.seen_kink is not None:
            return judge(analytic, estimate.seen_kink, tolerance, magnitude=magnitude)
        reason = (
            f"the differences had not converged at the finest step (truncation estimate "
            f"{estimate.truncation:.1e} against a derivative of size {scale:.1e})"
        )
    if reason is not None:
        return Verdict(
            status=Status.UNVERIFIED,
            analytic=analytic,
            numeric=float("nan"),
            tolerance=allowed,
            reason=reason,
            scale=magnitude,
        )
    value = estimate.value
    status = Status.PASS if abs(analytic - value) <= allowed else Status.FAIL
    verdict = Verdict(
        status=status,
        analytic=analytic,
        numeric=value,
        tolerance=allowed,
        low=value,
        high=value,
        scale=magnitude,
    )
    if status is Status.FAIL:
        return verdict
    return _unless_uninformative(
        verdict, estimate, estimate.error + allowance, tolerance.informative
    )


def smooth_passes(
    analytic: np.ndarray,
    value: np.ndarray,
    error: np.ndarray,
    tolerance: Tolerance,
    magnitude: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`judge`'s smooth pass for many estimates at once (no truncation estimate).

    Returns which pass (finite, within the tolerance, informative), the tolerance
    allowed and the derivative's scale of each; what does not pass here is for
    :func:`judge` one by one.
    """
    scale = np.maximum(magnitude, np.abs(analytic))
    with np.errstate(invalid="ignore"):
        allowed = np.maximum(
            tolerance.atol
            + tolerance.analytic_rounding * scale
            + tolerance.rtol * np.abs(value)
            + error,
            _SMALLEST_NORMAL,
        )
        informative = (scale == 0.0) | (
            np.maximum(error, _SMALLEST_NORMAL) <= tolerance.informative * scale
        )
        passed = np.isfinite(value) & (np.abs(analytic - value) <= allowed) & informative
    return passed, allowed, scale


def _unless_uninformative(
    verdict: Verdict, estimate: Estimate, uncertainty: float, threshold: float
) -> Verdict:
    """Return a passing verdict, or UNVERIFIED when the numerics' uncertainty is too wide.

    The uncertainty is the estimate's error plus the analytic side's measured rounding,
    never below the smallest normal float: the parts of the tolerance the numerics
    contribute (``rtol`` and ``atol`` are the user's, the dtype's rounding is declared).
    It must stay below ``threshold`` times the derivative's scale. A gradient made of
    rounding noise (a least-squares fit exactly at its optimum) is therefore not
    verified: its errors cannot be told from its value.
    """
    uncertainty = max(uncertainty, _SMALLEST_NORMAL)
    if _informative(uncertainty, verdict.scale, threshold):
        return verdict
    if verdict.scale < _SMALLEST_NORMAL / INFORMATIVE:
        why = (
            f"the derivative's scale {verdict.scale:.1e} is too close to the smallest "
            f"normal float ({_SMALLEST_NORMAL:.1e}) to be resolved"
        )
    elif estimate.truncation >= estimate.error - estimate.truncation:
        why = f"the differences had not settled (truncation estimate {estimate.truncation:.1e})"
    else:
        why = SWAMPED
    return replace(
        verdict,
        status=Status.UNVERIFIED,
        numeric=float("nan"),
        reason=(
            f"{why}: the numerical error estimate {uncertainty:.1e} is "
            f"{uncertainty / verdict.scale:.1e} of the derivative's scale "
            f"{verdict.scale:.1e}, above the {threshold:.0e} a pass needs"
        ),
    )
