"""Seed 001: the one-hidden-layer network on the moons, and what its convention does.

The tutorial sums the cross-entropy gradient over the batch but prints the mean loss.
Gradient descent with learning rate 0.01 on the sum is gradient descent with step
0.01 * N on the printed (mean) loss. Where the curvature of the loss exceeds
2 / (0.01 * N), that step is too large: the loss oscillates instead of converging. The
report measures it for every hidden size of the tutorial.
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

import gradcheck
from gradcheck.report.writer import Report, new_figure, table
from nets import MLP, data, train
from nets.optimizers import SGD
from nets.reports import held_out
from nets.reports.common import (
    hessian_max_eigenvalue,
    optimum_numbers,
    verified_line,
    verify,
)
from nets.training import vector_problem

SAMPLES, NOISE, SEED = 200, 0.20, 0
LEARNING_RATE, L2 = 0.01, 0.01
STEPS = 20_000
HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)
#: The last steps inspected for oscillation.
TAIL = 2_000
#: A smaller learning rate, run where the tutorial's oscillates.
CONTROL_RATE = 0.001
#: What the tutorial prints with 3 hidden units after these steps (to 6 decimals).
TUTORIAL_PRINTS = {0: 0.432387, 1000: 0.068947}
#: A step counts as a rise when the loss grows by more than this, relative (not rounding).
RISE_TOLERANCE = 1e-12


@dataclass
class Run:
    """One hidden size trained with the tutorial's convention."""

    hidden: int
    model: MLP
    printed: np.ndarray  # loss / N after each step
    rises: int  # steps of the tail where the printed loss went up
    tail_range: float
    curvature: float  # largest Hessian eigenvalue of the printed loss at scipy's minimum
    optimum: gradcheck.OptimumComparison  # scipy, started where SGD stopped

    @property
    def oscillates(self) -> bool:
        """Whether the loss still went up in the tail."""
        return self.rises > 0

    def predicted(self, step: float) -> bool:
        """Whether gradient descent with this step cannot settle at the nearby minimum."""
        return step * self.curvature > 2


def _rises(printed: np.ndarray) -> int:
    """Count the steps of the tail where the loss went up by more than rounding."""
    tail = printed[-min(TAIL, len(printed) - 1) - 1 :]
    return int(np.sum(np.diff(tail) > RISE_TOLERANCE * np.abs(tail[1:])))


def _train(hidden: int, steps: int, lr: float, X, y) -> tuple[MLP, np.ndarray]:
    model = MLP(2, hidden, 2, activation="tanh", output="softmax", l2=L2, reduction="sum")
    history = train(model, X, y, SGD(lr=lr), steps=steps, progress=False)  # side by side
    return model, history.loss / len(X)


def _run(hidden: int, steps: int, lr: float, X, y) -> Run:
    model, printed = _train(hidden, steps, lr, X, y)
    tail = printed[-min(TAIL, steps - 1) - 1 :]
    loss, grad, x, _ = vector_problem(model, X, y)
    optimum = gradcheck.compare_optima(loss, grad, x, rtol=1e-7)
    curvature = hessian_max_eigenvalue(grad, optimum.analytic.x) / len(X)
    return Run(
        hidden,
        model,
        printed,
        _rises(printed),
        float(tail.max() - tail.min()),
        curvature,
        optimum,
    )


def _convention_check(X, y) -> gradcheck.CheckResult:
    """Check the summed gradient against the printed loss: the hint names the factor N."""
    model = MLP(2, 3, 2, activation="tanh", output="softmax", l2=L2, reduction="sum")
    objective = model.objective(X, y)

    def printed_loss(*params):
        return objective.forward(*params) / len(X)

    return gradcheck.compare(printed_loss, objective.backward, *model.params.values())


