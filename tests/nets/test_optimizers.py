"""Optimizers: property tests of their own (a gradient checker cannot see them)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nets import optimizers
from nets.optimizers import ALL

NAMES = sorted(ALL)


def quadratic(curvature):
    def loss(w):
        return 0.5 * float(np.sum(curvature * w * w))

    def grad(w):
        return curvature * w

    return loss, grad


@pytest.mark.parametrize("name", NAMES)
@given(
    curvature=hnp.arrays(np.float64, 3, elements=st.floats(0.1, 10.0)),
    start=hnp.arrays(np.float64, 3, elements=st.floats(0.5, 5.0)),
    signs=hnp.arrays(np.float64, 3, elements=st.sampled_from([-1.0, 1.0])),
)
def test_every_optimizer_decreases_a_convex_quadratic_with_its_defaults(
    name, curvature, start, signs
):
    loss, grad = quadratic(curvature)
    params = {"w": start * signs}
    before = loss(params["w"])
    optimizer = ALL[name]()
    for _ in range(300):
        optimizer.step(params, {"w": grad(params["w"])})
    assert loss(params["w"]) < before


def first_step(optimizer, g, w=1.0):
    params = {"w": np.array([w])}
    optimizer.step(params, {"w": np.array([g])})
    return float(params["w"][0]) - w


G = 0.5  # the first gradient, by hand below


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        (optimizers.SGD(), -0.01 * G),
        (optimizers.Momentum(), -0.01 * G),
        (optimizers.Nesterov(), -0.01 * G * (1 + 0.9)),
        (optimizers.AdaGrad(), -0.01),  # h = g**2: -lr * sign(g)
        (optimizers.RMSprop(), -0.001 / math.sqrt(0.1)),  # h = 0.1 g**2
        (optimizers.AdaDelta(), -math.sqrt(1e-6) / math.sqrt(0.05 * G**2 + 1e-6) * G),
        (optimizers.Adam(), -0.001),  # m_hat = g, v_hat = g**2: -lr * sign(g)
        (optimizers.AMSGrad(), -0.001),
        (optimizers.AdaMax(), -0.002),  # m = 0.1 g, u = |g|, corrected by 1 - 0.9
        (optimizers.Nadam(), -0.002 * (0.9 * 0.1 / (1 - 0.9**2) + 1)),
        (optimizers.AdaBound(), -0.001),  # inside its bounds at t = 1: Adam's step
        (optimizers.AMSBound(), -0.001),
        (optimizers.RMSpropGraves(), -1e-4 * G / math.sqrt(0.05 * G**2 - (0.05 * G) ** 2 + 1e-4)),
        (optimizers.SMORMS3(), -0.001 * G / math.sqrt(0.5 * G**2)),  # r = 1/2, x = 1/2
        (optimizers.AdaBelief(), -0.001 / 0.9),  # s_hat = (0.9 g)**2
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, optimizers.Optimizer) else "",
)
def test_first_step_matches_the_papers_update_computed_by_hand(optimizer, expected):
    assert first_step(optimizer, G) == pytest.approx(expected, rel=1e-6)


def test_second_steps_of_momentum_nesterov_and_adam_by_hand():
    g1, g2 = 0.5, -0.2
    for optimizer, expected in [
        (optimizers.Momentum(), -0.01 * g1 * 0.9 - 0.01 * g2),
        (optimizers.Nesterov(), 0.9 * (0.9 * -0.01 * g1 - 0.01 * g2) - 0.01 * g2),
    ]:
        params = {"w": np.array([1.0])}
        optimizer.step(params, {"w": np.array([g1])})
        before = float(params["w"][0])
        optimizer.step(params, {"w": np.array([g2])})
        assert float(params["w"][0]) - before == pytest.approx(expected)
    adam = optimizers.Adam()
    params = {"w": np.array([1.0])}
    adam.step(params, {"w": np.array([g1])})
    before = float(params["w"][0])
    adam.step(params, {"w": np.array([g2])})
    m = (0.9 * 0.1 * g1 + 0.1 * g2) / (1 - 0.9**2)
    v = (0.999 * 0.001 * g1**2 + 0.001 * g2**2) / (1 - 0.999**2)
    assert float(params["w"][0]) - before == pytest.approx(-0.001 * m / (math.sqrt(v) + 1e-8))


@pytest.mark.parametrize(
    ("with_max", "without"),
    [(optimizers.AMSGrad, optimizers.Adam), (optimizers.AMSBound, optimizers.AdaBound)],
)
def test_amsgrad_and_amsbound_keep_the_running_maximum_of_the_second_moment(with_max, without):
    gradients = [10.0, 0.1, 0.1, 0.1, 0.1]  # v falls after the first step
    trajectories = []
    for cls in (with_max, without):
        optimizer, params = cls(), {"w": np.array([1.0])}
        steps = []
        for g in gradients:
            before = float(params["w"][0])
            optimizer.step(params, {"w": np.array([g])})
            steps.append(float(params["w"][0]) - before)
        trajectories.append(steps)
        if cls is with_max:
            state = optimizer.state["w"]
            assert state["v_max"][0] >= state["v"][0]
            assert state["v_max"][0] == pytest.approx(0.001 * 10.0**2)  # v after step 1
    kept, plain = trajectories
    assert kept[0] == pytest.approx(plain[0])  # same until v falls
    assert all(abs(k) < abs(p) for k, p in zip(kept[2:], plain[2:], strict=True))


@pytest.mark.parametrize("name", NAMES)
def test_step_updates_in_place_and_leaves_the_gradients_alone(name):
    w, b = np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0.1, -0.1])
    params = {"W": w, "b": b}
    grads = {"W": np.ones((2, 2)), "b": np.full(2, -1.0)}
    saved = {k: v.copy() for k, v in grads.items()}
    ALL[name]().step(params, grads)
    assert params["W"] is w and params["b"] is b
    assert not np.array_equal(w, [[1.0, -2.0], [0.5, 3.0]])
    assert all(np.array_equal(grads[k], saved[k]) for k in grads)


def test_mismatched_keys_shapes_or_learning_rates_are_named_errors():
    with pytest.raises(ValueError, match="same keys"):
        optimizers.SGD().step({"w": np.zeros(2)}, {"v": np.zeros(2)})
    with pytest.raises(ValueError, match="shape"):
        optimizers.Adam().step({"w": np.zeros(2)}, {"w": np.zeros(3)})
    with pytest.raises(ValueError, match="learning rate"):
        optimizers.SGD(lr=0.0)


@pytest.mark.parametrize("name", NAMES)
@given(
    curvature=hnp.arrays(np.float64, 5, elements=st.floats(0.1, 10.0)),
    start=hnp.arrays(np.float64, 5, elements=st.floats(0.5, 5.0)),
)
def test_the_seeds_update_and_step_give_the_same_trajectory(name, curvature, start):
    """Seed 002's ``dw, db = opt.update(grad_w, grad_b); w += dw; b += db`` is ``step``."""
    seed_style, ours = ALL[name](eta=0.01), ALL[name](lr=0.01)
    w, b = start[:3].copy(), start[3:].copy()
    params = {"w": start[:3].copy(), "b": start[3:].copy()}
    for _ in range(25):
        dw, db = seed_style.update(curvature[:3] * w, curvature[3:] * b)
        w += dw
        b += db
        ours.step(params, {"w": curvature[:3] * params["w"], "b": curvature[3:] * params["b"]})
        assert np.array_equal(w, params["w"]) and np.array_equal(b, params["b"])
    assert not np.array_equal(w, start[:3])  # it moved


