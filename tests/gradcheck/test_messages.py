"""Failure messages are short for any size, name the element, and reproduce the check."""

import importlib

import numpy as np

import gradcheck


def loss(W, x):
    return np.sum(np.tanh(W @ x))


def loss_backward_flipped(W, x, g):
    d = g * (1 - np.tanh(W @ x) ** 2)
    return -np.outer(d, x), -(W.T @ d)


def _run_reproduce_line(line: str):
    root = __name__.split(".")[0]
    namespace = {"gradcheck": gradcheck, "np": np, root: importlib.import_module(root)}
    return eval(line, namespace)


def test_message_names_element_values_tolerance_hint_and_reproduce_line():
    W, x = np.array([[0.5, -1.0], [2.0, 0.1]]), np.array([0.3, -0.7])
    result = gradcheck.compare(loss, loss_backward_flipped, W, x)
    message = str(result)
    first = result.mismatches[0]
    assert message.splitlines()[0].startswith(f"gradient wrong at {first.where}: analytic")
    assert "tolerance" in message and "numeric" in message
    assert "hint: sign flip" in message
    assert "reproduce: gradcheck.check(" in message


def test_reproduce_line_runs_and_fails_the_same_way():
    W, x = np.array([[0.5, -1.0], [2.0, 0.1]]), np.array([0.3, -0.7])
    result = gradcheck.compare(loss, loss_backward_flipped, W, x, seed=4)
    try:
        _run_reproduce_line(result.reproduce)
    except gradcheck.GradientMismatch as again:
        assert again.result.mismatches[0].verdict == result.mismatches[0].verdict
    else:
        raise AssertionError("the reproduce line did not fail")


def test_message_stays_short_for_thousands_of_wrong_elements():
    def forward(x):
        return np.sum(np.sin(x))

    def backward(x, g):
        return -g * np.cos(x)

    x = np.linspace(-3.0, 3.0, 2000)
    result = gradcheck.compare(forward, backward, x, mode="full")
    assert len(result.mismatches) == 2000
    assert len(str(result).splitlines()) <= 12


def test_passing_summary_says_mode_counts_and_worst_error():
    result = gradcheck.check(np.sin, lambda x, g: g * np.cos(x), np.ones(4))
    text = str(result)
    assert text.startswith("gradient check passed (full mode, 4 elements")
    assert "max abs error" in text and "forward" in text


def test_fast_summary_states_the_miss_probability():
    x = np.linspace(-1.0, 1.0, 5000)
    result = gradcheck.check(lambda z: np.sum(z**3), lambda z, g: 3 * z**2 * g, x)
    assert result.mode == "fast"
    assert "escapes with probability" in str(result)


def test_result_reports_where_the_largest_errors_are():
    result = gradcheck.check(np.exp, lambda x, g: g * np.exp(x), np.array([0.0, 5.0]), names=["x"])
    assert result.max_abs_error_at in {"x[0]", "x[1]"}
    assert result.max_abs_error > 0
    assert result.numeric[0].shape == (2,)
    # 4 for the contract checks; the analytic noise (7 more) is measured only where a
    # cheap pass does not pass
    assert result.backward_calls == 4


def test_same_seed_same_result_other_seed_other_grad_output():
    x = np.array([0.1, 0.2, 0.3])
    first = gradcheck.compare(np.sin, lambda z, g: g * np.cos(z), x, seed=1)
    second = gradcheck.compare(np.sin, lambda z, g: g * np.cos(z), x, seed=1)
    other = gradcheck.compare(np.sin, lambda z, g: g * np.cos(z), x, seed=2)
    assert np.array_equal(first.numeric[0], second.numeric[0])
    assert np.array_equal(first.analytic[0], second.analytic[0])
    assert not np.array_equal(first.analytic[0], other.analytic[0])


def test_input_names_come_from_forward_parameters_or_the_names_option():
    result = gradcheck.compare(loss, loss_backward_flipped, np.eye(2), np.ones(2))
    assert {f.location.name for f in result.mismatches} <= {"W", "x"}
    renamed = gradcheck.compare(
        loss, loss_backward_flipped, np.eye(2), np.ones(2), names=["weights", "inputs"]
    )
    assert {f.location.name for f in renamed.mismatches} <= {"weights", "inputs"}


def test_check_returns_the_result_and_compare_does_not_raise():
    good = gradcheck.check(np.sin, lambda x, g: g * np.cos(x), np.ones(2))
    assert isinstance(good, gradcheck.CheckResult) and good.passed
    bad = gradcheck.compare(np.sin, lambda x, g: g * np.sin(x), np.ones(2))
    assert isinstance(bad, gradcheck.CheckResult) and not bad.passed
