"""The dense map and tanh written into a replay as numpy expressions: the gates' bits."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nets import MLP, data, gates, losses, planted
from nets.array_rules import floated, rule_for
from nets.circuit import Circuit, apply
from nets.layers import Dense, Loss, dense
from nets.tape import Tape
from tests.bits import same_bits
from tests.nets.broken_gates import BrokenTanh


def two_layers(X, act=gates.tanh, linear=dense):
    """tanh(X W1 + b1) W2 + b2, summed: the data a constant, four parameter inputs."""

    def loss(W1, b1, W2, b2):
        hidden = apply(act, apply(linear, X, W1, b1))
        return apply(gates.add, apply(linear, hidden, W2, b2), 0.0)

    return Circuit(loss, "two layers")


def parameters(rng, inputs, hidden, outputs, scale):
    shapes = [(inputs, hidden), (hidden,), (hidden, outputs), (outputs,)]
    return [scale * rng.standard_normal(shape) for shape in shapes]


def assert_replay_is_the_walk(circuit, inputs, grad_output):
    tape = Tape.record(circuit, *inputs)
    value, grads = tape.value_and_gradient(*inputs, grad_output=grad_output)
    walked = circuit.backward(*inputs, grad_output)
    assert same_bits(value, circuit.forward(*inputs))
    assert same_bits(tape.evaluate(*inputs), value)
    assert all(same_bits(g, w) for g, w in zip(grads, walked, strict=True))
    assert same_bits(tape.forward(*inputs), value)
    assert all(same_bits(g, w) for g, w in zip(tape.backward(grad_output), grads, strict=True))
    return tape


@given(
    batch=st.integers(1, 6),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)),
    scale=st.sampled_from([1e-3, 1.0, 30.0, 1e3]),  # saturated at the large ones
    seed=st.integers(0, 2**16),
    act=st.sampled_from([gates.tanh, gates.sigmoid]),
)
def test_a_ruled_replay_equals_the_walk_bit_for_bit(batch, sizes, scale, seed, act):
    rng = np.random.default_rng(seed)
    X = scale * rng.standard_normal((batch, sizes[0]))
    inputs = parameters(rng, *sizes, scale)
    grad_output = rng.standard_normal((batch, sizes[2]))
    with np.errstate(over="ignore"):
        tape = assert_replay_is_the_walk(two_layers(X, act), inputs, grad_output)
    written = "tanh(" if act is gates.tanh else "where("
    assert written in tape.source and " @ " in tape.source  # written out, not called


@given(
    values=hnp.arrays(np.float64, (3, 2), elements=st.floats(allow_nan=True)),
    act=st.sampled_from([gates.tanh, gates.sigmoid]),
)
def test_special_values_go_through_the_rules_as_through_the_gates(values, act):
    """Infinities and NaN in the data: the same bits, NaN payloads aside from ==."""
    inputs = parameters(np.random.default_rng(0), 2, 3, 1, 1.0)
    circuit = two_layers(values, act)
    with np.errstate(all="ignore"):
        tape = Tape.record(circuit, *inputs)
        value, grads = tape.value_and_gradient(*inputs, grad_output=np.ones((3, 1)))
        walked = circuit.backward(*inputs, np.ones((3, 1)))
        assert same_bits(value, circuit.forward(*inputs))
    assert all(same_bits(g, w) for g, w in zip(grads, walked, strict=True))


def test_a_trained_mlp_replays_its_walk_with_the_rules_at_every_step():
    X, y = data.moons(40, noise=0.2, seed=1)
    model = MLP(2, 4, 2, "tanh", l2=0.01, reduction="sum", seed=2)
    assert "tanh(" in model.tape(X, y).source
    for _ in range(15):
        loss, grads = model.loss_and_gradients(X, y)
        objective = model.objective(X, y)
        walked = objective.backward(*model.params.values(), np.array(1.0))
        assert same_bits(np.asarray(loss), objective.forward(*model.params.values()))
        assert all(same_bits(grads[k], w) for k, w in zip(model.params, walked, strict=True))
        for value, grad in zip(model.params.values(), grads.values(), strict=True):
            value -= 0.5 * grad


class ReplacedDense(Dense):
    def forward(self, x, W, b):
        return np.asarray(x, dtype=float) @ W - b


def instance_with_own_forward():
    gate = gates.Tanh()
    gate.forward_with_cache = lambda a: (np.tanh(a) * 2.0, np.tanh(a) * 2.0)
    return gate


@pytest.mark.parametrize(
    ("act", "linear"),
    [
        (BrokenTanh(), dense),
        (instance_with_own_forward(), dense),
        (gates.tanh, ReplacedDense()),
        (planted.SquashedTwiceSigmoid(), dense),
    ],
    ids=["subclass", "instance", "dense subclass", "seed 001's sigmoid"],
)
def test_a_gate_of_its_own_is_called_not_written_out(act, linear):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 2))
    inputs = parameters(rng, 2, 3, 1, 1.0)
    tape = assert_replay_is_the_walk(two_layers(X, act, linear), inputs, np.ones((4, 1)))
    written = {"tanh(": "tanh(" in tape.source, "@": " @ " in tape.source}
    assert written == {"tanh(": act is gates.tanh, "@": linear is dense}
    assert "where(" not in tape.source


def test_shapes_the_rules_are_not_written_for_are_called():
    """One sample (a 1-d x), a 0-d tanh or sigmoid: the gates' own methods run."""
    W, b = np.ones((2, 3)), np.zeros(3)
    cases = {
        "one sample": (Circuit(lambda W, b: apply(dense, np.ones(2), W, b)), (W, b)),
        "0-d tanh": (Circuit(lambda a: apply(gates.tanh, a)), (np.array(0.3),)),
        "0-d sigmoid": (Circuit(lambda a: apply(gates.sigmoid, a)), (np.array(-0.3),)),
    }
    for name, (circuit, inputs) in cases.items():
        out = circuit.forward(*inputs)
        tape = assert_replay_is_the_walk(circuit, inputs, np.ones(np.shape(out)))
        assert not any(f in tape.source for f in (" @ ", "tanh(", "where(")), name


