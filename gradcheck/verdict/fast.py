"""Fast mode: banded random projections in O(1) evaluations, then bisection to name culprits.

An error vector e in the gradient shifts the directional derivative along a direction d
by <e, d>. Fast mode's directions are banded (:func:`banded_direction`): every
component is at least ``1 / c`` (``c = band_norm(m)``, m elements) and has density at
most ``c / 2``, so that in element-scaled units

- a single wrong entry ``e_j`` shifts ``<e, d>`` by at least ``|e_j| / c``: caught for
  certain once that exceeds twice the tolerance (the numeric side may err by one
  tolerance), which is ``result.sensitivity``;
- any error vector whose largest entry is ``E`` passes one direction of tolerance t
  with probability at most ``2 t c / E``; independent directions multiply
  (``result.miss_probability``, for ``E`` the reference error).

Directions are added (at least ``FAST_MIN_PROBES``) until a single entry of the
reference error is caught for certain or the miss bound reaches the target.

Each direction is first screened by two central differences (4 forward calls, no
noise measurement, no analytic noise): a correct smooth function passes there, so a
check costs 4 calls per direction. A direction the screen does not pass goes through
the full probe (measured noise, ladders, escalation), so a failure is never the
screen's alone. A failing direction is followed by bisection: directions supported on
halves, quarters, ... of the elements, down to element checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

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
from gradcheck.numeric.phi import band_norm, banded_direction
from gradcheck.result import Status, Verdict
from gradcheck.verdict.full import check_element
from gradcheck.verdict.outcome import Outcome
from gradcheck.verdict.plan import CheckPlan
from gradcheck.verdict.probe import Judge

#: The start of the reason of a fast check that could not reach its miss target.
UNREACHED = "after"
#: A block that showed no error along one random direction gets this many in all.
BLOCK_DIRECTIONS = 2
#: The screen's coarser step is twice the first: it runs only where both stay below
#: half a declared kink's distance.
SCREEN_REACH = 4.0
#: The screen's first step is at most this (in element-scaled units).
SCREEN_MAX_STEP = 1e-3
#: An element whose declared kink is nearer than this many element scales over
#: ``band_norm(m)`` would cap every direction's steps below the screen's reach (a
#: component moves up to ``2 / band_norm(m)`` scales per unit step; twice the
#: screen's reach at its longest first step, and a factor 2 to spare): it is judged
#: alone, as an element on its kink is, and the directions cover the rest.
NEAR_KINK_REACH = 2.0 * 2.0 * SCREEN_REACH * SCREEN_MAX_STEP


def probe_along(judge: Judge, plan: CheckPlan, direction: Sequence[np.ndarray]) -> Verdict:
    """Judge ``<gradient, direction>`` against the numerical directional derivative.

    Screened first (:meth:`Judge.screen`); what the screen does not pass is judged by
    the full probe. Steps stay below half the distance to any declared kink along the
    direction.
    """
    analytic = sum(float(np.vdot(g, d)) for g, d in zip(plan.gradients, direction, strict=True))
    cap = _reach(direction, plan.distances) if plan.declares_kinks else np.inf

    def evaluate(t: float) -> tuple[float, float]:
        return judge.phi.along(direction, t)

    magnitude = plan.directional_magnitude(direction)
    step = min(BASE_STEP, cap / 2.0)
    first = screen_step(judge.noise.sigma, magnitude)
    if SCREEN_REACH * first < cap:
        screened = judge.screen(evaluate, analytic, first, magnitude)
        if screened.passed:
            return screened
    verdict = judge.verdict(
        evaluate,
        analytic,
        step,
        cap=cap,
        cheap=False,
        allowance=plan.directional_allowance(direction),
        magnitude=magnitude,
        scale=1.0,
    )
    if verdict.kink and verdict.status is Status.FAIL and np.isfinite(cap):
        return _across_kinks(verdict)
    return verdict


def _across_kinks(verdict: Verdict) -> Verdict:
    """Turn a kink failure of a direction whose steps crossed declared kinks unverified.

    The elements on their kinks are judged alone, so a kink along a direction is
    several elements' kinks at their own distances, crossed by steps too long for
    the nearest: the one-sided derivatives there sum other slopes than the
    direction's own at the point, and bound nothing.
    """
    return replace(
        verdict,
        status=Status.UNVERIFIED,
        reason=f"the hand-written {verdict.analytic:.6g} lies outside the one-sided "
        f"derivatives [{verdict.low:.6g}, {verdict.high:.6g}] read at steps that cross "
        "declared kinks of several elements, which bound nothing at the point itself",
    )


def _reach(direction: Sequence[np.ndarray], distances: Sequence[np.ndarray]) -> float:
    """Return the step along ``direction`` at which the first declared kink is met."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(
            min(
                np.min(np.where(d != 0.0, dist / np.abs(d), np.inf), initial=np.inf)
                for d, dist in zip(direction, distances, strict=True)
            )
        )


