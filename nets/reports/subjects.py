"""Everything in nets with a hand-written backward, as Hypothesis cases to verify.

Gates and named circuits are found by gradcheck's discovery rule and drawn by its input
strategies (their declared kinks, ties and magnitudes); losses, models and seed 002's
layers are drawn here: a configuration, data and parameters per example, each case
checking the loss as a function of the parameters (of the prediction, for a loss).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradcheck.adapters.stateful import stateful_functions
from gradcheck.discover import differentiables
from gradcheck.plugin.generated import Case
from nets import MLP, Perceptron, circuit, gates, layers, losses
from nets.cs231n import layers as cs231n_layers
from nets.cs231n import recurrent as cs231n_recurrent
from nets.layers import Loss
from nets.models import OUTPUT_LOSSES
from nets.network import Layer, Network
from nets.svm import SVM

#: Data and predictions: moderate values, with integers often (hinge kinks, ties).
VALUES = st.floats(-3, 3) | st.sampled_from([-1.0, 0.0, 1.0])


@dataclass(frozen=True)
class Subject:
    """One thing to verify: its group, its name, and how its cases are drawn.

    ``cases`` is None for a differentiable (drawn by ``gradcheck.strategies``).
    """

    group: str
    name: str
    target: object
    cases: st.SearchStrategy[Case] | None = None


def _arrays(shape: tuple[int, ...], elements: st.SearchStrategy = VALUES):
    return hnp.arrays(np.float64, shape, elements=elements)


def _labels(draw: st.DrawFn, batch: int, classes: int) -> np.ndarray:
    return draw(hnp.arrays(np.intp, batch, elements=st.integers(0, classes - 1)))


def _targets(draw: st.DrawFn, loss: str, output: str, batch: int, n_out: int) -> np.ndarray:
    """Targets each loss takes: labels, 0/1, +-1 or values."""
    if loss == "cross_entropy" and output == "sigmoid":
        return draw(_arrays((batch,), st.sampled_from([0.0, 1.0])))
    if loss == "hinge" and n_out == 1:
        return draw(_arrays((batch,), st.sampled_from([-1.0, 1.0])))
    if loss in ("cross_entropy", "hinge"):
        return _labels(draw, batch, n_out)
    return draw(_arrays((batch, n_out)))


def _parameters_case(objective, params: dict, description: str) -> Case:
    return Case(
        objective.forward,
        objective.backward,
        tuple(v.copy() for v in params.values()),
        {"names": list(params)},
        description,
    )


#: Each loss with the output it reads and the output counts it takes.
LOSSES = {
    "L2": (losses.L2(), "linear", (1, 3)),
    "MSE": (losses.MSE(), "linear", (1, 3)),
    "SoftmaxCrossEntropy": (losses.SoftmaxCrossEntropy(), "softmax", (2, 4)),
    "SigmoidCrossEntropy": (losses.SigmoidCrossEntropy(), "sigmoid", (1, 1)),
    "Hinge": (losses.Hinge(), "linear", (1, 4)),
}


def loss_cases(name: str) -> st.SearchStrategy[Case]:
    """Draw a batch of predictions, targets and a reduction for one loss."""
    function, output, (fewest, most) = LOSSES[name]

    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        batch, n_out = draw(st.integers(1, 5)), draw(st.integers(fewest, most))
        reduction = draw(st.sampled_from(layers.REDUCTIONS))
        loss = "cross_entropy" if "CrossEntropy" in name else name.lower()
        target = _targets(draw, loss, output, batch, n_out)
        gate = Loss(function, target, reduction)
        description = f"Loss({name}, target={target.tolist()}, reduction={reduction!r})"
        return Case(
            gate.forward,
            gate.backward,
            (draw(_arrays((batch, n_out))),),
            {"names": ["prediction"]},
            description,
        )

    return cases()


def mlp_cases(activation: str, output: str, loss: str) -> st.SearchStrategy[Case]:
    """Draw an MLP of one configuration: sizes, l2, reduction, seed and data."""

    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        n_in, hidden, batch = (
            draw(st.integers(1, 3)),
            draw(st.integers(1, 4)),
            draw(st.integers(1, 5)),
        )
        n_out = 1 if (output, loss) == ("sigmoid", "cross_entropy") else draw(st.integers(2, 3))
        l2, reduction = draw(st.sampled_from([0.0, 0.01])), draw(st.sampled_from(["mean", "sum"]))
        seed = draw(st.integers(0, 2**16))
        model = MLP(n_in, hidden, n_out, activation, output, loss, l2, reduction, seed)
        X, y = draw(_arrays((batch, n_in))), _targets(draw, loss, output, batch, n_out)
        description = (
            f"MLP({n_in}, {hidden}, {n_out}, {activation!r}, {output!r}, {loss!r}, l2={l2}, "
            f"reduction={reduction!r}, seed={seed}) on X={X.tolist()}, y={y.tolist()}"
        )
        return _parameters_case(model.objective(X, y), model.params, description)

    return cases()


@st.composite
def perceptron_cases(draw: st.DrawFn) -> Case:
    """Draw a perceptron: activation, loss, sizes, seed and data."""
    activation = draw(st.sampled_from(sorted(layers.ACTIVATIONS)))
    n_in, n_out, batch = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 5))
    loss, seed = draw(st.sampled_from(["mse", "l2"])), draw(st.integers(0, 2**16))
    model = Perceptron(n_in, n_out, activation, loss, seed=seed)
    X, y = draw(_arrays((batch, n_in))), draw(_arrays((batch, n_out)))
    description = (
        f"Perceptron({n_in}, {n_out}, {activation!r}, {loss!r}, seed={seed}) on X={X.tolist()}, "
        f"y={y.tolist()}"
    )
    return _parameters_case(model.objective(X, y), model.params, description)


@st.composite
def network_cases(draw: st.DrawFn) -> Case:
    """Draw a Network of seed 002 Layers: depth, activations, loss, l2 and data."""
    loss = draw(st.sampled_from(["square", "cross_entropy"]))
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    if loss == "cross_entropy":
        sizes[-1] = max(sizes[-1], 2)
    seed, batch = draw(st.integers(0, 2**16)), draw(st.integers(1, 4))
    acts = [draw(st.sampled_from(["identity", "Sigmoid", "tanh", "ReLU"])) for _ in sizes[2:]]
    last = "identity" if loss == "cross_entropy" else "Sigmoid"
    built = [
        Layer(prev, n, act=act, name=f"layer{k}", seed=seed + k)
        for k, (prev, n, act) in enumerate(zip(sizes[:-1], sizes[1:], [*acts, last], strict=True))
    ]
    network = Network(*built, loss=loss, l2=draw(st.sampled_from([0.0, 0.1])))
    X = draw(_arrays((batch, sizes[0])))
    y = _targets(draw, loss, "softmax" if loss == "cross_entropy" else "linear", batch, sizes[-1])
    description = f"Network({', '.join(map(repr, built))}, loss={loss!r}) on X={X.tolist()}"
    return _parameters_case(network.objective(X, y), network.params, description)


@st.composite
def svm_cases(draw: st.DrawFn) -> Case:
    """Draw the SVM's parameters and points: its loss (mean hinge + penalty) of a, b, c."""
    batch = draw(st.integers(1, 6))
    X, y = draw(_arrays((batch, 2))), draw(_arrays((batch,), st.sampled_from([-1.0, 1.0])))

    def forward(a, b, c):
        return np.array(SVM(a, b, c).loss(X, y))

    def backward(a, b, c, grad_output):
        return tuple(grad_output * g for g in SVM(a, b, c).gradients(X, y).values())

    forward.__name__, backward.__name__ = "SVM.loss", "SVM.gradients"
    values = tuple(np.array(v) for v in draw(st.tuples(VALUES, VALUES, VALUES)))
    return Case(
        forward,
        backward,
        values,
        {"names": ["a", "b", "c"]},
        f"SVM on X={X.tolist()}, y={y.tolist()}",
    )


