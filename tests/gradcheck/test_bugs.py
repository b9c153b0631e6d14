"""The seeds' published backward bugs and the classic ones: caught, named, diagnosed.

Each bug sits next to its correct version, which must pass. The seeds' bugs live in
:mod:`nets.planted`, as the seeds write them.
"""

import numpy as np
import pytest

import gradcheck
from gradcheck import Status
from nets.planted import (
    PUBLISHED,
    celsius_backward,
    celsius_backward_published,
    celsius_loss,
    max_backward,
    max_backward_published,
    neuron,
    neuron_backward,
    neuron_backward_published,
    perceptron_backward,
    perceptron_backward_published,
    perceptron_loss,
    quotient,
    quotient_backward,
    quotient_backward_published,
)

NEURON_POINT = PUBLISHED[2].point
QUOTIENT_POINT = PUBLISHED[3].point
TIED = PUBLISHED[4].point
PERCEPTRON_POINT = PUBLISHED[1].point


def test_every_published_bug_is_caught_and_its_fix_passes():
    for published in PUBLISHED:
        result = gradcheck.compare(published.forward, published.backward, *published.point)
        assert result.status is Status.FAIL, published.title
        gradcheck.check(published.forward, published.fixed, *published.point)


# --- seed 003: Karpathy's sigmoid neuron, dq = q * (1 - q) * df -----------------------


def test_seed_003_neuron_bug_is_caught_with_one_shared_wrong_factor():
    result = gradcheck.compare(neuron, neuron_backward_published, *NEURON_POINT)
    assert len(result.mismatches) == 5
    assert "one wrong factor shared by all" in result.hint


def test_seed_003_neuron_fixed_passes_and_matches_the_article():
    result = gradcheck.check(neuron, neuron_backward, *NEURON_POINT)
    # The article: f = 0.8808 at this point, so dq = f(1-f) = 0.105.
    np.testing.assert_allclose(
        [g.item() for g in result.analytic],
        [-0.104993, 0.314980, 0.104993, 0.104993, 0.209987],
        atol=1e-6,
    )


# --- seed 003: (a + b) / (c + d), db assigned where dd was meant ---------------------


def test_seed_003_division_bug_is_caught_at_b_and_d():
    result = gradcheck.compare(quotient, quotient_backward_published, *QUOTIENT_POINT)
    assert {f.where for f in result.mismatches} == {"b", "d"}


def test_seed_003_division_fixed_passes():
    gradcheck.check(quotient, quotient_backward, *QUOTIENT_POINT)


# --- seed 003: max sends grad_output to both inputs when they tie -------------------


def test_max_routing_a_tie_to_one_input_passes():
    result = gradcheck.check(np.maximum, max_backward, *TIED)
    assert len(result.at_kinks) == 4


def test_seed_003_max_sending_a_tie_to_both_inputs_fails_jointly():
    """Each coordinate alone is a valid subgradient; together they are not."""
    result = gradcheck.compare(np.maximum, max_backward_published, *TIED)
    assert result.status is Status.FAIL
    assert [f.where for f in result.mismatches] == ["jointly over x1[0], x1[2], x2[0], x2[2]"]
    assert "tie sent to every tied input" in result.hint
    with pytest.raises(gradcheck.GradientMismatch, match="jointly over"):
        gradcheck.check(np.maximum, max_backward_published, *TIED)


def test_max_away_from_ties_is_right_even_as_published():
    gradcheck.check(np.maximum, max_backward_published, np.array([1.0, 2.0]), np.array([0.5, 3.0]))


# --- seed 000: the Celsius neuron; the weight gradient multiplies by the prediction ---


@pytest.mark.parametrize(("weight", "bias"), [(0.8, 0.1), (1.5, 20.0), (-3.0, 40.0)])
def test_seed_000_weight_gradient_bug_is_caught_at_the_weight(weight, bias):
    result = gradcheck.compare(
        celsius_loss, celsius_backward_published, np.array(weight), np.array(bias)
    )
    assert [f.where for f in result.mismatches] == ["weight"]


@pytest.mark.parametrize(("weight", "bias"), [(0.8, 0.1), (1.79, 32.1), (-3.0, 40.0)])
def test_seed_000_fixed_passes_including_next_to_the_optimum(weight, bias):
    gradcheck.check(celsius_loss, celsius_backward, np.array(weight), np.array(bias))


def test_seed_000_exactly_at_the_optimum_is_not_verified_never_failed():
    """There the gradient is rounding noise (1e-13): no error could be told from it."""
    result = gradcheck.compare(celsius_loss, celsius_backward, np.array(1.8), np.array(32.0))
    assert result.status is Status.UNVERIFIED and result.mismatches == ()
    assert "derivative's scale" in result.unverified[0].verdict.reason


# --- seed 001 part 1: the perceptron applies sigmoid' to an already squashed value ----


