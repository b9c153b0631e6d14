"""CS231n-style layers through from_cache / from_loss: right code passes, classic bugs fail."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck
from gradcheck.adapters import from_cache, from_loss
from gradcheck.discover import differentiables
from gradcheck.strategies import inputs_for
from nets.cs231n import layers, recurrent
from nets.cs231n.planted import PLANTED

rng = np.random.default_rng(231)


def wrong_inputs(result):
    """The names of the inputs a failed check blames (joint findings name several)."""
    return {
        name
        for f in result.mismatches
        for name in ([f.location.name] if f.location else re.findall(r"(\w+)\[", f.where))
    }


PAIRS = {
    "affine": from_cache(layers.affine_forward, layers.affine_backward),
    "relu": from_cache(layers.relu_forward, layers.relu_backward),
    "batchnorm": from_cache(layers.batchnorm_forward, layers.batchnorm_backward),
    "layernorm": from_cache(layers.layernorm_forward, layers.layernorm_backward),
    "dropout": from_cache(layers.dropout_forward, layers.dropout_backward),
    "conv": from_cache(layers.conv_forward_naive, layers.conv_backward_naive),
    "max_pool": from_cache(layers.max_pool_forward_naive, layers.max_pool_backward_naive),
    "svm": from_loss(layers.svm_loss),
    "softmax": from_loss(layers.softmax_loss),
    "rnn_step": from_cache(recurrent.rnn_step_forward, recurrent.rnn_step_backward),
    "lstm_step": from_cache(recurrent.lstm_step_forward, recurrent.lstm_step_backward),
}


def ordinary(pair):
    """Inputs of the declared shapes (named axes of length 3), standard normal."""
    sides = {}
    return (
        tuple(
            rng.standard_normal(
                [sides.setdefault(a, 3) if isinstance(a, str) else a for a in shape]
            )
            for shape in pair.shapes
        )
        if hasattr(pair, "shapes")
        else (rng.standard_normal((3, 4)),)
    )


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_each_layer_passes_at_an_ordinary_point_named_by_its_own_arguments(name):
    pair = PAIRS[name]
    result = gradcheck.check(*pair, *ordinary(pair))
    assert result.names == pair.input_names
    assert result.sensitivity is not None and result.sensitivity < 1e-5


@pytest.mark.parametrize("name", sorted(PAIRS))
@settings(max_examples=6)
@given(data=st.data())
def test_no_layer_fails_on_drawn_inputs(name, data):
    pair = PAIRS[name]
    inputs = data.draw(inputs_for(pair), label="inputs")
    assert gradcheck.compare(*pair, *inputs).status is not gradcheck.Status.FAIL


def test_relu_at_and_within_1e_12_of_its_kink_passes():
    x = np.array([[0.0, 1e-12, -1e-12, -0.0], [2.0, -3.0, 5e-324, 1e-300]])
    result = gradcheck.check(*PAIRS["relu"], x)
    assert len(result.at_kinks) >= 4


def test_max_pool_with_tied_windows_passes_and_every_tie_routing_fails():
    x = np.array(
        [[[[1.0, 1.0, 0.0, 2.0], [0.0, 1.0, 2.0, 2.0], [3.0, 0.0, 1.0, 1.0], [0.0, 3.0, 1.0, 0.0]]]]
    )
    assert gradcheck.check(*PAIRS["max_pool"], x).at_kinks
    forward, backward = PLANTED["max pool routing to every tie"]
    result = gradcheck.compare(*from_cache(forward, backward), x)
    assert result.status is gradcheck.Status.FAIL
    assert wrong_inputs(result) == {"x"}


def test_svm_exactly_on_its_hinges_passes_and_counting_the_correct_class_fails():
    x = np.array([[2.0, 1.0, 0.5], [0.0, 3.0, 2.0], [1.0, 1.0, 1.0], [-1.0, 0.0, 0.0]])
    assert gradcheck.check(*PAIRS["svm"], x).at_kinks  # margins of exactly 0

    def svm_counting_correct(x, y):
        n = np.arange(x.shape[0])
        margins = np.maximum(0.0, x - x[n, y][:, None] + 1.0)
        positive = (margins > 0).astype(float)  # the correct class's margin of 1 counted
        positive[n, y] = -positive.sum(axis=1)
        margins[n, y] = 0.0
        return margins.sum() / x.shape[0], positive / x.shape[0]

    wrong = from_loss(svm_counting_correct, static={"y": layers.LABELS})
    with pytest.raises(gradcheck.GradientMismatch, match=r"at x\["):
        gradcheck.check(*wrong, rng.standard_normal((4, 3)))


WRONG_INPUTS = {
    "batchnorm dx missing the variance term": {"x"},
    "max pool routing to every tie": {"x"},
    "conv stride ignored in dw": {"w"},
    "dropout backward without 1/p": {"x"},
    "lstm forget gate on prev_h": {"x", "prev_h", "Wx", "Wh", "b"},
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_each_planted_bug_is_caught_at_exactly_the_inputs_it_breaks(name):
    forward, backward = PLANTED[name]
    pair = from_cache(forward, backward)
    inputs = ordinary(pair)
    if name.startswith("max pool"):
        inputs = (np.round(inputs[0]),)  # ties within the windows
    result = gradcheck.compare(*pair, *inputs)
    assert result.status is gradcheck.Status.FAIL
    assert wrong_inputs(result) == WRONG_INPUTS[name]
    assert "gradcheck.adapters.from_cache(nets.cs231n" in result.reproduce


def test_saturated_lstm_gates_are_not_mistaken_for_a_bug():
    """Found by ``gradcheck verify``: gates at -20 round 1 + tanh in steps of eps, a noise
    the random directions' smooth part hid; correct code failed before the probe learnt
    to measure its own coordinate's noise when its two estimates disagree."""
    x, prev_h = np.array([[0.0, 4.0]]), np.array([[0.0, 4.0]])
    inputs = (x, prev_h, np.zeros((1, 2)), np.zeros((2, 8)), np.full((2, 8), -5.0), np.zeros(8))
    assert gradcheck.compare(*PAIRS["lstm_step"], *inputs).status is gradcheck.Status.PASS
    # At -28, phi stays exactly flat over the cheap step and moves in quanta further
    # out: the derivative is below what rounding resolves there, not zero.
    inputs = (*inputs[:4], np.full((2, 8), -7.0), inputs[5])
    assert gradcheck.compare(*PAIRS["lstm_step"], *inputs).status is gradcheck.Status.UNVERIFIED
    # Gates at -10 and -20 beside each other: phi is a smooth part that moves 1e-23
    # per step of ECnoise's first run plus quanta of 4e-17 that it crosses only further
    # out; the first run alone read the smooth part's rounding as the noise.
    wx = np.full((2, 8), -5.0)
    wx[0, 4] = 0.0
    inputs = (np.array([[2.0, 2.0]]), np.zeros((1, 2)), np.zeros((1, 2)), wx, np.zeros((2, 8)))
    assert gradcheck.compare(*PAIRS["lstm_step"], *inputs, np.zeros(8)).passed
    # Gates at -24: phi steps by the same whole number of quanta at both of ECnoise's
    # spacings (aliased: no noise seen), yet a difference errs by half a quantum.
    prev_h, wh = np.array([[0.0, 6.0]]), np.full((2, 8), -4.0)
    inputs = (np.zeros((1, 1)), prev_h, np.zeros((1, 2)), np.zeros((1, 8)), wh, np.zeros(8))
    assert gradcheck.compare(*PAIRS["lstm_step"], *inputs).passed
    # Gates at -36: 1 + tanh is a few roundings of 1, phi flat out to 1e-2 while the
    # analytic predicts a change of 1e-17 there: not resolvable, never a failure.
    inputs = (*inputs[:4], np.full((2, 8), -6.0), inputs[5])
    assert gradcheck.compare(*PAIRS["lstm_step"], *inputs).status is gradcheck.Status.UNVERIFIED


