"""Outcomes are typed values: Status, one result shape for both modes, named errors."""

import pickle

import numpy as np
import pytest

import gradcheck
from gradcheck import (
    ContractError,
    GradientMismatch,
    GradientUnverified,
    InvalidInputError,
    Status,
)


def square(x):
    return np.sum(x**2)


def square_backward(x, grad_output):
    return 2.0 * x * grad_output


def square_backward_wrong(x, grad_output):
    return 3.0 * x * grad_output


def sqrt_forward(x):
    return np.sqrt(x - 1.0)  # its domain ends at 1, undeclared


def sqrt_backward(x, grad_output):
    return grad_output * 0.5 / np.sqrt(x - 1.0)


X = np.array([0.5, -1.5, 2.0])


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_both_modes_return_one_result_shape_with_a_status(mode):
    right = gradcheck.compare(square, square_backward, X, mode=mode)
    wrong = gradcheck.compare(square, square_backward_wrong, X, mode=mode)
    assert right.status is Status.PASS and right.passed
    assert wrong.status is Status.FAIL and not wrong.passed
    for result in (right, wrong):
        assert isinstance(result.numeric, tuple) and result.numeric[0].shape == X.shape
        assert result.unverified == ()
    assert all(f.status is Status.FAIL for f in wrong.mismatches)
    assert {f.where for f in wrong.mismatches if f.location} <= {"x[0]", "x[1]", "x[2]"}


#: Closer to the (undeclared) domain edge at 1 than the finest step of the ladder.
EDGE = 1.0 + 1e-13


def test_an_unverified_element_is_its_own_status_never_a_pass_or_a_mismatch():
    with np.errstate(invalid="ignore"):
        result = gradcheck.compare(sqrt_forward, sqrt_backward, np.array([EDGE, 2.0]))
        assert result.status is Status.UNVERIFIED and not result.passed
        assert [f.status for f in result.unverified] == [Status.UNVERIFIED]
        assert np.isnan(result.numeric[0][0]) and np.isfinite(result.numeric[0][1])
        assert result.worst[0].status is Status.UNVERIFIED
        with pytest.raises(GradientUnverified) as raised:
            gradcheck.check(sqrt_forward, sqrt_backward, np.array([EDGE, 2.0]))
    message = str(raised.value)
    assert message.startswith("could not verify the gradient at x[0]")
    assert "wrong" not in message.splitlines()[0]
    assert "1 not verified of 2 elements" in message
    assert raised.value.result.status is Status.UNVERIFIED


def sqrt_plus_square(a, b):
    return np.sqrt(a - 1.0) + b**2


def test_a_failure_next_to_an_unverified_element_is_a_failure():
    def backward(a, b, grad_output):
        return grad_output * 0.5 / np.sqrt(a - 1.0), grad_output * 3.0 * b

    with np.errstate(invalid="ignore"):
        result = gradcheck.compare(sqrt_plus_square, backward, np.array(EDGE), np.array(1.0))
        assert result.status is Status.FAIL
        assert [f.where for f in result.mismatches] == ["b"]
        assert [f.where for f in result.unverified] == ["a"]
        with pytest.raises(GradientMismatch, match="1 failing and 1 not verified"):
            gradcheck.check(sqrt_plus_square, backward, np.array(EDGE), np.array(1.0))


def test_an_element_next_to_an_undeclared_edge_does_not_loosen_its_neighbour():
    def backward(x, grad_output):
        return grad_output * np.array([0.5 / np.sqrt(x[0] - 1.0), 7.0])  # 0.5 was meant

    with np.errstate(invalid="ignore"):
        result = gradcheck.compare(sqrt_forward, backward, np.array([EDGE, 2.0]))
    assert [f.where for f in result.mismatches] == ["x[1]"]


@pytest.mark.parametrize("error", [GradientMismatch, GradientUnverified])
def test_verdict_errors_pickle_with_their_result(error):
    """Across process pools and xdist workers: an unpicklable error kills the pool."""
    result = gradcheck.compare(square, square_backward_wrong, X)
    again = pickle.loads(pickle.dumps(error("message", result)))
    assert type(again) is error and str(again) == "message"
    assert again.result.status is Status.FAIL and again.result.mismatches == result.mismatches


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"atol": None}, "atol must be a number"),
        ({"atol": "1e-3"}, "atol must be a number"),
        ({"rtol": "1e-3"}, "rtol must be a number"),
        ({"atol": True}, "atol must be a number"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"names": 5}, "names must be a sequence of strings"),
        ({"names": "x"}, "names must be a sequence of strings"),
        ({"kink_distance": np.ones(3)}, "kink_distance must be a callable"),
    ],
)
def test_bad_options_are_named_errors(options, match):
    with pytest.raises(InvalidInputError, match=match):
        gradcheck.compare(square, square_backward, X, **options)


def test_a_kink_declaration_that_raises_or_returns_text_is_a_contract_error():
    def raises(x):
        raise RuntimeError("boom")

    with pytest.raises(ContractError, match="kink_distance raised RuntimeError: boom"):
        gradcheck.compare(square, square_backward, X, kink_distance=raises)
    with pytest.raises(ContractError, match="array of floats"):
        gradcheck.compare(square, square_backward, X, kink_distance=lambda x: "far")


def test_backward_calls_are_counted_not_assumed():
    for fail_from in (None, 5):  # 5: the first call after the contract checks raises
        calls = []

        def backward(x, grad_output, calls=calls, fail_from=fail_from):
            calls.append(1)
            if fail_from is not None and len(calls) >= fail_from:
                raise ValueError("outside the domain")
            return square_backward(x, grad_output)

        result = gradcheck.compare(square, backward, X)
        assert result.backward_calls == len(calls)
        assert result.passed


def test_localize_rejects_what_is_not_a_computation():
    with pytest.raises(InvalidInputError, match="no nodes"):
        gradcheck.localize([])
    with pytest.raises(InvalidInputError, match="iterable of nodes"):
        gradcheck.localize(None)
    with pytest.raises(InvalidInputError, match="is not a node"):
        gradcheck.localize([object()])
    from types import SimpleNamespace

    node = SimpleNamespace(name="square", inputs=(X,), forward=square, backward=square_backward)
    with pytest.raises(InvalidInputError, match="mode must be one of"):
        gradcheck.localize([node], mode="bad")
    assert gradcheck.localize([node]).culprit is None
