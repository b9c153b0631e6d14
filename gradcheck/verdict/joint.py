"""Kinks judged jointly: one direction over every element found at a kink.

Each element at a kink passes alone when its value lies between its one-sided
derivatives, yet a gradient can be wrong jointly: seed 003's max sends the gradient of a
tie to both inputs, each coordinate alone a valid subgradient, their sum not. For any
(Clarke) subgradient ``g`` and direction ``d``, ``g . d`` lies between ``-f°(x; -d)``
and ``f°(x; d)``, where ``f°(x; d)`` is the largest one-sided derivative along ``d`` at
points near ``x``; the one-sided derivative at ``x`` itself is no such bound where kinks
of separate elements balance (``relu(x) - relu(2y)`` at 0).

The check takes ``d = g`` on the kink elements and estimates ``f°`` from below, by
one-sided derivatives along ``d`` at displaced points ``x + delta * sigma``: ``sigma``
puts each element on the side whose slope maximizes ``d_i * slope`` (and leaves an
element with ``d_i = 0`` where it is), which is exact for kinks of separate elements and
for ties whose gradient is routed to one input or shared; an ascent then moves one
element at a time to another side while the slope grows (ties shared by several
inputs), and a few random sign patterns and ``x`` itself are tried besides, the
largest counting. A gradient that exceeds the bound fails; an estimate too uncertain
to judge by is dropped (the elements' own verdicts stand), and so is the check where
an element at a kink is tiny (below ``TINY`` of its step scale: its kink was resolved
at its own size, far below the displacement). It costs nothing where fewer than two
elements with a nonzero gradient sit on kinks, and up to
``2 * 4 * (JOINT_PATTERNS + 2 + 2 * JOINT_ASCENT)`` forward calls otherwise (176).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradcheck.defaults import NOISE_SAFETY, TRUNCATION_SAFETY
from gradcheck.numeric.differences import Estimate
from gradcheck.result import Verdict
from gradcheck.verdict.judge import judge
from gradcheck.verdict.plan import CheckPlan
from gradcheck.verdict.probe import TINY, Judge

#: Displacement of the kink elements, relative to their step scale (up to twice it):
#: far above the steps along d (a quarter of it), far below the distance to other kinks.
JOINT_DISPLACEMENT = 1e-6
#: Random sign patterns tried besides the greedy one and x itself.
JOINT_PATTERNS = 4
#: Elements whose side the ascent tries to change, one at a time (2 trials each).
JOINT_ASCENT = 8
#: Allowance relative to the derivative's scale: derivatives of the smooth parts move
#: over the displacement.
JOINT_RTOL = 1e-4
#: Noise amplification of the second-order forward difference (8 p4 - 2 p2 - 6 p0) / h.
_FORWARD_NOISE = 10.2

#: (input, flat index, verdict) of one element.
Element = tuple[int, int, Verdict]


def joint_verdicts(
    judge_: Judge, plan: CheckPlan, elements: Sequence[Element], rng: np.random.Generator
) -> list[Verdict]:
    """Judge ``g . d`` over the elements at kinks; [] where there is nothing to judge."""
    kinks = [
        (which, index, verdict)
        for which, index, verdict in elements
        if verdict.kink
        and verdict.passed
        and verdict.right is not None
        and verdict.left is not None
        and plan.gradients[which].flat[index] != 0.0
    ]
    if len(kinks) < 2:
        return []
    if any(0.0 < plan.sizes[w].flat[i] < TINY * plan.scales[w].flat[i] for w, i, _ in kinks):
        # A tiny element's kink was resolved at its own size, far below the displacement
        # (1e-6 of the scale): its slopes describe another neighbourhood. Not judged.
        return []
    direction = [np.zeros(shape) for shape in plan.shapes]
    for which, index, _ in kinks:
        direction[which].flat[index] = plan.gradients[which].flat[index]
    # Unit length in element-scaled units, as the random directions of fast mode.
    norm = max(
        abs(float(direction[w].flat[i])) / float(plan.scales[w].flat[i]) for w, i, _ in kinks
    )
    direction = [d / norm for d in direction]
    analytic = sum(float(np.vdot(g, d)) for g, d in zip(plan.gradients, direction, strict=True))
    magnitude = plan.directional_magnitude(direction)
    upper = _largest_slope(judge_, plan, kinks, direction, rng)
    lower = _largest_slope(judge_, plan, kinks, [-d for d in direction], rng)
    if upper is None or lower is None:
        return []
    (high, high_error), (low, low_error) = upper, lower
    estimate = Estimate(
        value=(high - low) / 2.0,
        error=max(high_error, low_error) + JOINT_RTOL * magnitude,
        evaluations=0,
        kink=True,
        low=-low,
        high=high,
    )
    verdict = judge(analytic, estimate, judge_.tolerance, magnitude=magnitude)
    return [] if verdict.unverified else [verdict]


def _largest_slope(
    judge_: Judge,
    plan: CheckPlan,
    kinks: Sequence[Element],
    direction: list[np.ndarray],
    rng: np.random.Generator,
) -> tuple[float, float] | None:
    """Estimate f°(x; d) from below: (largest one-sided slope found, its error).

    Starts from the greedy sides, then moves one element at a time to another side
    (the elements whose side matters most first, ``JOINT_ASCENT`` of them) while that
    raises the slope: an input tied with several others (a broadcast ``b`` in
    ``max(a, b)``) must sit below all of them, which no element's own slopes tell.
    Random sign patterns and ``x`` itself are tried besides.
    """
    greedy: list[float] = []
    stakes: list[float] = []
    for which, index, verdict in kinks:
        d = float(direction[which].flat[index])
        right, left = d * float(verdict.right), d * float(verdict.left)
        greedy.append(1.0 if right > left else -1.0 if left > right else 0.0)
        stakes.append(abs(right - left))

    # Distinct displacement sizes, the largest for the element whose side matters most:
    # where tied elements move the same way, it ends up on top.
    rank = np.argsort(np.argsort(stakes, kind="stable"), kind="stable")
    sizes = [1.0 + float(r) / len(kinks) for r in rank]

    def slope(sigma: Sequence[float]) -> tuple[float, float] | None:
        return _slope_at(
            judge_, plan, kinks, direction, [s * z for s, z in zip(sigma, sizes, strict=True)]
        )

    found = [slope(greedy), slope([0.0] * len(kinks))]
    found += [slope(list(rng.choice([-1.0, 1.0], size=len(kinks)))) for _ in range(JOINT_PATTERNS)]
    best, sigma = found[0], list(greedy)
    for k in sorted(range(len(kinks)), key=lambda k: -stakes[k])[:JOINT_ASCENT]:
        for side in {-1.0, 0.0, 1.0} - {sigma[k]}:
            trial = [*sigma[:k], side, *sigma[k + 1 :]]
            tried = slope(trial)
            found.append(tried)
            # Only a rise beyond both estimates' errors counts: a rounding-level one
            # would move the ascent sideways and past the side that matters.
            if tried is not None and (best is None or tried[0] > best[0] + tried[1] + best[1]):
                best, sigma = tried, trial
    finite = [s for s in found if s is not None]
    return max(finite) if finite else None


def _slope_at(
    judge_: Judge,
    plan: CheckPlan,
    kinks: Sequence[Element],
    direction: list[np.ndarray],
    sigma: Sequence[float],
) -> tuple[float, float] | None:
    """Return the forward derivative along ``direction`` at ``x + delta * sigma``, and its error.

    ``sigma`` holds each element's signed displacement in units of ``JOINT_DISPLACEMENT``
    times its scale.
    """
    offset = [np.zeros(shape) for shape in plan.shapes]
    for (which, index, _), side in zip(kinks, sigma, strict=True):
        offset[which].flat[index] = side * JOINT_DISPLACEMENT * plan.scales[which].flat[index]
    step = JOINT_DISPLACEMENT / 4.0

    def at(t: float) -> float:
        return judge_.phi.along([o + t * d for o, d in zip(offset, direction, strict=True)], 1.0)[0]

    p0, p1, p2, p4 = at(0.0), at(step), at(step / 2.0), at(step / 4.0)
    if not np.all(np.isfinite([p0, p1, p2, p4])):
        return None
    coarse = 2.0 * (p2 - p0) / (step / 2.0) - (p1 - p0) / step
    fine = 2.0 * (p4 - p0) / (step / 4.0) - (p2 - p0) / (step / 2.0)
    rounding = _FORWARD_NOISE * judge_.noise.at(p0, p1, p2, p4) / step
    error = TRUNCATION_SAFETY * abs(fine - coarse) + NOISE_SAFETY * rounding
    return fine, error
