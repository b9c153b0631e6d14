"""Seed 000: one neuron learns Celsius to Fahrenheit (F = 1.8 C + 32)."""

from __future__ import annotations

import numpy as np
import scipy.linalg

import gradcheck
from gradcheck.report.writer import Report, new_figure, table
from nets import Perceptron, data, train
from nets.optimizers import SGD
from nets.reports.common import difference, optimum_line, optimum_numbers, verified_line, verify
from nets.training import vector_problem

LEARNING_RATE = 1e-3
STEPS = 10_000


def report(steps: int = STEPS) -> Report:
    """Train the neuron with SGD as the seed does and compare with the exact solution."""
    celsius, fahrenheit = data.celsius()
    X = celsius[:, None].astype(float)
    model = Perceptron(1, 1, activation="identity", loss="mse", seed=0)
    verified = verify(model, X, fahrenheit)
    loss, grad, x0, _ = vector_problem(model, X, fahrenheit)
    comparison = gradcheck.compare_optima(loss, grad, x0)
    exact, *_ = scipy.linalg.lstsq(np.column_stack([celsius, np.ones_like(celsius)]), fahrenheit)
    history = train(model, X, fahrenheit, SGD(lr=LEARNING_RATE), steps=steps)
    w, b = float(model.params["W"][0, 0]), float(model.params["b"][0])
    start = float(history.loss[0])

    out = Report("celsius", "Seed 000: one neuron learns Celsius to Fahrenheit")
    out.summary = (
        f"SGD reaches w = {w:.8f}, b = {b:.8f} after {steps} steps "
        f"(least squares: {exact[0]:.8f}, {exact[1]:.8f})."
    )
    out.add(
        "The seed's machine: `output = celsius * w + b` on the 100 temperatures "
        "-50..49 C, mean squared error, full-batch gradient descent for 10,000 steps. "
        f"Here `nets.Perceptron(1, 1, activation='identity', loss='mse')` and "
        f"`SGD(lr={LEARNING_RATE})` (the seed's learning rate is in its code image, not "
        "its text: this one is below 2 / the curvature 1667 of the weight direction).",
        verified_line(verified),
        table(
            ["", "w", "b", "loss"],
            [
                ["start", f"{x0[0]:.6f}", f"{x0[1]:.6f}", f"{history.loss[0]:.6g}"],
                ["SGD, final", f"{w:.10f}", f"{b:.10f}", difference(history.loss[-1], start)],
                ["least squares (scipy.linalg.lstsq)", f"{exact[0]:.10f}", f"{exact[1]:.10f}", ""],
                [
                    "L-BFGS-B, hand-written gradient",
                    f"{comparison.analytic.x[0]:.10f}",
                    f"{comparison.analytic.x[1]:.10f}",
                    difference(comparison.analytic.loss, start),
                ],
            ],
        ),
        optimum_line(comparison, start),
    )
    figure = new_figure()
    axes = figure.subplots()
    axes.semilogy(np.arange(1, steps + 1), np.maximum(history.loss, 1e-30))
    axes.set(xlabel="step", ylabel="mean squared error", title="SGD on the Celsius table")
    axes.grid(True, which="both", alpha=0.3)
    out.figure("loss.png", figure, "Loss after each step (log scale).")
    out.numbers = {
        "learning_rate": LEARNING_RATE,
        "steps": steps,
        "gradient_check": verified,
        "sgd": {"w": w, "b": b, "final_loss": float(history.loss[-1])},
        "least_squares": {"w": float(exact[0]), "b": float(exact[1])},
        "scipy": optimum_numbers(comparison),
        "sgd_distance_to_least_squares": float(np.hypot(w - exact[0], b - exact[1])),
    }
    return out
