"""Layers: every piece checkable alone, seed 002's stateful layers, the wrong layer named."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcheck
from nets import MLP, Perceptron, gates, losses
from nets.layers import Dense, Loss, WeightPenalty, dense
from nets.network import Layer, Network
from tests.bits import same_bits
from tests.nets.broken_gates import BrokenRelu, BrokenSigmoid, BrokenTanh
from tests.nets.verdicts import assert_passes_or_honest, assert_passes_or_negligible

FLOATS = st.floats(-3, 3)


class BrokenDense(Dense):
    """The bias gradient averaged over the batch instead of summed."""

    name = "broken_dense"

    def backward(self, x, W, b, grad_output):
        grad_x, grad_W, _ = super().backward(x, W, b, grad_output)
        return grad_x, grad_W, np.asarray(grad_output).mean(axis=0)


class BrokenDenseLayer(Layer):
    linear = BrokenDense()


class BrokenL2(losses.L2):
    """Forgets the 1/2 of the loss: the gradient is twice too small."""

    def gradient(self, prediction, target):
        return 0.5 * super().gradient(prediction, target)


class BrokenLayer(Layer):
    """Seed 002 style, with the activation's derivative left out of grad_w."""

    def backward(self, grad):
        grad_x = super().backward(grad)
        self.grad_w = self.x.T @ np.asarray(grad)
        return grad_x


def _labels(draw, batch, classes):
    return draw(hnp.arrays(np.intp, batch, elements=st.integers(0, classes - 1)))


@given(
    data=st.data(),
    batch=st.integers(1, 5),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4)),
)
def test_the_dense_gate_passes_gradcheck(data, batch, sizes):
    n_in, n_out = sizes
    x = data.draw(hnp.arrays(np.float64, (batch, n_in), elements=FLOATS))
    W = data.draw(hnp.arrays(np.float64, sizes, elements=FLOATS))
    b = data.draw(hnp.arrays(np.float64, n_out, elements=FLOATS))
    assert_passes_or_negligible(gradcheck.compare(dense.forward, dense.backward, x, W, b))


def test_the_dense_gate_takes_one_sample_too():
    x, W, b = np.array([1.0, -2.0]), np.arange(6.0).reshape(2, 3), np.ones(3)
    assert_passes_or_negligible(gradcheck.compare(dense.forward, dense.backward, x, W, b))


def test_a_broken_dense_gate_fails_on_the_bias_with_the_batch_size_named():
    x, W, b = np.arange(8.0).reshape(4, 2), np.ones((2, 3)), np.zeros(3)
    broken = BrokenDense()
    result = gradcheck.compare(broken.forward, broken.backward, x, W, b)
    assert not result.passed and {f.location.input for f in result.mismatches} == {2}
    assert "factor 1/4 (if the batch has 4 samples" in result.hint


@given(
    data=st.data(),
    loss=st.sampled_from(["l2", "mse", "cross_entropy", "sigmoid_cross_entropy", "hinge"]),
    reduction=st.sampled_from(["mean", "sum"]),
    batch=st.integers(1, 5),
    classes=st.integers(1, 4),
)
def test_every_loss_passes_gradcheck_alone(data, loss, reduction, batch, classes):
    if loss == "sigmoid_cross_entropy":
        classes = 1
        target = data.draw(hnp.arrays(np.float64, batch, elements=st.sampled_from([0.0, 1.0])))
        function = losses.SigmoidCrossEntropy()
    elif loss in ("cross_entropy", "hinge"):
        classes = max(classes, 2)
        target = _labels(data.draw, batch, classes)
        function = losses.SoftmaxCrossEntropy() if loss == "cross_entropy" else losses.Hinge()
    else:
        target = data.draw(hnp.arrays(np.float64, (batch, classes), elements=FLOATS))
        function = {"l2": losses.L2(), "mse": losses.MSE()}[loss]
    prediction = data.draw(hnp.arrays(np.float64, (batch, classes), elements=FLOATS))
    gate = Loss(function, target, reduction)
    result = gradcheck.compare(gate.forward, gate.backward, prediction)
    assert_passes_or_honest(result, [prediction], 1)


def test_a_broken_loss_fails_with_the_factor_named():
    gate = Loss(BrokenL2(), np.zeros((4, 2)), "sum")
    result = gradcheck.compare(gate.forward, gate.backward, np.arange(8.0).reshape(4, 2) - 3.5)
    assert not result.passed and "factor 1/2" in result.hint


def test_the_weight_penalty_passes_and_its_gradient_is_l2_times_w():
    penalty, W = WeightPenalty(0.3), np.array([[1.0, -2.0], [0.5, 4.0]])
    assert gradcheck.check(penalty.forward, penalty.backward, W).passed
    np.testing.assert_allclose(penalty.backward(W, 1.0), 0.3 * W)


