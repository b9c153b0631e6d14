"""The seeds' networks, with hand-written forward and backward (numpy only).

``MLP`` is seed 001's one-hidden-layer network; ``Perceptron`` its part-1 single layer
(and seed 000's linear neuron with ``n_in=1``). Parameters are named arrays in
``.params``, which optimizers update in place. The loss of a batch is the reduction
(``mean`` or ``sum``) of the per-sample losses, plus ``l2 / 2 * sum(W**2)`` over the
weight matrices (not the biases). Seed 001 trains with ``reduction="sum"`` and prints
``loss / N``.

>>> X = np.array([[0.5, -1.0], [1.5, 0.3]]); y = np.array([0, 1])
>>> model = MLP(2, 3, 2, seed=0)
>>> sorted(model.params), model.params["W1"].shape
(['W1', 'W2', 'b1', 'b2'], (2, 3))
>>> round(model.loss(X, y), 6) > 0
True
"""

from __future__ import annotations

import numpy as np

from nets import gates, losses


class Identity(gates.Gate):
    """The identity activation."""

    name = "identity"

    def forward(self, a):
        """Return a."""
        return np.asarray(a, dtype=float)

    def backward(self, a, grad_output):
        """Return grad_output."""
        return np.asarray(grad_output, dtype=float)


ACTIVATIONS = {
    "identity": Identity(),
    "sigmoid": gates.sigmoid,
    "tanh": gates.tanh,
    "relu": gates.relu,
}
LOSSES = ("l2", "mse", "cross_entropy", "hinge")
REDUCTIONS = ("mean", "sum")


