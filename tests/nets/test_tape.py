"""The recorded tape replays the circuit: the same values and gradients, bit for bit."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcheck
from gradcheck.strategies import expressions, inputs_for
from nets import MLP, Perceptron, data, gates, planted, train
from nets.circuit import Circuit, apply
from nets.layers import Dense, dense
from nets.network import Layer, Network
from nets.optimizers import SGD
from nets.tape import Tape, cached
from tests.bits import same_bits


@given(expression=expressions(gates.ALL, inputs=3, max_leaves=8), data=st.data())
def test_a_replay_equals_the_walk_bit_for_bit_on_random_circuits(expression, data):
    c = Circuit.from_expression(expression)
    first = data.draw(inputs_for(c, arity=3, max_dims=1, max_side=3, max_magnitude=10.0))
    values = st.floats(-10.0, 10.0)
    again = [data.draw(hnp.arrays(np.float64, np.shape(x), elements=values)) for x in first]
    assume(c.in_domain(*first) and c.in_domain(*again))
    tape = Tape.record(c, *first)
    for inputs in (first, again):  # the replay at other values than the recording's
        grad_output = np.full(np.shape(c.forward(*inputs)), 0.75)
        value, grads = tape.value_and_gradient(*inputs, grad_output=grad_output)
        assert same_bits(value, c.forward(*inputs))
        assert same_bits(tape.evaluate(*inputs), value)
        walked = c.backward(*inputs, grad_output)
        assert all(same_bits(g, w) for g, w in zip(grads, walked, strict=True))
        assert same_bits(tape.forward(*inputs), value)  # the two-function form, the same bits
        assert all(same_bits(g, w) for g, w in zip(tape.backward(grad_output), grads, strict=True))


def test_the_one_pass_gradients_are_the_callers_own_even_where_a_gate_passes_one_through():
    """a + b hands grad_output to both inputs; an input given twice is one array."""
    tape = Tape.record(Circuit(lambda a, b: apply(gates.add, a, b)), np.ones(3), np.ones(3))
    x, seed = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.25, 2.0])
    value, (ga, gb) = tape.value_and_gradient(x, x, grad_output=seed)
    assert value.tolist() == [2.0, 4.0, 6.0] and ga.tolist() == gb.tolist() == seed.tolist()
    assert len({id(ga), id(gb), id(x), id(seed)}) == 4
    ga += 1.0
    assert gb.tolist() == seed.tolist() and x.tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"input 1 has shape \(2,\); the tape was recorded"):
        tape.value_and_gradient(x, np.ones(2))
    with pytest.raises(TypeError, match="the tape takes 2 inputs, got 1"):
        tape.value_and_gradient(x)


def test_a_replayed_model_gradient_equals_the_walk_bit_for_bit_along_training():
    X, y = data.moons(60, noise=0.2, seed=3)
    model = MLP(2, 5, 2, "relu", l2=0.01, reduction="sum", seed=1)
    optimizer = SGD(0.01)
    for _ in range(20):
        loss, grads = model.loss_and_gradients(X, y)
        objective = model.objective(X, y)
        walked = objective.backward(*model.params.values(), np.array(1.0))
        assert same_bits(loss, objective.forward(*model.params.values()))
        assert all(same_bits(grads[k], w) for k, w in zip(model.params, walked, strict=True))
        optimizer.step(model.params, grads)


def test_the_loss_recorded_is_the_loss_after_each_step():
    X, y = data.moons(50, noise=0.2, seed=0)
    history = train(MLP(2, 3, 2, seed=0), X, y, SGD(0.1), steps=5)
    model = MLP(2, 3, 2, seed=0)
    for step in range(5):
        SGD(0.1).step(model.params, model.gradients(X, y))
        assert history.loss[step] == model.loss(X, y)


def test_a_network_of_layers_gives_the_same_loss_and_gradients_in_one_pass():
    X, labels = data.moons(40, noise=0.2, seed=0)
    net = Network(Layer(2, 4, act="tanh", seed=0), Layer(4, 1, act="identity", seed=1), l2=0.1)
    loss, grads = net.loss_and_gradients(X, 2.0 * labels - 1.0)
    assert loss == net.loss(X, 2.0 * labels - 1.0)
    again = net.gradients(X, 2.0 * labels - 1.0)
    assert all(same_bits(grads[k], again[k]) for k in grads)


def test_a_subclass_that_replaces_backward_alone_is_trained_with_its_own_backward():
    """seed 001's slip, a subclass of the sigmoid: the tape must not use the parent's cache."""
    wrong = planted.SquashedTwiceSigmoid()
    forward, backward = cached(wrong)
    a = np.array([0.3, -1.2])
    _, cache = forward(a)
    assert same_bits(backward(cache, np.ones(2)), wrong.backward(a, np.ones(2)))
    assert not same_bits(backward(cache, np.ones(2)), gates.sigmoid.backward(a, np.ones(2)))


def test_a_tape_refuses_inputs_of_other_shapes_and_backward_before_forward():
    tape = Tape.record(Circuit(lambda a, b: a * b), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"input 1 has shape \(2,\).*\(3,\)"):
        tape.forward(np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="takes 2 inputs, got 1"):
        tape.forward(np.ones(3))
    with pytest.raises(ValueError, match=r"input 0 has shape \(3, 1\).*\(3,\)"):
        tape.evaluate(np.ones((3, 1)), np.ones(3))  # evaluate checks them in its own source
    with pytest.raises(TypeError, match="takes 2 inputs, got 3"):
        tape.evaluate(np.ones(3), np.ones(3), np.ones(3))
    x = [1, 2, 3]  # a list of ints, converted, not changed
    assert tape.evaluate(x, np.ones(3)).tolist() == [1.0, 2.0, 3.0] and x == [1, 2, 3]
    with pytest.raises(RuntimeError, match="forward before backward"):
        tape.backward()


def test_gradients_never_share_memory_with_an_input_or_each_other():
    """a + b hands one array to both inputs; the caller gets two, and an input is never one."""
    tape = Tape.record(Circuit(lambda a, b: a + b), np.ones(2), np.ones(2))
    grad_a, grad_b = tape.value_and_gradient(np.ones(2), np.zeros(2))[1]
    grad_a += 1.0
    assert grad_b.tolist() == [1.0, 1.0]
    identity = Tape.record(Circuit(lambda a: a), np.ones(2))
    x = np.array([2.0, 3.0])
    (grad,) = identity.value_and_gradient(x)[1]
    assert grad is not x and grad.tolist() == [1.0, 1.0]


def test_a_model_records_once_and_records_again_when_its_data_or_shape_change():
    X, y = data.moons(30, noise=0.2, seed=0)
    model = Perceptron(2, 1, loss="mse", seed=0)
    tape = model.tape(X, y)
    assert model.tape(X, y) is tape
    assert model.tape(X.copy(), y) is not tape
    model.params["W"] = np.zeros((2, 1))
    model.params["b"] = np.zeros(1)
    fresh = model.tape(X, y)
    model.l2 = 0.5
    assert model.tape(X, y) is not fresh
    objective = model.objective(X, y)
    gradcheck.check(objective.forward, objective.backward, *model.params.values())


def test_the_dense_gate_skips_the_gradient_of_its_data_and_keeps_the_others():
    x, W, b = np.ones((4, 2)), np.full((2, 3), 0.5), np.zeros(3)
    told = []

    class Told(Dense):
        def backward(self, x, W, b, grad_output):
            return super().backward(x, W, b, grad_output)

        def backward_from_cache(self, cache, grad_output, needed=(True, True, True)):
            told.append(needed)
            return super().backward_from_cache(cache, grad_output, needed)

    tape = Tape.record(Circuit(lambda W, b: apply(Told(), x, W, b)), W, b)
    tape.value_and_gradient(W, b, grad_output=np.ones((4, 3)))
    assert told == [(False, True, True)]  # told that x is data
    grads = tape.value_and_gradient(W, b, grad_output=np.ones((4, 3)))[1]
    expected = dense.backward(x, W, b, np.ones((4, 3)))
    assert all(same_bits(g, e) for g, e in zip(grads, expected[1:], strict=True))


def test_a_backward_replaced_on_one_instance_is_what_that_instance_trains_with():
    wrong = gates.Tanh()
    wrong.backward = lambda a, grad_output: 2.0 * grad_output  # a bug on this gate alone
    forward, backward = cached(wrong)
    _, cache = forward(np.array(0.5))
    assert backward(cache, np.array(1.0)) == 2.0
    _, cache = cached(gates.tanh)[0](np.array(0.5))
    assert cached(gates.tanh)[1](cache, np.array(1.0)) != 2.0  # the class keeps its own


def test_a_gate_returning_the_wrong_number_of_gradients_is_named():
    class TwoForOne(gates.Tanh):
        def backward_from_cache(self, t, grad_output):
            return grad_output, grad_output

    gate = TwoForOne()
    for circuit in (Circuit(lambda a: apply(gate, a)), Circuit(lambda a: apply(gate, a) * a)):
        tape = Tape.record(circuit, np.ones(2))
        with pytest.raises(ValueError, match=r"gate 'tanh#\d' returned 2 gradients for 1 inputs"):
            tape.value_and_gradient(np.ones(2))
    add_one = gates.Add()
    add_one.backward = lambda a, b, grad_output: (grad_output,)
    tape = Tape.record(Circuit(lambda a, b: apply(add_one, a, b)), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="returned 1 gradients for 2 inputs"):
        tape.value_and_gradient(np.ones(2), np.ones(2))


def test_a_pickled_tape_replays_the_same_bits_and_its_source_shows_each_gate():
    import pickle

    X, y = data.moons(30, noise=0.2, seed=0)
    model = MLP(2, 4, 2, l2=0.01, reduction="sum", seed=0)
    tape = model.tape(X, y)
    again = pickle.loads(pickle.dumps(tape))
    first = tape.value_and_gradient(*model.params.values(), grad_output=np.array(1.0))
    second = again.value_and_gradient(*model.params.values(), grad_output=np.array(1.0))
    assert same_bits(first[0], second[0])
    assert all(same_bits(a, b) for a, b in zip(first[1], second[1], strict=True))
    assert again.source == tape.source
    assert "# hidden/tanh#1" in tape.source and "# loss/cross_entropy#3" in tape.source


def test_a_gate_whose_output_shape_follows_the_values_is_refused_at_replay():
    class Positive(gates.Gate):
        name = "positive"

        def forward(self, a):
            return a[a > 0]

        def backward(self, a, grad_output):
            grad = np.zeros_like(a)
            grad[a > 0] = grad_output
            return grad

    tape = Tape.record(Circuit(lambda a: apply(Positive(), a)), np.array([1.0, 2.0]))
    assert tape.evaluate(np.array([3.0, 4.0])).tolist() == [3.0, 4.0]
    with pytest.raises(ValueError, match=r"'positive#0' returned shape \(1,\) where the record"):
        tape.forward(np.array([3.0, -4.0]))


def test_a_source_is_compiled_once_and_its_lines_stay_in_tracebacks(monkeypatch):
    import linecache
    import traceback

    from nets import source

    class Failing(gates.Gate):
        name = "failing"

        def forward(self, a):
            raise ArithmeticError("planted")

        def backward(self, a, grad_output):
            return grad_output

    def record(gate, x):
        return Tape.record(Circuit(lambda a: apply(gate, a) * x), np.ones(2))

    first, second = record(gates.tanh, np.full(2, 2.0)), record(gates.tanh, np.full(2, 3.0))
    assert first.source == second.source
    assert first._replay.evaluate.__code__ is second._replay.evaluate.__code__  # compiled once
    assert first.evaluate(np.zeros(2)).tolist() != second.evaluate(np.ones(2)).tolist()
    assert second.evaluate(np.ones(2)).tolist() == (3.0 * np.tanh(np.ones(2))).tolist()
    failing = Tape.record(Circuit(lambda a: apply(gates.tanh, a)), np.ones(2))
    failing._steps[0] = (failing._steps[0][0], Failing(), *failing._steps[0][2:])
    with pytest.raises(ArithmeticError) as raised:
        failing.evaluate(np.ones(2))
    assert "v1 = P0(v0)  # tanh#0" in "".join(traceback.format_tb(raised.value.__traceback__))
    monkeypatch.setattr(source, "KEPT", 2)
    monkeypatch.setattr(source, "_CODE", {})
    names = []

    def chain(a, length):
        for _ in range(length):
            a = apply(gates.tanh, a)
        return a

    for k in range(3):  # three sources (k + 1 gates): the oldest leaves linecache
        tape = Tape.record(Circuit(lambda a, k=k: chain(a, k + 1)), np.ones(2))
        names.append(tape._replay.evaluate.__code__.co_filename)
    assert names[0] not in linecache.cache and all(name in linecache.cache for name in names[1:])


def _two_layers(kind=Layer):
    return kind(2, 3, act="tanh", seed=0), Layer(3, 1, act="identity", seed=1)


def test_a_network_replays_its_circuit_with_the_bits_of_its_layers_passes():
    X, labels = data.moons(30, noise=0.2, seed=0)
    y = 2.0 * labels - 1.0
    for l2 in (0.0, 0.1):
        network = Network(*_two_layers(), l2=l2)
        assert network.replays_its_tape()
        loss, grads = network.loss_and_gradients(X, y)
        assert "vdot(" in network.tape(X, y).source  # the square error written out
        assert network.layers[0].grad_w is grads["layer0.w"]  # what update() reads
        stateful = network.gradients(X, y)  # the seed's forward and backward
        assert loss == network.loss(X, y)
        assert all(same_bits(grads[k], stateful[k]) for k in grads)


class Doubled(Layer):
    """A layer of its own: twice the weights' gradient."""

    def backward(self, grad, input_gradient=True):
        grad_x = super().backward(grad, input_gradient)
        self.grad_w = 2.0 * self.grad_w
        return grad_x


