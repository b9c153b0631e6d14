"""The networks: seed 001 reproduced, gradients verified under Hypothesis configurations."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradcheck
from nets import MLP, Perceptron, data
from nets.models import OUTPUT_LOSSES
from tests.nets.verdicts import assert_passes_or_honest


def as_function(model, X, y):
    """The model's loss as a function of its parameters, in gradcheck's convention."""
    names = list(model.params)

    def with_params(values, compute):
        saved = model.params
        model.params = dict(zip(names, values, strict=True))
        try:
            return compute()
        finally:
            model.params = saved

    def forward(*values):
        return np.array(with_params(values, lambda: model.loss(X, y)))

    def backward(*arguments):
        *values, grad_output = arguments
        grads = with_params(values, lambda: model.gradients(X, y))
        return tuple(grad_output * grads[n] for n in names)

    return forward, backward, [model.params[n].copy() for n in names], names


CONFIGURATIONS = st.sampled_from(OUTPUT_LOSSES)


@given(
    data=st.data(),
    configuration=CONFIGURATIONS,
    activation=st.sampled_from(["sigmoid", "tanh", "relu"]),
    reduction=st.sampled_from(["mean", "sum"]),
    l2=st.sampled_from([0.0, 0.01, 1.0]),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(2, 3), st.integers(1, 6)),
    seed=st.integers(0, 2**16),
)
def test_mlp_gradients_pass_gradcheck_for_any_configuration(
    data, configuration, activation, reduction, l2, sizes, seed
):
    output, loss = configuration
    n_in, hidden, n_out, batch = sizes
    if output == "sigmoid" and loss == "cross_entropy":
        n_out = 1
    X = data.draw(hnp.arrays(np.float64, (batch, n_in), elements=st.floats(-3, 3)))
    if (loss in ("cross_entropy", "hinge") and output == "softmax") or loss == "hinge":
        y = data.draw(hnp.arrays(np.intp, batch, elements=st.integers(0, n_out - 1)))
    elif output == "sigmoid" and loss == "cross_entropy":
        y = data.draw(hnp.arrays(np.float64, batch, elements=st.sampled_from([0.0, 1.0])))
    else:
        y = data.draw(hnp.arrays(np.float64, (batch, n_out), elements=st.floats(-2, 2)))
    model = MLP(n_in, hidden, n_out, activation, output, loss, l2, reduction, seed)
    forward, backward, values, names = as_function(model, X, y)
    result = gradcheck.compare(forward, backward, *values, names=names)
    # Each weight feeds every sample: relu and hinge kinks can meet along one coordinate.
    assert_passes_or_honest(result, values, 1, [batch] * len(values))


@given(
    activation=st.sampled_from(["identity", "sigmoid", "tanh", "relu"]),
    loss=st.sampled_from(["l2", "mse"]),
    reduction=st.sampled_from(["mean", "sum"]),
    seed=st.integers(0, 1000),
)
def test_perceptron_gradients_pass_gradcheck(activation, loss, reduction, seed):
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    model = Perceptron(3, 2, activation, loss, reduction, l2=0.1, seed=seed)
    forward, backward, values, names = as_function(model, X, y)
    assume(np.all(np.abs(X @ values[0] + values[1]) > 1e-6))  # relu off its kinks
    gradcheck.check(forward, backward, *values, names=names)


class MeanInsteadOfSumBias(MLP):
    def gradients(self, X, y):
        grads = super().gradients(X, y)
        grads["b1"] = grads["b1"] / len(X)
        return grads


class NoPenaltyOnW1(MLP):
    def gradients(self, X, y):
        grads = super().gradients(X, y)
        grads["W1"] = grads["W1"] - self.l2 * self.params["W1"]
        return grads


@pytest.mark.parametrize(("broken", "where"), [(MeanInsteadOfSumBias, "b1"), (NoPenaltyOnW1, "W1")])
def test_broken_model_gradients_are_caught_and_the_parameter_named(broken, where):
    X, y = data.moons(20, seed=1)
    model = broken(2, 4, 2, l2=0.5, seed=3)
    forward, backward, values, names = as_function(model, X, y)
    result = gradcheck.compare(forward, backward, *values, names=names)
    assert {f.location.name for f in result.mismatches} == {where}


def test_seed_001_convention_sums_gradients_n_times_the_printed_mean_loss():
    """The tutorial sums gradients over the batch but prints the mean: the checker shows
    its gradient is that of N times the printed loss (an effective step of 0.01 * N)."""
    X, y = data.moons(200, noise=0.20, seed=0)
    summed = MLP(2, 3, 2, l2=0.0, reduction="sum", seed=0)
    printed = MLP(2, 3, 2, l2=0.0, reduction="mean", seed=0)
    forward, _, values, names = as_function(printed, X, y)
    _, backward, _, _ = as_function(summed, X, y)
    result = gradcheck.compare(forward, backward, *values, names=names)
    assert "factor 200" in result.hint


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"activation": "swish"}, "activation"),
        ({"output": "softmax", "loss": "mse"}, "softmax"),
        ({"output": "sigmoid", "loss": "hinge"}, "hinge"),
        ({"reduction": "median"}, "reduction"),
        ({"l2": -1.0}, "l2"),
    ],
)
def test_bad_configurations_are_named_errors(arguments, words):
    with pytest.raises(ValueError, match=words):
        MLP(2, 3, 2, **arguments)


def test_predict_returns_classes_for_classifiers():
    X = data.moons(50, seed=0)[0]
    assert set(MLP(2, 4, 2).predict(X).tolist()) <= {0, 1}
    assert MLP(2, 4, 1, output="sigmoid").predict(X).shape == (50,)
    assert MLP(2, 4, 3, output="linear", loss="l2").predict(X).shape == (50, 3)
