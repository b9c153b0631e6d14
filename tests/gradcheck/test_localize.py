"""Localization names the first node whose own backward is wrong."""

from types import SimpleNamespace

import numpy as np

import gradcheck


def node(name, forward, backward, *inputs):
    return SimpleNamespace(
        name=name,
        forward=forward,
        backward=backward,
        inputs=tuple(np.asarray(x, dtype=float) for x in inputs),
    )


GOOD = node("sin", np.sin, lambda x, g: g * np.cos(x), [0.3, 1.0])
BAD = node("square", lambda x: x * x, lambda x, g: x * g, [2.0])
ALSO_BAD = node("exp", np.exp, lambda x, g: g, [1.0])


def test_first_wrong_node_in_execution_order_is_named():
    found = gradcheck.localize([GOOD, BAD, ALSO_BAD])
    assert (found.culprit, found.position, found.count) == ("square", 1, 3)
    assert [v.name for v in found.verdicts] == ["sin", "square"]
    assert str(found).startswith("node 'square' (2 of 3) is wrong: gradient wrong at x")


def test_all_nodes_right_points_at_the_wiring():
    found = gradcheck.localize([GOOD, GOOD])
    assert found.culprit is None
    assert "wired" in str(found)


def test_a_node_breaking_the_contract_is_the_culprit():
    shapeless = node("bad_shape", np.sin, lambda x, g: np.zeros(5), [0.3, 1.0])
    found = gradcheck.localize([GOOD, shapeless])
    assert found.culprit == "bad_shape"
    assert isinstance(found.verdicts[-1].error, gradcheck.BackwardContractError)


class Traced:
    """A composed function y = sum(sin(x)**2) with a wrong inner node and a trace."""

    def forward(self, x):
        return np.sum(np.sin(x) ** 2)

    def backward(self, x, g):
        return g * 2 * np.sin(x)  # the chain through sin is missing

    def trace(self, x):
        s = np.sin(x)
        return [
            node("sin", np.sin, lambda v, gg: gg * np.cos(v), x),
            node("sum_sq", lambda v: np.sum(v**2), lambda v, gg: gg * v, s),  # wrong: 2v
        ]


def test_check_of_a_traceable_function_names_the_culprit_in_its_message():
    traced = Traced()
    result = gradcheck.compare(traced.forward, traced.backward, np.array([0.2, 0.9]))
    assert result.localization.culprit == "sum_sq"
    assert "culprit: node 'sum_sq'" in str(result)
