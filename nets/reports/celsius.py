"""Seed 000: one neuron learns Celsius to Fahrenheit (F = 1.8 C + 32), the seed's run explained."""

from __future__ import annotations

import numpy as np
import scipy.linalg

import gradcheck
from gradcheck.report.writer import Report, new_figure, table
from nets import Perceptron, data, planted, train
from nets.optimizers import SGD
from nets.reports.common import difference, optimum_line, optimum_numbers, verified_line, verify
from nets.training import vector_problem

#: The seed's setting: its learning rate and number of iterations.
LEARNING_RATE = 1e-4
STEPS = 10_000
#: Initial weights are drawn over this many seeds (the seed's draw is unseeded).
DRAWS = 20


def initial_weights(draw: int) -> tuple[float, float]:
    """Return ``(w, b)`` uniform in [0, 1), the seed's "random value, e.g. 0.8"."""
    w, b = np.random.default_rng(draw).random(2)
    return float(w), float(b)


def hessian(celsius: np.ndarray) -> np.ndarray:
    """Return the Hessian of the mean squared error in ``(w, b)``: 2 [[E c^2, E c], [E c, 1]]."""
    return 2.0 * np.array([[np.mean(celsius**2), np.mean(celsius)], [np.mean(celsius), 1.0]])


def predicted(start: np.ndarray, optimum: np.ndarray, H: np.ndarray, lr: float, steps: int):
    """Gradient descent on a quadratic, in closed form: e_k = (I - lr H)^k e_0."""
    contraction = np.linalg.matrix_power(np.eye(2) - lr * H, steps)
    return optimum + contraction @ (start - optimum)


def _neuron(w: float, b: float) -> Perceptron:
    model = Perceptron(1, 1, activation="identity", loss="mse")
    model.params["W"][...] = w
    model.params["b"][...] = b
    return model


def _published_run(w: float, b: float, lr: float, steps: int) -> tuple[float, float]:
    """Train with the seed's published backward (weight gradient times the prediction)."""
    for _ in range(steps):
        grad_w, grad_b = planted.celsius_backward_published(np.array(w), np.array(b), 1.0)
        w, b = w - lr * float(grad_w), b - lr * float(grad_b)
    return w, b