def test_the_penalty_of_several_weights_passes_and_a_weight_left_unscaled_is_caught():
    penalty, W1, W2 = WeightPenalty(0.3), np.array([[1.0, -2.0], [0.5, 4.0]]), np.arange(3.0)
    assert float(penalty.forward(W1, W2)) == 0.5 * 0.3 * (np.vdot(W1, W1) + np.vdot(W2, W2))
    assert gradcheck.check(penalty.forward, penalty.backward, W1, W2).passed

    def forgets_l2(W1, W2, grad_output):
        first, _ = penalty.backward(W1, W2, grad_output)
        return first, grad_output * W2

    result = gradcheck.compare(penalty.forward, forgets_l2, W1, W2)
    assert not result.passed and {f.location.input for f in result.mismatches} == {1}


# -- seed 002's stateful layers ---------------------------------------------------------


def test_a_layer_holds_the_seeds_attributes_and_backward_stores_the_gradients():
    layer = Layer(2, 3, act="ReLU", name="hidden", wb_width=0.5, seed=0)
    assert layer.w.shape == (2, 3) and layer.b.shape == (3,)
    np.testing.assert_array_equal(layer.w, 0.5 * np.random.RandomState(0).randn(2, 3))
    x, grad = np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])
    out = layer.forward(x)
    grad_x = layer.backward(grad)
    mask = (x @ layer.w + layer.b > 0) * grad
    np.testing.assert_allclose(out, np.maximum(x @ layer.w + layer.b, 0))
    np.testing.assert_allclose(layer.grad_w, x.T @ mask)
    np.testing.assert_allclose(layer.grad_b, mask.sum(axis=0))
    np.testing.assert_allclose(grad_x, mask @ layer.w.T)


@pytest.mark.parametrize("act", ["identity", "Sigmoid", "tanh", "ReLU"])
def test_a_layer_passes_check_module(act):
    layer = Layer(3, 2, act=act, seed=1)
    x = np.random.default_rng(0).standard_normal((4, 3))
    w_before = layer.w.copy()
    assert gradcheck.check_module(layer, x, params=("w", "b")).passed
    np.testing.assert_array_equal(layer.w, w_before)


def test_a_layer_that_forgets_its_activation_derivative_fails_check_module():
    layer = BrokenLayer(3, 2, act="tanh", seed=1)
    x = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(gradcheck.GradientMismatch, match=r"gradient wrong at w\["):
        gradcheck.check_module(layer, x, params=("w", "b"))


def test_update_applies_the_layers_own_optimizer():
    layer = Layer(2, 2, act="tanh", opt="SGD", opt_dict={"lr": 0.1}, seed=0)
    layer.forward(np.ones((3, 2)))
    layer.backward(np.ones((3, 2)))
    expected_w, expected_b = layer.w - 0.1 * layer.grad_w, layer.b - 0.1 * layer.grad_b
    layer.update()
    np.testing.assert_allclose(layer.w, expected_w)
    np.testing.assert_allclose(layer.b, expected_b)


def test_layers_refuse_misuse_with_named_errors():
    with pytest.raises(ValueError, match="act must be one of"):
        Layer(2, 2, act="swish")
    with pytest.raises(ValueError, match="opt must be one of"):
        Layer(2, 2, opt="Lion")
    with pytest.raises(ValueError, match="prev >= 1"):
        Layer(0, 2)
    with pytest.raises(ValueError, match="takes 2 inputs"):
        Layer(2, 2).forward(np.ones((3, 4)))
    with pytest.raises(RuntimeError, match="forward before backward"):
        Layer(2, 2).backward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match="backward before update"):
        Layer(2, 2).update()
    with pytest.raises(ValueError, match="has 3 outputs but the next takes 2"):
        Network(Layer(2, 3), Layer(2, 1))
    with pytest.raises(ValueError, match="names must differ"):
        Network(Layer(2, 3, name="a"), Layer(3, 1, name="a"))
    with pytest.raises(ValueError, match="reduction must be one of"):
        Network(Layer(2, 1), reduction="median")


def test_a_network_names_unnamed_layers_without_renaming_them():
    first, second = Layer(2, 3, seed=0), Layer(3, 1, seed=1)
    network = Network(first, second)
    assert list(network.params) == ["layer0.w", "layer0.b", "layer1.w", "layer1.b"]
    assert first.name == second.name == ""
    X, y = np.ones((2, 2)), np.zeros((2, 1))
    steps = network.objective(X, y).trace(*network.params.values())
    assert [step.name for step in steps][:2] == ["layer0/dense#0", "layer0/relu#1"]


