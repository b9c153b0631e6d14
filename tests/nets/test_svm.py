"""Seed 003's SVM: the circuit verified, the pull is the hinge, scipy's optimum reached."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcheck
from nets import data
from nets.circuit import Circuit, apply
from nets.reports.svm import KINK_POINT
from nets.svm import (
    SVM,
    PullClassifier,
    TwoLayerNet,
    pull,
    score_circuit,
    train_svm,
    two_layer_circuit,
)
from nets.training import vector_problem
from tests.bits import same_bits
from tests.nets.broken_gates import BrokenMul
from tests.nets.verdicts import assert_passes_or_negligible


def scipy_minimum():
    loss, grad, x0, _ = vector_problem(SVM(), *data.svm_points())
    return gradcheck.compare_optima(loss, grad, x0)


def loss_of_parameters(kind):
    """The loss on seed 003's points as a function of (a, b, c), in gradcheck's convention."""
    X, y = data.svm_points()

    def forward(a, b, c):
        return np.array(kind(a, b, c).loss(X, y))

    def backward(a, b, c, grad_output):
        return tuple(grad_output * g for g in kind(a, b, c).gradients(X, y).values())

    return forward, backward


@given(hnp.arrays(np.float64, 5, elements=st.floats(-5, 5)))
def test_the_score_circuit_passes_gradcheck(point):
    """Derivatives negligible beside the others (a = 1e-257 for x) are not verified."""
    result = gradcheck.compare(score_circuit.forward, score_circuit.backward, *point)
    assert_passes_or_negligible(result)


@given(score=st.floats(-3, 3), label=st.sampled_from([-1.0, 1.0]))
def test_the_pull_is_minus_the_hinge_subgradient(score, label):
    inside_margin = label * score < 1
    assert pull(score, label) == (label if inside_margin else 0.0)


@given(
    params=hnp.arrays(np.float64, 3, elements=st.floats(-3, 3)),
)
def test_the_batch_gradient_through_the_circuit_is_the_gradient_of_the_loss(params):
    result = gradcheck.compare(*loss_of_parameters(SVM), *params)
    # On a hinge kink the pull rule picks 0, the one-sided slope of the flat side: a valid
    # subgradient, so a kink verdict passes too; it never fails.
    assert_passes_or_negligible(result)


def test_the_articles_training_reaches_the_optimums_accuracy():
    X, y = data.svm_points()
    svm = SVM()
    assert svm.accuracy(X, y) == pytest.approx(4 / 6)
    history = train_svm(svm, X, y, iterations=400, step_size=0.01, seed=0)
    assert history.accuracy[-1] == pytest.approx(5 / 6)
    best = scipy_minimum()
    assert best.agree, str(best)
    assert SVM(*best.analytic.x).accuracy(X, y) == pytest.approx(5 / 6)


def test_smaller_steps_close_in_on_scipys_minimum():
    X, y = data.svm_points()
    best = scipy_minimum().analytic.loss
    coarse = train_svm(SVM(), X, y, iterations=400, step_size=0.01, seed=0)
    fine = train_svm(SVM(), X, y, iterations=5000, step_size=0.001, seed=0)
    assert 0 <= fine.loss[-1] - best < 1e-3
    assert fine.loss[-1] - best < coarse.loss[-1] - best


def test_train_svm_refuses_points_that_are_not_2d():
    with pytest.raises(ValueError, match=r"X must be \(N, 2\)"):
        train_svm(SVM(), np.ones((3, 3)), np.ones(3))


def test_a_regularization_pull_of_the_wrong_sign_is_caught():
    class WrongPull(SVM):
        def gradients(self, X, y):
            grads = super().gradients(X, y)
            return {
                **grads,
                "a": grads["a"] - 2 * self.params["a"],
                "b": grads["b"] - 2 * self.params["b"],
            }

    result = gradcheck.compare(*loss_of_parameters(WrongPull), *np.array([0.7, -0.4, 0.2]))
    assert not result.passed
    assert {f.where for f in result.mismatches} == {"a", "b"}


def test_chapter_2s_network_trains_through_its_circuit_and_its_circuit_checks_at_a_kink():
    inputs = [np.array(v) for v in KINK_POINT]
    assert float(inputs[0] * inputs[13] + inputs[1] * inputs[14] + inputs[2]) == 0.0  # on it
    gradcheck.check(two_layer_circuit.forward, two_layer_circuit.backward, *inputs)
    X, y = data.svm_points()
    net = TwoLayerNet(seed=3)
    start = net.accuracy(X, y)
    history = train_svm(net, X, y, iterations=3000, seed=3)
    assert history.accuracy[-1] == 1.0 > start
    loss, grad, x, _ = vector_problem(net, X, y)
    gradcheck.check(lambda v: np.asarray(loss(v)), lambda v, g: g * grad(v), x)


@pytest.mark.parametrize("kind", [SVM, TwoLayerNet])
def test_the_pull_loop_on_floats_trains_the_same_bits_as_on_arrays(kind, monkeypatch):
    X, y = data.svm_points()
    on_floats = train_svm(kind(), X, y, iterations=2000, seed=5)
    monkeypatch.setattr(PullClassifier, "step", PullClassifier._step_on_arrays)
    on_arrays = train_svm(kind(), X, y, iterations=2000, seed=5)
    fields = ("loss", "accuracy", "params")
    same = {f: same_bits(getattr(on_floats, f), getattr(on_arrays, f)) for f in fields}
    assert same == dict.fromkeys(fields, True)


class WrongScore(SVM):
    """The score circuit with a's product through a mul gate whose backward swaps its inputs."""

    circuit = Circuit(lambda a, b, c, x, y: apply(BrokenMul(), a, x) + b * y + c)


def test_a_circuit_with_a_gate_of_its_own_trains_with_that_gate_on_arrays():
    """No float rule stands in for a gate's own backward: the wrong one is what trains."""
    X, y = data.svm_points()
    wrong, right = WrongScore(), SVM()
    assert wrong._tape((*wrong.params.values(), np.array(0.5), np.array(0.5))).floats is None
    assert right._tape((*right.params.values(), np.array(0.5), np.array(0.5))).floats
    wrong_run = train_svm(wrong, X, y, iterations=300, seed=0)
    right_run = train_svm(right, X, y, iterations=300, seed=0)
    assert wrong_run.params[-1, 0] != right_run.params[-1, 0]  # a's gradient a * g, not x * g
