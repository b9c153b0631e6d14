"""The functions every checker is run on: networks of a given size, and hard correct cases.

Each case is plain numpy: ``forward(*inputs) -> array`` and a hand-written
``backward(*inputs, grad_output) -> tuple``, the convention gradcheck checks; the peers
get the same two functions through :mod:`benchmarks.peers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gradcheck.adapters import from_cache
from nets.cs231n import layers


@dataclass
class Case:
    """One function to check: forward, backward, inputs; ``options`` for gradcheck only."""

    name: str
    forward: Callable[..., np.ndarray]
    backward: Callable[..., tuple[np.ndarray, ...]]
    inputs: tuple[np.ndarray, ...]
    options: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(x.size for x in self.inputs)


def network(activation: str, hidden: int, seed: int = 0) -> Case:
    """A 2-H-2 MLP, batch 16, squared error: ``5 hidden + 2`` parameters."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((16, 2)), rng.standard_normal((16, 2))
    relu = activation == "relu"

    def forward(W1, b1, W2, b2):
        a = X @ W1 + b1
        h = np.maximum(a, 0.0) if relu else np.tanh(a)
        return np.array(0.5 * np.sum((h @ W2 + b2 - Y) ** 2))

    def backward(W1, b1, W2, b2, grad_output):
        a = X @ W1 + b1
        h = np.maximum(a, 0.0) if relu else np.tanh(a)
        d = grad_output * (h @ W2 + b2 - Y)
        da = (d @ W2.T) * ((a > 0) if relu else (1.0 - h**2))
        return X.T @ da, da.sum(0), h.T @ d, d.sum(0)

    params = (
        rng.standard_normal((2, hidden)) / np.sqrt(2.0),
        0.1 * rng.standard_normal(hidden),
        rng.standard_normal((hidden, 2)) / np.sqrt(hidden),
        0.1 * rng.standard_normal(2),
    )
    name = f"{activation} MLP, {5 * hidden + 2} parameters" + (f", seed {seed}" if seed else "")
    return Case(name, forward, backward, params)


def with_wrong_entry(case: Case, which: int, index: tuple[int, ...], factor: float) -> Case:
    """The same case with one entry of one gradient multiplied by ``factor``."""

    def backward(*arguments):
        grads = [np.array(g, dtype=float) for g in case.backward(*arguments)]
        grads[which][index] *= factor
        return tuple(grads)

    return Case(case.name, case.forward, backward, case.inputs, case.options)


def _relu_case() -> Case:
    x = np.array([0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6, 1e-3, -1e-3, 1.5, -2.0])
    return Case(
        "relu at and 1e-12 .. 1e-3 from its kink",
        lambda x: np.maximum(x, 0.0),
        lambda x, g: (g * (x > 0),),
        (x,),
        {"kink_distance": lambda x: (np.abs(x),)},
    )


def _row_kinks(x):
    ordered = np.sort(x, axis=-1)
    top, second = ordered[..., -1:], ordered[..., -2:-1]
    return (np.where(x == top, top - second, top - x),)


def _row_max_backward(x, g):
    grad = np.zeros_like(x)
    grad[np.arange(x.shape[0]), x.argmax(axis=1)] = g
    return (grad,)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _softmax_loss(x):
    shifted = x - x.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.array(-logp[np.arange(x.shape[0]), [0, 1]].mean())


def _softmax_backward(x, g):
    shifted = x - x.max(axis=1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    p[np.arange(x.shape[0]), [0, 1]] -= 1.0
    return (g * p / x.shape[0],)


def _float32_sum(x):
    """Summed in float32: the value, about 50,030, moves in quanta of 3.9e-3."""
    terms = 1000.0 + np.sin(x.astype(np.float32)) ** 2
    return np.array(np.sum(terms, dtype=np.float32), dtype=np.float64)


def hard_correct_cases() -> list[Case]:
    """Correct code where checkers false-alarm: kinks, ties, poles, saturation, tiny batches."""
    batchnorm = from_cache(layers.batchnorm_forward, layers.batchnorm_backward)
    bn_rng = np.random.default_rng(4)
    return [
        _relu_case(),
        Case(
            "row max with ties (gradient to the first maximum)",
            lambda x: x.max(axis=1),
            _row_max_backward,
            (np.array([[1.0, 1.0, 0.5], [2.0, -1.0, 2.0], [0.0, 3.0, 1.0]]),),
            {"kink_distance": _row_kinks},
        ),
        Case(
            "1/x at 1e-3 .. 1e-6 from its pole",
            lambda x: 1.0 / x,
            lambda x, g: (-g / x**2,),
            (np.array([1e-3, -1e-4, 1e-5, -1e-6]),),
        ),
        Case(
            "sigmoid at +-700, +-30 and 0",
            _sigmoid,
            lambda x, g: (g * _sigmoid(x) * (1.0 - _sigmoid(x)),),
            (np.array([-700.0, -30.0, 0.0, 30.0, 700.0]),),
        ),
        Case(
            "softmax cross-entropy, logits of 1e3",
            _softmax_loss,
            _softmax_backward,
            (np.array([[1e3, -1e3, 500.0], [-800.0, 1e3, 999.0]]),),
        ),
        Case(
            "a float32 sum inside: 50 terms of 1000 + sin(x)**2",
            _float32_sum,
            lambda x, g: (g * 2.0 * np.sin(x) * np.cos(x),),
            (np.linspace(-2.0, 2.0, 50),),
        ),
        Case(
            "batchnorm, a batch of 2",
            batchnorm.forward,
            batchnorm.backward,
            (bn_rng.standard_normal((2, 3)), bn_rng.standard_normal(3), bn_rng.standard_normal(3)),
        ),
    ]


def relu_networks(hidden: int, seeds: int) -> list[Case]:
    """Correct relu networks over seeds: many units near their kinks."""
    return [network("relu", hidden, seed) for seed in range(seeds)]
