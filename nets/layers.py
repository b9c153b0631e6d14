"""Layers built from gates: the dense map, activations, the loss and the weight penalty.

Every piece is a gate (``forward`` and ``backward`` side by side, gradcheck's
convention), so a network is a circuit of them: :class:`nets.circuit.Circuit` gives
its ``forward`` / ``backward`` pair, and its ``trace`` names each gate after the layer
it belongs to (``"hidden/tanh#1"``). A failing network check therefore says which layer
is wrong. Seed 002's stateful ``Layer`` and ``Network`` are in :mod:`nets.network`.

>>> x, W, b = np.ones((4, 2)), np.ones((2, 3)), np.zeros(3)
>>> dense.forward(x, W, b).shape, [g.shape for g in dense.backward(x, W, b, np.ones((4, 3)))]
((4, 3), [(4, 2), (2, 3), (3,)])
"""

from __future__ import annotations

import numpy as np

from nets import gates, losses
from nets.circuit import Value, apply
from nets.overrides import joint_holds


class Dense(gates.Gate):
    """x @ W + b, for a batch ``x`` of shape (N, prev) or one sample of shape (prev,)."""

    name, arity = "dense", 3
    #: The inputs' axes, for gradcheck's input strategies: x (N, prev), W, b.
    shapes = (("batch", "prev"), ("prev", "n"), ("n",))

    def forward(self, x, W, b):
        """Return x @ W + b."""
        return np.asarray(x, dtype=float) @ W + b

    def backward(self, x, W, b, grad_output):
        """Return (grad @ W.T, x.T @ grad, grad summed over the batch)."""
        return self.backward_from_cache((x, W, b), grad_output)

    def backward_from_cache(self, cache, grad_output, needed=(True, True, True)):
        """Return :meth:`backward`'s gradients, None for those not ``needed`` (data's)."""
        x, W, _ = cache
        x, grad = np.asarray(x, dtype=float), np.asarray(grad_output, dtype=float)
        if x.ndim == 1:
            return W @ grad if needed[0] else None, np.outer(x, grad), grad
        # np.add.reduce is what ndarray.sum runs, without its Python-level wrapper
        return grad @ W.T if needed[0] else None, x.T @ grad, np.add.reduce(grad, axis=0)


class Identity(gates.Gate):
    """The identity activation."""

    name = "identity"

    def forward(self, a):
        """Return a."""
        return np.asarray(a, dtype=float)

    def backward(self, a, grad_output):
        """Return grad_output."""
        return np.asarray(grad_output, dtype=float)


#: A loss's methods that do two jobs at once, and the methods they stand for.
_JOINT = {
    "total": ("value",),
    "total_and_gradient": ("total", "value", "gradient"),
    "value_and_gradient": ("value", "gradient"),
}
#: Per (loss class, joint method): whether it holds (:func:`nets.overrides.joint_holds`).
_HOLDS: dict[tuple[type, str], bool] = {}


class Loss(gates.Gate):
    """A per-sample loss, reduced over the batch, as a gate of the prediction alone.

    The targets are fixed (bound at construction): only the prediction is an input, so
    the gate can be checked like any other.

    Parameters
    ----------
    function : object
        A loss of :mod:`nets.losses` (``forward(prediction, target)`` per sample and
        ``backward(prediction, target)``).
    target : array_like
        Targets of the batch (labels for the classification losses).
    reduction : {"mean", "sum"}
        How the per-sample losses combine.
    """

    def __init__(self, function: object, target: object, reduction: str = "mean") -> None:
        check_choice("reduction", reduction, REDUCTIONS)
        self.function, self.target, self.reduction = function, np.asarray(target), reduction
        self.name = function.name
        self._prepared: tuple | None = None  # (prediction shape, target as the loss reads it)

    def _target(self, prediction):
        """Return the target prepared for predictions of this shape (once per shape)."""
        prepared, shape = self._prepared, gates.shape_of(prediction)
        if prepared is None or prepared[0] != shape:
            prepare = getattr(self.function, "prepare", None)
            target = self.target if prepare is None else prepare(self.target, prediction)
            self._prepared = prepared = (shape, target)
        return prepared[1]

    def _joint(self, name: str):
        """Return the loss's method ``name`` if it goes with those it stands for, or None.

        ``total`` stands for the sum of ``value``; ``total_and_gradient`` and
        ``value_and_gradient`` for two methods at once. A subclass that replaced one of
        those (its own ``gradient``) is run with its own methods.
        """
        function = self.function
        if not hasattr(function, name):
            return None
        if getattr(function, "__dict__", None):  # attributes of its own: decided for it
            holds = joint_holds(function, name, _JOINT[name])
        else:
            key = (type(function), name)
            holds = _HOLDS.get(key)
            if holds is None:
                holds = _HOLDS[key] = joint_holds(function, name, _JOINT[name])
        return getattr(function, name) if holds else None

    def forward(self, prediction):
        """Return the reduced loss as a 0-d array."""
        target, total = self._target(prediction), self._joint("total")
        if total is not None:  # the batch's sum, from the loss itself
            return self._divide(total(prediction, target), len(prediction))
        return self._reduce(self.function.value(prediction, target))

    def backward(self, prediction, grad_output):
        """Return grad_output times the gradient of the reduced loss."""
        grad = self.function.gradient(prediction, self._target(prediction))
        return self.backward_from_cache(self._scale(grad, prediction), grad_output)

    def forward_with_cache(self, prediction):
        """Return the reduced loss, and the gradient of it as the cache (one pass)."""
        target, joint = self._target(prediction), self._joint("total_and_gradient")
        if joint is not None:
            total, grad = joint(prediction, target)
            return self._divide(total, len(prediction)), self._scale(grad, prediction)
        both = self._joint("value_and_gradient")
        if both is not None:
            per_sample, grad = both(prediction, target)
            return self._reduce(per_sample), self._scale(grad, prediction)
        grad = self.function.gradient(prediction, target)
        return self.forward(prediction), self._scale(grad, prediction)

    def backward_from_cache(self, grad, grad_output):
        """Return grad_output times the cached gradient."""
        return grad_output * grad

    def _reduce(self, per_sample):
        total = np.add.reduce(per_sample, axis=None)  # what sum() and mean() add up
        return self._divide(total, per_sample.size)

    def _divide(self, total, samples):
        """Return the batch's ``total`` as a 0-d array, divided by ``samples`` for a mean."""
        return np.asarray(total / samples if self.reduction == "mean" else total)

    def _scale(self, grad, prediction):
        return grad / len(prediction) if self.reduction == "mean" else grad


