"""A tape of scalars on Python floats: the gates' bits on 0-d arrays, or no float form."""

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradcheck.strategies import expressions
from nets import gates
from nets.circuit import Circuit, apply
from nets.float_replay import RULES, compile_floats, rule_of
from nets.tape import Tape
from tests.nets import broken_gates

LOWERED = (gates.add, gates.sub, gates.mul, gates.maximum, gates.neg, gates.relu, gates.square)
SPECIAL = (0.0, -0.0, 1.0, -1.0, 1e-300, -1e300, np.inf, -np.inf, np.nan)
BROKEN = [
    getattr(broken_gates, "Broken" + type(g).__name__)() for g in LOWERED
]  # each lowered gate's wrong-backward subclass
numbers = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))


def bits(x) -> bytes:
    """The float's bytes; any NaN as one: which of two NaNs an addition returns (its sign
    and payload) is the compiled code's choice, not IEEE 754's (``nan + -nan`` gives +nan
    from numpy's loop here and -nan from Python's float addition)."""
    x = np.float64(x)
    return b"nan" if np.isnan(x) else x.tobytes()


@given(expression=expressions(LOWERED, inputs=3, max_leaves=10), data=st.data())
def test_the_float_replay_gives_the_gates_bits_on_random_circuits(expression, data):
    """Ties, signed zeros, infinities and NaN included: every value and gradient alike."""
    tape = Tape.record(Circuit.from_expression(expression), *[np.array(0.0)] * 3)
    numbers_in = [data.draw(numbers) for _ in range(3)]
    if data.draw(st.booleans()):  # a tie between two inputs, the max gate's kink
        numbers_in[1] = numbers_in[0]
    seed = data.draw(numbers)
    value, kept = tape.floats.forward(*numbers_in)
    grads = tape.floats.backward(kept, seed)
    with np.errstate(all="ignore"):
        expected = tape.forward(*map(np.array, numbers_in))
        expected_grads = tape.backward(np.array(seed))
    assert value.__class__ is float and bits(value) == bits(expected)
    assert all(g.__class__ is float for g in grads)
    assert [bits(g) for g in grads] == [bits(g) for g in expected_grads]


def test_every_rule_is_its_gates_on_signed_zeros_and_nan():
    """numpy's maximum keeps the second of two equal values: max(-0.0, 0.0) is +0.0."""
    pairs = [(a, b) for a in SPECIAL for b in SPECIAL]
    for gate in LOWERED:
        tape = Tape.record(
            Circuit(lambda *xs, gate=gate: apply(gate, *xs)), *[np.array(0.0)] * gate.arity
        )
        for pair in pairs:
            inputs = pair[: gate.arity]
            value, kept = tape.floats.forward(*inputs)
            with np.errstate(all="ignore"):
                expected = gate.forward(*map(np.array, inputs))
                expected_grads = gate.backward(*map(np.array, inputs), np.array(-2.5))
            assert bits(value) == bits(expected), (gate, inputs)
            got = tape.floats.backward(kept, -2.5)
            expected_grads = expected_grads if gate.arity == 2 else (expected_grads,)
            assert [bits(g) for g in got] == [bits(g) for g in expected_grads], (gate, inputs)
    assert set(RULES) == {type(g) for g in LOWERED}


def test_a_tape_has_no_float_form_unless_every_gate_is_the_librarys_own_and_every_value_a_number():
    def tape_of(function, *inputs):
        return Tape.record(Circuit(function), *inputs)

    scalar = np.array(1.5)
    assert tape_of(lambda a, b: a * b + a, scalar, scalar).floats is not None
    assert tape_of(lambda a: apply(gates.tanh, a), scalar).floats is None  # numpy's rounding
    assert tape_of(lambda a: apply(gates.reciprocal, a), scalar).floats is None  # 1/0 raises
    for broken in BROKEN:  # a subclass with its own backward: what trains is what is checked
        inputs = [scalar] * broken.arity
        assert tape_of(lambda *xs, g=broken: apply(g, *xs), *inputs).floats is None, broken
    assert tape_of(lambda a, b: a * b, np.ones(2), scalar).floats is None  # not a number
    own = gates.Relu()
    own.backward = lambda a, grad_output: grad_output  # replaced on the instance
    assert rule_of(own) is None and rule_of(gates.Relu()) is RULES[gates.Relu]
    steps = [("mul#0", gates.mul, (0, 1), 2)]  # a constant of two numbers in slot 1
    assert compile_floats(steps, 1, {1: np.ones(2)}, 2, "a * [1, 1]") is None


def test_a_constant_number_and_an_unused_input_in_the_float_form():
    tape = Tape.record(Circuit(lambda a, b: a * 3.0 + 1.0), np.array(2.0), np.array(5.0))
    value, kept = tape.floats.forward(2.0, 5.0)
    assert value == 7.0 and tape.floats.backward(kept, 1.0) == (3.0, 0.0)


def test_the_float_replay_refuses_what_is_not_a_number_and_survives_pickling():
    tape = Tape.record(Circuit(lambda a, b: a * b), np.array(2.0), np.array(3.0))
    with pytest.raises(ValueError, match=r"input 1 has shape \(3,\); the float replay takes"):
        tape.floats.forward(1.0, np.ones(3))
    value, kept = tape.floats.forward(np.float64(2.0), np.array(3.0))  # numbers of any kind
    with pytest.raises(ValueError, match=r"input grad_output has shape \(2,\)"):
        tape.floats.backward(kept, [1.0, 2.0])
    again = pickle.loads(pickle.dumps(tape))
    assert again.floats.backward(again.floats.forward(2.0, 3.0)[1], 1) == (3.0, 2.0)
    assert value == 6.0 and "v2 = v0 * v1  # mul#0" in tape.floats.source


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_nan_gradient_meeting_its_negation_is_nan_on_floats_as_on_arrays(sign):
    """sub(a, a): g + (-g) at g = +-nan, the example Hypothesis found (NaN's sign aside)."""
    tape = Tape.record(Circuit(lambda a: apply(gates.sub, a, a)), np.array(0.0))
    seed = np.copysign(np.nan, sign)
    _, kept = tape.floats.forward(0.0)
    (on_floats,) = tape.floats.backward(kept, float(seed))
    with np.errstate(all="ignore"):
        tape.forward(np.array(0.0))
        (on_arrays,) = tape.backward(np.array(seed))
    assert np.isnan(on_floats) and np.isnan(on_arrays)
