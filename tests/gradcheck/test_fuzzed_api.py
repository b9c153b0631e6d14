"""What the fuzz catalogue of issue 13 found: each gets a named error or a correct
verdict, and nothing the caller passed is mutated."""

from types import SimpleNamespace

import numpy as np
import pytest

import gradcheck
from gradcheck import (
    ContractError,
    ForwardContractError,
    InvalidInputError,
    NondeterminismError,
    Status,
)

A = np.random.default_rng(0).standard_normal((2000, 3))
#: Unseeded on purpose: these functions must differ from call to call.
UNSEEDED = np.random.default_rng()
W = np.array([0.3, -0.2, 0.1])


def tanh_sum(w):
    return np.sum(np.tanh(A @ w))


def tanh_sum_backward(w, grad_output):
    return grad_output * (1 - np.tanh(A @ w) ** 2) @ A


# --- nondeterminism: rounding-level ordering noise passes, real randomness does not ---


def shuffled_backward(w, grad_output):
    """Sums its terms in an order that varies between calls, as a graph walked
    through a set keyed by object id does (micrograd): correct, not bitwise stable."""
    terms = (1 - np.tanh(A @ w) ** 2)[:, None] * A
    total = np.zeros(3)
    for term in terms[UNSEEDED.permutation(len(terms))]:
        total += term
    return grad_output * total


def test_summation_order_noise_passes_by_default():
    assert gradcheck.check(tanh_sum, shuffled_backward, W).passed


def test_nondet_tol_zero_demands_identical_calls_and_names_the_ordering():
    with pytest.raises(NondeterminismError, match="summation in an order that varies"):
        gradcheck.check(tanh_sum, shuffled_backward, W, nondet_tol=0.0)


def test_real_randomness_is_rejected_as_randomness():
    def noisy(w, grad_output):
        return tanh_sum_backward(w, grad_output) * (1 + 1e-3 * UNSEEDED.standard_normal())

    with pytest.raises(NondeterminismError, match="randomness"):
        gradcheck.check(tanh_sum, noisy, W)


def test_accumulating_into_state_is_named_as_such():
    class Accumulating:
        def __init__(self):
            self.grad = np.zeros(3)

        def backward(self, w, grad_output):
            self.grad += tanh_sum_backward(w, grad_output)
            return self.grad.copy()

    with pytest.raises(NondeterminismError, match="accumulate into state"):
        gradcheck.check(tanh_sum, Accumulating().backward, W)


def test_a_random_forward_is_rejected():
    def dropout(w):
        return np.sum(np.tanh(A @ w) * (UNSEEDED.random(len(A)) > 0.5))

    with pytest.raises(NondeterminismError, match="forward returned values"):
        gradcheck.check(dropout, tanh_sum_backward, W)


@pytest.mark.parametrize("value", ["1e-3", -1.0, float("nan"), True])
def test_a_bad_nondet_tol_is_a_named_error(value):
    with pytest.raises(InvalidInputError, match="nondet_tol"):
        gradcheck.check(tanh_sum, tanh_sum_backward, W, nondet_tol=value)


# --- inputs and forwards that misbehave ---------------------------------------------


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_np_matrix_is_rejected_rather_than_silently_changing_meaning():
    m = np.matrix([[1.0, 2.0], [3.0, 4.0]])
    before = m.copy()
    with pytest.raises(InvalidInputError, match=r"np\.matrix"):
        gradcheck.check(lambda a: a * a, lambda a, g: g * a.T + a.T * g, m)
    assert type(m) is np.matrix and np.array_equal(m, before)


def test_a_forward_raising_at_every_perturbed_point_shows_its_exception():
    def forward(x):
        if x[0] != 1.0:
            raise ValueError("only at the given point")
        return x**2

    result = gradcheck.compare(forward, lambda x, g: 2 * x * g, np.array([1.0, 2.0]))
    assert result.status is Status.UNVERIFIED and result.mismatches == ()
    reason = result.unverified[0].verdict.reason
    assert "forward raised ValueError: only at the given point" in reason
    assert "forward raised" in result.hint


def test_a_forward_mutating_its_input_only_at_perturbed_points_is_a_contract_error():
    def forward(x):
        if x[0] != 1.0:
            x[1] += 1.0
        return np.sum(x**2)

    x = np.array([1.0, 2.0])
    with pytest.raises(ForwardContractError, match="modified its inputs in place"):
        gradcheck.check(forward, lambda x, g: 2 * x * g, x)
    assert np.array_equal(x, [1.0, 2.0])


