"""The pipeline of a check: evaluate, plan, judge, assemble (localization is the caller's)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gradcheck.contract.calls import GradientAt, evaluate_contract
from gradcheck.contract.inputs import Request
from gradcheck.defaults import NUMERIC_EPS
from gradcheck.numeric.noise import analytic_noise, shift_scales
from gradcheck.numeric.phi import Phi
from gradcheck.report.text import reproduce_line
from gradcheck.result import CheckResult
from gradcheck.verdict.assemble import Context, assemble
from gradcheck.verdict.fast import Fast
from gradcheck.verdict.full import Full
from gradcheck.verdict.joint import joint_verdicts
from gradcheck.verdict.judge import Tolerance
from gradcheck.verdict.outcome import Mode
from gradcheck.verdict.plan import CheckPlan
from gradcheck.verdict.probe import Judge

#: The modes by name; ``Options.mode`` is always one of them.
MODES: dict[str, Mode] = {mode.name: mode for mode in (Full(), Fast())}


def run(request: Request) -> CheckResult:
    """Check a validated request and return its result (never raises a verdict)."""
    inputs, options = request.inputs, request.options
    rng = np.random.default_rng(options.seed)
    evaluation = evaluate_contract(
        request.forward, request.backward, inputs, rng, options.nondet_tol
    )
    gradient_at = GradientAt(
        request.backward, inputs, evaluation.cotangent.astype(evaluation.output.dtype)
    )
    noise_rng = np.random.default_rng(rng.integers(2**63))

    def noise() -> list[np.ndarray]:
        return analytic_noise(
            gradient_at, inputs.given, shift_scales(inputs.numeric), request.distances, noise_rng
        )

    plan = CheckPlan.build(
        inputs.numeric, request.distances, evaluation.gradients, noise, evaluation.output.size
    )
    tolerance = Tolerance.for_check(inputs.dtype, options.atol, options.rtol)
    # The contract's output is phi's base point where it was computed on float64 inputs.
    same_point = all(x.dtype == np.float64 for x in inputs.given)
    output = evaluation.output if same_point else None
    phi = Phi(request.forward, inputs.numeric, evaluation.cotangent, output)
    floor = NUMERIC_EPS * float(np.sum(np.abs(evaluation.cotangent * evaluation.output)))
    judge = Judge(phi, tolerance, plan.scales, plan.distances, floor, rng)
    mode = MODES[options.mode]
    with phi.quiet():
        outcome = mode.run(judge, plan, rng)
        with phi.stage("joint kinks"):
            outcome = replace(outcome, joint=joint_verdicts(judge, plan, outcome.elements, rng))
    phi.verify_untouched()
    context = Context(
        names=inputs.names,
        plan=plan,
        forward_calls=evaluation.forward_calls + phi.calls,
        calls_by_phase={"contract": evaluation.forward_calls, **phi.by_phase},
        backward_calls=evaluation.backward_calls + gradient_at.calls,
        reproduce=reproduce_line(
            request.forward, request.backward, inputs.names, inputs.given, options.shown()
        ),
        random_grad_output=evaluation.output.size > 1,
    )
    return assemble(context, mode.name, outcome)
