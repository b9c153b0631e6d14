"""Kinks, ties, poles and extreme magnitudes: correct code passes, wrong code fails."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcheck
from gradcheck import GradientUnverified, Status
from tests.nets.verdicts import assert_passes_or_rounding_bound


class Relu:
    def forward(self, x):
        return np.maximum(x, 0.0)

    def backward(self, x, grad_output):
        return grad_output * (x > 0)

    def kink_distance(self, x):
        return np.abs(x)


class Max:
    def forward(self, a, b):
        return np.maximum(a, b)

    def backward(self, a, b, grad_output):
        first = a >= b  # a tie goes to a: one valid subgradient
        return grad_output * first, grad_output * ~first

    def kink_distance(self, a, b):
        gap = np.abs(a - b)
        return gap, gap


def relu(x):
    return np.maximum(x, 0.0)


def relu_backward(x, grad_output):
    return grad_output * (x > 0)


NEAR = [1e-12, 1e-11, 1e-9, 1e-8, 2e-8, 3.6e-8, 5e-8, 1e-7, 2e-7, 1e-6, 3e-6, 1e-5]


@pytest.mark.parametrize("distance", NEAR)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_relu_near_its_kink_passes_undeclared(distance, sign):
    gradcheck.check(relu, relu_backward, np.array([sign * distance, 2.0, -3.0]))


@pytest.mark.parametrize("distance", NEAR)
def test_relu_near_its_kink_passes_declared(distance):
    gate = Relu()
    gradcheck.check(gate.forward, gate.backward, np.array([distance, -distance]))


@pytest.mark.parametrize("convention", [0.0, 0.5, 1.0])
def test_relu_exactly_at_zero_passes_with_any_subgradient(convention):
    def backward(x, grad_output):
        return grad_output * np.where(x == 0, convention, x > 0)

    gradcheck.check(relu, backward, np.array([0.0, 1.0]))
    result = gradcheck.check(
        relu, backward, np.array([0.0, 1.0]), kink_distance=np.abs, names=["x"]
    )
    assert [str(location) for location in result.at_kinks] == ["x[0]"]


@pytest.mark.parametrize("bad", [2.0, -1.0, 1.5])
def test_relu_with_a_slope_outside_the_subgradient_fails_at_the_kink(bad):
    def backward(x, grad_output):
        return grad_output * np.where(x == 0, bad, x > 0)

    result = gradcheck.compare(relu, backward, np.array([0.0]), kink_distance=np.abs)
    assert result.status is Status.FAIL
    assert result.mismatches[0].verdict.kink


@pytest.mark.parametrize("bad", [2.0, -1.0])
def test_a_slope_outside_an_undeclared_kink_is_not_verified_never_passed(bad):
    """Undeclared, the kink may be several meeting at x (relu(x) + relu(x + 1e-300))."""

    def backward(x, grad_output):
        return grad_output * np.where(x == 0, bad, x > 0)

    result = gradcheck.compare(relu, backward, np.array([0.0]))
    assert result.status is Status.UNVERIFIED and result.mismatches == ()
    assert "may be several meeting" in result.unverified[0].verdict.reason
    assert "declare them with kink_distance" in result.hint


def test_a_bias_over_a_batch_of_relus_at_zero_is_not_failed():
    """Perceptron(1, 1, relu, mse) where Hypothesis found a failure of correct code.

    One sample sits 4e-34 past the kink, two exactly on it: the bias's derivative is
    -2/3 on an interval 4e-34 wide beside the point, which no finite step can see; the
    one-sided derivatives are 0 and 2/3.
    """
    X, y = np.array([[2.3471769370741537e-34], [0.0], [0.0]]), np.array([1.0, -1.0, -1.0])
    w = np.array(1.76405235)

    def loss(b):
        return np.mean((np.maximum(X[:, 0] * w + b, 0.0) - y) ** 2)

    def backward(b, g):
        z = X[:, 0] * w + b
        return g * np.mean(2.0 * (np.maximum(z, 0.0) - y) * (z > 0))

    result = gradcheck.compare(loss, backward, np.array(0.0))
    assert result.mismatches == () and result.status is Status.UNVERIFIED
    assert "may be several meeting" in result.unverified[0].verdict.reason


def test_relu_with_the_wrong_side_fails_near_the_kink():
    def backward(x, grad_output):
        return grad_output * (x >= -1e-3)  # on for small negatives: wrong there

    result = gradcheck.compare(relu, backward, np.array([-1e-4, 1.0]))
    assert [f.where for f in result.mismatches] == ["x[0]"]


def test_undeclared_kink_is_detected_and_listed():
    result = gradcheck.check(relu, relu_backward, np.array([0.0, 1e-13, 5.0]))
    assert {location.index for location in result.at_kinks} == {(0,), (1,)}


def test_max_at_ties_and_near_ties_passes():
    gate = Max()
    a = np.array([1.0, 2.0, -3.0, 1e-12, 0.5])
    b = np.array([1.0, 2.0 + 1e-12, -3.0, 0.0, 0.5 - 1e-9])
    result = gradcheck.check(gate.forward, gate.backward, a, b)
    assert result.at_kinks


def test_max_routing_the_gradient_to_the_smaller_input_fails():
    def backward(a, b, grad_output):
        return grad_output * (a < b), grad_output * (a >= b)

    result = gradcheck.compare(np.maximum, backward, np.array([1.0, 5.0]), np.array([2.0, 3.0]))
    assert len(result.mismatches) == 4


def test_steps_never_cross_a_declared_kink():
    """sqrt is undefined below 0; declared, the checker never evaluates there."""
    seen = []

    class Sqrt:
        def forward(self, x):
            seen.append(x.copy())
            if np.any(x < 0):
                raise ValueError("math domain error")
            return np.sqrt(x)

        def backward(self, x, grad_output):
            return grad_output * 0.5 / np.sqrt(x)

        def kink_distance(self, x):
            return x  # the domain ends at 0

    gate = Sqrt()
    gradcheck.check(gate.forward, gate.backward, np.array([1e-10, 1e-6, 2.0]))
    assert min(float(x.min()) for x in seen) > 0.0


def test_undeclared_domain_edge_too_close_to_resolve_is_unverified_with_advice_to_declare_it():
    def forward(x):
        return np.sqrt(x - 1.0)

    def backward(x, grad_output):
        return grad_output * 0.5 / np.sqrt(x - 1.0)

    x = np.array([1.0 + 1e-13, 2.0])  # the edge closer than any step of the ladder
    with np.errstate(invalid="ignore"):
        result = gradcheck.compare(forward, backward, x)
        assert result.status is Status.UNVERIFIED and not result.passed
        assert result.mismatches == ()
        assert [f.where for f in result.unverified] == ["x[0]"]
        assert result.unverified[0].verdict.reason
        assert "kink_distance" in result.hint
        with pytest.raises(GradientUnverified, match="could not verify the gradient at x\\[0\\]"):
            gradcheck.check(forward, backward, x)
        declared = gradcheck.check(forward, backward, x, kink_distance=lambda x: x - 1.0)
        assert declared.status is Status.PASS


@pytest.mark.parametrize("x", [1e-9, 1e-13])
def test_an_undeclared_edge_the_finer_ladders_resolve_is_verified_both_ways(x):
    """sqrt at 1e-9 (finer steps) and 1e-13 (steps relative to x): a pass, and a 10% bug."""
    with np.errstate(invalid="ignore"):
        right = gradcheck.check(np.sqrt, lambda x, g: g * 0.5 / np.sqrt(x), np.array([x, 2.0]))
        wrong = gradcheck.compare(np.sqrt, lambda x, g: g * 0.55 / np.sqrt(x), np.array([x, 2.0]))
    assert right.sensitivity < 1e-3
    assert {f.where for f in wrong.mismatches} == {"x[0]", "x[1]"}


@pytest.mark.parametrize("x", [1e-5, -1e-5, 1e-6, 1e-3, 1.0, 1e3])
@pytest.mark.parametrize("declared", [False, True])
def test_reciprocal_near_its_pole_passes(x, declared):
    def forward(a):
        return 1.0 / a

    def backward(a, grad_output):
        return -grad_output / (a * a)

    kinks = (lambda a: np.abs(a)) if declared else None
    gradcheck.check(forward, backward, np.array([x]), kink_distance=kinks)


def test_reciprocal_with_the_wrong_sign_near_its_pole_fails():
    def backward(a, grad_output):
        return grad_output / (a * a)

    result = gradcheck.compare(lambda a: 1.0 / a, backward, np.array([1e-5]))
    assert result.hint.startswith("sign flip")


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@pytest.mark.parametrize("x", [-1000.0, -700.0, -40.0, 0.0, 40.0, 700.0, 1000.0])
def test_stable_sigmoid_at_extreme_inputs_passes(x):
    def backward(z, grad_output):
        s = sigmoid(z)
        return grad_output * s * (1.0 - s)

    gradcheck.check(sigmoid, backward, np.array([x]))


def test_sigmoid_with_a_wrong_derivative_fails_at_moderate_inputs():
    def backward(z, grad_output):
        return grad_output * sigmoid(z)  # forgot (1 - s)

    assert not gradcheck.compare(sigmoid, backward, np.array([-2.0, 0.5])).passed


def sum_of_squares(x):
    return np.sum(x**2)


def sum_of_squares_backward(x, grad_output):
    return 2.0 * x * grad_output


def test_large_magnitudes_pass():
    gradcheck.check(sum_of_squares, sum_of_squares_backward, np.array([1e150, -3e149, 2e149]))


def test_a_tiny_element_next_to_huge_ones_is_not_verified_and_its_bug_not_passed():
    """Its derivative (2e-150) moves phi (1e300) by far less than phi's rounding."""
    x = np.array([1e150, -3e149, 1e-150])
    result = gradcheck.compare(sum_of_squares, sum_of_squares_backward, x)
    assert [f.where for f in result.unverified] == ["x[2]"] and result.mismatches == ()

    def wrong(x, grad_output):  # 2x wrong on the tiny element
        return grad_output * x * np.array([2.0, 2.0, 4.0])

    assert gradcheck.compare(sum_of_squares, wrong, x).status is Status.UNVERIFIED


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(max_dims=2, max_side=6),
        elements=st.floats(-1e6, 1e6, allow_subnormal=False),
    )
)
def test_relu_never_fails_for_any_input_including_exact_zeros(x):
    """Elements beside ones a million times larger may be unverified (rounding)."""
    gate = Relu()
    assert_passes_or_rounding_bound(gradcheck.compare(gate.forward, gate.backward, x))
    assert_passes_or_rounding_bound(gradcheck.compare(relu, relu_backward, x))