class WeightPenalty(gates.Gate):
    """l2 / 2 * (sum(W1**2) + sum(W2**2) + ...): the weight decay term of seed 001.

    A gate of any number of weights, so that a model's penalty is one step, written as
    seed 001 writes it: ``reg_lambda / 2 * (np.sum(W1**2) + np.sum(W2**2))``.

    >>> penalty = WeightPenalty(0.5)
    >>> float(penalty.forward(np.ones(2), np.ones(3)))
    1.25
    >>> [g.tolist() for g in penalty.backward(np.ones(2), np.ones(3), np.array(2.0))]
    [[1.0, 1.0], [1.0, 1.0, 1.0]]
    """

    name = "l2_penalty"

    def __init__(self, l2: float) -> None:
        self.l2 = float(l2)

    def forward(self, *weights):
        """Return l2 / 2 times the sum of every weight's squares, as a 0-d array."""
        if not weights:
            raise TypeError("WeightPenalty.forward takes at least one weight")
        total = 0  # 0 + x is x: the sum of the squares as seed 001 adds them
        for W in weights:
            W = np.asarray(W, dtype=float)
            total = total + np.vdot(W, W)
        return np.asarray(0.5 * self.l2 * total)

    def backward(self, *weights_and_grad):
        """Return grad_output * l2 * W for every weight (a bare array for one weight)."""
        *weights, g = weights_and_grad
        if g.__class__ is np.ndarray and g.shape == () and g.dtype == np.float64:
            g = float(g)  # one product of floats, then one pass over each W
        scale = g * self.l2
        grads = [scale * np.asarray(W, dtype=float) for W in weights]
        return grads[0] if len(grads) == 1 else tuple(grads)


dense = Dense()
identity = Identity()

#: Activations by name (seed 002's spellings, ``"ReLU"``, are accepted in any case).
ACTIVATIONS: dict[str, gates.Gate] = {
    "identity": identity,
    "sigmoid": gates.sigmoid,
    "tanh": gates.tanh,
    "relu": gates.relu,
}
#: Per-sample losses by name; ``"square"`` is the seeds' name for ``"l2"``.
LOSSES = {
    "square": losses.L2,
    "l2": losses.L2,
    "mse": losses.MSE,
    "cross_entropy": losses.SoftmaxCrossEntropy,
    "hinge": losses.Hinge,
}
REDUCTIONS = ("mean", "sum")


def check_choice(kind: str, value: object, allowed) -> None:
    """Raise a ValueError naming the allowed values when ``value`` is not one of them."""
    if value not in allowed:
        raise ValueError(f"{kind} must be one of {sorted(allowed)}, got {value!r}")


def activation(act: str | gates.Gate) -> gates.Gate:
    """Return the activation gate called ``act`` (a gate is returned as it is)."""
    if not isinstance(act, str):
        return act
    check_choice("act", act.lower(), ACTIVATIONS)
    return ACTIVATIONS[act.lower()]


def dense_layer(
    x: object, W: Value, b: Value, act: gates.Gate, label: str, linear: gates.Gate = dense
) -> Value:
    """Apply ``act(x @ W + b)`` in a circuit, its steps labelled with the layer's name."""
    z = apply(linear, x, W, b, label=label)
    return z if act is identity else apply(act, z, label=label)