def test_the_seeds_eta_names_the_learning_rate_of_every_optimizer():
    for name, cls in ALL.items():
        assert cls(eta=0.03).lr == 0.03 == cls(lr=0.03).eta, name
    with pytest.raises(TypeError, match="lr or eta, not both"):
        optimizers.SGD(0.1, eta=0.2)


def test_update_leaves_its_gradients_alone_and_refuses_what_it_does_not_know():
    sgd = optimizers.SGD(eta=0.5)
    grad_w, grad_b = np.array([2.0]), np.array([-4.0])
    assert [d.tolist() for d in sgd.update(grad_w, grad_b, t=1)] == [[-1.0], [2.0]]
    assert grad_w.tolist() == [2.0] and grad_b.tolist() == [-4.0]
    with pytest.raises(ValueError, match="t=5 but this is step 2"):
        sgd.update(grad_w, grad_b, t=5)
    with pytest.raises(TypeError, match="unexpected keywords"):
        sgd.update(grad_w, grad_b, momentum=0.9)


def test_an_sgd_with_a_delta_of_its_own_is_updated_by_it():
    """SGD's update skips delta for speed; a subclass's (or instance's) delta still runs."""

    class Halved(optimizers.SGD):
        def delta(self, grad, state):
            return 0.5 * super().delta(grad, state)

    grad_w, grad_b = np.array([2.0]), np.array([-4.0])
    assert [d.tolist() for d in Halved(lr=0.5).update(grad_w, grad_b)] == [[-0.5], [1.0]]
    instance = optimizers.SGD(lr=0.5)
    instance.delta = lambda grad, state: 0.0 * grad
    assert [d.tolist() for d in instance.update(grad_w, grad_b)] == [[-0.0], [0.0]]
    assert [d.tolist() for d in optimizers.SGD(lr=0.5).update(grad_w, grad_b)] == [[-1.0], [2.0]]
