"""nets' training loops against plain fused numpy loops of the same networks and updates.

    python benchmarks/training.py [--quick] [--out DIR]

With ``--out``, writes ``DIR/training-speed/`` (README.md, numbers.json) with the
report writer of the other reports.

Each pair runs from the same data and initial weights, in one process, on one BLAS
thread, interleaved, and reports the median time per step of each and their ratio.
Both sides record what ``nets.train`` records: the loss after every step on all the
data, and the gradient's norm.
Pairs: seed 001's ``MLP`` with ``SGD`` at N = 200, H = 3
and N = 20,000, H = 50; seed 002's ``Network`` of ``Layer`` objects (tanh hidden layer,
square error, each layer stepping itself with SGD); the SVM's pull loop of seed 003
(one point per iteration, objective and accuracy on all the points after each).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import allocator
from gradcheck.report.writer import Report, table, write
from nets import MLP, data, train
from nets.network import Layer, Network
from nets.optimizers import SGD
from nets.svm import SVM, train_svm

L2 = 0.01
LR = 0.01


def learning_rate(samples: int) -> float:
    """Seed 001's 0.01 at its 200 samples, scaled so that the summed loss stays stable."""
    return LR * 200 / samples


def fused_mlp(X: np.ndarray, y: np.ndarray, params: dict, steps: int) -> np.ndarray:
    """Seed 001's loop, written out: tanh hidden layer, softmax, summed loss, SGD."""
    lr = learning_rate(len(X))
    W1, b1, W2, b2 = (params[k].copy() for k in ("W1", "b1", "W2", "b2"))
    rows = np.arange(len(X))
    losses, norms = np.empty(steps + 1), np.empty(steps)
    for step in range(steps + 1):
        a1 = np.tanh(X @ W1 + b1)
        scores = a1 @ W2 + b2
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        probs = exp / exp.sum(axis=1, keepdims=True)
        data_loss = -np.log(probs[rows, y]).sum()
        losses[step] = data_loss + 0.5 * L2 * (np.vdot(W1, W1) + np.vdot(W2, W2))
        if step == steps:
            break
        probs[rows, y] -= 1.0
        dW2 = a1.T @ probs + L2 * W2
        db2 = probs.sum(axis=0)
        delta = (probs @ W2.T) * (1.0 - a1 * a1)
        dW1 = X.T @ delta + L2 * W1
        db1 = delta.sum(axis=0)
        grads = (dW1, db1, dW2, db2)
        norms[step] = np.sqrt(sum(np.vdot(g, g) for g in grads))
        for value, grad in zip((W1, b1, W2, b2), grads, strict=True):
            value -= lr * grad
    return losses[1:]


def fused_network(X: np.ndarray, y: np.ndarray, layers: list, steps: int) -> np.ndarray:
    """Seed 002's two layers written out: tanh, identity, mean square error, SGD."""
    (w1, b1), (w2, b2) = ((layer.w.copy(), layer.b.copy()) for layer in layers)
    target = y.reshape(-1, 1)
    n = len(X)
    losses, norms = np.empty(steps + 1), np.empty(steps)
    for step in range(steps + 1):
        a1 = np.tanh(X @ w1 + b1)
        error = a1 @ w2 + b2 - target
        losses[step] = 0.5 * np.vdot(error, error) / n
        if step == steps:
            break
        grad = error / n
        dw2, db2 = a1.T @ grad, grad.sum(axis=0)
        delta = (grad @ w2.T) * (1.0 - a1 * a1)
        dw1, db1 = X.T @ delta, delta.sum(axis=0)
        grads = (dw1, db1, dw2, db2)
        norms[step] = np.sqrt(sum(np.vdot(g, g) for g in grads))
        for value, g in zip((w1, b1, w2, b2), grads, strict=True):
            value -= LR * g
    return losses[1:]


def fused_svm(X: np.ndarray, y: np.ndarray, iterations: int, seed: int) -> np.ndarray:
    """The article's pull loop on plain floats, objective and accuracy after each step."""
    a, b, c = 1.0, -2.0, -1.0
    rng = np.random.default_rng(seed)
    loss = np.empty(iterations)
    for step in range(iterations):
        i = rng.integers(len(X))
        x0, x1, label = X[i, 0], X[i, 1], y[i]
        score = a * x0 + b * x1 + c
        pull = 1.0 if label == 1 and score < 1 else -1.0 if label == -1 and score > -1 else 0.0
        a, b, c = a + 0.01 * (x0 * pull - a), b + 0.01 * (x1 * pull - b), c + 0.01 * pull
        scores = a * X[:, 0] + b * X[:, 1] + c
        loss[step] = np.maximum(0.0, 1.0 - y * scores).mean() + 0.5 * (a * a + b * b)
        np.mean(np.sign(scores) == y)
    return loss


