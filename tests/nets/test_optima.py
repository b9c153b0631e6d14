"""scipy confirms the optima: hand-written gradients lead where finite differences lead."""

import numpy as np
import pytest
import scipy.linalg
import scipy.optimize

import gradcheck
from nets import MLP, Perceptron, data, train
from nets.network import Layer, Network
from nets.optimizers import SGD, Momentum
from nets.training import vector_problem


def celsius_problem():
    c, f = data.celsius()
    return (c / 50.0)[:, None], f  # scaled, so SGD converges in a few thousand steps


def test_linear_neuron_optimum_is_the_least_squares_solution_and_sgd_reaches_it():
    X, y = celsius_problem()
    loss, grad, x0, _ = vector_problem(Perceptron(1, 1, "identity", "mse"), X, y)
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
    loss, grad, x0, _ = vector_problem(model, X, y)
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

    loss, grad, x0, _ = vector_problem(NoPenalty(2, 3, 2, l2=1.0, seed=1), X, y)
    assert not gradcheck.compare_optima(loss, grad, x0).agree


def polished(model, X, y):
    """scipy's minimum nearest to the model's parameters: (loss there, distance moved)."""
    loss, grad, x, _ = vector_problem(model, X, y)
    found = scipy.optimize.minimize(
        loss, x, jac=grad, method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-10}
    )
    return found.fun, float(np.linalg.norm(found.x - x))


def test_sgd_on_the_moons_network_converges_to_scipys_minimum():
    X, y = data.moons(60, noise=0.2, seed=2)
    model = MLP(2, 3, 2, l2=0.01, seed=1)
    history = train(model, X, y, SGD(lr=1.0), steps=4000)
    minimum, moved = polished(model, X, y)
    assert 0 <= history.loss[-1] - minimum < 1e-12
    assert moved < 1e-4


def test_a_network_of_layers_converges_to_scipys_minimum():
    X, y = data.moons(60, noise=0.2, seed=2)
    network = Network(
        Layer(2, 4, act="tanh", wb_width=0.5, seed=0),
        Layer(4, 2, act="identity", wb_width=0.5, seed=1),
        loss="cross_entropy",
        l2=0.01,
    )
    history = train(network, X, y, Momentum(lr=0.1), steps=3000)
    minimum, moved = polished(network, X, y)
    assert 0 <= history.loss[-1] - minimum < 1e-8
    assert moved < 1e-2
