"""The losses' fast paths: numpy's bits, whatever route the values take."""

import numpy as np
import pytest

from nets import losses
from nets.layers import Loss
from tests.bits import same_bits


@pytest.mark.parametrize("columns", range(1, 10))
def test_the_softmax_row_reductions_are_numpys_bit_for_bit(columns):
    """Column by column for a few classes: the maximum and the sum numpy's reduce gives."""
    rng = np.random.default_rng(columns)
    values = rng.standard_normal((64, columns)) * 10.0 ** rng.uniform(-8, 8, (64, columns))
    values[0, 0] = -0.0
    for ufunc in (np.add, np.maximum):
        for layout in (values, np.asfortranarray(values)):
            expected = ufunc.reduce(layout, axis=1, keepdims=True)
            found = losses._by_rows(ufunc, layout)
            assert same_bits(found, expected)


@pytest.mark.parametrize("columns", [1, 2, 3, 9])
@pytest.mark.parametrize("function", [losses.L2(), losses.SoftmaxCrossEntropy()])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_one_pass_of_a_loss_gives_its_forward_and_backward_bit_for_bit(
    function, columns, reduction
):
    """value_and_gradient, where a loss has one, is the same bits as value and gradient."""
    rng = np.random.default_rng(columns)
    prediction = rng.standard_normal((50, columns)) * 10.0 ** rng.uniform(-8, 3, (50, columns))
    if isinstance(function, losses.L2):
        target = prediction + rng.standard_normal((50, columns))
        target[0] = prediction[0]  # an exact fit: errors of zero
    else:
        target = rng.integers(0, columns, 50) if columns > 1 else np.zeros(50, dtype=int)
    gate = Loss(function, target, reduction)
    value, grad = gate.forward_with_cache(prediction)
    assert same_bits(value, gate.forward(prediction))
    one = np.array(1.0)
    expected = gate.backward(prediction, one)
    assert same_bits(gate.backward_from_cache(grad, one), expected)
