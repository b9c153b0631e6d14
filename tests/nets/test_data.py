"""The seeds' data sets, exactly as the tutorials generated them."""

import numpy as np
import pytest

from nets import data


def test_celsius_table_is_seed_000s():
    c, f = data.celsius()
    assert c.tolist() == list(range(-50, 50))
    np.testing.assert_array_equal(f, c * 9 / 5 + 32)


def _seed_001_reference_losses(X, y, hidden, passes):
    """The tutorial's training loop, as published: full-batch gradient descent on the
    summed cross-entropy with lambda = 0.01, learning rate 0.01, loss printed after the
    update every 1000 passes (as the sum divided by N)."""
    n, lam, eps = len(X), 0.01, 0.01
    rows = np.arange(n)
    legacy = np.random.RandomState(0)  # the tutorial's np.random.seed(0)
    W1 = legacy.randn(2, hidden) / np.sqrt(2)
    b1 = np.zeros((1, hidden))
    W2 = legacy.randn(hidden, 2) / np.sqrt(hidden)
    b2 = np.zeros((1, 2))
    printed = []
    for i in range(passes):
        a1 = np.tanh(X @ W1 + b1)
        p = np.exp(a1 @ W2 + b2)
        p /= p.sum(axis=1, keepdims=True)
        delta3 = p.copy()
        delta3[rows, y] -= 1
        delta2 = delta3 @ W2.T * (1 - a1**2)
        W1 -= eps * (X.T @ delta2 + lam * W1)
        b1 -= eps * delta2.sum(axis=0)
        W2 -= eps * (a1.T @ delta3 + lam * W2)
        b2 -= eps * delta3.sum(axis=0, keepdims=True)
        if i % 1000 == 0:
            a1 = np.tanh(X @ W1 + b1)
            p = np.exp(a1 @ W2 + b2)
            p /= p.sum(axis=1, keepdims=True)
            total = -np.log(p[rows, y]).sum() + lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
            printed.append(total / n)
    return printed


def test_moons_reproduce_the_losses_seed_001_prints():
    X, y = data.moons(200, noise=0.20, seed=0)
    losses = _seed_001_reference_losses(X, y, hidden=3, passes=1001)
    assert losses == pytest.approx([0.432387, 0.068947], abs=1e-6)


def test_moons_shape_labels_and_seeding():
    X, y = data.moons(201, noise=0.1, seed=3)
    assert X.shape == (201, 2) and sorted(set(y.tolist())) == [0, 1]
    assert (y == 0).sum() == 100 and (y == 1).sum() == 101
    np.testing.assert_array_equal(X, data.moons(201, noise=0.1, seed=3)[0])
    assert not np.array_equal(X, data.moons(201, noise=0.1, seed=4)[0])


def test_moons_without_noise_lie_on_their_circles():
    X, y = data.moons(50, noise=None)
    outer = X[y == 0]
    inner = X[y == 1] - np.array([1.0, 0.5])
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0)
    np.testing.assert_allclose(np.hypot(*inner.T), 1.0)


def test_split_keeps_every_sample_once():
    X, y = data.moons(40)
    X_train, y_train, X_test, y_test = data.split(X, y, held_out=0.25, seed=1)
    assert len(X_train) == 30 and len(X_test) == 10
    pairs = np.column_stack([np.vstack([X_train, X_test]), np.hstack([y_train, y_test])])
    original = np.column_stack([X, y])
    assert sorted(map(tuple, pairs.tolist())) == sorted(map(tuple, original.tolist()))


@pytest.mark.parametrize("held_out", [0.0, 1.0, -0.5])
def test_split_rejects_fractions_outside_0_1(held_out):
    with pytest.raises(ValueError, match="held_out"):
        data.split(np.zeros((4, 2)), np.zeros(4), held_out=held_out)


def test_separable_classes_are_separated_by_the_margin():
    X, y = data.separable(200, margin=1.0, seed=2)
    signed = (X @ np.array([1.0, 1.0]) / np.sqrt(2.0)) * y
    assert signed.min() >= 0.5


def test_svm_points_are_seed_003s_six():
    X, y = data.svm_points()
    assert X.shape == (6, 2) and y.tolist() == [1.0, -1.0, 1.0, -1.0, -1.0, 1.0]