def test_seed_001_perceptron_squashed_twice_is_caught():
    result = gradcheck.compare(perceptron_loss, perceptron_backward_published, *PERCEPTRON_POINT)
    assert {f.where for f in result.mismatches} == {
        "weights[0, 0]",
        "weights[1, 0]",
        "weights[2, 0]",
        "bias",
    }
    assert "activation derivative applied to the wrong value" in result.hint


def test_seed_001_perceptron_fixed_passes():
    gradcheck.check(perceptron_loss, perceptron_backward, *PERCEPTRON_POINT)


# --- softmax whose backward keeps only the diagonal of the Jacobian -------------------


def softmax(s):
    e = np.exp(s - s.max())
    return e / e.sum()


def softmax_backward_diagonal(s, grad_output):
    p = softmax(s)
    return grad_output * p * (1 - p)


def softmax_backward(s, grad_output):
    p = softmax(s)
    return p * (grad_output - np.dot(grad_output, p))


def test_softmax_diagonal_only_backward_is_caught():
    result = gradcheck.compare(softmax, softmax_backward_diagonal, np.array([0.5, -1.0, 2.0]))
    assert not result.passed
    assert result.random_grad_output


def test_softmax_full_jacobian_backward_passes():
    gradcheck.check(softmax, softmax_backward, np.array([0.5, -1.0, 2.0, 5.0, -5.0]))


def test_saturated_softmax_is_not_verified_never_failed():
    """At logits of +-300 every derivative is about 1e-131, far below phi's rounding."""
    result = gradcheck.compare(softmax, softmax_backward, np.array([0.5, -1.0, 2.0, 300.0, -300.0]))
    assert result.status is Status.UNVERIFIED and result.mismatches == ()
    assert "rounding noise" in result.unverified[0].verdict.reason


# --- the classics -----------------------------------------------------------------------

X = np.random.default_rng(7).standard_normal((8, 4))
T = np.random.default_rng(8).standard_normal((8, 4))


def linear_loss(W, b):
    return 0.5 * np.sum((X @ W + b - T) ** 2)


def linear_backward(W, b, g):
    r = (X @ W + b - T) * g
    return X.T @ r, r.sum(axis=0)


W0, B0 = np.random.default_rng(9).standard_normal((4, 4)), np.zeros(4)


def test_correct_linear_layer_passes():
    gradcheck.check(linear_loss, linear_backward, W0, B0)


def test_sign_flip_is_caught_and_named():
    def backward(W, b, g):
        return tuple(-x for x in linear_backward(W, b, g))

    result = gradcheck.compare(linear_loss, backward, W0, B0)
    assert result.hint.startswith("sign flip")


def test_factor_two_is_caught_and_named():
    def backward(W, b, g):
        return tuple(2 * x for x in linear_backward(W, b, g))

    result = gradcheck.compare(linear_loss, backward, W0, B0)
    assert "factor 2" in result.hint


def test_transposed_weight_gradient_on_a_square_matrix_is_caught_and_named():
    def backward(W, b, g):
        dW, db = linear_backward(W, b, g)
        return dW.T, db

    result = gradcheck.compare(linear_loss, backward, W0, B0)
    assert "transposed" in result.hint
    assert all(f.where.startswith("W") for f in result.mismatches)


def test_mean_versus_sum_over_the_batch_is_caught_and_named():
    def mean_loss(W, b):
        return linear_loss(W, b) / len(X)

    result = gradcheck.compare(mean_loss, linear_backward, W0, B0)
    assert "factor 8" in result.hint and "batch has 8 samples" in result.hint


def test_swapped_inputs_are_caught_and_named():
    def product(a, b):
        return np.sum(np.sin(a) * b)

    def backward(a, b, g):
        return g * np.sin(a), g * np.cos(a) * b  # each input gets the other's gradient

    a, b = np.array([0.3, 1.2]), np.array([0.7, -0.4])
    result = gradcheck.compare(product, backward, a, b)
    assert "swapped" in result.hint


def square_by_fan_out(a):
    return a * a


def test_missing_accumulation_for_a_times_a_is_caught_and_named():
    def backward(a, dx):
        da = a * dx  # the first branch ...
        return da  # ... and "da += a * dx" forgotten

    result = gradcheck.compare(square_by_fan_out, backward, np.array([1.5, -2.0]))
    assert "factor 1/2" in result.hint and "fan-out" in result.hint


def test_accumulated_fan_out_for_a_times_a_passes():
    def backward(a, dx):
        da = a * dx
        da = da + a * dx
        return da

    gradcheck.check(square_by_fan_out, backward, np.array([1.5, -2.0, 0.0]))


def test_wrong_activation_derivative_is_caught():
    def backward(x, g):
        return g * (1 - x**2)  # tanh' written in terms of the input, not the output

    result = gradcheck.compare(np.tanh, backward, np.array([0.3, -1.2, 2.0]))
    assert not result.passed
    assert "not by one common factor" in result.hint


def test_relu_derivative_of_the_wrong_side_is_caught():
    def backward(x, g):
        return g * (x < 0)

    assert not gradcheck.compare(lambda x: np.maximum(x, 0), backward, np.array([0.5, -0.5])).passed