def _boundaries(runs: list[Run], X, y):
    figure = new_figure(9.0, 7.5)
    grid = figure.subplots(3, 3, sharex=True, sharey=True).ravel()
    xx, yy = np.meshgrid(np.linspace(-1.5, 2.5, 161), np.linspace(-1.0, 1.5, 101))
    mesh = np.column_stack([xx.ravel(), yy.ravel()])
    for axes, run in zip(grid, runs, strict=False):
        classes = run.model.predict(mesh).reshape(xx.shape)
        axes.contourf(xx, yy, classes, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#f4c7c3"])
        axes.scatter(X[:, 0], X[:, 1], c=y, s=6, cmap="coolwarm", linewidths=0)
        axes.set_title(f"hidden {run.hidden}" + (" (oscillates)" if run.oscillates else ""))
    for axes in grid[len(runs) :]:
        axes.set_visible(False)
    return figure


def _curves(runs: list[Run]):
    figure = new_figure(9.0, 4.0)
    left, right = figure.subplots(1, 2)
    for run in runs:
        left.semilogy(np.arange(1, len(run.printed) + 1), run.printed, label=f"{run.hidden}")
    left.set(xlabel="step", ylabel="printed loss (sum / N)", title="lr 0.01 on the sum")
    left.legend(title="hidden", fontsize=7)
    for run in runs:
        tail = run.printed[-200:]
        right.plot(np.arange(len(run.printed) - len(tail), len(run.printed)), tail - tail.min())
    right.set(xlabel="step", ylabel="loss - its minimum over the window", title="last 200 steps")
    for axes in (left, right):
        axes.locator_params(axis="x", nbins=5)  # five-digit steps: fewer ticks, no overlap
        axes.grid(True, alpha=0.3)
    return figure


def _tutorial(out: Report, verified: dict, three: Run | None, steps: int) -> None:
    out.add(
        "## The tutorial, reproduced",
        "`nets.MLP(2, n, 2, activation='tanh', output='softmax', l2=0.01, reduction='sum')` "
        f"trained by `SGD(lr=0.01)` for {steps} full-batch steps on "
        f"`data.moons({SAMPLES}, {NOISE}, seed={SEED})`, the loss printed as the sum divided "
        "by N, as the tutorial prints it.",
        verified_line(verified),
    )
    if three is not None:
        rows = [[s, f"{three.printed[s]:.6f}"] for s in range(0, steps, 1000)]
        out.add(
            "Printed loss after step s (the tutorial prints 0.432387 and 0.068947 for "
            "steps 0 and 1000 with 3 hidden units):",
            table(["step", "printed loss, 3 hidden units"], rows),
        )


def _convention(out: Report, convention: gradcheck.CheckResult, step: float) -> None:
    out.add(
        "## The convention, as the checker sees it",
        "Checked against the printed loss (sum / N), the tutorial's gradient fails, and "
        "the checker names the factor:",
        f"> {convention.hint}",
        "It is the gradient of N times the printed loss. Gradient descent with lr = 0.01 on "
        f"the sum is gradient descent with step 0.01 * N = {step:g} on the printed "
        "loss. It is stable near a minimum only where the largest eigenvalue of the Hessian "
        f"of the printed loss stays below 2 / {step:g} = {2 / step:g}.",
    )


def _sizes(out: Report, runs: list[Run], steps: int, step: float) -> None:
    rows = []
    for run in runs:
        verdict = "oscillates" if run.oscillates else "descends"
        predicted = "oscillates" if run.predicted(step) else "can settle"
        gap = run.printed[-1] - run.optimum.analytic.loss / SAMPLES
        rows.append(
            [
                run.hidden,
                f"{run.printed[-1]:.6f}",
                f"{run.rises} of {min(TAIL, steps - 1)}",
                f"{run.tail_range:.2e}",
                f"{run.curvature:.3f}",
                f"{step * run.curvature:.2f}",
                predicted,
                verdict,
                f"{gap:.2e}",
            ]
        )
    out.add(
        "## Every hidden size of the tutorial",
        f"After {steps} steps: how often the printed loss rose over the last "
        f"{min(TAIL, steps - 1)} steps and its range there. Then the minimum scipy "
        "(L-BFGS-B, hand-written gradient) finds when started where training stopped, the "
        "largest eigenvalue lambda of the Hessian of the printed loss there (central "
        f"differences of the verified gradient), and the product {step:g} * lambda: "
        "above 2, gradient descent with that step is repelled from the minimum along that "
        "direction, so it cannot settle there (predicted: oscillates). Last, how far the "
        "final printed loss is above that minimum.",
        table(
            [
                "hidden",
                "final printed loss",
                "rises",
                "range",
                "lambda at the minimum",
                f"{step:g} * lambda",
                "predicted",
                "observed",
                "above scipy's minimum",
            ],
            rows,
        ),
    )


def _controls(out: Report, controls: list[Run]) -> None:
    if not controls:
        return
    step = CONTROL_RATE * SAMPLES
    rows = [
        [
            run.hidden,
            f"{run.printed[-1]:.6f}",
            run.rises,
            f"{run.curvature:.3f}",
            f"{step * run.curvature:.2f}",
            "oscillates" if run.predicted(step) else "can settle",
            "oscillates" if run.oscillates else "descends",
            f"{run.printed[-1] - run.optimum.analytic.loss / SAMPLES:.2e}",
        ]
        for run in controls
    ]
    control_agree = sum(run.predicted(step) == run.oscillates for run in controls)
    out.add(
        f"The sizes that oscillate, again with lr = {CONTROL_RATE} on the sum (step "
        f"{step:g} on the printed loss), judged the same way (each run may end near "
        "another minimum, with its own curvature):",
        table(
            [
                "hidden",
                "final printed loss",
                f"rises in the last {TAIL}",
                "lambda at the minimum",
                f"{step:g} * lambda",
                "predicted",
                "observed",
                "above scipy's minimum",
            ],
            rows,
        ),
        f"Predicted and observed agree for {control_agree} of {len(controls)}: where the "
        "smaller step brings the product below 2 the oscillation stops, where the "
        "minimum is sharper still it goes on.",
    )


def _scipy(out: Report, runs: list[Run]) -> None:
    agreeing = [run.hidden for run in runs if run.optimum.agree]
    out.add(
        "## Where scipy says the optimum is",
        "From where each run stopped, scipy's L-BFGS-B with the hand-written gradient and "
        "with its own finite differences reach the same minimum for hidden sizes "
        f"{agreeing} (of {[run.hidden for run in runs]}). The network is not convex: this "
        "is a minimum near where SGD stopped, not a global one.",
    )
    apart = [run for run in runs if not run.optimum.agree]
    if apart:
        rows = [
            [
                run.hidden,
                f"{run.optimum.analytic.loss / SAMPLES:.6f}",
                f"{run.optimum.numeric.loss / SAMPLES:.6f}",
                f"{run.optimum.distance:.3g}",
            ]
            for run in apart
        ]
        out.add(
            "Where they part, both runs start at the same point and end at different "
            "minima, far apart in parameter space: with many hidden units the landscape is "
            "flat in many directions, and finite-difference gradients (rounding-limited near "
            "a minimum) steer elsewhere. The printed losses (sum / N) they reach:",
            table(["hidden", "hand-written gradient", "finite differences", "distance"], rows),
        )


def _run_numbers(run: Run, step: float) -> dict[str, object]:
    return {
        "final_printed_loss": float(run.printed[-1]),
        "rises_in_tail": run.rises,
        "curvature": run.curvature,
        "oscillates": run.oscillates,
        "predicted_to_oscillate": run.predicted(step),
    }


def _one_blas_thread() -> None:
    """In each worker: one BLAS thread, or the workers' BLAS threads oversubscribe the cores."""
    threadpool_limits(1)


def _train_all(steps: int, hidden_sizes: tuple[int, ...], X, y) -> tuple[list, list, list]:
    """Train every size (on all the data and on a split), then the oscillating ones again."""
    # The sizes are independent: train them side by side (results do not depend on order).
    # Where jax is loaded (a test session that ran the adapter tests), its threads make a
    # fork unsafe: the workers then fork from a fresh server process (18 s slower here).
    context = multiprocessing.get_context("forkserver" if "jax" in sys.modules else "fork")
    with ProcessPoolExecutor(mp_context=context, initializer=_one_blas_thread) as pool:

        def run_all(sizes: list[int], lr: float) -> list[Run]:
            count = len(sizes)
            return list(
                pool.map(_run, sizes, [steps] * count, [lr] * count, [X] * count, [y] * count)
            )

        parts = data.split(X, y, held_out.HELD_OUT, seed=SEED)
        fit = partial(held_out.fit, steps=steps, lr=LEARNING_RATE, l2=L2, split=parts)
        fits = pool.map(fit, hidden_sizes)
        runs = run_all(list(hidden_sizes), LEARNING_RATE)
        controls = run_all([run.hidden for run in runs if run.oscillates], CONTROL_RATE)
    return runs, controls, list(fits)


def report(steps: int = STEPS, hidden_sizes: tuple[int, ...] = HIDDEN_SIZES) -> Report:
    """Reproduce the tutorial, then train every hidden size and measure the oscillation."""
    X, y = data.moons(SAMPLES, NOISE, seed=SEED)
    out = Report("moons", "Seed 001: a one-hidden-layer network on the moons")
    start = MLP(2, 3, 2, activation="tanh", output="softmax", l2=L2, reduction="sum")
    verified = verify(start, X, y)
    convention = _convention_check(X, y)
    runs, controls, fits = _train_all(steps, hidden_sizes, X, y)
    step_on_mean = LEARNING_RATE * SAMPLES
    oscillating = [run.hidden for run in runs if run.oscillates]
    explained = sum(run.predicted(step_on_mean) == run.oscillates for run in runs)
    three = next((run for run in runs if run.hidden == 3), None)
    reproduced = three is not None and all(
        abs(three.printed[step] - printed) <= 5e-7
        for step, printed in TUTORIAL_PRINTS.items()
        if step < steps
    )
    out.summary = (
        f"the tutorial's printed losses {'reproduced' if reproduced else 'NOT reproduced'}; "
        f"with its convention (step {step_on_mean:g} on the mean loss) gradient descent "
        f"oscillates for hidden sizes {oscillating or 'none'}, as the curvature at the "
        f"minimum predicts for {explained} of {len(runs)} sizes."
    )
    _tutorial(out, verified, three, steps)
    _convention(out, convention, step_on_mean)
    _sizes(out, runs, steps, step_on_mean)
    _controls(out, controls)
    out.figure("loss.png", _curves(runs), "Printed loss per hidden size.")
    out.figure("boundaries.png", _boundaries(runs, X, y), "Decision boundaries after training.")
    _scipy(out, runs)
    held_out.section(out, fits, SAMPLES - round((1 - held_out.HELD_OUT) * SAMPLES), steps)
    out.numbers = {
        "samples": SAMPLES,
        "noise": NOISE,
        "learning_rate": LEARNING_RATE,
        "step_on_printed_loss": step_on_mean,
        "steps": steps,
        "gradient_check": verified,
        "convention_hint": convention.hint,
        "tutorial_prints_reproduced": reproduced,
        "runs": {
            str(run.hidden): {
                "printed_loss_every_1000": [float(v) for v in run.printed[::1000]],
                "tail_range": run.tail_range,
                **_run_numbers(run, step_on_mean),
                "scipy": optimum_numbers(run.optimum),
            }
            for run in runs
        },
        "prediction_matches": explained,
        "held_out": fits,
        "control_learning_rate": CONTROL_RATE,
        "controls": {
            str(run.hidden): _run_numbers(run, CONTROL_RATE * SAMPLES) for run in controls
        },
    }
    return out
