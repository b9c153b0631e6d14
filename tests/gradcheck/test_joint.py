"""Kinks and ties judged jointly: routed, shared and balanced subgradients pass, a tie's
gradient sent to every tied input fails (seed 003's max, the naive max-pool backward)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcheck
from gradcheck import Status
from nets import gates

ONES, ZEROS = np.ones(3), np.zeros(3)


def routed_max(a, b, g):
    first = a >= b
    return g * first, g * ~first


def shared_max(a, b, g):
    tie = a == b
    return g * np.where(tie, 0.5, a > b), g * np.where(tie, 0.5, b > a)


def naive_max(a, b, g):
    top = np.maximum(a, b)
    return g * (a == top), g * (b == top)


def negative_max(a, b):
    return -np.maximum(a, b)


def max3(a, b, c):
    return np.maximum(np.maximum(a, b), c)


def routed_max3(a, b, c, g):
    first = (a >= b) & (a >= c)
    second = ~first & (b >= c)
    return g * first, g * second, g * (~first & ~second)


def naive_max3(a, b, c, g):
    top = max3(a, b, c)
    return g * (a == top), g * (b == top), g * (c == top)


def abs_gap(a, b):
    return np.abs(a - b)


def abs_gap_backward(a, b, g):
    sign = np.where(a >= b, 1.0, -1.0)
    return g * sign, -g * sign


def relu_of_max(a, b):
    return 2.0 * np.maximum(np.maximum(a, b), 0.0)


def relu_of_max_backward(a, b, g):
    active = 2.0 * g * (np.maximum(a, b) >= 0)
    first = a >= b
    return active * first, active * ~first


def balanced(x, y):
    return np.sum(np.maximum(x, 0.0) - np.maximum(2.0 * y, 0.0))


def balanced_backward(x, y, g):
    return g * (x >= 0), -2.0 * g * (y >= 0)


SAMPLES = np.array([1.0, -2.0, 0.5, -0.25])


def relu_sum(w):
    return np.sum(np.maximum(w * SAMPLES, 0.0))


def relu_sum_backward(w, g):
    return g * np.sum(SAMPLES * (w * SAMPLES >= 0))


CORRECT = {
    "max routed to one": (np.maximum, routed_max, (ONES, ONES)),
    "max shared evenly": (np.maximum, shared_max, (ONES, ONES)),
    "-max routed": (negative_max, lambda a, b, g: routed_max(a, b, -g), (ONES, ONES)),
    "max of three routed": (max3, routed_max3, (ONES, ONES, ONES)),
    "|a - b|": (abs_gap, abs_gap_backward, (ONES, ONES)),
    "2 relu(max(a, b))": (relu_of_max, relu_of_max_backward, (ZEROS, ZEROS)),
    "relu(x) - relu(2y), balanced": (balanced, balanced_backward, (ZEROS, ZEROS)),
    "sum of relu(w x_s) at w = 0": (relu_sum, relu_sum_backward, (np.array(0.0),)),
}

WRONG = {
    "max sent to both": (np.maximum, naive_max, (ONES, ONES)),
    "-max sent to both": (negative_max, lambda a, b, g: naive_max(a, b, -g), (ONES, ONES)),
    "max of three sent to all": (max3, naive_max3, (ONES, ONES, ONES)),
}


@pytest.mark.parametrize("case", CORRECT, ids=list(CORRECT))
def test_valid_subgradients_at_ties_and_kinks_pass_jointly(case):
    forward, backward, inputs = CORRECT[case]
    gradcheck.check(forward, backward, *inputs)


@pytest.mark.parametrize("case", WRONG, ids=list(WRONG))
def test_a_tie_sent_to_every_tied_input_fails_jointly(case):
    forward, backward, inputs = WRONG[case]
    result = gradcheck.compare(forward, backward, *inputs)
    assert result.status is Status.FAIL
    assert all(f.where.startswith("jointly over") for f in result.mismatches)
    assert "tie" in result.hint


def max_pool(image):
    """2x2 max pooling of a 4x4 image."""
    return image.reshape(2, 2, 2, 2).max(axis=(1, 3))


def max_pool_naive_backward(image, grad_output):
    """The classic: the window's gradient to every position equal to its maximum."""
    windows = image.reshape(2, 2, 2, 2)
    top = windows.max(axis=(1, 3), keepdims=True)
    return ((windows == top) * grad_output[:, None, :, None]).reshape(4, 4)


def max_pool_backward(image, grad_output):
    """The gradient to the first maximum of each window."""
    windows = image.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)
    first = np.argmax(windows, axis=2)
    routed = np.zeros_like(windows)
    np.put_along_axis(routed, first[..., None], grad_output[..., None], axis=2)
    return routed.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)


QUANTIZED = np.array([[1, 1, 0, 2], [0, 1, 2, 2], [3, 0, 1, 0], [3, 3, 0, 1]], dtype=float)


def test_the_naive_max_pool_backward_fails_on_a_quantized_image():
    result = gradcheck.compare(max_pool, max_pool_naive_backward, QUANTIZED)
    assert result.status is Status.FAIL
    assert result.mismatches[0].where.startswith("jointly over image[")


def test_max_pool_routed_to_the_first_maximum_passes_on_a_quantized_image():
    result = gradcheck.check(max_pool, max_pool_backward, QUANTIZED)
    assert result.at_kinks


def test_no_kinks_cost_no_joint_calls():
    x = np.linspace(-1, 1, 6)
    result = gradcheck.check(np.sin, lambda x, g: g * np.cos(x), x)
    assert result.forward_calls == 2 * x.size + 2  # contract checks (phi(0) reused)


@given(
    hnp.arrays(
        np.float64,
        (3, 4),
        elements=st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0]),  # many ties
    ),
    st.sampled_from([routed_max, shared_max]),
)
def test_routed_and_shared_max_never_fail_on_tied_grids(grid, backward):
    a, b = grid[:, :2], grid[:, 2:]
    result = gradcheck.compare(np.maximum, backward, a, b)
    assert result.mismatches == (), str(result)


@given(hnp.arrays(np.float64, (4, 4), elements=st.sampled_from([0.0, 1.0, 2.0, 3.0])))
def test_routed_max_pool_never_fails_on_quantized_images(image):
    assert gradcheck.compare(max_pool, max_pool_backward, image).mismatches == ()


@pytest.mark.parametrize("a", [[0.0, 1e-15], [1e-15, 0.0]])
def test_a_tiny_broadcast_input_tied_with_one_and_near_another_passes_routed(a):
    """Found by the thorough profile: b = 1e-15 ties one element of a and sits 1e-15 from
    the other. Its kink is resolved at its own size, so the joint check, whose points are
    displaced by 1e-6, is not applied there (a naive backward is then not caught)."""
    gradcheck.check(gates.maximum.forward, gates.maximum.backward, np.array(a), np.array(1e-15))
