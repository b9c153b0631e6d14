"""Is one hand-written directional derivative right? The tolerance, and the judge.

:class:`Tolerance` says how far apart the two sides may be; :func:`judge` compares an
analytic value with one numerical estimate; :class:`Judge` runs the probe: the cheap
central difference first, and only if that fails, phi's noise measured once and the step
ladder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from gradcheck.defaults import (
    BASE_STEP,
    CHEAP_RTOL,
    LADDER_START,
    MAX_STEP_GROWTH,
    dtype_defaults,
)
from gradcheck.numeric.differences import Estimate, Evaluate, central, ladder
from gradcheck.numeric.noise import Noise, measure
from gradcheck.numeric.phi import Phi
from gradcheck.result import Status, Verdict

_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)
#: An estimate whose truncation error exceeds half the derivative cannot even size it: it
#: verifies nothing, and the element is reported as not verified rather than passed.
UNINFORMATIVE = 0.5


@dataclass(frozen=True, kw_only=True)
class Tolerance:
    """What a disagreement may be: ``atol + rtol * |numeric|`` + the estimate's error.

    ``analytic_atol`` is the rounding of the analytic side (nonzero for gradients
    computed in float32 or float16).
    """

    atol: float
    rtol: float
    analytic_atol: float = 0.0

    @classmethod
    def for_check(
        cls,
        dtype: np.dtype,
        atol: float,
        rtol: float | None,
        gradients: Sequence[np.ndarray],
    ) -> Tolerance:
        """Return the tolerance of a check: the user's, else the dtype's defaults."""
        defaults = dtype_defaults(dtype)
        largest = max(float(np.max(np.abs(g))) for g in gradients)
        return cls(
            atol=atol,
            rtol=defaults.rtol if rtol is None else rtol,
            analytic_atol=defaults.analytic_rounding * largest,
        )

    def around(self, numeric: float, error: float) -> float:
        """Return the allowed ``|analytic - numeric|`` for one estimate.

        Never below the smallest normal float64: subnormal numbers carry too few bits
        to be compared relatively.
        """
        return max(
            self.atol + self.analytic_atol + self.rtol * abs(numeric) + error, _SMALLEST_NORMAL
        )


def judge(
    analytic: float, estimate: Estimate, tolerance: Tolerance, allowance: float = 0.0
) -> Verdict:
    """Compare ``analytic`` with ``estimate``.

    Where the estimate is smooth, pass when the two agree within the tolerance plus
    ``allowance`` (the measured rounding noise of the analytic value). At a kink, pass
    when the analytic value lies in the interval of the one-sided derivatives (a
    subgradient), widened by the tolerance alone: a gradient that jumps at the kink
    makes its measured noise meaningless there. Where no step resolved the derivative,
    the verdict is ``Status.UNVERIFIED``.
    """
    if estimate.kink:
        nearest = min(max(analytic, estimate.low), estimate.high)
        scale = max(abs(estimate.low), abs(estimate.high))
        allowed = tolerance.around(scale, estimate.error)
        return Verdict(
            status=Status.PASS if abs(analytic - nearest) <= allowed else Status.FAIL,
            analytic=analytic,
            numeric=nearest,
            tolerance=allowed,
            kink=True,
            low=estimate.low,
            high=estimate.high,
        )
    allowed = tolerance.around(estimate.value, estimate.error) + allowance
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
            return judge(analytic, estimate.seen_kink, tolerance)
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
        )
    value = estimate.value
    return Verdict(
        status=Status.PASS if abs(analytic - value) <= allowed else Status.FAIL,
        analytic=analytic,
        numeric=value,
        tolerance=allowed,
        low=value,
        high=value,
    )


class Judge:
    """Judge probes of one phi with a shared noise estimate.

    The noise starts at ``floor``, the rounding of phi's sum of terms; the first probe
    that fails the cheap pass triggers one measurement (ECnoise), so a correct smooth
    function pays nothing for it.
    """

    def __init__(
        self,
        phi: Phi,
        tolerance: Tolerance,
        scales: Sequence[np.ndarray],
        distances: Sequence[np.ndarray],
        floor: float,
        rng: np.random.Generator,
    ) -> None:
        self.phi = phi
        self.tolerance = tolerance
        self._screen = replace(tolerance, rtol=max(tolerance.rtol, CHEAP_RTOL))
        self._scales = scales
        self._distances = distances
        self._rng = rng
        self.base = phi.base()
        self.noise = Noise(floor, floor)
        self._measured = False

    def verdict(
        self,
        evaluate: Evaluate,
        analytic: float,
        step: float,
        *,
        cap: float = np.inf,
        cheap: bool = True,
        allowance: float = 0.0,
    ) -> Verdict:
        """Judge ``analytic`` against phi'(0).

        Parameters
        ----------
        evaluate : callable
            ``t -> (phi(t), step taken)``.
        analytic : float
            The hand-written directional derivative.
        step : float
            The cheap pass's step (``BASE_STEP`` times the probe's scale); the ladder
            starts at the same multiple of ``LADDER_START``.
        cap : float
            Steps stay below half of this (a declared kink's distance).
        cheap : bool
            Try the cheap pass first. Skip it where a central difference would straddle
            a declared kink, and where the ladder's sharper tolerance is worth its cost
            (random directions, which are few).
        allowance : float
            Rounding noise of the analytic value, added to the ladder's smooth verdicts
            (not to the cheap screen, which cannot tell a kink from a smooth point).
        """
        if cheap:
            screened = judge(analytic, central(evaluate, step, self.noise), self._screen)
            if screened.passed:
                return screened
        if not self._measured:
            self._measured = True
            self.noise = measure(
                self.phi, self._scales, self._distances, self.noise.floor, self._rng
            )
        growth = min(self.noise.excess**0.2, MAX_STEP_GROWTH)
        first = step / BASE_STEP * LADDER_START * growth
        first = min(first, cap / 2.0)
        estimate = ladder(evaluate, first, self.base, self.noise)
        return judge(analytic, estimate, self.tolerance, allowance)
