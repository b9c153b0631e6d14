"""scipy confirms the optima: hand-written gradients lead where finite differences lead."""

import numpy as np
import pytest
import scipy.linalg

import gradcheck
from nets import MLP, Perceptron, data, train
from nets.optimizers import SGD


def as_vector_problem(model, X, y):
    x0, unflatten = gradcheck.flatten(model.params)

    def loss(x):
        model.params = unflatten(x)
        return model.loss(X, y)

    def grad(x):
        model.params = unflatten(x)
        return gradcheck.flatten(model.gradients(X, y))[0]

    return loss, grad, x0, unflatten


def celsius_problem():
    c, f = data.celsius()
    return (c / 50.0)[:, None], f  # scaled, so SGD converges in a few thousand steps


def test_linear_neuron_optimum_is_the_least_squares_solution_and_sgd_reaches_it():
    X, y = celsius_problem()
    loss, grad, x0, _ = as_vector_problem(Perceptron(1, 1, "identity", "mse"), X, y)
    found = gradcheck.compare_optima(loss, grad, x0)
    assert found.agree
    solution, *_ = scipy.linalg.lstsq(np.column_stack([X[:, 0], np.ones(len(X))]), y)
    np.testing.assert_allclose(found.analytic.x, solution, rtol=1e-8)
    trained = Perceptron(1, 1, "identity", "mse")
    train(trained, X, y, SGD(lr=0.3), steps=3000)
    sgd = np.array([trained.params["W"][0, 0], trained.params["b"][0]])
    np.testing.assert_allclose(sgd, found.analytic.x, rtol=1e-8)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_moons_network_reaches_the_same_optimum_with_either_gradient(activation):
    X, y = data.moons(60, noise=0.2, seed=2)
    model = MLP(2, 3, 2, activation=activation, l2=0.01, seed=1)
    loss, grad, x0, _ = as_vector_problem(model, X, y)
    found = gradcheck.compare_optima(loss, grad, x0, rtol=1e-5)
    assert found.agree, str(found)


def test_a_network_with_the_penalty_missing_from_its_gradient_lands_elsewhere():
    X, y = data.moons(60, noise=0.2, seed=2)

    class NoPenalty(MLP):
        def gradients(self, X, y):
            grads = super().gradients(X, y)
            return {
                k: g - self.l2 * self.params[k] if k.startswith("W") else g
                for k, g in grads.items()
            }

    loss, grad, x0, _ = as_vector_problem(NoPenalty(2, 3, 2, l2=1.0, seed=1), X, y)
    assert not gradcheck.compare_optima(loss, grad, x0).agree
