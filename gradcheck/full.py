"""Full mode: judge every element, 2 evaluations each on the cheap pass."""

from __future__ import annotations

from gradcheck.compare import Verdict
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


def check_all(prober: Prober, elements: Elements) -> list[list[Verdict]]:
    """Judge every element; one list of verdicts per input, in flat order."""
    return [
        [check_element(prober, elements, which, index) for index in range(g.size)]
        for which, g in enumerate(elements.gradients)
    ]