def test_relu_passes_at_exact_zeros_beside_ordinary_magnitudes():
    gate = Relu()
    x = np.array([0.0, -0.0, 1.5, -2.0, 0.0, 3e2])
    assert len(gradcheck.check(gate.forward, gate.backward, x).at_kinks) == 3


@given(st.data())
def test_max_passes_for_any_inputs_including_ties(data):
    shape = data.draw(hnp.array_shapes(max_dims=2, max_side=5))
    elements = st.floats(-1e3, 1e3, allow_subnormal=False)
    a = data.draw(hnp.arrays(np.float64, shape, elements=elements))
    b = data.draw(hnp.arrays(np.float64, shape, elements=elements))
    gate = Max()
    gradcheck.check(gate.forward, gate.backward, a, b)


def test_forward_computing_in_float32_inside_passes_with_measured_noise():
    """The inputs are quantized to float32 inside forward: the noise is measured."""

    def forward(x):
        return np.sum(np.sin(x.astype(np.float32)) ** 2).astype(np.float64)

    def backward(x, grad_output):
        return grad_output * 2 * np.sin(x) * np.cos(x)

    gradcheck.check(forward, backward, np.linspace(-2.0, 2.0, 7))

    def wrong(x, grad_output):
        return 1.01 * backward(x, grad_output)

    assert not gradcheck.compare(forward, wrong, np.linspace(-2.0, 2.0, 7)).passed


