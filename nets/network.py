"""Seed 002's layers as the seed writes them: stateful objects, chained into a network.

``Layer(prev, n, act=..., opt=...)`` holds ``w`` and ``b``; ``forward(x)`` remembers what
it saw, ``backward(grad)`` stores ``grad_w`` and ``grad_b`` and returns the gradient of
``x``, and ``update()`` lets the layer's optimizer move its parameters. Both call the
gates of :mod:`nets.layers`; :meth:`Network.objective` is the same network as a circuit,
so a failing check names the wrong layer.

>>> net = Network(Layer(2, 3, act="tanh", name="hidden", seed=0),
...               Layer(3, 1, act="identity", name="output", seed=1), loss="square")
>>> X, y = np.array([[0.5, -1.0], [1.5, 0.3]]), np.array([1.0, -1.0])
>>> sorted(net.gradients(X, y))
['hidden.b', 'hidden.w', 'output.b', 'output.w']
>>> net.layers[0].grad_w.shape
(2, 3)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

import numpy as np

from nets import gates, losses, optimizers
from nets.circuit import Circuit, Value, apply
from nets.layers import (
    LOSSES,
    REDUCTIONS,
    Loss,
    WeightPenalty,
    activation,
    check_choice,
    dense,
    dense_layer,
)
from nets.overrides import owner
from nets.tape import Recording, Tape, cached, skipping


class Layer:
    """A fully connected layer in the style of seed 002.

    Parameters
    ----------
    prev, n : int
        Inputs and outputs of the layer.
    name : str
        For messages (a network names unnamed layers ``layer0``, ``layer1``, ...).
    wb_width : float
        Initial ``w`` and ``b`` are ``wb_width * randn``, as in the seed.
    act : str or gate
        Activation: ``"identity"``, ``"sigmoid"``, ``"tanh"`` or ``"relu"`` (any case), or
        a gate of your own.
    opt : str or nets.optimizers.Optimizer
        The optimizer :meth:`update` uses: a name of :data:`nets.optimizers.ALL`, built
        with ``opt_dict``, or an instance.
    opt_dict : dict, optional
        Keyword arguments of the optimizer (``{"lr": 0.01}``, or the seed's ``{"eta": 0.01}``).
    err_func : str
        The loss when this layer is a network's output (the seed's ``"square"``, or any
        of :data:`nets.layers.LOSSES`): :class:`Network` uses the last layer's by default.
    act_dict : dict, optional
        Keyword arguments of the activation, as the seed's ``get_act(act, **act_dict)``;
        the activations here have none, so it must be empty.
    seed : int, optional
        Seeds the initial weights (``numpy.random.RandomState``).

    Examples
    --------
    Exactly as seed 002 writes it (unseeded weights):

    >>> layer = Layer(prev=2, n=3, name="hidden", wb_width=1, act="ReLU",
    ...               err_func="square", opt="Adam", act_dict={}, opt_dict={})
    >>> layer.opt
    Adam(lr=0.001)
    >>> layer = Layer(2, 3, act="ReLU", opt="SGD", opt_dict={"lr": 0.1}, seed=0)
    >>> layer.forward(np.ones((4, 2))).shape
    (4, 3)
    >>> layer.backward(np.ones((4, 3))).shape, layer.grad_w.shape, layer.grad_b.shape
    ((4, 2), (2, 3), (3,))
    >>> layer.update()
    """

    def __init__(
        self,
        prev: int = 1,
        n: int = 1,
        *,
        name: str = "",
        wb_width: float = 1.0,
        act: str | gates.Gate = "ReLU",
        opt: str | optimizers.Optimizer = "Adam",
        opt_dict: Mapping[str, float] | None = None,
        err_func: str = "square",
        act_dict: Mapping[str, object] | None = None,
        seed: int | None = None,
    ) -> None:
        if prev < 1 or n < 1:
            raise ValueError(f"a layer needs prev >= 1 and n >= 1, got prev={prev}, n={n}")
        self.prev, self.n, self.name = prev, n, name
        rng = np.random.RandomState(seed)
        self.w = wb_width * rng.randn(prev, n)
        self.b = wb_width * rng.randn(n)
        self.act = activation(act)
        if act_dict:
            raise ValueError(f"activation {self.act.name!r} takes no parameters, got {act_dict}")
        check_choice("err_func", err_func, LOSSES)
        self.err_func = err_func
        if isinstance(opt, str):
            opt = optimizers.ALL[_optimizer_name(opt)](**(opt_dict or {}))
        self.opt = opt
        self._kept_pairs: tuple | None = None  # ((act, linear), their pairs), see _pairs

    #: The gate computing ``x @ w + b``.
    linear: gates.Gate = dense

    def __repr__(self) -> str:
        return f"Layer({self.prev}, {self.n}, name={self.name!r}, act={self.act.name!r})"

    def forward(self, x: object) -> np.ndarray:
        """Return ``act(x @ w + b)`` and remember ``x`` for :meth:`backward`."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != (self.prev,):
            raise ValueError(f"layer {self.name!r} takes {self.prev} inputs, got shape {x.shape}")
        self.x = x
        self._used = self._pairs()  # what backward goes with
        # the activation's cache is all its backward reads: x @ w + b itself is freed here
        # (a tanh's or a sigmoid's caches its output), as plain numpy code frees it
        output, self._act_cache = self._used[0](self.linear.forward(x, self.w, self.b))
        return output

    def _pairs(self) -> tuple[Callable, Callable, Callable, Callable]:
        """Return the activation's cached pair, the dense map's backward, and it for data.

        Worked out once, and again when ``act`` or ``linear`` is replaced.
        """
        kept = self._kept_pairs
        if kept is None or kept[0][0] is not self.act or kept[0][1] is not self.linear:
            backward = cached(self.linear)[1]
            pairs = (*cached(self.act), backward, skipping(backward, (False, True, True)))
            kept = self._kept_pairs = ((self.act, self.linear), pairs)
        return kept[1]

    def backward(self, grad: object, input_gradient: bool = True) -> np.ndarray | None:
        """Store ``grad_w`` and ``grad_b`` and return the gradient of the input.

        ``input_gradient=False`` (the first layer of a network: its input is data)
        lets a dense map skip that gradient; None is returned then.
        """
        if not hasattr(self, "_act_cache"):
            raise RuntimeError(f"layer {self.name!r}: call forward before backward")
        _, act_backward, backward, data_backward = self._used
        grad_z = act_backward(self._act_cache, np.asarray(grad, dtype=float))
        backward = backward if input_gradient else data_backward
        grad_x, self.grad_w, self.grad_b = backward((self.x, self.w, self.b), grad_z)
        return grad_x

    def update(self) -> None:
        """Move ``w`` and ``b`` in place by the optimizer's step."""
        try:
            grad_w, grad_b = self.grad_w, self.grad_b
        except AttributeError:
            raise RuntimeError(f"layer {self.name!r}: call backward before update") from None
        dw, db = self.opt.update(grad_w, grad_b)  # as the seed's baselayer.py
        self.w += dw
        self.b += db