def test_a_constant_that_is_not_float64_has_no_rule():
    """A tape's constants are float64 (Value converts them); compile_steps takes any."""
    shapes = {1: (2, 3), 2: (3,)}
    for X, ruled in [(np.ones((4, 2)), True), (np.ones((4, 2), int), False)]:
        assert (rule_for(dense, (0, 1, 2), shapes, {0: X}) is not None) == ruled
    assert rule_for(dense, (0, 1, 2), shapes, {0: np.ones((4, 2), np.float32)}) is None


class Float32Gradient(gates.Gate):
    """Twice its input, whose backward hands back a float32 gradient."""

    name = "twice32"

    def forward(self, a):
        return 2.0 * a

    def backward(self, a, g):
        return (2.0 * g).astype(np.float32)


def test_a_float32_gradient_reaching_a_rule_is_converted_as_the_gate_converts_it():
    """The dense map sums it over the batch in float64, as its asarray makes it; and a
    tanh's output read by the float32 gate and by itself (fan-out) adds the two."""
    X = np.array([[0.25, -1.5], [3.0, 0.125], [1e-3, 7.0]])
    dense_first = Circuit(lambda W, b: apply(Float32Gradient(), apply(dense, X, W, b)))
    weights = (np.array([[0.3, -0.7, 1.1], [0.9, 0.2, -0.4]]), np.array([0.1, 0.2, 0.3]))
    grad_output = np.array([[1.0, 0.5, -2.0], [0.3, 0.7, 0.1], [1 / 3, 2 / 3, 1e-4]])
    assert "floated(" in assert_replay_is_the_walk(dense_first, weights, grad_output).source

    def fan_out(a):
        t = apply(gates.tanh, a)
        return apply(gates.add, apply(Float32Gradient(), t), t)

    x = np.array([0.25, -1.5, 3.0])
    assert_replay_is_the_walk(Circuit(fan_out), (x,), np.array([1.0, 0.5, -2.0]))


class WideGradient(gates.Gate):
    """The identity, whose backward returns a gradient of the wrong (larger) shape."""

    name = "wide"

    def forward(self, a):
        return np.asarray(a, dtype=float)

    def backward(self, a, g):
        return np.ones((2, *np.shape(a)))


def test_a_gradient_of_another_shape_than_its_value_is_refused_by_name():
    circuit = Circuit(lambda a: apply(WideGradient(), apply(gates.tanh, a)))
    tape = Tape.record(circuit, np.ones(3))
    message = r"reaching 'tanh#0' has shape \(2, 3\), its output \(3,\)"
    with pytest.raises(ValueError, match=message):
        tape.value_and_gradient(np.ones(3), grad_output=np.ones(3))


def test_floated_converts_integers_and_refuses_complex_gradients():
    assert same_bits(floated(np.array([1, 2]), (2,), "tanh#0"), np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="reaching 'dense#1' is complex"):
        floated(np.array([1j, 2.0]), (2,), "dense#1")


# -- the square error of a batch ---------------------------------------------------------


