"""Judge an analytic derivative against a numerical estimate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcheck.numeric import Estimate

_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)
#: An estimate whose truncation error exceeds half the derivative cannot even size it: it
#: verifies nothing, and the element is reported as not verified rather than passed.
UNINFORMATIVE = 0.5


@dataclass(frozen=True)
class Tolerance:
    """What a disagreement may be: ``atol + rtol * |numeric|`` + the estimate's error.

    ``analytic_atol`` is the rounding of the analytic side (nonzero for gradients
    computed in float32 or float16).
    """

    atol: float
    rtol: float
    analytic_atol: float = 0.0

    def around(self, numeric: float, error: float) -> float:
        """Return the allowed ``|analytic - numeric|`` for one estimate.

        Never below the smallest normal float64: subnormal numbers carry too few bits
        to be compared relatively.
        """
        return max(
            self.atol + self.analytic_atol + self.rtol * abs(numeric) + error, _SMALLEST_NORMAL
        )


@dataclass(frozen=True)
class Verdict:
    """One probe's verdict.

    ``numeric`` is the numerical derivative, or at a kink the point of the
    subgradient interval ``[low, high]`` nearest the analytic value.
    """

    analytic: float
    numeric: float
    tolerance: float
    passed: bool
    kink: bool
    low: float
    high: float

    @property
    def error(self) -> float:
        """``|analytic - numeric|``."""
        return abs(self.analytic - self.numeric)

    @property
    def relative_error(self) -> float:
        """``|analytic - numeric| / |numeric|`` (inf when numeric is 0 and they differ)."""
        if self.error == 0.0:
            return 0.0
        return self.error / abs(self.numeric) if self.numeric != 0.0 else float("inf")

    @property
    def margin(self) -> float:
        """Error over tolerance: above 1 fails."""
        if self.tolerance > 0.0:
            return self.error / self.tolerance
        return 0.0 if self.error == 0.0 else float("inf")


def judge(
    analytic: float, estimate: Estimate, tolerance: Tolerance, allowance: float = 0.0
) -> Verdict:
    """Compare ``analytic`` with ``estimate``.

    Where the estimate is smooth, pass when the two agree within the tolerance plus
    ``allowance`` (the measured rounding noise of the analytic value). At a kink, pass
    when the analytic value lies in the interval of the one-sided derivatives (a
    subgradient), widened by the tolerance alone: a gradient that jumps at the kink
    makes its measured noise meaningless there.
    """
    if estimate.kink:
        nearest = min(max(analytic, estimate.low), estimate.high)
        scale = max(abs(estimate.low), abs(estimate.high))
        allowed = tolerance.around(scale, estimate.error)
        passed = abs(analytic - nearest) <= allowed
        return Verdict(analytic, nearest, allowed, passed, True, estimate.low, estimate.high)
    allowed = tolerance.around(estimate.value, estimate.error) + allowance
    scale = max(abs(analytic), abs(estimate.value))
    if estimate.truncation > max(UNINFORMATIVE * scale, allowance):
        # The steps never got fine enough for this function here (a singularity
        # closer than the finest of them): agreement would prove nothing. A kink the
        # coarser steps saw explains it; otherwise the element is not verified. (Below
        # the analytic side's own rounding noise, the changes prove nothing either way.)
        if estimate.seen_kink is not None:
            return judge(analytic, estimate.seen_kink, tolerance)
        nan = float("nan")
        return Verdict(analytic, nan, allowed, False, False, nan, nan)
    passed = abs(analytic - estimate.value) <= allowed  # False for nan
    value = estimate.value
    return Verdict(analytic, value, allowed, passed, False, value, value)
