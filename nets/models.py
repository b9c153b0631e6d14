"""The seeds' networks, circuits of hand-written gates (numpy only).

``MLP`` is seed 001's one-hidden-layer network; ``Perceptron`` its part-1 single layer
(and seed 000's linear neuron with ``n_in=1``). Both are built from the gates of
:mod:`nets.layers` (dense map, activation, loss, weight penalty), the same pieces as
seed 002's ``Layer``; each gate carries its own backward. Parameters are named arrays in
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

from collections.abc import Callable
from functools import partial

import numpy as np

from nets import losses
from nets.circuit import Circuit, Value, apply
from nets.layers import (
    ACTIVATIONS,
    LOSSES,
    REDUCTIONS,
    Loss,
    WeightPenalty,
    check_choice,
    dense,
    dense_layer,
    identity,
)
from nets.overrides import owner
from nets.tape import Recording, Tape

#: The models' losses: those of :data:`nets.layers.LOSSES` under their own names.
MODEL_LOSSES = ("l2", "mse", "cross_entropy", "hinge")
#: The ``(output, loss)`` pairs a model is built with (``_loss_for`` refuses the rest;
#: ``("linear", "cross_entropy")`` and the like have no meaning).
OUTPUT_LOSSES = (
    ("softmax", "cross_entropy"),
    ("sigmoid", "cross_entropy"),
    ("linear", "l2"),
    ("linear", "mse"),
    ("sigmoid", "mse"),
    ("linear", "hinge"),
)


def _loss_for(output: str, loss: str, n_out: int):
    """Return (activation applied before the loss, loss on what that produces)."""
    if loss == "cross_entropy":
        if output == "softmax":
            return identity, losses.SoftmaxCrossEntropy()
        if output == "sigmoid" and n_out == 1:
            return identity, losses.SigmoidCrossEntropy()
        raise ValueError("cross_entropy needs output='softmax', or 'sigmoid' with one output")
    if output == "softmax":
        raise ValueError("output='softmax' goes with loss='cross_entropy'")
    if loss == "hinge" and output != "linear":
        raise ValueError("loss='hinge' scores a linear output")
    return ACTIVATIONS["identity" if output == "linear" else output], LOSSES[loss]()


class _Model:
    """What both models share: the loss head, reduction, penalty and prediction.

    A model is a circuit of gates (:mod:`nets.layers`): :meth:`objective` is its loss as
    a function of its parameters, and :meth:`loss` and :meth:`gradients` evaluate it.
    """

    weights: tuple[str, ...] = ()

    def __init__(self, n_out: int, output: str, loss: str, l2: float, reduction: str) -> None:
        check_choice("loss", loss, MODEL_LOSSES)
        check_choice("reduction", reduction, REDUCTIONS)
        if l2 < 0:
            raise ValueError(f"l2 must be >= 0, got {l2}")
        self.output, self.l2, self.reduction = output, float(l2), reduction
        self.final, self.loss_function = _loss_for(output, loss, n_out)
        self.params: dict[str, np.ndarray] = {}
        self._recording = Recording()

    def _scores(self, X: object, params: dict[str, Value]) -> Value:
        """Return the scores (before the output activation) as a circuit value."""
        raise NotImplementedError

    def objective(self, X: object, y: object) -> Circuit:
        """Return the loss on ``(X, y)`` as a circuit of the parameters (for gradcheck).

        Its inputs are the values of ``params``, in order; ``trace`` names each gate
        after its layer (``"hidden/tanh#1"``), so a failing check names the wrong layer.

        Examples
        --------
        >>> import gradcheck
        >>> model = Perceptron(2, seed=0)
        >>> objective = model.objective(np.ones((3, 2)), np.zeros(3))
        >>> gradcheck.check(objective.forward, objective.backward, *model.params.values()).passed
        True
        """
        X = np.asarray(X, dtype=float)
        head = Loss(self.loss_function, y, self.reduction)
        penalty = WeightPenalty(self.l2)

        def loss(*values: Value) -> Value:
            params = dict(zip(self.params, values, strict=True))
            scores = self._scores(X, params)
            if self.final is not identity:
                scores = apply(self.final, scores, label="output")
            total = apply(head, scores, label="loss")
            if self.l2:
                weights = [params[weight] for weight in self.weights]
                total = total + apply(penalty, *weights, label="penalty")
            return total

        return Circuit(loss, f"{type(self).__name__} loss", input_names=tuple(self.params))

    def tape(self, X: object, y: object) -> Tape:
        """Return :meth:`objective` on ``(X, y)`` recorded as a :class:`nets.tape.Tape`.

        Recorded once and kept while the data are the same objects and the model's
        loss, penalty and parameter shapes unchanged; :meth:`loss`, :meth:`gradients`
        and :meth:`loss_and_gradients` replay it.
        """
        key = (
            self.l2,
            self.reduction,
            self.final,
            self.loss_function,
            getattr(self, "activation", None),
            [*self.params],
            [value.shape for value in self.params.values()],
        )
        objective = partial(self.objective, X, y)
        return self._recording.tape(X, y, key, objective, *self.params.values())

    def replays_its_tape(self) -> bool:
        """Whether :meth:`loss` and :meth:`gradients` are the tape's, not a subclass's own."""
        cls = type(self)
        own = ("tape", "loss", "gradients", "loss_and_gradients")
        return all(getattr(cls, name) is getattr(_Model, name) for name in own)

    def loss(self, X: object, y: object) -> float:
        """Return the reduced loss of the batch plus the weight penalty."""
        return float(self.tape(X, y).evaluate(*self.params.values()))

    def gradients(self, X: object, y: object) -> dict[str, np.ndarray]:
        """Return the gradient of :meth:`loss` for every parameter."""
        return self.loss_and_gradients(X, y)[1]

    def loss_and_gradients(self, X: object, y: object) -> tuple[float, dict[str, np.ndarray]]:
        """Return :meth:`loss` and :meth:`gradients` from one forward pass."""
        return self._one_pass(X, y)()

    def loss_and_gradients_at(
        self, X: object, y: object
    ) -> Callable[[], tuple[float, dict[str, np.ndarray]]]:
        """Return :meth:`loss_and_gradients` on ``(X, y)`` as a function of no arguments.

        The tape is looked up once: for a training loop on fixed data, which changes
        the parameters' values and nothing else. A subclass's own
        ``loss_and_gradients`` is what the function calls.
        """
        if owner(self, "loss_and_gradients") is not _Model:  # a subclass's or the instance's
            return partial(self.loss_and_gradients, X, y)
        return self._one_pass(X, y)

    def _one_pass(self, X: object, y: object) -> Callable[[], tuple[float, dict[str, np.ndarray]]]:
        replay, params = self.tape(X, y).replayer, self.params

        def replayed() -> tuple[float, dict[str, np.ndarray]]:
            value, grads = replay(*params.values(), None)  # None: the ones it starts from
            return float(value), dict(zip(params, grads, strict=True))

        return replayed

    def predict(self, X: object) -> np.ndarray:
        """Return class indices for classifiers, the outputs otherwise."""
        params = {name: Value(value) for name, value in self.params.items()}
        scores = self._scores(np.asarray(X, dtype=float), params).data
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
        check_choice("activation", activation, {"sigmoid", "tanh", "relu"})
        check_choice("output", output, {"linear", "sigmoid", "softmax"})
        super().__init__(n_out, output, loss, l2, reduction)
        self.activation = ACTIVATIONS[activation]
        rng = np.random.RandomState(seed)
        self.params = {
            "W1": rng.randn(n_in, n_hidden) / np.sqrt(n_in),
            "b1": np.zeros(n_hidden),
            "W2": rng.randn(n_hidden, n_out) / np.sqrt(n_hidden),
            "b2": np.zeros(n_out),
        }

    def _scores(self, X, params):
        hidden = dense_layer(X, params["W1"], params["b1"], self.activation, "hidden")
        return apply(dense, hidden, params["W2"], params["b2"], label="output")


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
        check_choice("activation", activation, set(ACTIVATIONS))
        output = "linear" if activation == "identity" else activation
        super().__init__(n_out, output, loss, l2, reduction)
        rng = np.random.RandomState(seed)
        self.params = {"W": rng.randn(n_in, n_out) / np.sqrt(n_in), "b": np.zeros(n_out)}

    def _scores(self, X, params):
        return apply(dense, X, params["W"], params["b"], label="layer")
