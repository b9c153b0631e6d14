"""A one-hidden-layer classifier with hand-written backward, for power tests."""

from collections.abc import Callable

import numpy as np

Arrays = tuple[np.ndarray, ...]


def mlp(
    activation: str = "tanh",
    n_in: int = 20,
    hidden: int = 400,
    n_out: int = 5,
    batch: int = 64,
    seed: int = 0,
) -> tuple[Callable[..., np.ndarray], Callable[..., Arrays], list[np.ndarray]]:
    """Return forward(W1, b1, W2, b2) -> mean cross-entropy, its backward, and parameters.

    The default sizes give 10,405 parameters.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, n_in))
    y = rng.integers(0, n_out, batch)
    params = [
        rng.standard_normal((n_in, hidden)) / np.sqrt(n_in),
        0.1 * rng.standard_normal(hidden),
        rng.standard_normal((hidden, n_out)) / np.sqrt(hidden),
        0.1 * rng.standard_normal(n_out),
    ]
    if activation == "tanh":

        def act(z):
            return np.tanh(z)

        def act_grad(z, a):
            return 1.0 - a**2
    else:

        def act(z):
            return np.maximum(z, 0.0)

        def act_grad(z, a):
            return (z > 0).astype(float)

    rows = np.arange(batch)

    def forward(W1, b1, W2, b2):
        s = act(X @ W1 + b1) @ W2 + b2
        s = s - s.max(axis=1, keepdims=True)
        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
        return -log_p[rows, y].mean()

    def backward(W1, b1, W2, b2, grad_output):
        z = X @ W1 + b1
        a = act(z)
        s = a @ W2 + b2
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        ds = p.copy()
        ds[rows, y] -= 1.0
        ds *= grad_output / batch
        dz = (ds @ W2.T) * act_grad(z, a)
        return X.T @ dz, dz.sum(axis=0), a.T @ ds, ds.sum(axis=0)

    return forward, backward, params


def with_wrong_entry(
    backward: Callable[..., Arrays], which: int, index: tuple[int, ...], factor: float
) -> Callable[..., Arrays]:
    """Return a backward whose gradient ``which`` is off by ``factor`` at ``index``."""

    def wrong(*arguments):
        grads = [np.array(g, dtype=float) for g in backward(*arguments)]
        grads[which][index] *= factor
        return tuple(grads)

    return wrong
