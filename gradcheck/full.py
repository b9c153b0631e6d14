"""Full mode: judge every element, 2 evaluations each on the cheap pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcheck.compare import Verdict
from gradcheck.directions import joint_kink_probes
from gradcheck.elements import Elements
from gradcheck.prober import Prober


def check_element(prober: Prober, elements: Elements, which: int, index: int) -> Verdict:
    """Judge one element's analytic derivative."""
    step, cap, on_kink = elements.step(which, index)
    analytic = float(elements.gradients[which].flat[index])

    def evaluate(t: float) -> tuple[float, float]:
        return prober.objective.at_element(which, index, t)

    allowance = elements.allowance(which, index)
    return prober.verdict(evaluate, analytic, step, cap, cheap=not on_kink, allowance=allowance)


@dataclass(frozen=True)
class FullOutcome:
    """Every element's verdict, and the joint verdicts over the elements at kinks.

    ``elements`` has one list of verdicts per input, in flat order.
    """

    elements: list[list[Verdict]]
    joint: list[Verdict]


def check_all(prober: Prober, elements: Elements) -> FullOutcome:
    """Judge every element, then the gradient jointly over the elements at kinks."""
    verdicts = [
        [check_element(prober, elements, which, index) for index in range(g.size)]
        for which, g in enumerate(elements.gradients)
    ]
    at_kinks = [
        np.array([v.kink for v in column], dtype=bool).reshape(shape)
        for column, shape in zip(verdicts, elements.shapes, strict=True)
    ]
    return FullOutcome(verdicts, joint_kink_probes(prober, elements, at_kinks))