def test_constants_are_fresh_for_every_call_and_the_callers_are_never_touched():
    seen = []

    def counting_forward(x, state):
        seen.append(state["calls"])
        state["calls"] += 1
        return 2.0 * x, None

    state = {"calls": 0}
    pair = from_cache(counting_forward, lambda dout, cache: 2.0 * dout, static={"state": state})
    gradcheck.check(*pair, np.ones(3))
    assert state == {"calls": 0} and set(seen) == {0}

    bn_param = {"mode": "train"}
    pair = from_cache(
        layers.batchnorm_forward, layers.batchnorm_backward, static={"bn_param": bn_param}
    )
    gradcheck.check(*pair, *ordinary(PAIRS["batchnorm"]))
    assert bn_param == {"mode": "train"}  # no running statistics leaked back


def test_inputs_are_never_mutated():
    inputs = ordinary(PAIRS["conv"])
    saved = [x.copy() for x in inputs]
    gradcheck.check(*PAIRS["conv"], *inputs)
    assert all(np.array_equal(a, b) for a, b in zip(inputs, saved, strict=True))


def test_dropout_without_a_seed_is_a_named_nondeterminism_error():
    pair = from_cache(
        layers.dropout_forward, layers.dropout_backward, static={"dropout_param": {"p": 0.5}}
    )
    with pytest.raises(gradcheck.NondeterminismError):
        gradcheck.check(*pair, np.ones((4, 3)))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: from_cache(lambda *xs: xs, lambda d, c: d), "named positional"),
        (lambda: from_cache(layers.affine_forward, layers.affine_backward, static={"z": 1}), "'z'"),
        (lambda: from_cache(layers.relu_forward, layers.relu_backward, kinks=abs), "kinks"),
        (lambda: from_loss(layers.svm_loss, static={"x": 1, "y": 2}), "no differentiated"),
    ],
)
def test_a_pair_that_cannot_be_adapted_is_a_named_error(build, message):
    with pytest.raises(gradcheck.InvalidInputError, match=message):
        build()


