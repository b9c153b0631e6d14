"""Bad inputs and broken forward/backward pairs get named errors, never a verdict."""

import warnings

import numpy as np
import pytest

import gradcheck
from gradcheck import (
    BackwardContractError,
    BackwardLinearityError,
    ForwardContractError,
    ForwardError,
    InvalidInputError,
    NondeterminismError,
    PrecisionWarning,
)


def square(x):
    return x**2


def square_backward(x, grad_output):
    return 2.0 * x * grad_output


def loss(x):
    return np.sum(x**2)


def test_error_classes_are_type_or_value_errors_and_never_a_mismatch():
    for cls in (InvalidInputError, ForwardError, NondeterminismError):
        assert issubclass(cls, ValueError)
    for cls in (ForwardContractError, BackwardContractError, BackwardLinearityError):
        assert issubclass(cls, TypeError)
    for cls in (
        InvalidInputError,
        ForwardError,
        NondeterminismError,
        ForwardContractError,
        BackwardContractError,
        BackwardLinearityError,
    ):
        assert not issubclass(cls, AssertionError)
    assert issubclass(gradcheck.GradientMismatch, AssertionError)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (np.array([1, 2]), "integer"),
        (np.array([True, False]), "boolean"),
        (np.array([1.0, np.nan]), "finite"),
        (np.array([np.inf]), "finite"),
        (np.array([], dtype=float), "empty"),
        (np.array([1j]), "complex"),
        (np.array(["a"]), "floating"),
        ([[1.0, 2.0], [3.0]], "not an array"),
    ],
)
def test_bad_inputs_raise_invalid_input_error_naming_the_problem(value, words):
    with pytest.raises(InvalidInputError, match=words):
        gradcheck.check(square, square_backward, value)


def test_correct_float_inputs_of_all_shapes_pass():
    for value in (2.5, np.array(2.5), np.ones(3), np.ones((2, 3)), np.ones((1, 2, 1))):
        gradcheck.check(square, square_backward, value)


def test_no_inputs_raise():
    with pytest.raises(InvalidInputError, match="no inputs"):
        gradcheck.check(square, square_backward)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"mode": "quick"}, "mode"),
        ({"atol": -1.0}, "atol"),
        ({"rtol": float("nan")}, "rtol"),
        ({"seed": 1.5}, "seed"),
        ({"names": ["a", "b"]}, "names"),
    ],
)
def test_bad_options_raise_invalid_input_error(options, words):
    with pytest.raises(InvalidInputError, match=words):
        gradcheck.check(square, square_backward, np.ones(2), **options)


def test_non_callable_forward_raises():
    with pytest.raises(InvalidInputError, match="callable"):
        gradcheck.check(np.ones(2), square_backward, np.ones(2))


def test_backward_returning_the_wrong_number_of_gradients_raises():
    with pytest.raises(BackwardContractError, match="2 gradients for 1 inputs"):
        gradcheck.check(square, lambda x, g: (2 * x * g, x), np.ones(2))
    with pytest.raises(BackwardContractError, match="single array for 2 inputs"):
        gradcheck.check(np.multiply, lambda a, b, g: g * b, np.ones(2), np.ones(2))


def test_backward_returning_none_raises():
    with pytest.raises(BackwardContractError, match="returned None"):
        gradcheck.check(square, lambda x, g: None, np.ones(2))
    with pytest.raises(BackwardContractError, match="None for input 'b'"):
        gradcheck.check(
            np.multiply, lambda a, b, g: (g * b, None), np.ones(2), np.ones(2), names=["a", "b"]
        )


def test_backward_with_a_gradient_not_summed_over_broadcast_axes_raises_with_advice():
    def forward(W, b):
        return W + b

    def backward(W, b, grad_output):
        return grad_output, grad_output  # b's gradient not summed over axis 0

    with pytest.raises(BackwardContractError, match=r"shape \(3, 2\).*sum the gradient"):
        gradcheck.check(forward, backward, np.ones((3, 2)), np.ones(2))


def test_backward_with_non_finite_or_non_numeric_gradients_raises():
    with pytest.raises(BackwardContractError, match="nan"):
        gradcheck.check(square, lambda x, g: np.full_like(x, np.nan), np.ones(2))
    with pytest.raises(BackwardContractError, match="dtype"):
        gradcheck.check(square, lambda x, g: np.array(["a", "b"]), np.ones(2))


def test_backward_that_raises_is_wrapped_with_its_cause():
    def backward(x, grad_output):
        raise KeyError("oops")

    with pytest.raises(BackwardContractError, match="KeyError") as info:
        gradcheck.check(square, backward, np.ones(2))
    assert isinstance(info.value.__cause__, KeyError)


def test_forward_that_raises_gives_forward_error_with_its_cause():
    def forward(x):
        raise RuntimeError("boom")

    with pytest.raises(ForwardError, match="boom") as info:
        gradcheck.check(forward, square_backward, np.ones(2))
    assert isinstance(info.value.__cause__, RuntimeError)


