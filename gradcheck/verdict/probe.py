"""Run one probe: the cheap central difference, then the step ladder and its escalations.

:class:`Judge` holds what the probes of one check share (phi, its noise, the tolerance)
and turns each probe into a :class:`Verdict` with :func:`gradcheck.verdict.judge.judge`:
the cheap pass first, and only if that fails, phi's noise measured once, the ladder,
and the ladders that try finer, coarser and size-relative steps before a probe is left
unverified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from gradcheck.defaults import (
    BASE_STEP,
    CHEAP_RTOL,
    ESCALATION_TOP,
    LADDER_RATIO,
    LADDER_RUNGS,
    LADDER_START,
    MAX_STEP_GROWTH,
)
from gradcheck.numeric.differences import (
    Estimate,
    Evaluate,
    central,
    central_pair,
    ladder,
    straddle,
)
from gradcheck.numeric.noise import Noise, measure, noise_on
from gradcheck.numeric.phi import Phi
from gradcheck.numeric.quantum import Recorder
from gradcheck.result import Status, Verdict
from gradcheck.verdict.flat import below_quantum, change_far, granularity, quantized_slope
from gradcheck.verdict.judge import Tolerance, judge

#: An element smaller than this fraction of its step scale is tiny: a failure seen by
#: steps of its scale must be confirmed by steps of its own size.
TINY = 1e-3
#: The ladder relative to a tiny element's own size starts at this fraction of it (and
#: halves ``LADDER_RUNGS - 1`` times): its structure may be as close as that size.
LOCAL_START = 0.25
#: The part of a reason that reports forward raising at the points a probe tried.
RAISED = "forward raised"
#: A ladder's failure by at most this many tolerances is judged again with the noise
#: of the probe's own coordinate, measured there (the noise measured along random
#: directions may miss a coordinate's own): at most ``OWN_NOISE_BUDGET`` times a check.
MARGINAL = 16.0
OWN_NOISE_BUDGET = 32


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
        with phi.phase("base"):
            self.base = phi.base()
        self.noise = Noise(floor, floor)
        self._measured = False
        self._own_noise_left = OWN_NOISE_BUDGET

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
        evaluate = Recorder(evaluate)
        with self.phi.phase("ladder"):  # what is not the cheap pass or noise
            verdict = self._verdict(
                evaluate, analytic, step, cap, cheap, allowance, magnitude, scale, size
            )
            quantum = evaluate.quantum(self.base) if verdict.status is Status.FAIL else 0.0
            if self.noise.sigma < quantum <= granularity(self.base):
                # Plateaus: phi moves in quanta coarser than the noise measured (a tiny
                # sigmoid as (1 + tanh) / 2; no coarser than a few roundings of terms of
                # size 1, or it is a flat piece), its finest steps read quanta as slopes.
                # The probe again with that quantum for noise (steps already taken are
                # not evaluated again).
                verdict = self._verdict(
                    evaluate, analytic, step, cap, cheap, allowance, magnitude, scale, size,
                    quantum,
                )  # fmt: skip
        scale = step / BASE_STEP if scale is None else scale
        if verdict.status is Status.FAIL and 0.0 < size < TINY * scale:
            # A tiny element: steps of its scale see the function from afar, and miss a
            # pole or kink as close as the element's own size (c / (a + d) at
            # d = 5e-64). The derivative is the limit of the finest steps: a failure
            # stands only if steps of the element's size confirm it.
            closer = self._local(evaluate, analytic, size, cap, allowance, magnitude)
            if closer.passed:
                verdict = closer
            elif closer.unverified:
                verdict = replace(
                    closer,
                    reason=f"steps of the element's scale fail it (numeric {verdict.numeric:.6g})"
                    f", steps of its own size {size:.1e} cannot confirm it ({closer.reason}): "
                    "the function has structure that close (an undeclared pole or kink?)",
                )
        if verdict.unverified and self.phi.raised > raised:
            exception = self.phi.last_exception
            verdict = replace(
                verdict,
                reason=f"{verdict.reason}; {RAISED} {type(exception).__name__}: "
                f"{exception} at {self.phi.raised - raised} of the points tried",
            )
        return verdict

    @property
    def screen_tolerance(self) -> Tolerance:
        """The cheap pass's tolerance: the check's, with ``rtol`` at least ``CHEAP_RTOL``."""
        return self._screen

    def screen(self, evaluate: Evaluate, analytic: float, step: float, magnitude: float) -> Verdict:
        """Judge ``analytic`` by two central differences alone (:func:`central_pair`).

        The check's own tolerance around an error estimated from the two steps, with
        phi's noise as known so far (its rounding floor until a probe measured more) and
        no analytic allowance: a pass here is a pass; anything else is for
        :meth:`verdict` to judge, never a failure by itself. A phi flat at both steps
        is not passed (flat or too coarse to move: the full probe tells).
        """
        with self.phi.phase("cheap pass"):
            estimate = central_pair(evaluate, step, self.noise, self.base)
        verdict = judge(analytic, estimate, self.tolerance, magnitude=magnitude)
        if estimate.flat and verdict.passed:
            return replace(verdict, status=Status.UNVERIFIED, reason="flat at both steps")
        return verdict

    def _local(
        self,
        evaluate: Evaluate,
        analytic: float,
        size: float,
        cap: float,
        allowance: float,
        magnitude: float,
    ) -> Verdict:
        """Judge on a ladder of steps relative to the element's own size."""
        noise = Noise(self.noise.floor * self.noise.excess, self.noise.floor)
        start = min(size * LOCAL_START, cap / 2.0)
        return self._on_ladder(evaluate, analytic, start, noise, allowance, magnitude)

    def _on_ladder(
        self,
        evaluate: Evaluate,
        analytic: float,
        start: float,
        noise: Noise,
        allowance: float,
        magnitude: float,
    ) -> Verdict:
        """Judge ``analytic`` on one ladder of steps from ``start``."""
        estimate = ladder(evaluate, start, self.base, noise)
        return judge(analytic, estimate, self.tolerance, allowance, magnitude)

    def _inconsistent(self, cheap: Estimate, estimate: Estimate, magnitude: float) -> bool:
        """Whether the cheap central and the ladder disagree beyond the cheap screen."""
        if not (np.isfinite(cheap.value) and np.isfinite(estimate.value)) or estimate.kink:
            return False
        allowed = self._screen.around(estimate.value, cheap.error + estimate.error, magnitude)
        return abs(cheap.value - estimate.value) > allowed

    def _adopt(self, quantum: float) -> None:
        """Take half of a quantum phi was seen to move in as the noise of later probes.

        A probe whose slope shows only beyond its ladder found it; a probe of a smaller
        slope would read a zero slope between quanta everywhere it looks, a dead unit's
        signature, and fail on it.
        """
        level = 0.5 * quantum
        if level > self.noise.sigma:
            excess = level / self.noise.floor if self.noise.floor > 0.0 else 1.0
            self.noise = Noise(level, self.noise.floor, max(excess, self.noise.excess))

    def _marginal(self, verdict: Verdict) -> bool:
        """Whether a failure is close enough to its tolerance to be judged again."""
        return (
            verdict.status is Status.FAIL
            and self._own_noise_left > 0
            and abs(verdict.analytic - verdict.numeric) <= MARGINAL * verdict.tolerance
        )

    def _own_ladder(
        self,
        evaluate: Evaluate,
        scale: float,
        cap: float,
        noise: Noise,
        first: float,
        estimate: Estimate,
    ) -> tuple[Noise, float, Estimate]:
        """Measure the probe's own noise; where it is larger, the ladder again with it."""
        with self.phi.phase("noise"):
            own = noise_on(evaluate, scale, cap, noise)
        if own.sigma <= noise.sigma:
            return noise, first, estimate
        growth = min(own.excess**0.2, MAX_STEP_GROWTH)
        first = min(scale * LADDER_START * growth, cap / 2.0)
        return own, first, ladder(evaluate, first, self.base, own)

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
        quantum: float = 0.0,
    ) -> Verdict:
        scale = step / BASE_STEP if scale is None else scale
        if cheap:
            with self.phi.phase("cheap pass"):
                estimate = screened_estimate = central(evaluate, step, self.noise, self.base)
            screened = judge(analytic, estimate, self._screen, magnitude=magnitude)
            if screened.passed and not (analytic == 0.0 and estimate.flat):
                return screened
            if estimate.flat:  # phi did not move at all: flat, or too coarse to move?
                moved = change_far(evaluate, self.base, scale, cap)
                if moved == 0.0 and screened.passed:
                    return screened
                if 0.0 < moved <= granularity(self.base):
                    # A few roundings of terms of size 1 or more (a saturated sigmoid's
                    # 1 + tanh): phi moves in quanta, not flat where the analytic is not 0.
                    quantum = max(quantum, moved)
        if not self._measured:
            self._measured = True
            with self.phi.phase("noise"):
                self.noise = measure(
                    self.phi, self._scales, self._distances, self.noise.floor, self._rng
                )
        # A phi that moved only by a quantum far out moves by less than its rounding
        # here: its floor (eps * |phi|) understates that rounding (internal cancellation,
        # as in a saturated cross-entropy of 1e-15 made of terms of size 1).
        noise = self.noise
        if quantum > noise.sigma:
            noise = Noise(quantum, noise.floor, noise.excess)
        growth = min(noise.excess**0.2, MAX_STEP_GROWTH)
        first = min(scale * LADDER_START * growth, cap / 2.0)
        estimate = ladder(evaluate, first, self.base, noise)
        # Two estimates further apart than their claimed errors allow, or a failure by a
        # few tolerances: the noise measured along random directions may understate
        # this coordinate's own (a sigmoid as (1 + tanh) / 2, rounding in steps of eps).
        own = cheap and self._inconsistent(screened_estimate, estimate, magnitude)
        verdict = judge(analytic, estimate, self.tolerance, allowance, magnitude)
        if own or self._marginal(verdict):
            self._own_noise_left -= not own
            noise, first, estimate = self._own_ladder(evaluate, scale, cap, noise, first, estimate)
            verdict = judge(analytic, estimate, self.tolerance, allowance, magnitude)
        if verdict.status is Status.FAIL and (estimate.flat or estimate.value == 0.0):
            unresolved = below_quantum(evaluate, verdict, self.base, scale, cap)
            quantized = None
            if unresolved is None:
                quantized = quantized_slope(evaluate, verdict, self.base, scale, cap)
            if quantized is not None:
                unresolved, quantum = quantized
                self._adopt(quantum)
            if unresolved is not None:
                return unresolved
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
            local = min(size * LOCAL_START, cap / 2.0)
            starts.append(local)
        for start in starts:
            if start == coarser and coarser <= first:
                continue
            # phi's noise was measured at steps of the element's scale; at steps of its
            # size, only the rounding of phi's values there (times the excess measured).
            here = noise
            if start == local:
                here = Noise(max(noise.floor * noise.excess, quantum), noise.floor)
            finer = ladder(evaluate, start, self.base, here)
            again = judge(analytic, finer, self.tolerance, allowance, magnitude)
            if again.status is Status.FAIL and finer.flat and not estimate.flat:
                # phi moved at the first ladder's steps and not at all at these: it
                # moves in quanta coarser than its rounding floor, and a zero slope
                # read between them proves nothing.
                continue
            if not again.unverified:
                return again
        if np.isfinite(cap):
            # A declared kink closer than any resolving step: judged as sitting on it,
            # by one-sided differences at ordinary steps (the subgradient rule).
            start = scale * LADDER_START * growth
            again = self._on_ladder(evaluate, analytic, start, noise, allowance, magnitude)
            if again.kink and not again.unverified:
                return again
            # Straddled without a confirmed jump: bounded by the one-sided values.
            again = judge(
                analytic,
                straddle(evaluate, start, self.base, noise),
                self.tolerance,
                magnitude=magnitude,
            )
            if not again.unverified:
                return again
        return verdict
