"""Seed 001's remark on hidden sizes: larger layers fit, do they generalize worse."""

from __future__ import annotations

import numpy as np

from gradcheck.report.writer import Report, table
from nets import MLP, train
from nets.optimizers import SGD

#: The share of the moons held out of training.
HELD_OUT = 0.25


def fit(hidden: int, steps: int, lr: float, l2: float, split: tuple) -> dict[str, float]:
    """Train on the training part of ``split`` as the tutorial does; score both parts."""
    X_train, y_train, X_test, y_test = split
    model = MLP(2, hidden, 2, activation="tanh", output="softmax", l2=l2, reduction="sum")
    train(model, X_train, y_train, SGD(lr=lr), steps=steps, progress=False)
    return {
        "hidden": hidden,
        "train_accuracy": float(np.mean(model.predict(X_train) == y_train)),
        "held_out_accuracy": float(np.mean(model.predict(X_test) == y_test)),
        "train_loss": _cross_entropy(model, X_train, y_train, l2),
        "held_out_loss": _cross_entropy(model, X_test, y_test, l2),
    }


def _cross_entropy(model: MLP, X: np.ndarray, y: np.ndarray, l2: float) -> float:
    """Return the mean cross-entropy alone (the loss without its weight penalty)."""
    penalty = 0.5 * l2 * sum(float(np.sum(model.params[w] ** 2)) for w in model.weights)
    return (model.loss(X, y) - penalty) / len(X)


def section(out: Report, fits: list[dict[str, float]], held_out: int, steps: int) -> None:
    """Add the table of training and held-out accuracy per hidden size."""
    best = max(fits, key=lambda f: (f["held_out_accuracy"], -f["hidden"]))
    largest = max(fits, key=lambda f: f["hidden"])
    out.add(
        "## Hidden sizes on held-out data\n\n"
        "The tutorial remarks that larger hidden layers fit the training data better but "
        f"may generalize worse. Measured: the same training ({steps} steps) on "
        f"{round((1 - HELD_OUT) * 100)}% of the moons, accuracy on the {held_out} points "
        "held out (`nets.data.split`). Every point held out is 1/"
        f"{held_out} = {1 / held_out:.3f} of accuracy: differences of one or two points "
        "are within the split's noise.",
        table(
            [
                "hidden",
                "training accuracy",
                "held-out accuracy",
                "training cross-entropy",
                "held-out cross-entropy",
            ],
            [
                [
                    str(f["hidden"]),
                    f"{f['train_accuracy']:.3f}",
                    f"{f['held_out_accuracy']:.3f}",
                    f"{f['train_loss']:.4f}",
                    f"{f['held_out_loss']:.4f}",
                ]
                for f in fits
            ],
        ),
        f"Best held out: {best['hidden']} hidden units ({best['held_out_accuracy']:.3f}); "
        f"the largest, {largest['hidden']}, fits its training data to "
        f"{largest['train_accuracy']:.3f} and scores {largest['held_out_accuracy']:.3f} held "
        "out"
        + (
            ": larger fits better and generalizes worse, as the tutorial says."
            if largest["train_accuracy"] >= best["train_accuracy"]
            and largest["held_out_accuracy"] < best["held_out_accuracy"]
            else ": on this split the larger layers do not generalize worse in accuracy. "
            "The held-out cross-entropy, which sees confidence and not only the side of "
            "the boundary, is the finer measure."
        ),
    )