def with_loss(X, target, reduction="mean", function=None):
    """tanh(X W1 + b1) W2 + b2 into the square error: the loss gate last, as a network's."""
    head = Loss(function or losses.L2(), target, reduction)

    def loss(W1, b1, W2, b2):
        hidden = apply(gates.tanh, apply(dense, X, W1, b1))
        return apply(head, apply(dense, hidden, W2, b2))

    return Circuit(loss, "square error")


@given(
    batch=st.integers(1, 6),
    outputs=st.integers(1, 9),  # the softmax's rows added column by column up to 7
    reduction=st.sampled_from(["mean", "sum"]),
    scale=st.sampled_from([1e-3, 1.0, 1e3, 1e150]),  # squares overflowing at the last
    seed=st.integers(0, 2**16),
    kind=st.sampled_from(["square", "square, a vector", "softmax", "softmax, one-hot"]),
)
def test_the_library_losses_are_written_out_with_the_gates_bits(
    batch, outputs, reduction, scale, seed, kind
):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, 2))
    if kind.startswith("square"):
        function, target = losses.L2(), scale * rng.standard_normal((batch, outputs))
        if kind.endswith("vector") and outputs == 1:
            target = target[:, 0]  # a vector of targets for one output, prepared as a column
    else:
        function, target = losses.SoftmaxCrossEntropy(), rng.integers(0, outputs, batch)
        if kind.endswith("one-hot"):
            target = np.eye(outputs)[target]
    inputs = parameters(rng, 2, 3, outputs, min(scale, 1e3))
    circuit = with_loss(X, target, reduction, function)
    with np.errstate(over="ignore", invalid="ignore"):
        tape = assert_replay_is_the_walk(circuit, inputs, np.array(0.75))
    assert "P3" not in tape.source and "r3_T" in tape.source  # no call of the loss gate


@given(target=hnp.arrays(np.float64, (3, 1), elements=st.floats(allow_nan=True)))
def test_special_targets_go_through_the_loss_rule_as_through_the_gate(target):
    inputs = parameters(np.random.default_rng(1), 2, 3, 1, 1.0)
    circuit = with_loss(np.ones((3, 2)), target)
    with np.errstate(all="ignore"):
        tape = Tape.record(circuit, *inputs)
        value, grads = tape.value_and_gradient(*inputs, grad_output=np.array(1.0))
        walked = circuit.backward(*inputs, np.array(1.0))
        assert same_bits(value, circuit.forward(*inputs))
    assert all(same_bits(g, w) for g, w in zip(grads, walked, strict=True))


class HalvedL2(losses.L2):
    def gradient(self, prediction, target):
        return 0.5 * super().gradient(prediction, target)


@pytest.mark.parametrize(
    ("function", "target"),
    [
        (HalvedL2(), np.zeros((4, 1))),  # a subclass: its own methods
        (losses.MSE(), np.zeros((4, 1))),  # no rule for it
        (losses.L2(), np.zeros(1)),  # a target broadcast against the prediction
    ],
    ids=["subclass", "other loss", "broadcast target"],
)
def test_a_loss_without_the_rule_is_called(function, target):
    inputs = parameters(np.random.default_rng(2), 2, 3, 1, 1.0)
    circuit = with_loss(np.ones((4, 2)), target, function=function)
    tape = assert_replay_is_the_walk(circuit, inputs, np.array(1.0))
    assert "vdot(" not in tape.source


def test_the_output_gradient_given_is_read_not_copied_nor_handed_back():
    inputs = parameters(np.random.default_rng(3), 2, 3, 1, 1.0)
    tape = Tape.record(with_loss(np.ones((4, 2)), np.zeros((4, 1))), *inputs)
    seed = np.array(2.0)
    grads = tape.value_and_gradient(*inputs, grad_output=seed)[1]
    assert seed == 2.0 and not any(np.shares_memory(g, seed) for g in grads)
    assert not any(np.shares_memory(g, x) for g in grads for x in inputs)
    assert len({id(g) for g in grads}) == 4
    halved = tape.value_and_gradient(*inputs, grad_output=1.0)[1]  # a float: converted
    assert all(same_bits(2.0 * h, g) for h, g in zip(halved, grads, strict=True))
    ones = tape.value_and_gradient(*inputs)[1]  # None: the cache itself, not times ones
    assert "g7 = c3 if g8 is None else g8 * c3" in tape.source
    assert all(same_bits(o, h) for o, h in zip(ones, halved, strict=True))
    tape.forward(*inputs)  # the two-function form, from ones made by the tape
    assert all(same_bits(o, b) for o, b in zip(ones, tape.backward(None), strict=True))
    with pytest.raises(ValueError, match="gradient reaching 'l2#3' has shape"):
        tape.value_and_gradient(*inputs, grad_output=np.ones(3))
