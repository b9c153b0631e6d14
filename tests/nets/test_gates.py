"""Every gate passes gradcheck under Hypothesis inputs; a broken variant of each fails."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradcheck
from gradcheck.strategies import inputs_for
from nets import gates
from nets.gates import unbroadcast
from tests.nets.broken_gates import PAIRS
from tests.nets.verdicts import assert_passes_or_honest, assert_passes_or_rounding_bound

IDS = [g.name for g in gates.ALL]


@pytest.mark.parametrize("gate", gates.ALL, ids=IDS)
@given(data=st.data())
def test_every_gate_passes_under_hypothesis_inputs_including_kinks_and_ties(gate, data):
    inputs = data.draw(inputs_for(gate))
    result = gradcheck.compare(gate.forward, gate.backward, *inputs)
    assert_passes_or_honest(result, inputs, np.size(gate.forward(*inputs)))


@pytest.mark.parametrize("gate", [g for g in gates.ALL if g.arity == 1], ids=lambda g: g.name)
@given(data=st.data())
def test_every_one_input_gate_never_fails(gate, data):
    """No broadcasting, a single kink per coordinate: the subgradient rule is exact.
    Where phi's rounding bounds the resolution (saturation, extreme magnitudes) the
    verdict is unverified, never a pass or a failure."""
    inputs = data.draw(inputs_for(gate))
    assert_passes_or_rounding_bound(gradcheck.compare(gate.forward, gate.backward, *inputs))


def _inputs_away_from_kinks(gate, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,)][: gate.arity]
    return [
        rng.uniform(0.3, 2.0, shape) * rng.choice([-1, 1], shape)
        if not gate.kink_points
        else rng.uniform(0.3, 2.0, shape)
        for shape in shapes
    ]


@pytest.mark.parametrize(("gate", "broken"), PAIRS, ids=[b.name for _, b in PAIRS])
def test_each_broken_variant_fails_where_the_correct_gate_passes(gate, broken):
    inputs = _inputs_away_from_kinks(gate)
    gradcheck.check(gate.forward, gate.backward, *inputs)
    assert not gradcheck.compare(broken.forward, broken.backward, *inputs).passed


def test_binary_gates_broadcast_and_sum_gradients_back_to_each_shape():
    a, b = np.ones((2, 1, 3)), np.arange(4.0).reshape(4, 1)
    for gate in (gates.add, gates.sub, gates.mul, gates.maximum):
        assert gate.forward(a, b).shape == (2, 4, 3)
        da, db = gate.backward(a, b, np.ones((2, 4, 3)))
        assert da.shape == a.shape and db.shape == b.shape
        gradcheck.check(gate.forward, gate.backward, a + 0.5, b)


def test_a_gate_that_forgets_to_sum_over_broadcast_axes_gets_a_named_error():
    class Unsummed(gates.Mul):
        def backward(self, a, b, g):
            return np.multiply(b, g), np.multiply(a, g)

    gate = Unsummed()
    with pytest.raises(gradcheck.BackwardContractError, match="sum the gradient"):
        gradcheck.check(gate.forward, gate.backward, np.ones((3, 2)), np.ones(2))


@pytest.mark.parametrize("x", [-1000.0, -745.0, 0.0, 745.0, 1000.0, 1e150, -1e150])
def test_sigmoid_is_stable_at_extremes_without_warnings(x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = gates.sigmoid.forward(np.array([x]))
        grad = gates.sigmoid.backward(np.array([x]), np.ones(1))
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    assert 0.0 <= value[0] <= 1.0


def test_exp_and_log_near_their_limits_are_finite_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = np.array([gates.Exp.LIMIT - 1.0, -700.0])
        gradcheck.check(gates.exp.forward, gates.exp.backward, big)
        small = np.array([1e-149, 1e-10, 1e100])
        gradcheck.check(gates.log.forward, gates.log.backward, small)


def test_declared_kinks():
    assert gates.relu.kink_distance(np.array([-2.0, 0.0, 3.0])).tolist() == [2.0, 0.0, 3.0]
    gap_a, gap_b = gates.maximum.kink_distance(np.array([[1.0], [5.0]]), np.array([1.5, 4.0]))
    assert gap_a.tolist() == [[0.5], [1.0]] and gap_b.tolist() == [0.5, 1.0]
    assert gates.reciprocal.kink_distance(np.array([-0.25])).tolist() == [0.25]


def test_max_at_a_tie_routes_the_gradient_once():
    da, db = gates.maximum.backward(np.array(2.0), np.array(2.0), np.array(1.0))
    assert float(da) + float(db) == 1.0


def test_unbroadcast_sums_added_and_stretched_axes():
    assert unbroadcast(np.ones((2, 3, 4)), (3, 1)).tolist() == [[8.0]] * 3
    assert unbroadcast(np.ones(5), ()).item() == 5.0