# -- networks of layers: verified, and the wrong layer named ----------------------------

LAYER_LOSSES = ["square", "mse", "cross_entropy", "hinge"]


def _network(loss, hidden_act, sizes, seed, l2=0.0, broken=None):
    n_in, n_hidden, n_out = sizes
    if loss in ("cross_entropy", "hinge"):
        n_out = max(n_out, 2)
    hidden = Layer(n_in, n_hidden, act=broken or hidden_act, name="hidden", seed=seed)
    output_act = "identity" if loss in ("cross_entropy", "hinge") else "sigmoid"
    output = Layer(n_hidden, n_out, act=output_act, name="output", seed=seed + 1)
    return Network(hidden, output, loss=loss, l2=l2), n_out


def _targets(draw, loss, batch, n_out):
    if loss in ("cross_entropy", "hinge"):
        return _labels(draw, batch, n_out)
    return draw(hnp.arrays(np.float64, (batch, n_out), elements=st.floats(0, 1)))


@given(
    data=st.data(),
    loss=st.sampled_from(LAYER_LOSSES),
    act=st.sampled_from(["sigmoid", "tanh", "relu"]),
    sizes=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3)),
    batch=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    l2=st.sampled_from([0.0, 0.1]),
)
def test_networks_of_layers_pass_gradcheck_and_match_the_stateful_pass(
    data, loss, act, sizes, batch, seed, l2
):
    network, n_out = _network(loss, act, sizes, seed, l2)
    X = data.draw(hnp.arrays(np.float64, (batch, sizes[0]), elements=FLOATS))
    y = _targets(data.draw, loss, batch, n_out)
    objective = network.objective(X, y)
    values = list(network.params.values())
    result = gradcheck.compare(objective.forward, objective.backward, *values)
    assert_passes_or_honest(result, values, 1, [batch] * len(values))
    # The seed's stateful pass and the circuit are the same gates in the same order (the
    # penalties added one by one, as the circuit adds them): the same bits.
    stateful = network.gradients(X, y)
    for name, grad in zip(network.params, objective.backward(*values, 1.0), strict=True):
        assert same_bits(stateful[name], grad), name
    assert network.loss(X, y) == float(objective.forward(*values))


@given(
    data=st.data(),
    pair=st.sampled_from(
        [(BrokenRelu(), gates.relu), (BrokenSigmoid(), gates.sigmoid), (BrokenTanh(), gates.tanh)]
    ),
    loss=st.sampled_from(["square", "cross_entropy"]),
    sizes=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3)),
    batch=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_a_broken_hidden_activation_is_caught_and_its_layer_named(
    data, pair, loss, sizes, batch, seed
):
    broken, right = pair
    network, n_out = _network(loss, "tanh", sizes, seed, broken=broken)
    # Away from zero, where each broken backward differs from the right one.
    X = data.draw(hnp.arrays(np.float64, (batch, sizes[0]), elements=st.floats(0.25, 3)))
    y = _targets(data.draw, loss, batch, n_out)
    # The bug must show at these inputs: tanh's 1 - z**2 for 1 - tanh(z)**2 is off by only
    # about z**4 near z = 0 (Hypothesis found z = -0.002, an error of 1e-11).
    z, ones = X @ network.layers[0].w + network.layers[0].b, np.ones((batch, sizes[1]))
    assume(np.max(np.abs(broken.backward(z, ones) - right.backward(z, ones))) > 1e-6)
    objective = network.objective(X, y)
    result = gradcheck.compare(objective.forward, objective.backward, *network.params.values())
    assert not result.passed
    assert result.localization.culprit == f"hidden/{broken.name}#1"


@pytest.mark.parametrize(
    ("where", "broken", "culprit"),
    [
        ("hidden", BrokenTanh(), "hidden/broken_tanh#1"),
        ("output", BrokenSigmoid(), "output/broken_sigmoid#3"),
        ("hidden dense", None, "hidden/broken_dense#0"),
    ],
)
def test_a_broken_layer_in_a_network_is_named(where, broken, culprit):
    kind = BrokenDenseLayer if where == "hidden dense" else Layer
    hidden = kind(3, 3, act=broken if where == "hidden" else "tanh", name="hidden", seed=0)
    output = Layer(3, 2, act=broken if where == "output" else "sigmoid", name="output", seed=1)
    network = Network(hidden, output, loss="square")
    X = np.random.default_rng(0).standard_normal((5, 3))
    objective = network.objective(X, np.full((5, 2), 0.5))
    with pytest.raises(gradcheck.GradientMismatch) as info:
        gradcheck.check(objective.forward, objective.backward, *network.params.values())
    assert info.value.result.localization.culprit == culprit
    assert f"culprit: node '{culprit}'" in str(info.value)


