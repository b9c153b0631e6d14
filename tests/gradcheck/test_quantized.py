"""A forward that computes in float32 inside: its phi moves in quanta, and is never failed.

Summed in float32, phi = 50 * 1000 + sum(sin(x)**2) moves in quanta of 3.9e-3; the
ladder's steps change it by less, and read a zero slope where the gradient is not zero.
Correct code there is unverified, never failed; a wrong gradient never passes.
"""

import numpy as np
import pytest

import gradcheck
from gradcheck.result import Status, Verdict
from gradcheck.verdict.flat import quantized_slope


def offset_float32(x):
    return np.sum(1000.0 + np.sin(x.astype(np.float32)) ** 2, dtype=np.float32).astype(np.float64)


def sin_squared_float32(x):
    return np.sum(np.sin(x.astype(np.float32)) ** 2).astype(np.float64)


def backward(x, grad_output):
    return (grad_output * 2.0 * np.sin(x) * np.cos(x),)


def wrong(x, grad_output):
    return (1.01 * backward(x, grad_output)[0],)


GRID = np.linspace(-2.0, 2.0, 50)
SMALL_SLOPES_FIRST = GRID[np.argsort(np.abs(np.sin(2.0 * GRID)))]


@pytest.mark.parametrize("mode", ["full", "fast"])
@pytest.mark.parametrize(
    ("forward", "x"),
    [
        (offset_float32, np.linspace(-2.0, 2.0, 20)),
        (offset_float32, GRID),
        (offset_float32, SMALL_SLOPES_FIRST),  # the quantum is found after small slopes
    ],
    ids=["20", "50", "50, small slopes first"],
)
def test_correct_code_computing_in_float32_is_never_failed_and_wrong_code_never_passed(
    mode, forward, x
):
    right = gradcheck.compare(forward, backward, x, mode=mode)
    assert right.status is not Status.FAIL, str(right)
    assert not gradcheck.compare(forward, wrong, x, mode=mode).passed


def test_ten_thousand_float32_terms_in_fast_mode_are_unverified_not_failed():
    x = np.linspace(-2.0, 2.0, 10_000)
    result = gradcheck.compare(sin_squared_float32, backward, x, mode="fast")
    assert result.status is Status.UNVERIFIED
    assert "noise" in str(result)


def _verdict(analytic):
    nan = float("nan")
    return Verdict(
        status=Status.FAIL, analytic=analytic, numeric=0.0, tolerance=1e-9, low=nan, high=nan
    )


def _staircase(slope, quantum, kink=None):
    """phi(t) = quantum * round(slope * t / quantum), flat below ``kink`` if given."""

    def evaluate(t):
        moved = 0.0 if kink is not None and t < kink else slope * t
        return quantum * np.round(moved / quantum), t

    return evaluate


def test_quantized_slope_names_a_staircase_and_its_quantum():
    found = quantized_slope(_staircase(0.75, 1e-3), _verdict(0.75), 0.0, 1.0, np.inf)
    assert found is not None
    verdict, quantum = found
    assert verdict.status is Status.UNVERIFIED and "quanta" in verdict.reason
    assert quantum == pytest.approx(8e-3)  # 0.75 * 0.01 rounded to the quantum


@pytest.mark.parametrize(
    ("evaluate", "analytic"),
    [
        (_staircase(0.0, 1e-3), 0.75),  # flat everywhere: a dead unit given a gradient
        (_staircase(0.75, 1e-3, kink=0.0), 0.75),  # moves on one side only: a kink
        (_staircase(0.75, 1e-3), 0.1),  # moves seven times as much as predicted
        (_staircase(-0.75, 1e-3), 0.75),  # the other way
    ],
    ids=["flat", "one side", "too much", "opposite"],
)
def test_quantized_slope_leaves_the_failure_where_phi_does_not_move_as_predicted(
    evaluate, analytic
):
    assert quantized_slope(evaluate, _verdict(analytic), 0.0, 1.0, np.inf) is None
