"""Seed 003's SVM: the circuit verified, the pull is the hinge, scipy's optimum reached."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcheck
from nets import data
from nets.svm import SVM, pull, score_circuit, train_svm


def scipy_minimum():
    X, y = data.svm_points()
    svm = SVM()

    def loss(p):
        svm.params = {n: np.array(v) for n, v in zip("abc", p, strict=True)}
        return svm.objective(X, y)

    def grad(p):
        loss(p)
        return svm.gradient(X, y)

    return gradcheck.compare_optima(loss, grad, np.array([1.0, -2.0, -1.0]))


@given(hnp.arrays(np.float64, 5, elements=st.floats(-5, 5)))
def test_the_score_circuit_passes_gradcheck(point):
    assert gradcheck.check(score_circuit.forward, score_circuit.backward, *point).passed


@given(score=st.floats(-3, 3), label=st.sampled_from([-1.0, 1.0]))
def test_the_pull_is_minus_the_hinge_subgradient(score, label):
    inside_margin = label * score < 1
    assert pull(score, label) == (label if inside_margin else 0.0)


@given(
    params=hnp.arrays(np.float64, 3, elements=st.floats(-3, 3)),
)
def test_the_batch_gradient_through_the_circuit_is_the_objectives(params):
    X, y = data.svm_points()

    def objective(a, b, c):
        return np.array(SVM(a, b, c).objective(X, y))

    def gradient(a, b, c, grad_output):
        return tuple(grad_output * SVM(a, b, c).gradient(X, y))

    result = gradcheck.compare(objective, gradient, *params)
    # On a hinge kink the pull rule picks 0, the one-sided slope of the flat side: a valid
    # subgradient, so a kink verdict passes too; it never fails.
    assert result.passed, str(result)


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
    assert 0 <= fine.objective[-1] - best < 1e-3
    assert fine.objective[-1] - best < coarse.objective[-1] - best


def test_train_svm_refuses_points_that_are_not_2d():
    with pytest.raises(ValueError, match=r"X must be \(N, 2\)"):
        train_svm(SVM(), np.ones((3, 3)), np.ones(3))


def test_a_regularization_pull_of_the_wrong_sign_is_caught():
    X, y = data.svm_points()

    class WrongPull(SVM):
        def gradient(self, X, y):
            grad = super().gradient(X, y)
            return grad - 2 * np.array([self.params["a"], self.params["b"], 0.0])

    def objective(a, b, c):
        return np.array(WrongPull(a, b, c).objective(X, y))

    def gradient(a, b, c, grad_output):
        return tuple(grad_output * WrongPull(a, b, c).gradient(X, y))

    result = gradcheck.compare(objective, gradient, *np.array([0.7, -0.4, 0.2]))
    assert not result.passed
    assert {f.where for f in result.mismatches} == {"a", "b"}