def mlp_pair(samples: int, hidden: int, steps: int) -> dict[str, Callable[[], np.ndarray]]:
    """nets.train on seed 001's MLP, and its fused loop, from the same weights."""
    X, y = data.moons(samples, noise=0.20, seed=0)
    start = MLP(2, hidden, 2, l2=L2, reduction="sum", seed=0).params

    def nets_run() -> np.ndarray:
        model = MLP(2, hidden, 2, l2=L2, reduction="sum", seed=0)
        return train(model, X, y, SGD(learning_rate(samples)), steps=steps, progress=False).loss

    return {"nets": nets_run, "fused": lambda: fused_mlp(X, y, start, steps)}


def network_pair(samples: int, hidden: int, steps: int) -> dict[str, Callable[[], np.ndarray]]:
    """nets.train on seed 002's Network (each layer its own SGD), and its fused loop."""
    X, labels = data.moons(samples, noise=0.20, seed=0)
    y = 2.0 * labels - 1.0

    def layers() -> list:
        return [
            Layer(2, hidden, act="tanh", opt="SGD", opt_dict={"lr": LR}, name="hidden", seed=0),
            Layer(hidden, 1, act="identity", opt="SGD", opt_dict={"lr": LR}, name="out", seed=1),
        ]

    def nets_run() -> np.ndarray:
        net = Network(*layers(), loss="square")
        return train(net, X, y, None, steps=steps, progress=False).loss

    return {"nets": nets_run, "fused": lambda: fused_network(X, y, layers(), steps)}


def svm_pair(iterations: int) -> dict[str, Callable[[], np.ndarray]]:
    """train_svm through the circuit, and the pull loop on floats."""
    X, y = data.svm_points()
    return {
        "nets": lambda: train_svm(SVM(), X, y, iterations=iterations, seed=0).loss,
        "fused": lambda: fused_svm(X, y, iterations, 0),
    }


def measure(pair: dict[str, Callable[[], np.ndarray]], steps: int, repeats: int) -> dict:
    """Median seconds per step of each side over interleaved repeats, and the ratio."""
    times: dict[str, list[float]] = {name: [] for name in pair}
    results = {name: run() for name, run in pair.items()}  # warm up, and compare
    for _ in range(repeats):
        for name, run in pair.items():
            begin = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - begin) / steps)
    medians = {name: float(np.median(t)) for name, t in times.items()}
    agree = np.max(np.abs(results["nets"] - results["fused"]) / np.abs(results["fused"]))
    return {
        "us_per_step": {name: 1e6 * m for name, m in medians.items()},
        "spread_us": {name: 1e6 * float(np.ptp(t)) for name, t in times.items()},
        "ratio": medians["nets"] / medians["fused"],
        "loss_agreement": float(agree),
    }


def run(quick: bool) -> dict:
    """Every pair, on one BLAS thread."""
    repeats = 5 if quick else 11
    small, large = (300, 20) if quick else (2000, 100)
    cases = {
        "MLP N=200 H=3": (mlp_pair(200, 3, small), small),
        "MLP N=20000 H=50": (mlp_pair(20_000, 50, large), large),
        "Network N=200 H=3": (network_pair(200, 3, small), small),
        "Network N=20000 H=50": (network_pair(20_000, 50, large), large),
        "SVM pull loop": (svm_pair(small), small),
    }
    with threadpool_limits(1):
        return {name: measure(pair, steps, repeats) for name, (pair, steps) in cases.items()}


def report(found: dict, quick: bool) -> Report:
    """The ratios as a report: one row per pair."""
    out = Report("training-speed", "nets' training loops against fused numpy loops")
    out.summary = ", ".join(f"{name} {row['ratio']:.2f}x" for name, row in found.items())
    rows = [
        [
            name,
            f"{row['us_per_step']['nets']:.1f}",
            f"{row['us_per_step']['fused']:.1f}",
            f"{row['ratio']:.2f}",
            "below rounding" if row["loss_agreement"] < 1e-12 else f"{row['loss_agreement']:.1e}",
        ]
        for name, row in found.items()
    ]
    out.add(
        f"`python benchmarks/training.py{' --quick' if quick else ''}`: median microseconds "
        "per step over interleaved repeats, one process, one BLAS thread, glibc's mmap "
        "threshold settled first (`benchmarks/allocator.py`). The ratio is the headline; "
        "absolute times are this machine's.",
        table(["pair", "nets (us)", "fused (us)", "ratio", "losses differ by"], rows),
    )
    out.numbers = found
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, help="parent folder of training-speed/")
    arguments = parser.parse_args()
    allocator.settle()
    found = run(arguments.quick)
    for name, row in found.items():
        us = row["us_per_step"]
        print(
            f"{name:22s} nets {us['nets']:9.1f} us  fused {us['fused']:9.1f} us  "
            f"ratio {row['ratio']:5.2f}  losses agree to {row['loss_agreement']:.1e}"
        )
    if arguments.out:
        print(write(report(found, arguments.quick), arguments.out))


if __name__ == "__main__":
    main()