def test_a_backward_returning_too_few_gradients_names_the_inputs():
    pair = from_cache(layers.affine_forward, lambda dout, cache: (dout, dout))
    with pytest.raises(gradcheck.BackwardContractError, match="x, w, b"):
        gradcheck.check(*pair, *ordinary(PAIRS["affine"]))


def test_discovery_finds_every_pair_and_loss_under_the_forwards_name():
    names = [name for name, _ in differentiables("nets.cs231n.layers")]
    assert names == [
        "affine_forward",
        "batchnorm_forward",
        "conv_forward_naive",
        "dropout_forward",
        "layernorm_forward",
        "max_pool_forward_naive",
        "relu_forward",
        "softmax_loss",
        "svm_loss",
    ]
    assert [name for name, _ in differentiables("nets.cs231n.recurrent")] == [
        "lstm_step_forward",
        "rnn_step_forward",
    ]


def test_a_saturated_lstm_whose_sigmoid_moves_in_quanta_is_not_failed():
    """Found by Hypothesis: every gate at -33, where ``(1 + tanh) / 2`` moves in quanta of
    1e-16 and the ladder reads a zero slope; the bias gradients of 1e-15 cannot be
    resolved there, so they are not verified, and never failed."""
    pair = PAIRS["lstm_step"]
    inputs = (
        np.array([[0.0]]), np.array([[0.0, -9.21875]]), np.zeros((1, 2)), np.zeros((1, 8)),
        np.full((2, 8), 3.6015625), np.zeros(8),
    )  # fmt: skip
    result = gradcheck.compare(*pair, *inputs)
    assert result.status is gradcheck.Status.UNVERIFIED and not result.mismatches
    biases = [f for f in result.unverified if str(f.location).startswith("b[")]
    reasons = ("zero slope", "rounding noise")  # read flat, or in quanta: either way unresolved
    assert biases and all(any(r in f.verdict.reason for r in reasons) for f in biases)


def test_a_lstm_whose_quantized_phi_plateaus_off_its_base_is_not_failed():
    """Found by Hypothesis (the verification report's LSTM, 2026-12-03): gates at -26.5,
    sigmoid 3e-12 in quanta of 1e-16. At the finest steps phi returns one quantum above
    phi(0) on one side and phi(0) on the other, and then the same value on both sides:
    a zero slope of tiny error, failed against the analytic 1e-11. The plateau is
    phi's quantum; with it for noise, nothing is failed."""
    pair = PAIRS["lstm_step"]
    inputs = (
        np.array([[0.0]]), np.array([[-8.0, 3.0]]), np.zeros((1, 2)), np.zeros((1, 8)),
        np.full((2, 8), 5.5), np.ones(8),
    )  # fmt: skip
    result = gradcheck.compare(*pair, *inputs, seed=0)
    assert not result.mismatches, str(result)
    assert "prev_h[0, 0]" in {str(f.location) for f in result.unverified}
    # The next one Hypothesis found: plateaus only in the finer ladders; resolved there.
    inputs = (
        np.array([[0.0]]), np.array([[-9.5, 5.125]]), np.zeros((1, 2)), np.zeros((1, 8)),
        np.full((2, 8), 6.25), np.full(8, 3.0),
    )  # fmt: skip
    assert gradcheck.compare(*pair, *inputs, seed=0).status is gradcheck.Status.PASS

    def doubled(*arguments):  # prev_h's gradient twice what it is: caught all the same
        gradients = list(pair.backward(*arguments))
        gradients[1] = 2.0 * gradients[1]
        return tuple(gradients)

    assert gradcheck.compare(pair.forward, doubled, *inputs, seed=0).status is gradcheck.Status.FAIL


def test_a_lstm_whose_coordinate_is_noisier_than_the_random_directions_is_not_failed():
    """Found by Hypothesis (the verification report's LSTM with another set of modules
    loaded): gates at -25 and -24, a sigmoid of 1e-11 as ``(1 + tanh) / 2`` rounding in
    steps of 1e-16, noise that the random directions (2.9e-27) did not see. prev_h[0, 0]
    failed by 1.2 tolerances; measured on its own coordinate (1.5e-17), it passes. A
    bug of 1e-3 there, the sensitivity the check states, still fails."""
    pair = PAIRS["lstm_step"]
    inputs = (
        np.array([[0.0]]), np.array([[-8.5, 4.5]]), np.zeros((1, 2)), np.zeros((1, 8)),
        np.full((2, 8), 6.25), np.array([0.0, 1, 1, 1, 1, 1, 1, 1]),
    )  # fmt: skip
    assert gradcheck.compare(*pair, *inputs, seed=0).status is gradcheck.Status.PASS

    def off(*arguments):
        gradients = list(pair.backward(*arguments))
        gradients[1] = gradients[1] * np.array([[1.001, 1.0]])
        return tuple(gradients)

    result = gradcheck.compare(pair.forward, off, *inputs, seed=0)
    assert [str(f.location) for f in result.mismatches] == ["prev_h[0, 0]"]
