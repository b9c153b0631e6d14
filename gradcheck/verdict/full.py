"""Full mode: judge every element, 2 evaluations each on the cheap pass."""

from __future__ import annotations

import numpy as np

from gradcheck.result import Verdict
from gradcheck.verdict.outcome import Outcome
from gradcheck.verdict.plan import CheckPlan
from gradcheck.verdict.probe import Judge


def check_element(judge: Judge, plan: CheckPlan, which: int, index: int) -> Verdict:
    """Judge one element's analytic derivative."""
    step, cap, on_kink = plan.step(which, index)
    analytic = float(plan.gradients[which].flat[index])

    def evaluate(t: float) -> tuple[float, float]:
        return judge.phi.at_element(which, index, t)

    return judge.verdict(
        evaluate,
        analytic,
        step,
        cap=cap,
        cheap=not on_kink,
        allowance=plan.allowance(which, index),
        magnitude=plan.magnitude(which, index),
        scale=float(plan.scales[which].flat[index]),
        size=float(plan.sizes[which].flat[index]),
    )


class Full:
    """Every element, one by one."""

    name = "full"

    def run(self, judge: Judge, plan: CheckPlan, rng: np.random.Generator) -> Outcome:
        """Judge every element, in input order then flat order."""
        return Outcome(
            elements=[
                (which, index, check_element(judge, plan, which, index))
                for which, g in enumerate(plan.gradients)
                for index in range(g.size)
            ]
        )
