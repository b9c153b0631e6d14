"""Judge one directional derivative: cheap pass first, the step ladder if it fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from gradcheck.compare import Tolerance, Verdict, judge
from gradcheck.defaults import (
    BASE_STEP,
    CHEAP_RTOL,
    LADDER_START,
    MAX_STEP_GROWTH,
    NUMERIC_EPS,
)
from gradcheck.noise import (
    ECNOISE_INTERVALS,
    ECNOISE_MAX_SPACING,
    ECNOISE_SECOND_SPACING,
    ECNOISE_SPACING,
    ECNOISE_WIDENING,
    Noise,
    combined,
    ecnoise,
)
from gradcheck.numeric import Evaluate, central, ladder
from gradcheck.objective import Objective

#: Random directions along which the noise is measured (on both sides); the smallest
#: estimate wins, so that a kink crossed by one run does not inflate every tolerance.
NOISE_DIRECTIONS = 2


class Prober:
    """Judge probes of one objective with a shared noise estimate.

    The noise starts at the rounding floor of phi; the first probe that fails the cheap
    pass triggers one measurement (ECnoise), so a correct smooth function pays nothing
    for it.
    """

    def __init__(
        self,
        objective: Objective,
        tolerance: Tolerance,
        scales: Sequence[np.ndarray],
        distances: Sequence[np.ndarray],
        floor: float,
        rng: np.random.Generator,
    ) -> None:
        self.objective = objective
        self._distances = distances
        self.tolerance = tolerance
        self._screen = replace(tolerance, rtol=max(tolerance.rtol, CHEAP_RTOL))
        self._scales = scales
        self._rng = rng
        self.base = objective.base()
        self.noise = Noise(floor, floor)
        self._measured = False

    def verdict(
        self,
        evaluate: Evaluate,
        analytic: float,
        step: float,
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
        self._measure_noise()
        growth = min(self.noise.excess**0.2, MAX_STEP_GROWTH)
        first = step / BASE_STEP * LADDER_START * growth
        first = min(first, cap / 2.0)
        estimate = ladder(evaluate, first, self.base, self.noise)
        return judge(analytic, estimate, self.tolerance, allowance)

    def _measure_noise(self) -> None:
        if self._measured:
            return
        self._measured = True
        # Both sides of each direction: a kink or pole close to the point lies on one
        # side at most, and the smallest level is kept.
        runs = []
        for _ in range(NOISE_DIRECTIONS):
            direction = random_direction(self._scales, self._rng)
            runs += [direction, [-d for d in direction]]
        estimates = [found for found in map(self._noise_along, runs) if found is not None]
        if estimates:
            level, magnitude = min(estimates)
            floor = self.noise.floor
            rounding = NUMERIC_EPS * magnitude  # may underflow to 0 near the smallest floats
            excess = level / rounding if rounding > 0.0 else 1.0
            self.noise = Noise(max(floor, level), floor, max(excess, 1.0))

    def _noise_along(self, direction: list[np.ndarray]) -> tuple[float, float] | None:
        """ECnoise on a run of points along ``direction``, widened while the run is flat.

        Returns the noise level and the largest magnitude of the values measured.
        """
        spacing = ECNOISE_SPACING
        while spacing <= ECNOISE_MAX_SPACING:
            runs = [
                self._run(direction, spacing),
                self._run(direction, spacing * ECNOISE_SECOND_SPACING),
            ]
            if any(values is None for values in runs):
                return None
            level = combined([ecnoise(values) for values in runs])
            magnitude = max(float(np.max(np.abs(values))) for values in runs)
            if level is None:  # the smooth part dominates: no noise above rounding seen
                return NUMERIC_EPS * magnitude, magnitude
            if level != 0.0:
                return level, magnitude
            spacing *= ECNOISE_WIDENING
        return None

    def _run(self, direction: list[np.ndarray], spacing: float) -> np.ndarray | None:
        """Return phi on ECnoise's run of points along ``direction``, or None if not finite."""
        reach = spacing * (ECNOISE_INTERVALS + 1)
        # The run stays within half of every declared kink distance, and starts one
        # spacing away: a kink or pole at the point itself (relu at an exact zero) is
        # not crossed.
        clipped = [
            np.clip(d, -dist / (2 * reach), dist / (2 * reach))
            for d, dist in zip(direction, self._distances, strict=True)
        ]
        values = np.array(
            [self.objective.along(clipped, j * spacing)[0] for j in range(1, ECNOISE_INTERVALS + 2)]
        )
        return values if np.all(np.isfinite(values)) else None


def random_direction(
    scales: Sequence[np.ndarray],
    rng: np.random.Generator,
    support: Sequence[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Draw a seeded normal direction, unit length in element-scaled coordinates.

    Parameters
    ----------
    scales : sequence of numpy.ndarray
        Per-element step scales, one array per input.
    rng : numpy.random.Generator
        Source of randomness.
    support : sequence of numpy.ndarray of bool, optional
        Masks of the elements the direction may move (all by default).
    """
    raw = [rng.standard_normal(s.shape) for s in scales]
    if support is not None:
        raw = [np.where(mask, z, 0.0) for z, mask in zip(raw, support, strict=True)]
    norm = np.sqrt(sum(float(np.sum(z * z)) for z in raw))
    return [s * z / norm for s, z in zip(scales, raw, strict=True)]
