"""The per-element plan and the moved work arrays: shortcuts that give the same numbers."""

import numpy as np
import pytest

import gradcheck
from gradcheck.numeric.phi import Phi, banded_direction
from gradcheck.verdict.plan import CheckPlan
from tests.bits import same_bits

#: Magnitudes where a step could come near the rounding of x: zero, subnormal, huge.
EXTREMES = np.array([0.0, -0.0, 5e-324, -1e-310, 1e-16, -1.0, 3.5, 1e15, -1e300, 1.7e308])


def _plan(inputs, distances, gradients):
    return CheckPlan.build(inputs, distances, gradients, lambda: [], 1)


def test_without_declared_kinks_the_steps_and_kink_flags_are_the_declared_formulas():
    """A finite distance on an extra input takes the general path for every input."""
    inputs = [EXTREMES, EXTREMES.reshape(2, 5)[::-1]]
    gradients = [np.linspace(-1.0, 1.0, 10), np.ones((2, 5))]
    none = _plan(inputs, [np.full(x.shape, np.inf) for x in inputs], gradients)
    extra = [np.array([2.0])]
    declared = _plan(
        [*inputs, extra[0]],
        [*(np.full(x.shape, np.inf) for x in inputs), np.array([1.0])],
        [*gradients, np.ones(1)],
    )
    assert not none.declares_kinks and declared.declares_kinks
    for which in range(2):
        assert np.array_equal(none.steps[which], declared.steps[which])
        assert np.array_equal(none.on_kink[which], declared.on_kink[which])
        assert not none.on_kink[which].any()


def test_an_input_with_a_zero_gradient_takes_the_whole_gradients_scale():
    gradients = [np.array([3.0, -4.0]), np.zeros(3)]
    inputs = [np.ones(2), np.ones(3)]
    plan = _plan(inputs, [np.full(2, np.inf), np.full(3, np.inf)], gradients)
    assert plan.typical[0] == pytest.approx(np.sqrt(12.5))
    assert plan.typical[1] == pytest.approx(np.sqrt(25.0 / 5.0))


def _cubic(x, y):
    return np.array(np.sum(x**3) + np.sum(np.sin(y)))


def test_after_a_point_along_a_direction_every_other_evaluation_is_at_the_inputs():
    """along leaves its point in the work arrays; what reads them next restores them."""
    x, y = np.array([0.5, -1.25, 2.0]), np.array([[0.1, 0.2], [0.3, 0.4]])
    direction = [np.array([1.0, 2.0, -1.0]), np.full((2, 2), 0.5)]
    fresh, moved = Phi(_cubic, [x, y], np.array(1.0)), Phi(_cubic, [x, y], np.array(1.0))
    assert moved.along(direction, 0.01)[0] == float(_cubic(x + 0.01 * direction[0], y + 0.005))
    assert moved.at_element(0, 1, 1e-3) == fresh.at_element(0, 1, 1e-3)
    moved.along(direction, 0.02)
    steps = np.array([1e-3, 2e-3])
    pairs = moved.pairs(1, np.array([0, 3]), steps), fresh.pairs(1, np.array([0, 3]), steps)
    assert all(np.array_equal(a, b) for a, b in zip(*pairs, strict=True))
    moved.along(direction, 0.03)
    assert moved.base() == fresh.base() == float(_cubic(x, y))
    moved.along(direction, 0.04)
    moved.verify_untouched()  # the moved point is not a mutation by forward


def test_a_direction_over_every_element_is_the_one_masked_to_all_of_them():
    scales = [np.abs(EXTREMES) + 1.0, np.full((3, 2), 2.0)]
    everything = [np.ones(s.shape, dtype=bool) for s in scales]
    masked = banded_direction(scales, np.random.default_rng(7), everything)
    unmasked = banded_direction(scales, np.random.default_rng(7))
    assert all(same_bits(a, b) for a, b in zip(masked, unmasked, strict=True))


def test_fast_mode_catches_a_wrong_entry_with_and_without_elements_judged_alone():
    """All elements in the directions (no masks), and some alone at a declared kink."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(400)

    def forward(x):
        return np.array(np.sum(np.maximum(x, 0.0) ** 2))

    def wrong(x, g):
        grad = 2.0 * np.maximum(x, 0.0) * g
        grad[17] *= 1.0 + 1e-3
        return (grad,)

    x[17] = abs(x[17]) + 0.5  # the wrong entry off the kink
    kinks = {"none": None, "relu": lambda x: np.abs(x)}
    for name, kink in kinks.items():
        result = gradcheck.compare(forward, wrong, x, mode="fast", kink_distance=kink)
        assert result.status is gradcheck.Status.FAIL, name
        assert "[17]" in str(result), name