SWEEP = np.logspace(-14, -3, 45)


def test_relu_sweep_of_distances_to_its_kink_correct_passes_and_slope_two_fails():
    """Undeclared: every distance from 1e-14 to 1e-3, across the ladder's transition."""

    def slope_two(x, grad_output):
        return grad_output * np.where(x > 0, 2.0, 0.0)

    for distance in SWEEP:
        for x in (distance, -distance):
            gradcheck.check(relu, relu_backward, np.array([x]))
        assert not gradcheck.compare(relu, slope_two, np.array([distance])).passed


def test_reciprocal_sweep_near_an_undeclared_pole_never_passes_a_sign_flip():
    """Close to an undeclared pole a correct 1/x may be "not verified", never a bug passed."""

    def flipped(a, grad_output):
        return grad_output / (a * a)

    def correct(a, grad_output):
        return -grad_output / (a * a)

    verified_from = []
    for x in np.logspace(-12, -1, 45):
        assert not gradcheck.compare(lambda a: 1.0 / a, flipped, np.array([x])).passed
        result = gradcheck.compare(lambda a: 1.0 / a, correct, np.array([x]))
        if not result.passed:
            assert result.status is Status.UNVERIFIED
            assert "could not be verified" in result.hint
        else:
            verified_from.append(x)
    assert min(verified_from) < 1e-6  # verified well inside the range the issue names


def test_relu_near_its_kink_next_to_a_tiny_value_passes():
    """Found by Hypothesis: a tiny phi once made the ladder start too coarse."""
    gradcheck.check(relu, relu_backward, np.array([3.4075955602328513e-218, -1.192092896e-07]))


def test_relu_at_the_smallest_normal_floats_passes():
    """Found by Hypothesis: eps times these values underflows to 0."""
    gradcheck.check(relu, relu_backward, np.array([0.0, 2.2250738585072014e-308] * 3))


def test_relu_with_tiny_positive_elements_among_zeros_passes():
    """Found by Hypothesis (it defeated a joint check along the gradient, withdrawn)."""
    x = np.array(
        [
            [3.88664125e5, 0.0, 0.0, 0.0],
            [1e-15, 1.5, 9.53382035e-115, 4.37059e5],
            [0.0, 9.53382035e-115, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ]
    )
    gradcheck.check(relu, relu_backward, x)


def test_relu_with_balanced_tiny_positives_among_zeros_passes():
    """Found by Hypothesis: kinks whose one-sided slopes balance along a direction."""
    tiny = 8.71199125e-79
    x = np.array(
        [
            [0, 0, tiny, tiny, 0, 0],
            [1.30558857e5, 6.55268e5, 0, 0, 0, 0],
            [0, tiny, 0, 0, 0, tiny],
            [tiny, 0, 0, 0, tiny, 0],
        ]
    )
    gradcheck.check(relu, relu_backward, x)