def report(steps: int = STEPS) -> Report:
    """Run the seed's setting, explain where it ends, fix it, and show the published bug."""
    celsius, fahrenheit = data.celsius()
    X = celsius[:, None].astype(float)
    exact, *_ = scipy.linalg.lstsq(np.column_stack([celsius, np.ones_like(celsius)]), fahrenheit)
    H = hessian(celsius)
    low, high = np.linalg.eigvalsh(H)
    w0, b0 = initial_weights(0)

    model = _neuron(w0, b0)
    verified = verify(model, X, fahrenheit)
    loss, grad, x0, _ = vector_problem(model, X, fahrenheit)
    comparison = gradcheck.compare_optima(loss, grad, x0)
    history = train(model, X, fahrenheit, SGD(lr=LEARNING_RATE), steps=steps)
    seed_run = np.array([model.params["W"][0, 0], model.params["b"][0]])
    theory = predicted(np.array([w0, b0]), exact, H, LEARNING_RATE, steps)
    draws = np.array(
        [
            predicted(np.array(initial_weights(d)), exact, H, LEARNING_RATE, steps)
            for d in range(DRAWS)
        ]
    )
    remaining = (1.0 - LEARNING_RATE * low) ** steps

    best_lr = 2.0 / (low + high)
    fixed = _neuron(w0, b0)
    fixed_history = train(fixed, X, fahrenheit, SGD(lr=best_lr), steps=steps)
    fixed_run = np.array([fixed.params["W"][0, 0], fixed.params["b"][0]])
    bug_run = np.array(_published_run(w0, b0, LEARNING_RATE, steps))
    caught = gradcheck.compare(
        planted.celsius_loss, planted.celsius_backward_published, np.array(w0), np.array(b0)
    )

    out = Report("celsius", "Seed 000: one neuron learns Celsius to Fahrenheit")
    out.summary = (
        f"The seed's run (learning rate {LEARNING_RATE:g}, {steps} steps) ends at "
        f"w = {seed_run[0]:.4f}, b = {seed_run[1]:.2f}, not (1.8, 32): the bias direction "
        f"contracts by only 1 - {LEARNING_RATE:g} * {low:.2f} per step. The best fixed step "
        f"{best_lr:.3g} reaches ({fixed_run[0]:.6f}, {fixed_run[1]:.6f})."
    )
    out.add(
        "## The seed's own run\n\n"
        "The seed's machine: `output = celsius * w + b` on the 100 temperatures -50..49 C, "
        f"mean squared error, full-batch gradient descent with `LEARNING_RATE = "
        f"{LEARNING_RATE:g}` for {STEPS:,} iterations. Here "
        "`nets.Perceptron(1, 1, activation='identity', loss='mse')` and "
        f"`SGD(lr={LEARNING_RATE:g})`. The seed draws its initial weight and bias "
        'unseeded (its code is an image; its text says "a random value, e.g. 0.8"): '
        f"here uniform in [0, 1), draw 0 trained, {DRAWS} draws predicted.",
        verified_line(verified),
        table(
            ["", "w", "b"],
            [
                ["start (draw 0)", f"{w0:.6f}", f"{b0:.6f}"],
                [f"after {steps} steps, trained", f"{seed_run[0]:.6f}", f"{seed_run[1]:.6f}"],
                [f"after {steps} steps, theory", f"{theory[0]:.6f}", f"{theory[1]:.6f}"],
                [
                    f"after {steps} steps, {DRAWS} draws (theory)",
                    f"{draws[:, 0].min():.4f} .. {draws[:, 0].max():.4f}",
                    f"{draws[:, 1].min():.3f} .. {draws[:, 1].max():.3f}",
                ],
                ["least squares (scipy.linalg.lstsq)", f"{exact[0]:.6f}", f"{exact[1]:.6f}"],
            ],
        ),
        "## Why it stops short\n\n"
        f"The loss is a quadratic with Hessian H = [[{H[0, 0]:.0f}, {H[0, 1]:.0f}], "
        f"[{H[1, 0]:.0f}, {H[1, 1]:.0f}]] (2 E[c^2] = {H[0, 0]:.0f}: the temperatures are "
        f"large; 2 E[c] = {H[0, 1]:.0f}), eigenvalues {low:.4f} and {high:.1f}, condition "
        f"{high / low:.0f}. Gradient descent multiplies the error by I - lr H each step: the "
        f"steep direction (mostly w) by 1 - {LEARNING_RATE:g} * {high:.0f} = "
        f"{1 - LEARNING_RATE * high:.4f}, gone in a few hundred steps, and the flat one (mostly "
        f"b) by 1 - {LEARNING_RATE:g} * {low:.4f} = {1 - LEARNING_RATE * low:.6f}. After "
        f"{steps} steps that leaves {remaining:.4f} (e^-{LEARNING_RATE * low * steps:.2f}) of "
        f"the initial bias gap {exact[1] - b0:.2f}: b = 32 - {remaining:.4f} * "
        f"{exact[1] - b0:.2f} = {exact[1] - remaining * (exact[1] - b0):.3f}; and w settles "
        "where the steep direction is at rest given that b, just below 1.8. The closed form "
        f"(I - lr H)^{steps} e_0 predicts the trained endpoint to "
        f"{np.max(np.abs(theory - seed_run)):.1e}.",
        "## The fix the theory gives\n\n"
        f"The best fixed step for a quadratic is 2 / (lmin + lmax) = {best_lr:.4g}: both "
        f"directions then contract by (k - 1) / (k + 1) = {(high - low) / (high + low):.5f} "
        f"per step (k the condition). {steps} steps of `SGD(lr={best_lr:.4g})` from the same "
        f"start reach w = {fixed_run[0]:.9f}, b = {fixed_run[1]:.9f} (distance "
        f"{np.hypot(*(fixed_run - exact)):.1e} to the least-squares line). Standardizing the "
        "input instead (c -> (c - mean) / std) makes H = 2 I: condition 1, and a step of "
        "0.5 lands on the optimum at once.",
        "## The seed's published backward\n\n"
        "The seed's code multiplies the weight gradient by the prediction instead of the "
        "input. The checker catches it at the seed's start:\n\n"
        f"```\n{caught}\n```\n\n"
        f"Trained with it from the same start, {steps} steps at {LEARNING_RATE:g} end at "
        f"w = {bug_run[0]:.4f}, b = {bug_run[1]:.3f}: w overshoots 1.8 (each sample's error "
        "is weighed by its prediction instead of its temperature), and the loss there is "
        f"{loss(bug_run):.4g} against {loss(seed_run):.4g} with the corrected gradient.",
        "## scipy's optimum\n\n"
        + table(
            ["", "w", "b", "loss"],
            [
                ["least squares (scipy.linalg.lstsq)", f"{exact[0]:.10f}", f"{exact[1]:.10f}", ""],
                [
                    "L-BFGS-B, hand-written gradient",
                    f"{comparison.analytic.x[0]:.10f}",
                    f"{comparison.analytic.x[1]:.10f}",
                    difference(comparison.analytic.loss, float(history.loss[0])),
                ],
            ],
        ),
        optimum_line(comparison, float(history.loss[0])),
    )
    _figures(out, celsius, fahrenheit, (w0, b0), seed_run, fixed_run, history, fixed_history)
    out.numbers = {
        "learning_rate": LEARNING_RATE,
        "steps": steps,
        "gradient_check": verified,
        "start": {"w": w0, "b": b0},
        "seed_run": {"w": float(seed_run[0]), "b": float(seed_run[1])},
        "theory": {"w": float(theory[0]), "b": float(theory[1])},
        "draws": {"w": [float(v) for v in draws[:, 0]], "b": [float(v) for v in draws[:, 1]]},
        "hessian": H.tolist(),
        "eigenvalues": [float(low), float(high)],
        "remaining_bias_share": float(remaining),
        "best_lr": float(best_lr),
        "fixed_run": {"w": float(fixed_run[0]), "b": float(fixed_run[1])},
        "published_bug_run": {"w": float(bug_run[0]), "b": float(bug_run[1])},
        "published_bug_verdict": caught.status.value,
        "least_squares": {"w": float(exact[0]), "b": float(exact[1])},
        "scipy": optimum_numbers(comparison),
    }
    return out


