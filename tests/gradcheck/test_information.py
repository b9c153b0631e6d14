"""No pass without information: a pass states what it would have caught, and where the
numerics cannot resolve a derivative the verdict is UNVERIFIED, never a pass."""

import numpy as np
import pytest

import gradcheck
from gradcheck import Status

RNG = np.random.default_rng(5)
W, X = RNG.standard_normal((3, 4)), RNG.standard_normal(4)


def layer(W, x):
    return np.tanh(W @ x)


def layer_backward(W, x, grad_output):
    d = grad_output * (1 - np.tanh(W @ x) ** 2)
    return np.outer(d, x), W.T @ d


def test_a_pass_states_what_it_would_have_caught_and_the_claim_holds():
    result = gradcheck.check(layer, layer_backward, W, X)
    assert 0.0 < result.sensitivity < 1e-6
    assert f"above {result.sensitivity:.0e} relative (worst {result.sensitivity_at})" in str(result)
    # Wrong the worst element by twice the stated sensitivity: caught, and named.
    which, index = next(
        (k, i)
        for k, name in enumerate(("W", "x"))
        for i in np.ndindex(result.analytic[k].shape)
        if f"{name}[{', '.join(map(str, i))}]" == result.sensitivity_at
    )
    gradient = result.analytic[which]
    scale = max(abs(gradient[index]), float(np.sqrt(np.mean(gradient**2))))

    factor = 1.0 + 2.0 * result.sensitivity * scale / abs(gradient[index])

    def wrong(W, x, grad_output):
        grads = [g.copy() for g in layer_backward(W, x, grad_output)]
        grads[which][index] *= factor  # still linear in grad_output
        return tuple(grads)

    failed = gradcheck.compare(layer, wrong, W, X)
    assert [f.where for f in failed.mismatches] == [result.sensitivity_at]


def test_fast_mode_states_its_sensitivity_from_the_directions():
    x = RNG.standard_normal(5000)
    result = gradcheck.check(np.sin, lambda x, g: g * np.cos(x), x, mode="fast")
    assert result.sensitivity_at == "random directions"
    assert result.sensitivity < 1e-4  # the reference error it reached with 1 - 1e-6
    assert "would have caught any single-entry error above" in str(result)


# --- tolerances made of rounding noise: each wrong gradient is caught or unverified ---


def constant_loss(x):
    return 1e12 + np.sum(x**2)


def mixed_scales(a, b):
    return np.concatenate([1e12 * a, b])


def mixed_scales_backward(a, b, grad_output, factor=1.0):
    return 1e12 * grad_output[:3], factor * grad_output[3:]


CASES = {
    # name: forward, correct backward, wrong backward, inputs
    "a constant of 1e12 in the loss": (
        constant_loss,
        lambda x, g: 2.0 * x * g,
        lambda x, g: 4.0 * x * g,
        (RNG.standard_normal(4),),
    ),
    "outputs of mixed scales [1e12 a, b]": (
        mixed_scales,
        mixed_scales_backward,
        lambda a, b, g: mixed_scales_backward(a, b, g, factor=2.0),
        (RNG.standard_normal(3), RNG.standard_normal(3)),
    ),
    "an input near the float maximum beside an ordinary one": (
        np.sum,
        lambda x, g: g * np.ones_like(x),
        lambda x, g: g * np.array([1.0, 2.0]),
        (np.array([1e307, 1.0]),),
    ),
    "a gradient below the smallest normal float": (
        lambda x: np.sum(1e-310 * x),
        lambda x, g: g * np.full_like(x, 1e-310),
        lambda x, g: g * np.full_like(x, 2e-310),
        (RNG.standard_normal(3),),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_rounding_noise_never_passes_a_wrong_gradient(case):
    forward, _, wrong, inputs = CASES[case]
    assert gradcheck.compare(forward, wrong, *inputs).status is not Status.PASS


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_rounding_noise_leaves_correct_code_unverified_with_its_reason(case):
    forward, correct, _, inputs = CASES[case]
    result = gradcheck.compare(forward, correct, *inputs)
    assert result.status is Status.UNVERIFIED and result.mismatches == ()
    for finding in result.unverified:
        assert "of the derivative's scale" in finding.verdict.reason
    with pytest.raises(gradcheck.GradientUnverified, match="could not verify"):
        gradcheck.check(forward, correct, *inputs)


def test_a_large_constant_is_named_as_the_likely_cause():
    forward, correct, _, inputs = CASES["a constant of 1e12 in the loss"]
    result = gradcheck.compare(forward, correct, *inputs)
    assert "rounding noise" in result.unverified[0].verdict.reason
    assert "large constant" in result.hint


def test_the_ordinary_block_of_mixed_scales_is_the_unverified_one():
    forward, correct, _, inputs = CASES["outputs of mixed scales [1e12 a, b]"]
    result = gradcheck.compare(forward, correct, *inputs)
    assert {f.location.name for f in result.unverified} == {"b"}


def test_log_next_to_its_undeclared_edge_is_resolved_both_ways():
    """log at 1e-7 (tolerance 40% of the derivative before): finer steps resolve it."""
    x = np.array([1e-7, 0.5])
    with np.errstate(invalid="ignore", divide="ignore"):
        right = gradcheck.check(np.log, lambda x, g: g / x, x)
        wrong = gradcheck.compare(np.log, lambda x, g: 1.1 * g / x, x)
    assert right.sensitivity < 1e-6
    assert {f.where for f in wrong.mismatches} == {"x[0]", "x[1]"}


# --- kinks never loosen their neighbours' tolerances ---------------------------------


def relu_weighted(x, w):
    return np.sum(w * np.maximum(x, 0.0))


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("factor", [1.5, 1.0 + 1e-3])
def test_smooth_elements_beside_many_exact_zeros_are_judged_on_their_own(seed, factor):
    """80% of x exactly 0 (dead units): a backward wrong on every smooth element fails."""
    rng = np.random.default_rng(seed)
    x = np.abs(rng.standard_normal(20)) + 0.1
    x[:16] = 0.0
    w = rng.standard_normal(20)

    def backward(x, grad_output):
        return grad_output * w * (x > 0) * np.where(x > 0, factor, 1.0)

    def correct(x, grad_output):
        return grad_output * w * (x > 0)

    def forward(x):
        return relu_weighted(x, w)

    result = gradcheck.compare(forward, backward, x)
    assert {f.where for f in result.mismatches} == {f"x[{i}]" for i in range(16, 20)}
    right = gradcheck.check(forward, correct, x)
    assert len(right.at_kinks) == 16


# --- fast mode never passes without reaching its target ------------------------------


def test_fast_mode_that_cannot_reach_its_miss_target_is_unverified():
    x = np.random.default_rng(0).standard_normal(300_000)
    result = gradcheck.compare(lambda x: np.sum(x**2), lambda x, g: 2.0 * x * g, x)
    assert result.mode == "fast" and result.status is Status.UNVERIFIED
    assert result.miss_probability > 1e-6
    assert [f.where for f in result.unverified] == ["random directions"]
    assert "mode='full'" in result.unverified[0].verdict.reason
    assert "full mode" in result.hint
    with pytest.raises(gradcheck.GradientUnverified, match="could not verify the gradient"):
        gradcheck.check(lambda x: np.sum(x**2), lambda x, g: 2.0 * x * g, x)
