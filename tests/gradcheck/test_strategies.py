"""The strategies draw what they promise: near kinks, in the domain, broadcastable."""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from gradcheck.errors import InvalidInputError
from gradcheck.strategies import Apply, Leaf, expressions, floats_near, inputs_for


def test_floats_near_reaches_within_1e_12_of_a_point_and_the_point_itself():
    assert find(floats_near([2.0]), lambda v: 0 < abs(v - 2.0) <= 2e-12)
    assert find(floats_near([2.0]), lambda v: v == 2.0) == 2.0


def test_floats_near_reaches_extreme_magnitudes_within_bounds():
    assert find(floats_near(low=-1e8, high=1e8), lambda v: abs(v) >= 1e8) in (1e8, -1e8)


@given(floats_near([0.0], low=0.0, high=10.0))
def test_floats_near_stays_within_bounds(value):
    assert 0.0 <= value <= 10.0


class Gate:
    arity = 2
    kinks = (1.0,)
    bounds = (0.0, 100.0)

    def forward(self, a, b):
        return a * b

    def in_domain(self, a, b):
        return bool(np.all(a != 50.0))


@given(inputs_for(Gate()))
def test_inputs_respect_bounds_and_domain_and_broadcast(inputs):
    a, b = inputs
    assert a.dtype == np.float64 and b.dtype == np.float64
    np.broadcast_shapes(a.shape, b.shape)
    assert np.all((a >= 0.0) & (a <= 100.0)) and not np.any(a == 50.0)


def test_inputs_produce_ties_between_inputs():
    assert find(
        inputs_for(Gate()),
        lambda xs: xs[0].size > 1 and np.array_equal(xs[0], xs[1]) and len(np.unique(xs[0])) > 1,
    )


def test_inputs_reach_a_declared_kink_exactly():
    assert find(inputs_for(Gate()), lambda xs: np.any(xs[0] == 1.0))


def test_arity_comes_from_forward_without_a_declaration():
    def forward(a, b, c):
        return a + b + c

    assert len(find(inputs_for(forward), lambda xs: True)) == 3


def test_arity_comes_from_declared_input_names_and_star_args_need_one():
    def forward(*inputs):
        return sum(inputs)

    with pytest.raises(InvalidInputError, match="declare an `arity` or `input_names`"):
        inputs_for(forward)
    forward.input_names = ("a", "b")
    assert len(find(inputs_for(forward), lambda xs: True)) == 2


class Affine:
    """x @ W + b: inputs whose shapes are not broadcastable, declared by axis name."""

    shapes = (("batch", "prev"), ("prev", "n"), ("n",))

    def forward(self, x, W, b):
        return x @ W + b


@given(inputs_for(Affine()))
def test_declared_shapes_give_every_input_its_named_axes(inputs):
    x, W, b = inputs
    assert x.ndim == 2 and x.shape[1] == W.shape[0] and W.shape[1:] == b.shape
    Affine().forward(x, W, b)


def test_declared_shapes_reach_more_than_one_length_per_axis():
    assert find(inputs_for(Affine()), lambda xs: xs[0].shape == (3, 2) and xs[2].shape == (4,))


def test_declared_shapes_must_be_a_tuple_of_axes_per_input():
    class Wrong(Affine):
        shapes = ("batch", 3)

    with pytest.raises(InvalidInputError, match="a tuple of axes per input"):
        inputs_for(Wrong())


def test_expressions_shrink_to_a_minimal_tree():
    relu = SimpleNamespace(name="relu", arity=1)
    add = SimpleNamespace(name="add", arity=2)
    found = find(expressions([add, relu], 3), lambda e: "relu" in str(e) and "x2" in str(e))
    assert str(found) == "relu(x2)"


@given(expressions([SimpleNamespace(name="neg", arity=1)], 2, max_leaves=4))
def test_expressions_read_only_existing_inputs(expression):
    node = expression
    while isinstance(node, Apply):
        node = node.arguments[0]
    assert isinstance(node, Leaf) and node.index in (0, 1)


@given(st.integers(-3, 0))
def test_expressions_need_an_input(count):
    try:
        expressions([], count)
    except ValueError:
        return
    raise AssertionError("expected ValueError")