def _optimizer_name(name: str) -> str:
    """Return the optimizer called ``name`` in any case (``"adam"``, ``"Adam"``)."""
    by_lower = {key.lower(): key for key in optimizers.ALL}
    check_choice("opt", name.lower(), by_lower)
    return by_lower[name.lower()]


#: The network's methods whose replacement by a subclass stops the replay of its tape.
_NETWORK_OWN = ("forward", "backward", "loss", "gradients", "loss_and_gradients", "tape")
#: The layers' methods whose replacement (by a subclass or on the instance) stops it too.
_LAYER_OWN = ("forward", "backward")


class Network:
    """Seed 002's layers chained, ending in a loss.

    Parameters
    ----------
    *layers : Layer
        In order; each takes as many inputs as the previous one has outputs.
    loss : {"square", "l2", "mse", "cross_entropy", "hinge"}, optional
        Per-sample loss of the last layer's output, by default its ``err_func``
        (``cross_entropy``: softmax of the outputs, which are then scores; ``hinge``:
        multiclass, or +-1 labels with one output).
    reduction : {"mean", "sum"}
        How per-sample losses combine.
    l2 : float
        Weight penalty ``l2 / 2 * sum(w**2)`` over every layer's ``w`` (not ``b``), added
        after the reduction, as in :class:`nets.MLP`.

    Notes
    -----
    ``params`` and :meth:`gradients` make a network trainable by :func:`nets.train`
    with any optimizer; :meth:`update` instead lets each layer's own optimizer step,
    as in the seed. :meth:`objective` is the loss as a circuit of the parameters, for
    gradcheck.
    """

    def __init__(
        self, *layers: Layer, loss: str | None = None, reduction: str = "mean", l2: float = 0.0
    ) -> None:
        if not layers:
            raise ValueError("a network needs at least one layer")
        loss = layers[-1].err_func if loss is None else loss
        #: The layers' names in messages and parameter keys (unnamed ones: ``layer0``, ...).
        self.names = tuple(layer.name or f"layer{i}" for i, layer in enumerate(layers))
        for name, before, after in zip(self.names, layers, layers[1:], strict=False):
            if before.n != after.prev:
                raise ValueError(
                    f"layer {name!r} has {before.n} outputs but the next takes {after.prev}"
                )
        if len(set(self.names)) != len(layers):
            raise ValueError(f"layer names must differ, got {self.names}")
        check_choice("loss", loss, LOSSES)
        check_choice("reduction", reduction, REDUCTIONS)
        if l2 < 0:
            raise ValueError(f"l2 must be >= 0, got {l2}")
        self.layers, self.reduction, self.penalty = layers, reduction, WeightPenalty(l2)
        named = zip(self.names, layers, strict=True)
        keys = [(f"{name}.{a}", layer, a) for name, layer in named for a in "wb"]
        #: ``(key, layer, attribute)`` of the parameters, and of their gradients.
        self._keys = {
            "": tuple(keys),
            "grad_": tuple((key, layer, "grad_" + a) for key, layer, a in keys),
        }
        self.loss_function = LOSSES[loss]()
        self._kept_head: tuple | None = None  # (y, its loss gate), see _head
        self._recording = Recording()
        if loss == "cross_entropy" and layers[-1].n == 1:
            self.loss_function = losses.SigmoidCrossEntropy()

    def _arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """Return each layer's ``prefix + "w"`` and ``prefix + "b"``, keyed ``"name.w"``."""
        return {key: getattr(layer, attribute) for key, layer, attribute in self._keys[prefix]}

    @property
    def params(self) -> dict[str, np.ndarray]:
        """The layers' arrays, ``{"hidden.w": ..., "hidden.b": ..., ...}`` (not copies)."""
        return self._arrays("")

    def forward(self, X: object) -> np.ndarray:
        """Run every layer's forward; return the last layer's output."""
        output = X
        for layer in self.layers:
            output = layer.forward(output)
        self.output = output
        return output

    def loss(self, X: object, y: object) -> float:
        """Return the reduced loss of the batch plus the weight penalty."""
        return self._penalized(self._head(y).forward(self.forward(X)))

    def _penalized(self, data: np.ndarray) -> float:
        """Add each layer's penalty to the loss in turn, as :meth:`objective` adds them."""
        total = data
        for layer in self.layers if self.penalty.l2 else ():  # no penalty gates at l2 = 0
            total = self.penalty.forward(layer.w) + total
        return float(total)

    def backward(self, y: object) -> np.ndarray:
        """Backpropagate the loss of the last forward pass; return the input's gradient."""
        if not hasattr(self, "output"):
            raise RuntimeError("call forward before backward")
        return self._backpropagate(self._head(y).backward(self.output, 1.0))

    def loss_and_gradients(self, X: object, y: object) -> tuple[float, dict[str, np.ndarray]]:
        """Return :meth:`loss` and :meth:`gradients` from one forward pass.

        The network's circuit is replayed (:meth:`tape`): the same bits as the layers'
        forward and backward, with each layer's ``grad_w`` and ``grad_b`` set, and what
        :meth:`forward` remembers left as it was. Where a layer or the network replaces
        a method (:meth:`replays_its_tape`), the layers' own methods run instead.
        """
        return self._one_pass(X, y)()

    def loss_and_gradients_at(
        self, X: object, y: object
    ) -> Callable[[], tuple[float, dict[str, np.ndarray]]]:
        """Return :meth:`loss_and_gradients` on ``(X, y)`` as a function of no arguments.

        What does not change while only the parameters' values do (the recorded tape,
        whether it replays) is settled once: for a training loop on fixed data. A
        subclass's own ``loss_and_gradients`` is what the function calls.
        """
        if owner(self, "loss_and_gradients") is not Network:  # a subclass's or the instance's
            return partial(self.loss_and_gradients, X, y)
        return self._one_pass(X, y)

    def _one_pass(self, X: object, y: object) -> Callable[[], tuple[float, dict[str, np.ndarray]]]:
        if not self.replays_its_tape():
            return partial(self._through_layers, X, y)
        replay = self.tape(X, y).replayer
        reads = [(layer, attribute) for _, layer, attribute in self._keys[""]]
        writes = [(layer, attribute) for _, layer, attribute in self._keys["grad_"]]
        names = [key for key, _, _ in self._keys[""]]

        def replayed() -> tuple[float, dict[str, np.ndarray]]:
            value, grads = replay(*[getattr(layer, attribute) for layer, attribute in reads], None)
            for (layer, attribute), grad in zip(writes, grads, strict=True):
                setattr(layer, attribute, grad)
            return float(value), dict(zip(names, grads, strict=True))

        return replayed

    def _through_layers(self, X: object, y: object) -> tuple[float, dict[str, np.ndarray]]:
        """:meth:`loss_and_gradients` by the layers' forward and backward."""
        head = self._head(y)
        data, cache = head.forward_with_cache(self.forward(X))
        self._backpropagate(head.backward_from_cache(cache, 1.0), input_gradient=False)
        return self._penalized(data), self._arrays("grad_")

    def tape(self, X: object, y: object) -> Tape:
        """Return :meth:`objective` on ``(X, y)`` recorded as a :class:`nets.tape.Tape`.

        Recorded once and kept while the data are the same objects and the layers'
        gates and shapes, the loss and the penalty unchanged.
        """
        layers = [(layer.act, layer.linear, layer.w.shape, layer.b.shape) for layer in self.layers]
        key = (self.loss_function, self.reduction, self.penalty, self.penalty.l2, layers)
        objective = partial(self.objective, X, y)
        return self._recording.tape(X, y, key, objective, *self.params.values())

    def replays_its_tape(self) -> bool:
        """Whether :meth:`loss_and_gradients` replays :meth:`tape`.

        Not where a layer replaces ``forward`` or ``backward``, or the network one of
        :data:`_NETWORK_OWN` (in a subclass or on the instance): what is trained is then
        what they compute. Where it replays, :meth:`loss` and :meth:`gradients` (the
        layers' passes) give the tape's bits too.
        """
        if any(owner(self, name) is not Network for name in _NETWORK_OWN):
            return False
        return all(owner(layer, m) is Layer for layer in self.layers for m in _LAYER_OWN)

    def _head(self, y: object) -> Loss:
        """Return the loss gate of targets ``y`` (kept while ``y`` is the same object)."""
        kept = self._kept_head
        wanted = (self.loss_function, self.reduction)
        if kept is None or kept[0] is not y or (kept[1].function, kept[1].reduction) != wanted:
            kept = self._kept_head = (y, Loss(self.loss_function, y, self.reduction))
        return kept[1]

    def _backpropagate(self, grad: np.ndarray, input_gradient: bool = True) -> np.ndarray | None:
        layers, penalty = self.layers, self.penalty if self.penalty.l2 else None
        for k in range(len(layers) - 1, -1, -1):
            layer = layers[k]
            grad = layer.backward(grad, input_gradient=input_gradient or k > 0)
            if penalty is not None:
                layer.grad_w = layer.grad_w + penalty.backward(layer.w, 1.0)
        return grad

    def gradients(self, X: object, y: object) -> dict[str, np.ndarray]:
        """Run forward and backward; return the gradients keyed like :attr:`params`."""
        self.forward(X)
        self.backward(y)
        return self._arrays("grad_")

    def update(self) -> None:
        """Let each layer's optimizer step (after :meth:`gradients`)."""
        for layer in self.layers:
            layer.update()

    def predict(self, X: object) -> np.ndarray:
        """Return the last layer's output."""
        return self.forward(X)

    def objective(self, X: object, y: object) -> Circuit:
        """Return the loss on ``(X, y)`` as a circuit of the parameters (for gradcheck).

        Its inputs are the values of :attr:`params`, in order; ``trace`` names each
        gate after its layer.
        """
        X = np.asarray(X, dtype=float)
        head = Loss(self.loss_function, y, self.reduction)

        def loss(*values: Value) -> Value:
            weights, biases = values[0::2], values[1::2]
            output: object = X
            for name, layer, w, b in zip(self.names, self.layers, weights, biases, strict=True):
                output = dense_layer(output, w, b, layer.act, name, layer.linear)
            total = apply(head, output, label="loss")
            for name, w in zip(self.names, weights if self.penalty.l2 else (), strict=False):
                total = apply(self.penalty, w, label=f"{name} penalty") + total
            return total

        return Circuit(loss, "network loss", input_names=tuple(self.params))
