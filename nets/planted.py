"""The seeds' published backward bugs, as the seeds write them, each beside its fix.

Kept in nets (never used for training) so that the tests, the demonstrations and the
verification report show the checker catching them:

- seed 000: the Celsius neuron's weight gradient multiplies by the prediction instead of
  the input;
- seed 001: the perceptron applies sigmoid' to a value that was already squashed (also
  as a gate, :class:`SquashedTwiceSigmoid`, for the layer networks);
- seed 003: the neuron's ``dq = q * (1 - q) * df`` (q where sigmoid(q) is meant), the
  division circuit assigning ``db`` where ``dd`` was meant, and the max gate sending a
  tie's gradient to both inputs.

:data:`PUBLISHED` lists each as a :class:`Published` pair with the point it is shown at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nets import gates


class SquashedTwiceSigmoid(gates.Sigmoid):
    """A sigmoid whose backward applies sigmoid' to its own output (seed 001's slip)."""

    name = "sigmoid_squashed_twice"

    def backward(self, a, grad_output):
        """Backpropagate with the derivative taken at sig(sig(a))."""
        s = self.forward(self.forward(a))
        return grad_output * s * (1.0 - s)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# --- seed 003: the sigmoid neuron ---------------------------------------------------


def neuron(a, b, c, x, y):
    """Return sigmoid(a x + b y + c), seed 003's neuron."""
    return _sigmoid(a * x + b * y + c)


def neuron_backward_published(a, b, c, x, y, df):
    """Backpropagate as the article does: ``dq = q * (1 - q) * df``, q unsquashed."""
    q = a * x + b * y + c
    dq = q * (1 - q) * df
    return x * dq, y * dq, 1.0 * dq, a * dq, b * dq


def neuron_backward(a, b, c, x, y, df):
    """Backpropagate with the derivative at f = sigmoid(q) (the fix)."""
    f = neuron(a, b, c, x, y)
    dq = f * (1 - f) * df
    return x * dq, y * dq, 1.0 * dq, a * dq, b * dq


# --- seed 003: (a + b) / (c + d) ----------------------------------------------------


def quotient(a, b, c, d):
    """Return (a + b) / (c + d), seed 003's division example."""
    return (a + b) / (c + d)


def quotient_backward_published(a, b, c, d, dx):
    """Backpropagate as the article does: ``db`` set again where ``dd`` was meant."""
    x1, x2 = a + b, c + d
    x3 = 1.0 / x2
    dx1, dx3 = x3 * dx, x1 * dx
    dx2 = (-1.0 / (x2 * x2)) * dx3
    da = 1.0 * dx1
    db = 1.0 * dx1
    dc = 1.0 * dx2
    db = 1.0 * dx2  # the slip itself: dd was meant
    dd = 0.0 * dx  # ... so dd is never set
    return da, db, dc, dd


def quotient_backward(a, b, c, d, dx):
    """Backpropagate correctly (the fix)."""
    x1, x2 = a + b, c + d
    x3 = 1.0 / x2
    dx1, dx3 = x3 * dx, x1 * dx
    dx2 = (-1.0 / (x2 * x2)) * dx3
    return dx1, dx1, dx2, dx2


# --- seed 003: the max gate ---------------------------------------------------------


def max_backward_published(a, b, dx):
    """Route as the article does: ``a === x ? dx : 0`` per input, so a tie gets both."""
    x = np.maximum(a, b)
    return np.where(a == x, dx, 0.0), np.where(b == x, dx, 0.0)


def max_backward(a, b, dx):
    """Route a tie's gradient to one input (the fix)."""
    first = a >= b
    return np.where(first, dx, 0.0), np.where(first, 0.0, dx)


# --- seed 000: the Celsius neuron ---------------------------------------------------

CELSIUS = np.arange(-50, 50, dtype=float)
FAHRENHEIT = CELSIUS * 9 / 5 + 32


def celsius_loss(weight, bias):
    """Return the mean squared error of F = weight * C + bias on seed 000's table."""
    output = CELSIUS * weight + bias
    return np.mean((FAHRENHEIT - output) ** 2)


def celsius_backward_published(weight, bias, grad_loss):
    """Backpropagate as the seed does: the weight gradient times the output."""
    output = CELSIUS * weight + bias
    grad_output = 2.0 * (output - FAHRENHEIT) / CELSIUS.size * grad_loss
    grad_weight = np.sum(grad_output * output)
    grad_bias = np.sum(grad_output)
    return grad_weight, grad_bias


def celsius_backward(weight, bias, grad_loss):
    """Backpropagate with the weight gradient times the input (the fix)."""
    output = CELSIUS * weight + bias
    grad_output = 2.0 * (output - FAHRENHEIT) / CELSIUS.size * grad_loss
    return np.sum(grad_output * CELSIUS), np.sum(grad_output)


# --- seed 001, part 1: the perceptron -----------------------------------------------

_rng = np.random.default_rng(42)
FEATURES = _rng.standard_normal((5, 3))
LABELS = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])


def perceptron_loss(weights, bias):
    """Return 0.5 * sum((sigmoid(X W + b) - y)**2) on a small fixed batch."""
    z = _sigmoid(FEATURES @ weights + bias)
    return 0.5 * np.sum((z - LABELS) ** 2)


def perceptron_backward_published(weights, bias, grad_loss):
    """Backpropagate as the tutorial does: ``sigmoid_der(z)`` of the squashed z."""
    z = _sigmoid(FEATURES @ weights + bias)
    dcost_dpred = (z - LABELS) * grad_loss
    dpred_dz = _sigmoid(z) * (1 - _sigmoid(z))
    z_delta = dcost_dpred * dpred_dz
    return FEATURES.T @ z_delta, np.sum(z_delta)


def perceptron_backward(weights, bias, grad_loss):
    """Backpropagate with sigmoid' = z (1 - z) of the squashed value (the fix)."""
    z = _sigmoid(FEATURES @ weights + bias)
    z_delta = (z - LABELS) * grad_loss * z * (1 - z)
    return FEATURES.T @ z_delta, np.sum(z_delta)


@dataclass(frozen=True)
class Published:
    """A seed's published backward, its fix, and the point where it is shown caught."""

    seed: str
    title: str
    forward: Callable[..., object]
    backward: Callable[..., object]
    fixed: Callable[..., object]
    point: tuple[np.ndarray, ...]


#: Every published bug, in the order of the seeds.
PUBLISHED = (
    Published(
        "000",
        "the weight gradient multiplies by the prediction",
        celsius_loss,
        celsius_backward_published,
        celsius_backward,
        (np.array(0.8), np.array(0.1)),
    ),
    Published(
        "001",
        "the perceptron applies sigmoid' to the squashed value",
        perceptron_loss,
        perceptron_backward_published,
        perceptron_backward,
        (_rng.standard_normal((3, 1)), np.array(0.3)),
    ),
    Published(
        "003",
        "the neuron's dq = q (1 - q) df",
        neuron,
        neuron_backward_published,
        neuron_backward,
        tuple(np.array(v) for v in (1.0, 2.0, -3.0, -1.0, 3.0)),
    ),
    Published(
        "003",
        "the division's db assigned where dd was meant",
        quotient,
        quotient_backward_published,
        quotient_backward,
        tuple(np.array(v) for v in (1.0, 2.0, 3.0, 4.0)),
    ),
    Published(
        "003",
        "the max gate sends a tie's gradient to both inputs",
        np.maximum,
        max_backward_published,
        max_backward,
        (np.array([1.0, 2.0, -3.0]), np.array([1.0, 5.0, -3.0])),
    ),
)
