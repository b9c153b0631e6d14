"""Correct code of 10^4 parameters passes; single-entry errors far below torch's rtol fail."""

import numpy as np
import pytest

import gradcheck
from gradcheck import Status
from tests.gradcheck.networks import mlp, with_wrong_entry

WRONG = (0, (3, 17))  # W1[3, 17]


@pytest.fixture(scope="module", params=["tanh", "relu"])
def network(request):
    # The smooth network on a batch of 16: 10^4 tanh parameters at a quarter of the
    # forward cost (tanh dominates it); the relu network keeps 64 rows, more kinks.
    batch = 16 if request.param == "tanh" else 64
    return request.param, *mlp(request.param, batch=batch)


def test_network_of_10_000_parameters_has_that_many(network):
    _, _, _, params = network
    assert sum(p.size for p in params) == 10_405


def test_correct_network_passes_full_mode_in_2n_forward_calls(network):
    _, forward, backward, params = network
    result = gradcheck.check(forward, backward, *params, mode="full")
    n = sum(p.size for p in params)
    assert result.mode == "full"
    # 2 per element, plus the contract checks and phi(0): no escalation for correct code.
    assert 2 * n <= result.forward_calls <= 2 * n + 10


def test_single_entry_wrong_by_tiny_factor_fails_full_mode_and_is_named(network):
    activation, forward, backward, params = network
    factor = 1 + (1e-6 if activation == "tanh" else 1e-5)
    wrong = with_wrong_entry(backward, *WRONG, factor)
    result = gradcheck.compare(forward, wrong, *params, mode="full")
    assert not result.passed
    assert [f.where for f in result.mismatches] == ["W1[3, 17]"]


def test_correct_network_passes_fast_mode_in_twelve_calls_with_stated_guarantees(network):
    _, forward, backward, params = network
    result = gradcheck.check(forward, backward, *params, mode="fast")
    assert result.mode == "fast"
    assert result.forward_calls <= 2 + 12  # the contract's two, two or three directions
    assert result.backward_calls <= 3 + 1  # the contract's three, the gradient
    assert result.sensitivity <= 1e-5  # a single entry wrong by 1 + 1e-5: caught for certain
    assert result.miss_probability is not None and result.miss_probability < 1e-3


def test_single_entry_wrong_by_1e_5_fails_fast_mode(network):
    _, forward, backward, params = network
    wrong = with_wrong_entry(backward, *WRONG, 1 + 1e-5)
    result = gradcheck.compare(forward, wrong, *params, mode="fast")
    assert [f.where for f in result.mismatches if f.location is not None] == ["W1[3, 17]"]


def test_single_entry_wrong_by_1e_4_fails_fast_mode_and_bisection_names_it(network):
    _, forward, backward, params = network
    wrong = with_wrong_entry(backward, *WRONG, 1 + 1e-4)
    result = gradcheck.compare(forward, wrong, *params, mode="fast")
    assert not result.passed
    named = [f.where for f in result.mismatches if f.location is not None]
    assert named == ["W1[3, 17]"]
    assert result.forward_calls < 0.2 * sum(p.size for p in params)


def test_fast_mode_names_several_wrong_entries():
    forward, backward, params = mlp("tanh", hidden=100)

    def wrong(*arguments):
        grads = [g.copy() for g in backward(*arguments)]
        grads[0][1, 2] *= 1.01
        grads[2][50, 3] *= 0.99
        return tuple(grads)

    result = gradcheck.compare(forward, wrong, *params, mode="fast")
    named = {f.where for f in result.mismatches if f.location is not None}
    assert named == {"W1[1, 2]", "W2[50, 3]"}


def test_fast_mode_is_deterministic_for_a_seed():
    forward, backward, params = mlp("tanh", hidden=50)
    first = gradcheck.compare(forward, backward, *params, mode="fast", seed=3)
    second = gradcheck.compare(forward, backward, *params, mode="fast", seed=3)
    assert first.miss_probability == second.miss_probability
    assert first.forward_calls == second.forward_calls
    assert [f.verdict for f in first.worst] == [f.verdict for f in second.worst]


def test_auto_mode_is_full_for_small_inputs_and_fast_for_large():
    def forward(x):
        return np.sum(np.sin(x))

    def backward(x, g):
        return g * np.cos(x)

    assert gradcheck.check(forward, backward, np.ones(100)).mode == "full"
    assert gradcheck.check(forward, backward, np.ones(5000)).mode == "fast"
    assert gradcheck.check(forward, backward, np.ones(5000), mode="full").mode == "full"


def test_fast_mode_with_elements_on_declared_kinks():
    class Relu:
        def forward(self, x):
            return np.maximum(x, 0.0)

        def backward(self, x, g):
            return g * (x > 0)

        def kink_distance(self, x):
            return np.abs(x)

    x = np.random.default_rng(1).standard_normal(6000)
    x[::7] = 0.0
    relu = Relu()
    result = gradcheck.check(relu.forward, relu.backward, x, mode="fast")
    at_kinks = {location.index[0] for location in result.at_kinks}
    zeros = set(np.flatnonzero(x == 0.0).tolist())
    assert at_kinks <= zeros
    # A zero whose random grad_output is tiny shows no visible kink: judged smooth.
    assert len(at_kinks) >= 0.99 * len(zeros)