def screen_step(noise: float, magnitude: float) -> float:
    """Return the screen's first step: where rounding and truncation balance.

    A central difference errs by about ``noise / h`` from rounding and by ``h**2 / 6``
    times the third derivative from truncation, least at ``h = (3 noise / D3)**(1/3)``.
    With ``D3`` taken as the directional derivative's scale (a function that varies on
    the scale of its inputs, as the element steps assume), and never below
    ``BASE_STEP`` nor above ``SCREEN_MAX_STEP``: a phi summed over many outputs rounds
    far above ``eps |phi|`` and wants a longer step than ``eps**(1/3)``.
    """
    if magnitude <= 0.0 or not np.isfinite(noise):
        return BASE_STEP
    return float(min(max(BASE_STEP, (3.0 * noise / magnitude) ** (1.0 / 3.0)), SCREEN_MAX_STEP))


def probe_random(
    judge: Judge, plan: CheckPlan, rng: np.random.Generator, support: list[np.ndarray] | None
) -> Verdict:
    """Judge a seeded banded direction over the elements in ``support`` (None: all)."""
    return probe_along(judge, plan, banded_direction(plan.scales, rng, support))


def _miss_bound(tolerance: float, count: int, reference: float) -> float:
    """Bound P(|<e, d>| <= 2 tol) by ``2 tol c / |e_max|``, ``|e_max|`` = ``reference``."""
    if reference <= 0.0:
        return 1.0
    return min(1.0, 2.0 * tolerance * band_norm(count) / reference)


def sensitivity(tolerances: Sequence[float], count: int, typical: float) -> float:
    """Return the relative error of one entry of typical size caught for certain.

    ``|e| / c > 2 t`` for the tightest direction: ``2 t c / typical``; inf when no
    direction passed or the gradient is zero.
    """
    if typical <= 0.0 or not tolerances:
        return float("inf")
    return 2.0 * min(tolerances) * band_norm(count) / typical


def alone_elements(plan: CheckPlan) -> np.ndarray:
    """Flag (in element order) the elements judged alone: on or near a declared kink.

    Near is closer than ``NEAR_KINK_REACH / band_norm(m)`` element scales, m the
    elements off their kinks: such an element would keep every direction's step too
    short to resolve anything (relu 1e-9 from its kink among a handful of elements).
    Few elements of a large input are that near, so fast mode stays O(1) in calls.
    """
    on_kink = plan.flat(plan.on_kink)
    if not plan.declares_kinks:
        return on_kink
    reach = NEAR_KINK_REACH / band_norm(max(int(np.count_nonzero(~on_kink)), 1))
    return on_kink | (plan.flat(plan.distances) < reach * plan.flat(plan.scales))


class Fast:
    """Random projections until the miss bound is met; bisection on a failure."""

    name = "fast"

    def run(self, judge: Judge, plan: CheckPlan, rng: np.random.Generator) -> Outcome:
        """Judge the elements on or near declared kinks alone, the rest along directions."""
        alone = alone_elements(plan)
        judged = [
            (*plan.locate(int(n)), check_element(judge, plan, *plan.locate(int(n))))
            for n in np.flatnonzero(alone)
        ]
        free = np.flatnonzero(~alone)
        if free.size == 0:
            return Outcome(elements=judged, miss_probability=0.0)

        scaled = plan.flat([g * s for g, s in zip(plan.gradients, plan.scales, strict=True)])
        everything = free.size == alone.size  # no element judged alone: no masks to apply
        if not everything:
            scaled = scaled[free]
        typical = float(np.sqrt(np.mean(scaled**2)))
        reference = FAST_REFERENCE_ERROR * typical
        support = None if everything else plan.masks(free)
        directions: list[Verdict] = []
        miss, reached = 1.0, float("inf")
        while len(directions) < FAST_MAX_PROBES:
            verdict = probe_random(judge, plan, rng, support)
            directions.append(verdict)
            if verdict.status is Status.FAIL:
                with judge.phi.stage("bisection"):
                    found = _bisect(judge, plan, rng, free)
                return Outcome(elements=judged + found, directions=directions, unlocated=not found)
            if verdict.unverified:
                break
            miss *= _miss_bound(verdict.tolerance, free.size, reference)
            reached = sensitivity([v.tolerance for v in directions], free.size, typical)
            done = reached <= FAST_REFERENCE_ERROR or miss <= FAST_TARGET_MISS
            if len(directions) >= FAST_MIN_PROBES and done:
                break
        unreached = None
        if reached > FAST_REFERENCE_ERROR and miss > FAST_TARGET_MISS:
            unreached = (
                f"{UNREACHED} {len(directions)} random directions an error whose largest "
                f"entry is of typical size wrong by {FAST_REFERENCE_ERROR:.0e} could still "
                f"have been missed with probability {miss:.1e} (the target is "
                f"{FAST_TARGET_MISS:.0e}); they catch for certain a single entry wrong by "
                f"{reached:.1e} relative: too many elements "
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