def test_a_forward_rounding_the_perturbed_element_in_place_is_named_and_undone():
    def forward(x):
        np.round(x, 3, out=x)  # a no-op at the given point, not at x + h
        return np.sum(x**2)

    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ForwardContractError, match="element 0 of input 0"):
        gradcheck.check(forward, lambda x, g: 2 * x * g, x, mode="full")
    assert np.array_equal(x, [1.0, 2.0, 3.0])


# --- compare_optima and flatten -------------------------------------------------------


def quadratic(x):
    return float(np.sum(x**2))


@pytest.mark.parametrize(
    ("loss", "method", "error", "match"),
    [
        (lambda x: np.nan, "L-BFGS-B", ContractError, "loss is nan"),
        (lambda x: x**2, "L-BFGS-B", ContractError, "must return a scalar"),
        (quadratic, "Nelder-Mead", InvalidInputError, "never reads the gradient"),
        (quadratic, "Powell", InvalidInputError, "never reads the gradient"),
        (quadratic, "bogus", InvalidInputError, "unknown method"),
    ],
)
def test_compare_optima_gives_named_errors(loss, method, error, match):
    with pytest.raises(error, match=match):
        gradcheck.compare_optima(loss, lambda x: 2 * x, np.array([1.0, 2.0]), method=method)


@pytest.mark.parametrize("method", ["BFGS", "CG", "TNC", "SLSQP"])
def test_compare_optima_with_each_gradient_method_agrees_on_the_right_gradient(method):
    assert gradcheck.compare_optima(quadratic, lambda x: 2 * x, np.ones(2), method=method).agree


@pytest.mark.parametrize("params", [{}, [np.ones(2)], "W"])
def test_flatten_of_nothing_or_of_no_mapping_is_a_named_error(params):
    with pytest.raises(InvalidInputError, match="flatten"):
        gradcheck.flatten(params)


# --- check_module ------------------------------------------------------------------------


class Linear:
    def __init__(self):
        self.weight = np.arange(6.0).reshape(2, 3) / 7
        self.bias = np.zeros(3)

    def forward(self, x):
        self.x = x
        return np.tanh(x @ self.weight + self.bias)

    def backward(self, grad):
        d = grad * (1 - np.tanh(self.x @ self.weight + self.bias) ** 2)
        self.grad_weight, self.grad_bias = self.x.T @ d, d.sum(axis=0)
        return d @ self.weight.T


X = np.linspace(-1, 1, 8).reshape(4, 2)


def test_check_module_takes_one_parameter_name_as_a_string():
    result = gradcheck.check_module(Linear(), X, params="weight")
    assert result.names == ("x", "weight")


def test_check_module_takes_names_for_its_data_inputs():
    result = gradcheck.check_module(Linear(), X, params=("weight", "bias"), names=["inputs"])
    assert result.names == ("inputs", "weight", "bias")
    with pytest.raises(InvalidInputError, match="2 names for 1 data inputs"):
        gradcheck.check_module(Linear(), X, params="weight", names=["a", "b"])


def test_check_module_rejects_read_only_parameters_and_leaves_them_alone():
    layer = Linear()
    layer.weight.flags.writeable = False
    before = layer.weight.copy()
    with pytest.raises(InvalidInputError, match="read-only"):
        gradcheck.check_module(layer, X, params=("weight", "bias"))
    assert np.array_equal(layer.weight, before)


# --- localize -------------------------------------------------------------------------


def cross_entropy_node(wrong):
    """A node whose second input is integer class labels, held constant."""
    logits = np.array([[1.0, -0.5, 0.2], [0.1, 0.4, -1.0]])
    labels = np.array([2, 0])

    def forward(z, y):
        shifted = z - z.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -logp[np.arange(len(y)), y].sum()

    def backward(z, y, grad_output):
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1.0
        return (2.0 if wrong else 1.0) * grad_output * p, None

    return SimpleNamespace(name="loss", inputs=(logits, labels), forward=forward, backward=backward)


def test_localize_holds_integer_labels_constant_and_passes_a_correct_node():
    found = gradcheck.localize([cross_entropy_node(wrong=False)])
    assert found.culprit is None and found.verdicts[0].passed


def test_localize_still_names_a_wrong_node_with_integer_labels():
    found = gradcheck.localize([cross_entropy_node(wrong=True)])
    assert found.culprit == "loss" and found.verdicts[0].error is None