def _choose(kind: str, value: str, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{kind} must be one of {sorted(allowed)}, got {value!r}")


def _loss_for(output: str, loss: str, n_out: int):
    """Return (activation applied before the loss, loss on what that produces)."""
    if loss == "cross_entropy":
        if output == "softmax":
            return ACTIVATIONS["identity"], losses.SoftmaxCrossEntropy()
        if output == "sigmoid" and n_out == 1:
            return ACTIVATIONS["identity"], losses.SigmoidCrossEntropy()
        raise ValueError("cross_entropy needs output='softmax', or 'sigmoid' with one output")
    if output == "softmax":
        raise ValueError("output='softmax' goes with loss='cross_entropy'")
    if loss == "hinge" and output != "linear":
        raise ValueError("loss='hinge' scores a linear output")
    final = ACTIVATIONS["identity" if output == "linear" else output]
    return final, {"l2": losses.L2(), "mse": losses.MSE(), "hinge": losses.Hinge()}[loss]


class _Model:
    """What both models share: the loss head, reduction, penalty and prediction."""

    weights: tuple[str, ...] = ()

    def __init__(self, n_out: int, output: str, loss: str, l2: float, reduction: str) -> None:
        _choose("loss", loss, LOSSES)
        _choose("reduction", reduction, REDUCTIONS)
        if l2 < 0:
            raise ValueError(f"l2 must be >= 0, got {l2}")
        self.output, self.l2, self.reduction = output, float(l2), reduction
        self.final, self.loss_function = _loss_for(output, loss, n_out)
        self.params: dict[str, np.ndarray] = {}

    def _scores(self, X: np.ndarray) -> tuple[np.ndarray, tuple]:
        """Return the scores (before the output activation) and the cached values."""
        raise NotImplementedError

    def _reduce(self, values: np.ndarray) -> float:
        return float(values.mean() if self.reduction == "mean" else values.sum())

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """Return the reduced loss of the batch plus the weight penalty."""
        scores, _ = self._scores(np.asarray(X, dtype=float))
        data = self._reduce(self.loss_function.forward(self.final.forward(scores), y))
        penalty = 0.5 * self.l2 * sum(float(np.sum(self.params[w] ** 2)) for w in self.weights)
        return data + penalty

    def _grad_scores(self, scores, y, n):
        """Return d loss / d scores for the batch."""
        grad = self.loss_function.backward(self.final.forward(scores), y)
        grad = self.final.backward(scores, grad)
        return grad / n if self.reduction == "mean" else grad

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Return class indices for classifiers, the outputs otherwise."""
        scores, _ = self._scores(np.asarray(X, dtype=float))
        if self.output == "softmax":
            return np.argmax(scores, axis=1)
        if isinstance(self.loss_function, losses.SigmoidCrossEntropy):
            return (scores[:, 0] > 0).astype(int)
        return self.final.forward(scores)


class MLP(_Model):
    """One hidden layer: ``X @ W1 + b1 -> activation -> @ W2 + b2 -> output -> loss``.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Layer sizes.
    activation : {"sigmoid", "tanh", "relu"}
        Hidden activation.
    output : {"linear", "sigmoid", "softmax"}
        Output activation (softmax goes with cross-entropy, which is then computed
        from the scores).
    loss : {"l2", "mse", "cross_entropy", "hinge"}
        Per-sample loss.
    l2 : float
        Weight penalty ``l2 / 2 * (sum(W1**2) + sum(W2**2))``.
    reduction : {"mean", "sum"}
        How per-sample losses combine.
    seed : int
        Initial weights as seed 001 draws them: ``randn / sqrt(fan_in)`` from a
        ``RandomState(seed)``, zero biases.
    """

    weights = ("W1", "W2")

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        n_out: int,
        activation: str = "tanh",
        output: str = "softmax",
        loss: str = "cross_entropy",
        l2: float = 0.0,
        reduction: str = "mean",
        seed: int = 0,
    ) -> None:
        _choose("activation", activation, {"sigmoid", "tanh", "relu"})
        _choose("output", output, {"linear", "sigmoid", "softmax"})
        super().__init__(n_out, output, loss, l2, reduction)
        self.activation = ACTIVATIONS[activation]
        rng = np.random.RandomState(seed)
        self.params = {
            "W1": rng.randn(n_in, n_hidden) / np.sqrt(n_in),
            "b1": np.zeros(n_hidden),
            "W2": rng.randn(n_hidden, n_out) / np.sqrt(n_hidden),
            "b2": np.zeros(n_out),
        }

    def _scores(self, X):
        p = self.params
        z1 = X @ p["W1"] + p["b1"]
        a1 = self.activation.forward(z1)
        return a1 @ p["W2"] + p["b2"], (z1, a1)

    def gradients(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """Return the gradient of :meth:`loss` for every parameter."""
        X = np.asarray(X, dtype=float)
        p = self.params
        scores, (z1, a1) = self._scores(X)
        d_scores = self._grad_scores(scores, y, len(X))
        d_a1 = d_scores @ p["W2"].T
        d_z1 = self.activation.backward(z1, d_a1)
        return {
            "W1": X.T @ d_z1 + self.l2 * p["W1"],
            "b1": d_z1.sum(axis=0),
            "W2": a1.T @ d_scores + self.l2 * p["W2"],
            "b2": d_scores.sum(axis=0),
        }


class Perceptron(_Model):
    """One layer: ``X @ W + b -> activation -> loss`` (seed 001 part 1; seed 000 with n_in=1).

    Parameters
    ----------
    n_in, n_out : int
        Sizes.
    activation : {"identity", "sigmoid", "tanh", "relu"}
        Output activation.
    loss, reduction, l2, seed
        As for :class:`MLP`; ``l2`` penalizes ``W``.
    """

    weights = ("W",)

    def __init__(
        self,
        n_in: int,
        n_out: int = 1,
        activation: str = "identity",
        loss: str = "mse",
        reduction: str = "mean",
        l2: float = 0.0,
        seed: int = 0,
    ) -> None:
        _choose("activation", activation, set(ACTIVATIONS))
        output = "linear" if activation == "identity" else activation
        super().__init__(n_out, output, loss, l2, reduction)
        rng = np.random.RandomState(seed)
        self.params = {"W": rng.randn(n_in, n_out) / np.sqrt(n_in), "b": np.zeros(n_out)}

    def _scores(self, X):
        return X @ self.params["W"] + self.params["b"], ()

    def gradients(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """Return the gradient of :meth:`loss` for ``W`` and ``b``."""
        X = np.asarray(X, dtype=float)
        scores, _ = self._scores(X)
        d = self._grad_scores(scores, y, len(X))
        return {"W": X.T @ d + self.l2 * self.params["W"], "b": d.sum(axis=0)}
