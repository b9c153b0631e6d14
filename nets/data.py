"""The data sets of the seeds, generated exactly as the tutorials did.

>>> C, F = celsius()
>>> C[:2].tolist(), F[:2].tolist(), F[50].item()
([-50.0, -49.0], [-58.0, -56.2], 32.0)
"""

from __future__ import annotations

import numpy as np


def celsius() -> tuple[np.ndarray, np.ndarray]:
    """Return seed 000's table: celsius in range(-50, 50) and F = C * 9/5 + 32."""
    c = np.arange(-50, 50, dtype=float)
    return c, c * 9 / 5 + 32


def moons(
    n_samples: int = 200, noise: float | None = 0.20, seed: int = 0, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (seed 001's data set).

    The points are drawn as scikit-learn's ``make_moons`` draws them, from a legacy
    ``RandomState(seed)``, so ``moons(200, 0.20, seed=0)`` is the data set the tutorial
    trained on after ``np.random.seed(0)`` (its published losses reproduce on it).

    Parameters
    ----------
    n_samples : int
        Number of points; the outer moon gets ``n_samples // 2`` of them.
    noise : float or None
        Standard deviation of the Gaussian noise added to every coordinate.
    seed : int
        Seed of the ``RandomState``.
    shuffle : bool
        Shuffle the points (before the noise is drawn, as scikit-learn does).

    Returns
    -------
    X : numpy.ndarray
        Shape (n_samples, 2).
    y : numpy.ndarray
        Labels 0 (outer moon) and 1 (inner moon), integer dtype.
    """
    if n_samples < 2:
        raise ValueError(f"moons needs at least 2 samples, got {n_samples}")
    rng = np.random.RandomState(seed)
    outer, inner = n_samples // 2, n_samples - n_samples // 2
    x = np.append(np.cos(np.linspace(0, np.pi, outer)), 1 - np.cos(np.linspace(0, np.pi, inner)))
    y_coordinate = np.append(
        np.sin(np.linspace(0, np.pi, outer)), 1 - np.sin(np.linspace(0, np.pi, inner)) - 0.5
    )
    X = np.vstack([x, y_coordinate]).T
    y = np.hstack([np.zeros(outer, dtype=np.intp), np.ones(inner, dtype=np.intp)])
    if shuffle:
        order = np.arange(n_samples)
        rng.shuffle(order)
        X, y = X[order], y[order]
    if noise is not None:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y


def split(
    X: np.ndarray, y: np.ndarray, held_out: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split into training and held-out sets: ``X_train, y_train, X_test, y_test``.

    >>> X_train, y_train, X_test, y_test = split(np.arange(8.0).reshape(4, 2), np.arange(4))
    >>> len(X_train), len(X_test)
    (3, 1)
    """
    if not 0.0 < held_out < 1.0:
        raise ValueError(f"held_out must lie in (0, 1), got {held_out}")
    order = np.random.default_rng(seed).permutation(len(X))
    cut = len(X) - max(1, round(held_out * len(X)))
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]


def separable(
    n_samples: int = 100, margin: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian classes in 2-D separated by a margin around the line x0 + x1 = 0.

    Returns points and labels -1 / +1; every point lies at least ``margin / 2`` from the
    line, so a linear classifier separates them.
    """
    rng = np.random.default_rng(seed)
    normal = np.array([1.0, 1.0]) / np.sqrt(2.0)
    y = np.where(np.arange(n_samples) % 2 == 0, 1.0, -1.0)
    along = rng.normal(scale=2.0, size=n_samples)
    across = margin / 2 + np.abs(rng.normal(scale=1.0, size=n_samples))
    tangent = np.array([1.0, -1.0]) / np.sqrt(2.0)
    X = along[:, None] * tangent + (y * across)[:, None] * normal
    return X, y


def svm_points() -> tuple[np.ndarray, np.ndarray]:
    """Return the six 2-D points and labels of seed 003's support vector machine."""
    X = np.array([[1.2, 0.7], [-0.3, -0.5], [3.0, 0.1], [-0.1, -1.0], [-1.0, 1.1], [2.1, -3.0]])
    y = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0])
    return X, y
