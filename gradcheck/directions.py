"""Directional probes: the derivative along a direction that moves several elements."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradcheck.compare import Verdict
from gradcheck.defaults import BASE_STEP
from gradcheck.elements import Elements
from gradcheck.prober import Prober, random_direction


def probe_along(prober: Prober, elements: Elements, direction: Sequence[np.ndarray]) -> Verdict:
    """Judge ``<gradient, direction>`` against the numerical directional derivative.

    Steps stay below half the distance to any declared kink along the direction.
    """
    analytic = sum(float(np.vdot(g, d)) for g, d in zip(elements.gradients, direction, strict=True))
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = float(
            min(
                np.min(np.where(d != 0.0, dist / np.abs(d), np.inf), initial=np.inf)
                for d, dist in zip(direction, elements.distances, strict=True)
            )
        )

    def evaluate(t: float) -> tuple[float, float]:
        return prober.objective.along(direction, t)

    allowance = elements.directional_allowance(direction)
    step = min(BASE_STEP, cap / 2.0)
    return prober.verdict(evaluate, analytic, step, cap, cheap=False, allowance=allowance)


def probe_random(
    prober: Prober, elements: Elements, rng: np.random.Generator, support: list[np.ndarray]
) -> Verdict:
    """Judge a seeded random direction over the elements in ``support``."""
    return probe_along(prober, elements, random_direction(elements.scales, rng, support))
