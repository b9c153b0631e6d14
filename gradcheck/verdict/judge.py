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
    ESCALATION_TOP,
    INFORMATIVE,
    LADDER_RATIO,
    LADDER_RUNGS,
    LADDER_START,
    MAX_STEP_GROWTH,
    dtype_defaults,
)
from gradcheck.numeric.differences import Estimate, Evaluate, central, ladder, straddle
from gradcheck.numeric.noise import Noise, measure
from gradcheck.numeric.phi import Phi
from gradcheck.result import Status, Verdict

_SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)
#: The start of the reason of a probe whose every step drowned in phi's rounding.
SWAMPED = "rounding noise in the forward's output swamps every step tried"
#: The part of a reason that reports forward raising at the points a probe tried.
RAISED = "forward raised"
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
        magnitude: float = 0.0,
        scale: float | None = None,
        size: float = 0.0,
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
        magnitude : float
            The derivative's scale: a pass needs a tolerance below ``INFORMATIVE`` times
            it.
        scale : float, optional
            The probe's step scale (``step / BASE_STEP`` unless a kink capped ``step``).
        size : float
            ``|x|`` of the element probed (0 for a direction): where it is below the
            step scale, a last ladder runs at steps relative to it.

        Notes
        -----
        A ladder that cannot resolve the derivative is tried again with finer steps
        still (a singularity close by) and with coarser ones, from ``ESCALATION_TOP``
        times the probe's scale (where rounding dominates: the best step grows like
        the cube root of the noise over the third derivative); the likelier first;
        then, for an element much smaller than its step scale, at steps relative to
        its size (``x**2`` at ``x = 1e-30``). A declared kink closer than any step that
        resolves the derivative is then treated as under the probe: one-sided
        differences at ordinary steps and the subgradient rule (between the one-sided
        values when the ladder straddles it without confirming a jump). Only then is
        the probe unverified. Each ladder costs ``2 * LADDER_RUNGS`` calls.
        """
        raised = self.phi.raised
        verdict = self._verdict(
            evaluate, analytic, step, cap, cheap, allowance, magnitude, scale, size
        )
        if verdict.unverified and self.phi.raised > raised:
            exception = self.phi.last_exception
            verdict = replace(
                verdict,
                reason=f"{verdict.reason}; {RAISED} {type(exception).__name__}: "
                f"{exception} at {self.phi.raised - raised} of the points tried",
            )
        return verdict

    def _verdict(
        self,
        evaluate: Evaluate,
        analytic: float,
        step: float,
        cap: float,
        cheap: bool,
        allowance: float,
        magnitude: float,
        scale: float | None,
        size: float,
    ) -> Verdict:
        if cheap:
            screened = judge(
                analytic, central(evaluate, step, self.noise), self._screen, magnitude=magnitude
            )
            if screened.passed:
                return screened
        if not self._measured:
            self._measured = True
            self.noise = measure(
                self.phi, self._scales, self._distances, self.noise.floor, self._rng
            )
        scale = step / BASE_STEP if scale is None else scale
        growth = min(self.noise.excess**0.2, MAX_STEP_GROWTH)
        first = min(scale * LADDER_START * growth, cap / 2.0)
        estimate = ladder(evaluate, first, self.base, self.noise)
        verdict = judge(analytic, estimate, self.tolerance, allowance, magnitude)
        if not verdict.unverified:
            return verdict
        # Coarser steps first where rounding dominated, finer ones first where truncation
        # did (or nothing was finite); then the other way.
        finer = first / LADDER_RATIO**LADDER_RUNGS
        coarser = min(ESCALATION_TOP * scale, cap / 2.0)
        rounding = estimate.error - estimate.truncation
        starts = [finer, coarser]
        if np.isfinite(estimate.value) and rounding > estimate.truncation:
            starts.reverse()
        local = None
        if 0.0 < size < scale:  # a tiny input: its function may vary on its own scale
            local = min(size * LADDER_START * growth, cap / 2.0)
            starts.append(local)
        for start in starts:
            if start == coarser and coarser <= first:
                continue
            # phi's noise was measured at steps of the element's scale; at steps of its
            # size, only the rounding of phi's values there (times the excess measured).
            noise = self.noise
            if start == local:
                noise = Noise(self.noise.floor * self.noise.excess, self.noise.floor)
            again = judge(
                analytic,
                ladder(evaluate, start, self.base, noise),
                self.tolerance,
                allowance,
                magnitude,
            )
            if not again.unverified:
                return again
        if np.isfinite(cap):
            # A declared kink closer than any resolving step: judged as sitting on it,
            # by one-sided differences at ordinary steps (the subgradient rule).
            start = scale * LADDER_START * growth
            again = judge(
                analytic,
                ladder(evaluate, start, self.base, self.noise),
                self.tolerance,
                allowance,
                magnitude,
            )
            if again.kink and not again.unverified:
                return again
            # Straddled without a confirmed jump: bounded by the one-sided values.
            again = judge(
                analytic,
                straddle(evaluate, start, self.base, self.noise),
                self.tolerance,
                magnitude=magnitude,
            )
            if not again.unverified:
                return again
        return verdict
