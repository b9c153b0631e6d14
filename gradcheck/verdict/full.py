"""Full mode: judge every element, 2 evaluations each on the cheap pass."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gradcheck.numeric.differences import centrals
from gradcheck.result import Status, Verdict
from gradcheck.verdict.judge import SEVERAL_KINKS, smooth_passes
from gradcheck.verdict.outcome import CheapPasses, Outcome
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


def cheap_pass(
    judge: Judge,
    which: int,
    indices: np.ndarray,
    steps: np.ndarray,
    analytic: np.ndarray,
    magnitude: np.ndarray,
) -> CheapPasses:
    """Run the cheap pass on many elements of one input; return those that pass.

    The same central differences and screen as :meth:`Judge.verdict`'s first step, the
    evaluations in one tight loop (:meth:`Phi.pairs`) and the verdicts computed at
    once, kept as arrays: a correct check pays little more than its 2n forward calls.
    An element phi is flat at with analytic 0 is left out (:meth:`Judge.verdict`
    confirms the zero further out).
    """
    with judge.phi.phase("cheap pass"):
        plus, minus, width = judge.phi.pairs(which, indices, steps)
    value, error = centrals(plus, minus, width, judge.noise)
    screen = judge.screen_tolerance
    passed, allowed, scale = smooth_passes(analytic, value, error, screen, magnitude)
    passed &= ~((analytic == 0.0) & (plus == judge.base) & (minus == judge.base))
    kept = np.flatnonzero(passed)
    return CheapPasses(
        which=np.full(len(kept), which),
        index=indices[kept],
        analytic=analytic[kept],
        numeric=value[kept],
        tolerance=allowed[kept],
        scale=scale[kept],
    )


class Full:
    """Every element, one by one: the cheap pass for all at once, the rest element-wise."""

    name = "full"

    def run(self, judge: Judge, plan: CheckPlan, rng: np.random.Generator) -> Outcome:
        """Judge every element, in input order then flat order."""
        elements, passes = [], []
        for which, gradient in enumerate(plan.gradients):
            analytic = np.ravel(gradient)
            candidates = np.flatnonzero(~np.ravel(plan.on_kink[which]))
            passed = cheap_pass(
                judge,
                which,
                candidates,
                np.ravel(plan.steps[which])[candidates],
                analytic[candidates],
                np.maximum(np.abs(analytic[candidates]), plan.typical[which]),
            )
            rest = np.ones(gradient.size, dtype=bool)
            rest[passed.index] = False
            elements += [
                (which, index, check_element(judge, plan, which, index))
                for index in np.flatnonzero(rest).tolist()
            ]
            passes.append(passed)
        return Outcome(elements=elements, passes=CheapPasses.join(passes))
