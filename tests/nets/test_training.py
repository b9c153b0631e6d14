"""Training: follows the reference step for step, keeps its history, stays quiet off a TTY."""

import numpy as np
import pytest

from nets import MLP, Perceptron, data, train
from nets.optimizers import SGD, Adam
from tests.bits import same_bits


def moons_model():
    return MLP(
        2,
        3,
        2,
        activation="tanh",
        output="softmax",
        loss="cross_entropy",
        l2=0.01,
        reduction="sum",
        seed=0,
    )


def test_training_follows_seed_001_step_for_step():
    X, y = data.moons(200, noise=0.20, seed=0)
    history = train(moons_model(), X, y, SGD(lr=0.01), steps=1001)
    printed = history.loss[[0, 1000]] / len(X)
    assert printed == pytest.approx([0.432387, 0.068947], abs=1e-6)


def test_history_has_one_loss_and_gradient_norm_per_step_and_true_snapshots():
    X, y = data.moons(100, seed=1)
    model = moons_model()
    start = {k: v.copy() for k, v in model.params.items()}
    history = train(model, X, y, SGD(lr=0.01), steps=50, snapshot_every=10)
    assert history.loss.shape == (50,) and history.grad_norm.shape == (50,)
    assert np.all(history.grad_norm > 0)
    assert sorted(history.snapshots) == [0, 10, 20, 30, 40, 50]
    assert all(np.array_equal(history.snapshots[0][k], start[k]) for k in start)
    assert all(np.array_equal(history.snapshots[50][k], model.params[k]) for k in start)
    assert history.snapshots[50]["W1"] is not model.params["W1"]


def test_the_gradient_norm_is_that_of_the_gradient_each_step_used():
    X, y = data.moons(100, seed=1)
    model, replay = moons_model(), moons_model()
    history = train(model, X, y, SGD(lr=0.01), steps=5)
    for step in range(5):
        grads = replay.gradients(X, y)
        norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
        assert history.grad_norm[step] == pytest.approx(norm, rel=1e-14)
        SGD(lr=0.01).step(replay.params, grads)


def test_minibatches_are_seeded():
    X, y = data.moons(100, seed=1)
    runs = [
        train(moons_model(), X, y, Adam(), steps=30, batch_size=8, seed=s).loss for s in (1, 1, 2)
    ]
    assert np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2])


def test_linear_neuron_learns_celsius_to_fahrenheit():
    c, f = data.celsius()
    X, y = (c / 50.0)[:, None], f  # scaled input: a well-conditioned problem
    model = Perceptron(1, 1, "identity", "mse")
    train(model, X, y, SGD(lr=0.3), steps=2000)
    assert model.params["W"][0, 0] / 50.0 == pytest.approx(1.8, rel=1e-6)
    assert model.params["b"][0] == pytest.approx(32.0, rel=1e-6)


def test_progress_bar_is_silent_off_a_terminal_and_shown_when_asked(capsys):
    X, y = data.moons(20, seed=1)
    train(moons_model(), X, y, SGD(), steps=1000)
    assert capsys.readouterr().err == ""
    train(moons_model(), X, y, SGD(), steps=5, progress=True)
    assert "/5 [" in capsys.readouterr().err  # tqdm's bar (cleared when done)


@pytest.mark.parametrize(
    ("steps", "batch_size", "words"), [(0, None, "steps"), (5, 500, "batch_size")]
)
def test_bad_arguments_are_named_errors(steps, batch_size, words):
    X, y = data.moons(20, seed=1)
    with pytest.raises(ValueError, match=words):
        train(moons_model(), X, y, SGD(), steps=steps, batch_size=batch_size)


def test_without_an_optimizer_a_network_of_layers_steps_itself():
    from nets.network import Layer, Network

    X, y = data.moons(40, noise=0.1, seed=1)

    def network():
        return Network(
            Layer(2, 4, act="tanh", opt="SGD", opt_dict={"lr": 0.05}, seed=0),
            Layer(4, 2, act="identity", opt="SGD", opt_dict={"lr": 0.05}, seed=1),
            loss="cross_entropy",
        )

    own = train(network(), X, y, optimizer=None, steps=50)
    shared = train(network(), X, y, SGD(lr=0.05), steps=50)  # the same rule, one instance
    np.testing.assert_allclose(own.loss, shared.loss, rtol=1e-12)
    assert own.loss[-1] < own.loss[0]


def test_without_an_optimizer_a_model_that_cannot_step_itself_is_refused():
    with pytest.raises(ValueError, match="needs a model with update"):
        train(MLP(2, 2, 2), np.ones((2, 2)), np.array([0, 1]), optimizer=None, steps=1)


def test_the_vector_problem_of_a_model_is_its_own_loss_and_gradient_bit_for_bit():
    """loss(x) and grad(x) replay the tape on views of x: what the model gives at x."""
    from nets.training import vector_problem

    X, y = data.moons(40, noise=0.2, seed=0)
    model = MLP(2, 4, 2, l2=0.01, reduction="sum", seed=0)
    loss, grad, x0, unflatten = vector_problem(model, X, y)
    x = x0 + np.linspace(-0.1, 0.1, x0.size)
    at_x = MLP(2, 4, 2, l2=0.01, reduction="sum", seed=0)
    for name, value in unflatten(x).items():
        at_x.params[name][...] = value
    grads = at_x.gradients(X, y)
    assert loss(x) == at_x.loss(X, y)
    assert same_bits(grad(x), np.concatenate([grads[k].ravel() for k in grads]))
    assert same_bits(x0, np.concatenate([v.ravel() for v in model.params.values()]))
