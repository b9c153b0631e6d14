"""Stateful layers in the style of seed 002: checked in place, restored bit for bit."""

import numpy as np
import pytest

import gradcheck
from tests.bits import same_bits


class Layer:
    """Seed 002's layer: w, b as attributes; backward stores grad_w, grad_b."""

    def __init__(self, prev, n, seed=0, bug=None):
        rng = np.random.default_rng(seed)
        self.w = rng.standard_normal((prev, n))
        self.b = rng.standard_normal(n)
        self.bug = bug

    def forward(self, x):
        self.x = x
        self.y = np.tanh(x @ self.w + self.b)
        return self.y

    def backward(self, grad):
        delta = grad * (1 - self.y**2)
        self.grad_w = self.x.T @ delta
        self.grad_b = delta.sum(axis=0)
        if self.bug == "mean":
            self.grad_b = delta.mean(axis=0)
        if self.bug == "transpose":
            self.grad_w = (self.x.T @ delta).T
        return delta @ self.w.T


X = np.random.default_rng(1).standard_normal((5, 3))


def test_correct_layer_passes():
    result = gradcheck.check_module(Layer(3, 3), X)
    assert result.names == ("x", "w", "b")


@pytest.mark.parametrize(("bug", "where"), [("mean", "b"), ("transpose", "w")])
def test_layer_with_a_wrong_parameter_gradient_is_caught_and_named(bug, where):
    with pytest.raises(gradcheck.GradientMismatch) as info:
        gradcheck.check_module(Layer(3, 3, bug=bug), X)
    assert {f.location.name for f in info.value.result.mismatches} == {where}


@pytest.mark.parametrize("bug", [None, "mean"])
def test_parameters_are_restored_bit_for_bit_and_keep_their_identity(bug):
    layer = Layer(3, 3, bug=bug)
    w, b = layer.w, layer.b
    saved_w, saved_b = w.copy(), b.copy()
    try:
        gradcheck.check_module(layer, X)
    except gradcheck.GradientMismatch:
        pass
    assert layer.w is w and layer.b is b
    assert same_bits(w, saved_w) and same_bits(b, saved_b)


def test_parameters_are_restored_when_the_check_raises():
    layer = Layer(3, 3)
    saved = layer.w.copy()

    def broken_backward(grad):
        raise RuntimeError("boom")

    layer.backward = broken_backward
    with pytest.raises(gradcheck.BackwardContractError):
        gradcheck.check_module(layer, X)
    assert same_bits(layer.w, saved)


def test_layer_without_a_parameter_array_gets_a_named_error():
    layer = Layer(3, 3)
    layer.b = None
    with pytest.raises(gradcheck.InvalidInputError, match=r"Layer\.b"):
        gradcheck.check_module(layer, X)


def test_layer_whose_backward_stores_no_gradient_gets_a_named_error():
    class Forgetful(Layer):
        def backward(self, grad):
            return (grad * (1 - self.y**2)) @ self.w.T

    with pytest.raises(gradcheck.BackwardContractError, match="grad_w"):
        gradcheck.check_module(Forgetful(3, 3), X)
