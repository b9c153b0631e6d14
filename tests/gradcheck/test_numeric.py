"""The numerical core: estimates and their error bounds, kink detection, noise."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import gradcheck
from gradcheck.defaults import BASE_STEP, LADDER_START, NUMERIC_EPS
from gradcheck.numeric.differences import central, ladder
from gradcheck.numeric.noise import (
    ECNOISE_INTERVALS,
    ECNOISE_SECOND_SPACING,
    ECNOISE_SPACING,
    Noise,
    combined,
    ecnoise,
)


def along(f, x):
    def evaluate(t):
        moved = x + t
        return float(f(moved)), moved - x

    return evaluate


def floor_noise(value):
    level = NUMERIC_EPS * abs(value)
    return Noise(level, level)


def measured_noise(f, x):
    """The noise level the checker uses: ECnoise on 8 points at two incommensurate
    spacings, the larger level, never below the floor."""
    levels = []
    for spacing in (ECNOISE_SPACING, ECNOISE_SPACING * ECNOISE_SECOND_SPACING):
        points = x + spacing * max(abs(x), 1.0) * np.arange(ECNOISE_INTERVALS + 1)
        levels.append(ecnoise(np.array([f(p) for p in points])))
    floor = NUMERIC_EPS * abs(f(x))
    return Noise(max(floor, combined(levels) or 0.0), floor)


@given(
    amplitude=st.floats(1e-3, 1e3),
    frequency=st.floats(0.1, 10.0),
    phase=st.floats(-3.0, 3.0),
    x=st.floats(-10.0, 10.0),
)
@example(amplitude=1.0, frequency=7.585167679597449, phase=-1.0, x=7.578125)  # aliasing
def test_ladder_error_estimate_bounds_the_true_error_on_smooth_functions(
    amplitude, frequency, phase, x
):
    def f(t):
        return amplitude * np.sin(frequency * t + phase)

    true = amplitude * frequency * np.cos(frequency * x + phase)
    scale = max(abs(x), 1.0)
    estimate = ladder(along(f, x), LADDER_START * scale, f(x), measured_noise(f, x))
    assert not estimate.kink
    assert abs(estimate.value - true) <= estimate.error + 1e-14 * abs(amplitude * frequency)


@given(x=st.floats(-5.0, 5.0), power=st.integers(0, 3))
def test_central_difference_is_exact_up_to_rounding_for_quadratics(x, power):
    def f(t):
        return 3.0 * t**2 - t + power

    estimate = central(along(f, x), BASE_STEP * max(abs(x), 1.0), measured_noise(f, x), f(x))
    assert abs(estimate.value - (6.0 * x - 1.0)) <= estimate.error


@pytest.mark.parametrize("offset", [0.0, 1e-14, -1e-13, 1e-12])
def test_ladder_reports_a_kink_with_both_one_sided_slopes(offset):
    def f(t):
        return max(t, 0.0) * 3.0 - min(t, 0.0)

    estimate = ladder(along(f, offset), LADDER_START, f(offset), floor_noise(1.0))
    assert estimate.kink
    assert estimate.low <= -1.0 + 1e-3 and estimate.high >= 3.0 - 1e-3


def test_ladder_sees_through_a_kink_that_only_its_coarse_steps_straddle():
    def f(t):
        return abs(t - 1e-5)

    estimate = ladder(along(f, 0.0), LADDER_START, f(0.0), floor_noise(1e-5))
    assert not estimate.kink
    assert estimate.value == pytest.approx(-1.0, abs=1e-9)


def sqrt_or_nan(t):
    return np.sqrt(t) if t >= 0 else float("nan")


@pytest.mark.parametrize("x", [1e-3, 0.1])
def test_ladder_uses_one_sided_differences_at_the_edge_of_a_domain(x):
    estimate = ladder(along(sqrt_or_nan, x), LADDER_START, sqrt_or_nan(x), floor_noise(1.0))
    assert abs(estimate.value - 0.5 / np.sqrt(x)) <= estimate.error
    assert estimate.error < 1e-6 * 0.5 / np.sqrt(x)


def test_ladder_gives_no_estimate_when_no_step_is_small_enough():
    """sqrt 1e-9 away from its domain edge: every step crosses it; claim nothing."""
    estimate = ladder(along(sqrt_or_nan, 1e-9), LADDER_START, sqrt_or_nan(1e-9), floor_noise(1.0))
    assert estimate.error == np.inf


def test_a_step_lost_to_rounding_gives_no_estimate_rather_than_an_exception():
    def f(t):
        return t * 2.0

    estimate = central(along(f, 1e6), 1e-20, floor_noise(1.0), f(1e6))
    assert np.isnan(estimate.value) and estimate.error == np.inf


def test_ecnoise_measures_the_level_of_added_noise():
    rng = np.random.default_rng(0)
    sigma = 1e-9
    values = 1.0 + 1e-3 * np.linspace(0, 1, 8) + sigma * rng.standard_normal(8)
    level = ecnoise(values)
    assert level is not None and sigma / 4 <= level <= 4 * sigma


def test_ecnoise_works_at_the_largest_magnitudes_without_overflow():
    rng = np.random.default_rng(1)
    values = 1e307 * (1.0 + 1e-12 * rng.standard_normal(8))
    level = ecnoise(values)
    assert level is not None and 1e295 / 4 <= level <= 4e295


def test_ecnoise_is_zero_for_constant_values_and_unsure_for_smooth_ones():
    assert ecnoise(np.ones(8)) == 0.0
    assert ecnoise(np.exp(np.linspace(0.0, 3.0, 8))) is None


def test_noise_never_falls_below_the_rounding_of_the_values():
    noise = Noise(0.0, 0.0)
    assert noise.at(1e10) == pytest.approx(NUMERIC_EPS * 1e10)


def test_rounding_aliased_with_the_noise_runs_spacing_is_still_measured():
    # At x0 = 7.578125 (a dyadic number) the rounding of 7.585... * x falls in step with
    # ECnoise's points at 1e-10 spacing and looks smooth (noise 5e-18 for a true 2e-15);
    # the second, incommensurate spacing sees it. The cubic term, flat at x0, makes the
    # cheap pass escalate to the ladder, whose tolerance then rests on the measured noise.
    # Hypothesis found it (with rtol=0 the check failed by 3e-12, relative).
    frequency, x0 = 7.585167679597449, 7.578125

    def forward(x):
        return np.sin(frequency * x - 1.0) + 1e3 * (x - x0) ** 3

    def backward(x, grad_output):
        return grad_output * (frequency * np.cos(frequency * x - 1.0) + 3e3 * (x - x0) ** 2)

    assert gradcheck.check(forward, backward, np.array(x0), rtol=0.0).passed


def test_ecnoise_widens_a_run_that_steps_by_a_quantum_only_once():
    # Moré and Wild's "h too small": most values equal, one rounding step among them
    # has no noise order, and must not pass for a smooth function.
    values = np.array([1.0] * 5 + [1.0 + 2.0**-52] * 3)
    assert ecnoise(values) == 0.0


def test_marginal_failures_measure_their_own_noise_within_a_budget_and_still_fail():
    """Every element off by 3e-7 fails by a few tolerances: each such failure may measure
    its coordinate's own noise, but only ``OWN_NOISE_BUDGET`` of them per check, so a
    wrong backward costs little more than its ladders (and still fails where it did)."""
    from gradcheck.verdict import probe

    x = np.linspace(0.1, 3.0, 300)

    def forward(x):
        return np.array(np.sum(np.sin(x)))

    def backward(x, grad_output):
        return grad_output * np.cos(x) * (1.0 + 3e-7)

    result = gradcheck.compare(forward, backward, x, seed=0)
    assert result.status is gradcheck.Status.FAIL and len(result.mismatches) > 250
    calls = result.calls_by_phase
    assert 0 < calls["noise"] - 64 <= probe.OWN_NOISE_BUDGET * 64 < calls["ladder"] / 4


@pytest.mark.parametrize(
    "output",
    [
        lambda y: np.array(np.sum(y**3)),  # a float64 0-d array: read inline
        lambda y: np.sum(y**3),  # a numpy scalar
        lambda y: float(np.sum(y**3)),  # a Python float
        lambda y: np.sum(y**3, keepdims=True).astype(np.float32),  # float32, shape (1,)
        lambda y: np.array(1.0 / y[0]),  # infinite where y[0] = 0: nan
        lambda y: np.array(np.sqrt(y[1])) if y[1] >= 2.0 else 1 / 0,  # raises below 2
    ],
)
def test_pairs_give_at_elements_values_whatever_forward_returns(output):
    from gradcheck.numeric.phi import Phi

    x = np.array([1e-300, 2.0, -3.0])
    base = np.asarray(output(x))
    cotangent = np.full(base.shape, 0.5)
    steps = np.array([1e-300, 1e-3, 0.25])
    pairs = Phi(output, [x], cotangent)
    plus, minus, width = pairs.pairs(0, np.arange(3), steps)
    single = Phi(output, [x], cotangent)
    for k, h in enumerate(steps):
        up, taken_up = single.at_element(0, k, float(h))
        down, taken_down = single.at_element(0, k, -float(h))
        np.testing.assert_array_equal([plus[k], minus[k]], [up, down])
        assert width[k] == taken_up - taken_down
    assert pairs.calls == single.calls == 6 and pairs.raised == single.raised
    assert np.array_equal(x, [1e-300, 2.0, -3.0])
