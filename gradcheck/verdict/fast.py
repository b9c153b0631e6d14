"""Fast mode: random projections in O(1) evaluations, then bisection to name culprits.

An error vector e in the gradient shifts the directional derivative along a random
unit direction d by <e, d>, normal with standard deviation |e| / sqrt(n) (in
element-scaled units). A direction passes a wrong gradient only when that shift falls
inside the tolerance; independent directions multiply those probabilities, and
directions are added until an error of the reference size would be missed with at most
the target probability. A failing direction is followed by bisection: directions
supported on halves, quarters, ... of the elements, down to element checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import pi, sqrt

import numpy as np

from gradcheck.defaults import (
    BASE_STEP,
    BISECT_LEAF,
    BISECT_MAX_FOUND,
    FAST_MAX_PROBES,
    FAST_MIN_PROBES,
    FAST_REFERENCE_ERROR,
    FAST_TARGET_MISS,
)
from gradcheck.numeric.phi import random_direction
from gradcheck.result import Status, Verdict
from gradcheck.verdict.full import check_element
from gradcheck.verdict.outcome import Outcome
from gradcheck.verdict.plan import CheckPlan
from gradcheck.verdict.probe import Judge

#: The start of the reason of a fast check that could not reach its miss target.
UNREACHED = "after"
#: A block that showed no error along one random direction gets this many in all.
BLOCK_DIRECTIONS = 2


def probe_along(judge: Judge, plan: CheckPlan, direction: Sequence[np.ndarray]) -> Verdict:
    """Judge ``<gradient, direction>`` against the numerical directional derivative.

    Steps stay below half the distance to any declared kink along the direction.
    """
    analytic = sum(float(np.vdot(g, d)) for g, d in zip(plan.gradients, direction, strict=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = float(
            min(
                np.min(np.where(d != 0.0, dist / np.abs(d), np.inf), initial=np.inf)
                for d, dist in zip(direction, plan.distances, strict=True)
            )
        )

    def evaluate(t: float) -> tuple[float, float]:
        return judge.phi.along(direction, t)

    allowance = plan.directional_allowance(direction)
    step = min(BASE_STEP, cap / 2.0)
    return judge.verdict(
        evaluate,
        analytic,
        step,
        cap=cap,
        cheap=False,
        allowance=allowance,
        magnitude=plan.directional_magnitude(direction),
        scale=1.0,
    )


def probe_random(
    judge: Judge, plan: CheckPlan, rng: np.random.Generator, support: list[np.ndarray]
) -> Verdict:
    """Judge a seeded random direction over the elements in ``support``."""
    return probe_along(judge, plan, random_direction(plan.scales, rng, support))


def _miss_bound(tolerance: float, count: int, reference: float) -> float:
    """P(|N(mu, reference**2 / count)| <= tolerance) <= 2 tol / (sqrt(2 pi) sd)."""
    if reference <= 0.0:
        return 1.0
    return min(1.0, sqrt(2.0 / pi) * tolerance * sqrt(count) / reference)


def sensitivity(tolerances: Sequence[float], count: int, typical: float) -> float:
    """Return the relative error of one typical entry caught with ``FAST_TARGET_MISS``.

    The smallest factor ``r`` such that an entry of size ``typical`` (the scaled
    gradient's root mean square) wrong by ``1 + r`` passes every direction with
    probability at most ``FAST_TARGET_MISS``; inf when no factor reaches it.
    """
    if typical <= 0.0 or not tolerances:
        return float("inf")
    # log miss(r) = sum_k min(0, log(c_k / r)): decreasing in r, solved on log r.
    logs = np.log(
        np.maximum(
            [sqrt(2.0 / pi) * t * sqrt(count) / typical for t in tolerances], np.finfo(float).tiny
        )
    )
    target = np.log(FAST_TARGET_MISS)
    low, high = -40.0, 40.0
    for _ in range(60):
        middle = (low + high) / 2.0
        if np.sum(np.minimum(0.0, logs - middle)) <= target:
            high = middle
        else:
            low = middle
    return float(np.exp(high)) if high < 40.0 else float("inf")


class Fast:
    """Random projections until the miss bound is met; bisection on a failure."""

    name = "fast"

    def run(self, judge: Judge, plan: CheckPlan, rng: np.random.Generator) -> Outcome:
        """Judge the elements on declared kinks alone, the rest along random directions."""
        on_kink = plan.flat(plan.on_kink)
        judged = [
            (*plan.locate(int(n)), check_element(judge, plan, *plan.locate(int(n))))
            for n in np.flatnonzero(on_kink)
        ]
        free = np.flatnonzero(~on_kink)
        if free.size == 0:
            return Outcome(elements=judged, miss_probability=0.0)

        scaled = plan.flat([g * s for g, s in zip(plan.gradients, plan.scales, strict=True)])[free]
        typical = float(np.sqrt(np.mean(scaled**2)))
        reference = FAST_REFERENCE_ERROR * typical
        support = plan.masks(free)
        directions: list[Verdict] = []
        miss = 1.0
        while len(directions) < FAST_MAX_PROBES:
            verdict = probe_random(judge, plan, rng, support)
            directions.append(verdict)
            if verdict.status is Status.FAIL:
                found = _bisect(judge, plan, rng, free)
                return Outcome(elements=judged + found, directions=directions, unlocated=not found)
            if verdict.unverified:
                break
            miss *= _miss_bound(verdict.tolerance, free.size, reference)
            if len(directions) >= FAST_MIN_PROBES and miss <= FAST_TARGET_MISS:
                break
        reached = sensitivity([v.tolerance for v in directions if v.passed], free.size, typical)
        unreached = None
        if miss > FAST_TARGET_MISS:
            unreached = (
                f"{UNREACHED} {len(directions)} random directions an entry of typical size wrong "
                f"by {FAST_REFERENCE_ERROR:.0e} could still have been missed with "
                f"probability {miss:.1e} (the target is {FAST_TARGET_MISS:.0e}); they "
                f"would catch one wrong by {reached:.1e} relative: too many elements "
                "for the resolution of one directional derivative; mode='full' checks "
                "each element"
            )
        return Outcome(
            elements=judged,
            directions=directions,
            miss_probability=miss,
            sensitivity=reached,
            unreached=unreached,
        )


def _bisect(
    judge: Judge, plan: CheckPlan, rng: np.random.Generator, block: np.ndarray
) -> list[tuple[int, int, Verdict]]:
    """Name the wrong elements of a block known to hold an error."""
    found: list[tuple[int, int, Verdict]] = []
    pending = [block]
    while pending and len(found) < BISECT_MAX_FOUND:
        block = pending.pop()
        if block.size <= BISECT_LEAF:
            for number in block:
                which, index = plan.locate(int(number))
                verdict = check_element(judge, plan, which, index)
                if not verdict.passed:
                    found.append((which, index, verdict))
            continue
        halves = np.array_split(block, 2)
        failing = []
        for half in halves:
            support = plan.masks(half)
            if any(
                not probe_random(judge, plan, rng, support).passed for _ in range(BLOCK_DIRECTIONS)
            ):
                failing.append(half)
        pending.extend(reversed(failing))
    return found