def _figures(out, celsius, fahrenheit, start, seed_run, fixed_run, history, fixed_history):
    figure = new_figure()
    axes = figure.subplots()
    axes.plot(celsius, fahrenheit, color="tab:blue", linewidth=3, label="true: F = 1.8 C + 32")
    for (w, b), color, label in (
        (start, "tab:red", "before training"),
        (seed_run, "tab:green", f"after, lr {LEARNING_RATE:g} (the seed's)"),
        (fixed_run, "black", "after, the best fixed step"),
    ):
        axes.plot(celsius, w * celsius + b, color=color, linestyle="--", label=label)
    axes.set(xlabel="Celsius", ylabel="Fahrenheit", title="The seed's figure")
    axes.legend()
    out.figure("lines.png", figure, "The true line, the prediction before training and after.")
    figure = new_figure()
    axes = figure.subplots()
    steps = np.arange(1, len(history.loss) + 1)
    axes.semilogy(steps, np.maximum(history.loss, 1e-30), label=f"lr {LEARNING_RATE:g}")
    axes.semilogy(steps, np.maximum(fixed_history.loss, 1e-30), label="best fixed step")
    axes.set(xlabel="step", ylabel="mean squared error", title="SGD on the Celsius table")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    out.figure("loss.png", figure, "Loss after each step (log scale).")