def layer_cases(act: str) -> st.SearchStrategy[Case]:
    """Draw a seed 002 Layer (stateful: forward, then backward stores grad_w, grad_b)."""

    @st.composite
    def cases(draw: st.DrawFn) -> Case:
        prev, n, batch = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
        layer = Layer(prev, n, act=act, seed=draw(st.integers(0, 2**16)))
        forward, backward = stateful_functions(layer, ("w", "b"))
        x = draw(_arrays((batch, prev)))
        return Case(
            forward,
            backward,
            (x, layer.w.copy(), layer.b.copy()),
            {"names": ["x", "w", "b"]},
            f"{layer!r} on x={x.tolist()}",
        )

    return cases()


def _discovered(group: str, module: object) -> list[Subject]:
    return [
        Subject(group, f"{module.__name__}.{name}", target)
        for name, target in differentiables(module)
    ]


def subjects() -> list[Subject]:
    """Return every subject, by group: gates, circuits, losses, models, layers, CS231n."""
    found = [*_discovered("gates", gates), *_discovered("circuits", circuit)]
    found += _discovered("gates", layers)
    found += [Subject("losses", f"nets.losses.{n}", None, loss_cases(n)) for n in LOSSES]
    for output, loss in OUTPUT_LOSSES:
        for activation in ("sigmoid", "tanh", "relu"):
            name = f"nets.MLP({activation}, {output}, {loss})"
            found.append(Subject("models", name, None, mlp_cases(activation, output, loss)))
    found += [
        Subject("models", "nets.Perceptron", None, perceptron_cases()),
        Subject("models", "nets.network.Network", None, network_cases()),
        Subject("models", "nets.svm.SVM", None, svm_cases()),
    ]
    found += [
        Subject("seed 002 layers", f"nets.network.Layer(act={act!r})", None, layer_cases(act))
        for act in ("identity", "Sigmoid", "tanh", "ReLU")
    ]
    found += _discovered("CS231n-style layers", cs231n_layers)
    found += _discovered("CS231n-style layers", cs231n_recurrent)
    return found
