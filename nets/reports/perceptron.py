"""Seed 001, part 1: the perceptron draws a straight line between two classes."""

from __future__ import annotations

import numpy as np

import gradcheck
from gradcheck.report.writer import Report, new_figure
from nets import Perceptron, data, train
from nets.optimizers import SGD
from nets.reports.common import difference, optimum_line, optimum_numbers, verified_line, verify
from nets.training import vector_problem

SAMPLES, SEED = 100, 0
LEARNING_RATE, L2 = 0.5, 0.01
STEPS = 2_000


def report(steps: int = STEPS) -> Report:
    """Train the sigmoid perceptron on separable data; compare with scipy's optimum."""
    X, y = data.separable(SAMPLES, seed=SEED)
    labels = (y > 0).astype(float)
    model = Perceptron(2, 1, activation="sigmoid", loss="cross_entropy", l2=L2, seed=SEED)
    verified = verify(model, X, labels)
    loss, grad, x0, _ = vector_problem(model, X, labels)
    comparison = gradcheck.compare_optima(loss, grad, x0)
    history = train(model, X, labels, SGD(lr=LEARNING_RATE), steps=steps)
    accuracy = float(np.mean(model.predict(X) == labels))
    gap = float(history.loss[-1] - comparison.analytic.loss)

    out = Report("perceptron", "Seed 001, part 1: a perceptron on separable data")
    out.summary = (
        f"accuracy {accuracy:.2f}; SGD ends {_within(gap, comparison.analytic.loss)} of "
        f"scipy's minimum {comparison.analytic.loss:.6f}."
    )
    out.add(
        "`nets.Perceptron(2, 1, activation='sigmoid', loss='cross_entropy', "
        f"l2={L2})` on `data.separable({SAMPLES}, seed={SEED})`, trained by "
        f"`SGD(lr={LEARNING_RATE})` for {steps} full-batch steps. Without the penalty the "
        "loss of separable data has no minimum (it keeps falling as the weights grow); "
        "with it, scipy has one to find.",
        verified_line(verified),
        optimum_line(comparison, float(history.loss[0])),
        f"SGD's final loss {history.loss[-1]:.8f} is {_within(gap, comparison.analytic.loss)} "
        "of it; "
        f"training accuracy {accuracy:.2f}.",
    )
    figure = new_figure(9.0, 4.0)
    left, right = figure.subplots(1, 2)
    excess = np.maximum(history.loss - comparison.analytic.loss, 1e-16)
    left.semilogy(np.arange(1, steps + 1), excess)
    left.set(xlabel="step", ylabel="loss - scipy's minimum", title="convergence")
    right.scatter(X[:, 0], X[:, 1], c=labels, cmap="coolwarm", s=10)
    (w0, w1), b = model.params["W"][:, 0], model.params["b"][0]
    xs = np.array([X[:, 0].min(), X[:, 0].max()])
    right.plot(xs, -(w0 * xs + b) / w1, "k-", label="SGD")
    right.set(title="decision line", ylim=(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5))
    right.legend()
    for axes in (left, right):
        axes.grid(True, alpha=0.3)
    out.figure("training.png", figure, "Convergence and the line found.")
    out.numbers = {
        "gradient_check": verified,
        "scipy": optimum_numbers(comparison),
        "sgd_final_loss": float(history.loss[-1]),
        "sgd_gap_to_scipy": gap,
        "accuracy": accuracy,
        "steps": steps,
        "learning_rate": LEARNING_RATE,
    }
    return out


def _within(gap: float, optimum: float) -> str:
    shown = difference(abs(gap), optimum)
    return "within rounding" if shown == "below rounding" else f"within {shown}"
