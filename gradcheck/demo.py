"""A short demonstration of the checker; run with ``python -m gradcheck``.

It catches a published backward bug and passes correct code where other checkers fail.
"""

from __future__ import annotations

import numpy as np

from gradcheck.check import check, compare
from gradcheck.errors import GradientMismatch


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def neuron(a: float, b: float, c: float, x: float, y: float) -> np.ndarray:
    """Karpathy's neuron f = sig(a*x + b*y + c)."""
    return _sigmoid(a * x + b * y + c)


def neuron_backward_published(a, b, c, x, y, df):
    """Backpropagate as the article does: ``dq = q * (1 - q) * df``, q for sig(q)."""
    q = a * x + b * y + c
    dq = q * (1 - q) * df
    return x * dq, y * dq, dq, a * dq, b * dq


def neuron_backward_fixed(a, b, c, x, y, df):
    """Backpropagate with the sigmoid's derivative taken at sig(q)."""
    f = _sigmoid(a * x + b * y + c)
    dq = f * (1 - f) * df
    return x * dq, y * dq, dq, a * dq, b * dq


def relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0)."""
    return np.maximum(x, 0.0)


def relu_backward(x: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
    """Gradient of relu (0 at the kink)."""
    return grad_output * (x > 0)


def main() -> None:
    """Print the demonstration."""
    point = [np.array(v) for v in (1.0, 2.0, -3.0, -1.0, 3.0)]
    print("1. Seed 003's sigmoid neuron sig(a*x + b*y + c) at a=1, b=2, c=-3, x=-1, y=3,")
    print("   with the backward code as published:\n")
    try:
        check(neuron, neuron_backward_published, *point)
    except GradientMismatch as mismatch:
        print("   " + str(mismatch).replace("\n", "\n   "))
    print("\n   and with dq computed from sig(q):\n")
    print("   " + str(check(neuron, neuron_backward_fixed, *point)))

    near_kink = np.array([1e-12, -1e-12, 0.0, 1e-9, -2.5])
    print(f"\n2. relu at {near_kink.tolist()} (on and within 1e-12 of its kink):\n")
    print("   " + str(check(relu, relu_backward, near_kink)))

    rng = np.random.default_rng(0)
    weights = rng.standard_normal(10_000) / 100.0
    data = rng.standard_normal((32, 10_000))

    def loss(w: np.ndarray) -> np.ndarray:
        return np.sum(np.tanh(data @ w) ** 2)

    def loss_backward(w: np.ndarray, g: np.ndarray) -> np.ndarray:
        t = np.tanh(data @ w)
        grad = data.T @ (2.0 * t * (1.0 - t**2)) * g
        grad[1234] *= 1.0 + 1e-4  # one entry of 10,000 wrong by 0.01 %
        return grad

    print("\n3. A loss of 10,000 parameters, one entry wrong by a factor 1 + 1e-4, fast mode:\n")
    result = compare(loss, loss_backward, weights, mode="fast")
    print("   " + str(result).replace("\n", "\n   "))