def test_forward_that_mutates_its_input_raises():
    def forward(x):
        x *= 2.0
        return x**2

    with pytest.raises(ForwardContractError, match="in place"):
        gradcheck.check(forward, square_backward, np.ones(2))


def test_backward_that_mutates_grad_output_or_an_input_raises():
    def mutates_grad(x, grad_output):
        grad_output *= 2.0 * x
        return grad_output

    def mutates_input(x, grad_output):
        x *= 2.0
        return x * grad_output

    with pytest.raises(BackwardContractError, match="grad_output in place"):
        gradcheck.check(square, mutates_grad, np.ones(3))
    with pytest.raises(BackwardContractError, match="input 'x' in place"):
        gradcheck.check(square, mutates_input, np.ones(3))


@pytest.mark.parametrize(
    ("forward", "words"),
    [
        (lambda x: None, "None"),
        (lambda x: np.array([1, 2]), "dtype"),
        (lambda x: x / 0.0, "domain"),
        (lambda x: np.zeros(0), "empty"),
    ],
)
def test_forward_returning_unusable_values_raises(forward, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ForwardContractError, match=words):
            gradcheck.check(forward, square_backward, np.ones(2))


def test_forward_whose_output_shape_depends_on_values_raises():
    def forward(x):
        return x[x > 0.999999]

    with pytest.raises(ForwardContractError, match="shape"):
        gradcheck.check(forward, lambda x, g: np.zeros_like(x), np.ones(2))


def test_nondeterministic_forward_raises():
    rng = np.random.default_rng(0)

    def forward(x):
        return x * (rng.random(x.shape) > 0.5)  # dropout

    with pytest.raises(NondeterminismError, match="forward"):
        gradcheck.check(forward, square_backward, np.ones(4))


def test_backward_accumulating_state_raises_nondeterminism():
    state = {"grad": 0.0}

    def backward(x, grad_output):
        state["grad"] = state["grad"] + 2.0 * x * grad_output
        return state["grad"]

    with pytest.raises(NondeterminismError, match="accumulate"):
        gradcheck.check(loss, backward, np.ones(2))


def test_backward_ignoring_grad_output_raises_linearity_error():
    """With a scalar output and grad_output = 1, finite differences cannot see this."""
    with pytest.raises(BackwardLinearityError, match="linear in grad_output"):
        gradcheck.check(loss, lambda x, g: 2.0 * x, np.array([1.0, -2.0]))


def test_backward_with_a_term_not_multiplied_by_grad_output_raises():
    def backward(x, grad_output):
        return 2.0 * x * grad_output + 0.1

    with pytest.raises(BackwardLinearityError, match="grad_output = 0"):
        gradcheck.check(square, backward, np.ones(3))


def test_backward_using_the_magnitude_of_grad_output_raises():
    def backward(x, grad_output):
        return 2.0 * x * np.abs(grad_output)

    with pytest.raises(BackwardLinearityError):
        gradcheck.check(square, backward, np.ones(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_reduced_precision_warns_and_passes_correct_code(dtype):
    x = np.linspace(-1.0, 1.0, 5).astype(dtype)
    with pytest.warns(PrecisionWarning, match=np.dtype(dtype).name):
        result = gradcheck.check(np.tanh, lambda z, g: g * (1 - np.tanh(z) ** 2), x)
    assert result.passed


@pytest.mark.parametrize(("dtype", "factor"), [(np.float32, 1.01), (np.float16, 1.5)])
def test_reduced_precision_still_catches_errors_above_its_precision(dtype, factor):
    x = np.linspace(-1.0, 1.0, 5).astype(dtype)
    with pytest.warns(PrecisionWarning):
        result = gradcheck.compare(np.tanh, lambda z, g: factor * g * (1 - np.tanh(z) ** 2), x)
    assert not result.passed


def test_callers_arrays_are_never_mutated_and_still_owned_by_the_caller():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    gradcheck.compare(square, lambda z, g: 3.0 * z * g, x)
    gradcheck.check(square, square_backward, x)
    assert np.array_equal(x, before)
    assert x.flags.writeable


def test_linear_backward_with_subnormal_gradients_passes_the_linearity_check():
    def forward(x):
        return np.exp(x)

    def backward(x, g):
        return g * np.exp(x)

    gradcheck.check(forward, backward, np.array([-740.0, -744.0, -700.0]))


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_forward_that_clips_its_input_in_place_past_a_bound_raises_in_both_modes(mode):
    """Untouched at the given inputs (the contract's calls), clipped where a step crosses 1."""
    x = np.concatenate([np.linspace(-0.5, 0.5, 40), [1.0 - 1e-9]])

    def forward(x):
        np.minimum(x, 1.0, out=x)
        return np.array(np.sum(x**2))

    with pytest.raises(ForwardContractError, match="in place at a perturbed point"):
        gradcheck.check(forward, square_backward, x, mode=mode)
    assert x[-1] == 1.0 - 1e-9  # the caller's array is not the one written into
