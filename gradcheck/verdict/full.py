"""Full mode: judge every element, 2 evaluations each on the cheap pass."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gradcheck.result import Status, Verdict
from gradcheck.verdict.judge import SEVERAL_KINKS
from gradcheck.verdict.outcome import Outcome
from gradcheck.verdict.plan import CheckPlan
from gradcheck.verdict.probe import Judge


def several_kinks(verdict: Verdict) -> Verdict:
    """Turn a kink failure into an unverified verdict: several kinks may meet there.

    Where kinks of several operations meet along one coordinate (a bias over a batch
    of relus at zero), each operation's share may take either side independently, so
    the valid subgradients reach beyond the one-sided derivatives of their sum, and no
    finite step can separate the shares.
    """
    return replace(
        verdict,
        status=Status.UNVERIFIED,
        reason=f"the hand-written {verdict.analytic:.6g} lies {SEVERAL_KINKS}, beyond "
        f"[{verdict.low:.6g}, {verdict.high:.6g}]: the shares cannot be told apart",
    )


def check_element(judge: Judge, plan: CheckPlan, which: int, index: int) -> Verdict:
    """Judge one element's analytic derivative.

    A failure at a kink stands only where the kink is declared and the input not
    broadcast (:meth:`CheckPlan.single_kink`); elsewhere it is :func:`several_kinks`.
    """
    step, cap, on_kink = plan.step(which, index)
    analytic = float(plan.gradients[which].flat[index])

    def evaluate(t: float) -> tuple[float, float]:
        return judge.phi.at_element(which, index, t)

    verdict = judge.verdict(
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
    if verdict.kink and verdict.status is Status.FAIL and not plan.single_kink(which, index):
        return several_kinks(verdict)
    return verdict


class Full:
    """Every element, one by one: the cheap pass for all at once, the rest element-wise."""

    name = "full"

    def run(self, judge: Judge, plan: CheckPlan, rng: np.random.Generator) -> Outcome:
        """Judge every element, in input order then flat order."""
        elements = []
        for which, gradient in enumerate(plan.gradients):
            analytic = np.ravel(gradient)
            candidates = np.flatnonzero(~np.ravel(plan.on_kink[which]))
            passed = judge.cheap_pass(
                which,
                candidates,
                np.ravel(plan.steps[which])[candidates],
                analytic[candidates],
                np.maximum(np.abs(analytic[candidates]), plan.typical[which]),
            )
            elements += [
                (which, index, passed.get(index) or check_element(judge, plan, which, index))
                for index in range(gradient.size)
            ]
        return Outcome(elements=elements)
