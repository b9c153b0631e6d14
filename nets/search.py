"""Seed 003, chapter 1: three ways to make a circuit's output larger, as the article runs them.

1. **Random local search**: tweak every input by a random amount in
   ``[-tweak, tweak]``, keep the best output over ``tries`` tries.
2. **Numerical gradient**: nudge each input by ``h`` alone (a forward difference),
   then move every input by ``step`` times its derivative.
3. **Analytic gradient**: one backward pass of the circuit gives every derivative at
   once; the same move.

Each returns what the article prints and what it cost in circuit evaluations.

>>> from nets.circuit import Circuit
>>> gate = Circuit(lambda x, y: x * y, "x*y")
>>> found = numerical_gradient_step(gate, (-2.0, 3.0))
>>> [round(g, 6) for g in found.gradient], round(found.output, 4), found.forward_calls
([3.0, -2.0], -5.8706, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nets.circuit import Circuit


@dataclass(frozen=True)
class Ascent:
    """Where one strategy moved the inputs, and what it cost.

    Attributes
    ----------
    inputs : tuple of float
        The inputs after the move (the best found, for the random search).
    output : float
        The circuit's output there.
    gradient : tuple of float or None
        The derivatives used (None for the random search).
    forward_calls, backward_calls : int
        Circuit evaluations spent, the final evaluation at the new inputs included.
    """

    inputs: tuple[float, ...]
    output: float
    gradient: tuple[float, ...] | None
    forward_calls: int
    backward_calls: int = 0


def _value(circuit: Circuit, inputs: Sequence[float]) -> float:
    return float(circuit.forward(*(np.array(float(x)) for x in inputs)))


def random_local_search(
    circuit: Circuit, inputs: Sequence[float], tweak: float = 0.01, tries: int = 100, seed: int = 0
) -> Ascent:
    """Keep the best of ``tries`` random tweaks of every input (the article's first strategy)."""
    rng = np.random.default_rng(seed)
    best, best_output = tuple(float(x) for x in inputs), -np.inf
    for _ in range(tries):
        trial = tuple(float(x) + tweak * (rng.random() * 2 - 1) for x in inputs)
        output = _value(circuit, trial)
        if output > best_output:
            best, best_output = trial, output
    return Ascent(best, best_output, None, forward_calls=tries)


def numerical_gradient_step(
    circuit: Circuit, inputs: Sequence[float], h: float = 1e-4, step: float = 0.01
) -> Ascent:
    """Forward differences with ``h``, then a step of ``step`` along them (the second)."""
    base = _value(circuit, inputs)
    gradient = []
    for i in range(len(inputs)):
        nudged = [float(x) for x in inputs]
        nudged[i] += h
        gradient.append((_value(circuit, nudged) - base) / h)
    moved = tuple(float(x) + step * g for x, g in zip(inputs, gradient, strict=True))
    return Ascent(moved, _value(circuit, moved), tuple(gradient), len(inputs) + 2)


def analytic_gradient_step(circuit: Circuit, inputs: Sequence[float], step: float = 0.01) -> Ascent:
    """One backward pass for every derivative, then the same step (the third)."""
    arrays = [np.array(float(x)) for x in inputs]
    gradient = tuple(float(g) for g in circuit.backward(*arrays, np.array(1.0)))
    moved = tuple(float(x) + step * g for x, g in zip(inputs, gradient, strict=True))
    # backward runs the forward pass itself: one forward there, one at the new inputs
    return Ascent(moved, _value(circuit, moved), gradient, forward_calls=2, backward_calls=1)