NEAR_KINKS = np.array([0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6, 1e-3, -1e-3, 1.5, -2.0])


def test_fast_mode_judges_elements_near_declared_kinks_alone_and_passes_them():
    def kinks(x):
        return (np.abs(x),)

    result = gradcheck.compare(
        lambda x: np.maximum(x, 0.0),
        lambda x, g: (g * (x > 0),),
        NEAR_KINKS,
        mode="fast",
        kink_distance=kinks,
    )
    assert result.status is Status.PASS, str(result)
    assert result.checked == 9 and result.directions >= 1  # 1.5 and -2.0 by direction
    wrong = gradcheck.compare(
        lambda x: np.maximum(x, 0.0),
        lambda x, g: (g * (x > -1e-6),),
        NEAR_KINKS,
        mode="fast",
        kink_distance=kinks,
    )
    assert [str(f.where) for f in wrong.mismatches] == ["x[4]"]  # slope 1 at -1e-9


def test_a_direction_whose_steps_cross_declared_kinks_is_unverified_not_failed(monkeypatch):
    from gradcheck.verdict import fast

    # Without judging the near elements alone, every direction's steps are capped
    # below 1e-12: the ladder reads one-sided slopes across the other kinks.
    monkeypatch.setattr(fast, "alone_elements", lambda plan: plan.flat(plan.on_kink))
    result = gradcheck.compare(
        lambda x: np.maximum(x, 0.0),
        lambda x, g: (g * (x > 0),),
        NEAR_KINKS,
        mode="fast",
        kink_distance=lambda x: (np.abs(x),),
    )
    assert result.status is Status.UNVERIFIED, str(result)
    assert "cross declared kinks" in result.unverified[0].verdict.reason


def test_banded_directions_move_every_element_by_a_bounded_amount():
    from gradcheck.numeric.phi import band_norm, banded_direction

    scales = [np.full((30, 40), 2.0), np.full(7, 0.5)]
    support = [np.ones((30, 40), dtype=bool), np.arange(7) < 4]
    direction = banded_direction(scales, np.random.default_rng(3), support)
    norm = band_norm(30 * 40 + 4)
    moved = np.concatenate([np.abs(direction[0] / 2.0).ravel(), np.abs(direction[1][:4] / 0.5)])
    assert np.all(moved >= 1.0 / norm) and np.all(moved <= 2.0 / norm)
    assert np.all(direction[1][4:] == 0.0)
    assert (
        abs(sum(float(np.sum((d / s) ** 2)) for d, s in zip(direction, scales, strict=True)) - 1)
        < 0.1
    )


def test_calls_by_phase_add_up_and_an_escalated_check_says_where_they_went(network):
    _, forward, backward, params = network
    passed = gradcheck.check(forward, backward, *params, mode="fast")
    assert set(passed.calls_by_phase) == {"contract", "cheap pass"}  # no ladder, no noise
    wrong = with_wrong_entry(backward, *WRONG, 1 + 1e-4)
    failed = gradcheck.compare(forward, wrong, *params, mode="fast")
    assert sum(failed.calls_by_phase.values()) == failed.forward_calls
    assert failed.calls_by_phase["bisection"] > 0 and failed.calls_by_phase["ladder"] > 0
    assert f"bisection {failed.calls_by_phase['bisection']}" in str(failed)


def test_the_vectorised_cheap_pass_gives_the_element_wise_verdicts(monkeypatch):
    from gradcheck.verdict import full
    from gradcheck.verdict.outcome import CheapPasses

    forward, backward, params = mlp("tanh", hidden=20)
    together = gradcheck.compare(forward, backward, *params, mode="full")
    no_pass = lambda *arguments: CheapPasses.join([])  # noqa: E731
    monkeypatch.setattr(full, "cheap_pass", no_pass)  # every element alone
    alone = gradcheck.compare(forward, backward, *params, mode="full")
    assert together.passed and alone.passed
    for mine, theirs in zip(
        together.numeric + together.tolerances, alone.numeric + alone.tolerances, strict=True
    ):
        np.testing.assert_array_equal(mine, theirs)
    assert together.forward_calls == alone.forward_calls
    assert together.calls_by_phase == alone.calls_by_phase
    summarised = ("max_abs_error", "max_abs_error_at", "max_rel_error", "max_rel_error_at")
    summarised += ("sensitivity", "sensitivity_at", "checked", "worst")
    for name in summarised:
        assert getattr(together, name) == getattr(alone, name), name


def test_fast_mode_checks_a_zero_dimensional_input():
    right = gradcheck.compare(
        lambda x: x**3, lambda x, g: (3 * x**2 * g,), np.array(0.5), mode="fast"
    )
    wrong = gradcheck.compare(
        lambda x: x**3, lambda x, g: (2 * x**2 * g,), np.array(0.5), mode="fast"
    )
    assert right.status is Status.PASS and wrong.status is Status.FAIL