def test_a_network_trains_by_its_layers_own_optimizers():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    network = Network(
        Layer(2, 8, act="tanh", opt="Adam", opt_dict={"lr": 0.05}, wb_width=0.5, seed=0),
        Layer(8, 1, act="sigmoid", opt="Adam", opt_dict={"lr": 0.05}, wb_width=0.5, seed=1),
        loss="square",
    )
    before = network.loss(X, y)
    for _ in range(300):
        network.gradients(X, y)
        network.update()
    assert network.loss(X, y) < 0.25 * before


# -- the models: their layers named too ----------------------------------------------------


def test_a_broken_hidden_activation_in_the_mlp_is_named():
    model = MLP(2, 4, 3, activation="tanh", seed=0)
    model.activation = BrokenTanh()
    X, y = np.random.default_rng(1).standard_normal((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    objective = model.objective(X, y)
    with pytest.raises(gradcheck.GradientMismatch) as info:
        gradcheck.check(objective.forward, objective.backward, *model.params.values())
    assert info.value.result.localization.culprit == "hidden/broken_tanh#1"


def test_a_broken_output_activation_in_the_perceptron_is_named():
    model = Perceptron(3, 1, activation="sigmoid", loss="mse", seed=0)
    model.final = BrokenSigmoid()
    X, y = np.random.default_rng(1).standard_normal((6, 3)), np.linspace(0, 1, 6)
    objective = model.objective(X, y)
    with pytest.raises(gradcheck.GradientMismatch) as info:
        gradcheck.check(objective.forward, objective.backward, *model.params.values())
    assert info.value.result.localization.culprit == "output/broken_sigmoid#1"


def test_the_models_circuits_name_their_layers():
    model = MLP(2, 3, 2, activation="relu", l2=0.1, seed=0)
    objective = model.objective(np.ones((2, 2)), np.array([0, 1]))
    names = [step.name for step in objective.trace(*model.params.values())]
    assert names == [
        "hidden/dense#0",
        "hidden/relu#1",
        "output/dense#2",
        "loss/cross_entropy#3",
        "penalty/l2_penalty#4",
        "add#5",
    ]


def test_a_layer_is_built_exactly_as_seed_002_writes_it():
    layer = Layer(
        prev=2, n=3, name="hidden", wb_width=1, act="ReLU", err_func="square", opt="Adam",
        act_dict={}, opt_dict={},
    )  # fmt: skip
    assert type(layer.opt).__name__ == "Adam" and layer.act.name == "relu"
    for spelling in ("adam", "ADAM", "Adam"):
        assert type(Layer(2, 3, opt=spelling).opt).__name__ == "Adam"
    assert Layer(2, 3, opt="sgd", opt_dict={"eta": 0.2}).opt.lr == 0.2
    with pytest.raises(ValueError, match="opt must be one of"):
        Layer(2, 3, opt="adamw")
    with pytest.raises(ValueError, match="err_func must be one of"):
        Layer(2, 3, err_func="cubic")
    with pytest.raises(ValueError, match="takes no parameters"):
        Layer(2, 3, act="ReLU", act_dict={"alpha": 0.1})


def test_the_output_layers_err_func_is_the_networks_loss_unless_one_is_given():
    hidden = Layer(2, 3, act="tanh", seed=0)
    out = Layer(3, 2, act="identity", err_func="cross_entropy", seed=1)
    assert type(Network(hidden, out).loss_function).__name__ == "SoftmaxCrossEntropy"
    assert type(Network(hidden, out, loss="square").loss_function).__name__ == "L2"


def test_a_loss_that_replaces_its_gradient_alone_is_trained_with_its_own():
    """BrokenL2 inherits L2's total_and_gradient, written for L2's gradient: not run."""
    prediction, target = np.array([[0.5], [2.0], [-1.0]]), np.zeros((3, 1))
    for function in (BrokenL2(), losses.L2()):
        gate = Loss(function, target)
        value, cache = gate.forward_with_cache(prediction)
        assert same_bits(gate.backward_from_cache(cache, 1.0), gate.backward(prediction, 1.0))
        assert same_bits(value, gate.forward(prediction))
    X, y = np.random.default_rng(0).standard_normal((6, 2)), np.zeros(6)
    network = Network(Layer(2, 3, act="tanh", seed=0), Layer(3, 1, act="identity", seed=1))
    network.loss_function = BrokenL2()
    objective = network.objective(X, y)
    _, grads = network.loss_and_gradients(X, y)
    walked = objective.backward(*network.params.values(), np.array(1.0))
    assert all(same_bits(grads[k], w) for k, w in zip(grads, walked, strict=True))
