"""Directional probes: the derivative along a direction that moves several elements.

Fast mode is built on them; full mode uses them for the joint subgradient check at
kinks: a gradient can be a valid subgradient coordinate by coordinate and not jointly
(seed 003's ``max`` sends grad_output to both inputs when they tie, so along (1, 1) the
analytic slope is 2 where max(a + t, a + t) has slope 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from gradcheck.compare import Verdict
from gradcheck.defaults import BASE_STEP
from gradcheck.elements import Elements
from gradcheck.prober import Prober, random_direction


def probe_along(
    prober: Prober,
    elements: Elements,
    direction: Sequence[np.ndarray],
    through_kinks: bool = False,
) -> Verdict:
    """Judge ``<gradient, direction>`` against the numerical directional derivative.

    Steps stay below half the distance to any declared kink along the direction,
    unless ``through_kinks`` (the direction moves elements sitting on kinks, judged by
    one-sided differences).
    """
    analytic = sum(float(np.vdot(g, d)) for g, d in zip(elements.gradients, direction, strict=True))
    cap = np.inf
    if not through_kinks:
        with np.errstate(divide="ignore", invalid="ignore"):
            cap = float(
                min(
                    np.min(np.where(d != 0.0, dist / np.abs(d), np.inf), initial=np.inf)
                    for d, dist in zip(direction, elements.distances, strict=True)
                )
            )

    def evaluate(t: float) -> tuple[float, float]:
        return prober.objective.along(direction, t)

    # The analytic side's measured noise is meaningless where its gradient jumps: the
    # elements at kinks.
    allowance = 0.0 if through_kinks else elements.directional_allowance(direction)
    step = min(BASE_STEP, cap / 2.0)
    return prober.verdict(evaluate, analytic, step, cap, cheap=False, allowance=allowance)


def probe_random(
    prober: Prober, elements: Elements, rng: np.random.Generator, support: list[np.ndarray]
) -> Verdict:
    """Judge a seeded random direction over the elements in ``support``."""
    return probe_along(prober, elements, random_direction(elements.scales, rng, support))


def joint_kink_probes(
    prober: Prober, elements: Elements, at_kinks: list[np.ndarray]
) -> list[Verdict]:
    """Check that the gradient is a subgradient jointly over the elements at kinks.

    Along d = +-(the analytic gradient restricted to those elements), a function whose
    kinks are ties between those elements (``max`` with a == b) is smooth: the analytic
    ``<g, d>`` must then match the numerical slope, and a gradient that is valid only
    coordinate by coordinate overshoots. Where any step along the direction sees a kink
    (kinks of separate elements, as relu's), several kinks meet along it and the
    one-sided slopes do not bound the valid values: such a verdict proves nothing and
    passes.

    Parameters
    ----------
    at_kinks : list of numpy.ndarray of bool
        Per input, the elements judged at a kink.

    Returns
    -------
    list of Verdict
        Empty when fewer than two elements sit at kinks (the element verdicts suffice).
    """
    if sum(int(mask.sum()) for mask in at_kinks) < 2:
        return []
    restricted = [
        np.where(mask, g, 0.0) for g, mask in zip(elements.gradients, at_kinks, strict=True)
    ]
    norm = np.sqrt(sum(float(np.sum(r * r)) for r in restricted))
    if norm == 0.0:
        return []
    aligned = [r / norm for r in restricted]
    verdicts = []
    for direction in (aligned, [-d for d in aligned]):
        verdict = probe_along(prober, elements, direction, through_kinks=True)
        seen = verdict.kink or verdict.kink_seen
        verdicts.append(replace(verdict, passed=True) if seen else verdict)
    return verdicts