def test_a_network_whose_layer_replaces_backward_is_trained_with_that_backward():
    X, y = np.random.default_rng(0).standard_normal((8, 2)), np.zeros(8)
    instance = Network(*_two_layers())
    instance.layers[1].backward = lambda grad, input_gradient=True: None
    assert not instance.replays_its_tape()
    network = Network(*_two_layers(Doubled))
    assert not network.replays_its_tape()
    grads = network.loss_and_gradients(X, y)[1]
    walked = network.objective(X, y).backward(*network.params.values(), np.array(1.0))
    assert same_bits(grads["layer0.w"], 2.0 * walked[0])
    assert same_bits(grads["layer1.w"], walked[2])


def test_train_runs_a_models_own_loss_and_gradients():
    X, labels = data.moons(20, noise=0.2, seed=0)
    calls = []

    class CountedMLP(MLP):
        def loss_and_gradients(self, X, y):
            calls.append("mlp")
            return super().loss_and_gradients(X, y)

    class CountedNetwork(Network):
        def loss_and_gradients(self, X, y):
            calls.append("network")
            return super().loss_and_gradients(X, y)

    train(CountedMLP(2, 3, 2, seed=0), X, labels, SGD(0.1), steps=3)
    train(CountedNetwork(*_two_layers()), X, 2.0 * labels - 1.0, SGD(0.1), steps=2)
    plain = MLP(2, 3, 2, seed=0)
    plain.loss_and_gradients = lambda X, y: (
        calls.append("instance"),
        MLP.loss_and_gradients(plain, X, y),
    )[1]
    train(plain, X, labels, SGD(0.1), steps=1)
    assert calls == ["mlp"] * 3 + ["network"] * 2 + ["instance"]
