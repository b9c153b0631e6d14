"""compare_optima: the hand-written gradient leads where finite differences lead."""

import numpy as np
import pytest

import gradcheck

A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
B = np.array([1.0, -2.0, 0.5])


def loss(x):
    return 0.5 * x @ A @ x - B @ x


def grad(x):
    return A @ x - B


@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS"])
def test_correct_gradient_reaches_the_finite_difference_optimum(method):
    found = gradcheck.compare_optima(loss, grad, np.zeros(3), method=method)
    assert found.agree and found.analytic.success
    np.testing.assert_allclose(found.analytic.x, np.linalg.solve(A, B), atol=1e-8)
    assert str(found).startswith("same optimum")


@pytest.mark.parametrize(
    "wrong",
    [
        lambda x: A @ x,  # a missing term
        lambda x: A.T @ x - B + np.array([0.5, 0.0, 0.0]),  # an extra one
        lambda x: -(A @ x - B),  # a sign flip: ascent
    ],
)
def test_a_gradient_that_moves_the_stationary_point_reaches_a_different_optimum(wrong):
    found = gradcheck.compare_optima(loss, wrong, np.zeros(3))
    assert not found.agree
    assert str(found).startswith("DIFFERENT optima")


def test_flatten_round_trips_named_arrays():
    params = {"W": np.arange(6.0).reshape(2, 3), "b": np.array([7.0])}
    x, unflatten = gradcheck.flatten(params)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0]
    back = unflatten(x)
    assert all(np.array_equal(back[k], params[k]) for k in params)


def test_bad_arguments_are_named_errors():
    with pytest.raises(gradcheck.InvalidInputError, match="x0"):
        gradcheck.compare_optima(loss, grad, np.array([np.nan, 0.0, 0.0]))
    with pytest.raises(gradcheck.InvalidInputError, match="callable"):
        gradcheck.compare_optima(loss, None, np.zeros(3))
    with pytest.raises(gradcheck.ContractError, match="shape"):
        gradcheck.compare_optima(loss, lambda x: np.zeros(2), np.zeros(3))
