"""Feed-forward layers in the CS231n style: ``forward -> (out, cache)``, ``backward(dout, cache)``.

Written for this project in the convention the CS231n assignments made universal, so
that ``gradcheck.adapters.from_cache`` (and ``gradcheck verify nets.cs231n``) is shown
on the layers people actually write: affine, relu, batch and layer normalization,
dropout, a naive convolution and max pool, and the SVM and softmax losses.

Each forward carries the declarations a check reads (plain attributes, nothing
imported from gradcheck): ``shapes`` (axes by name, fixed lengths as integers),
``constants`` (the non-differentiated arguments it is checked with), and where the
layer has kinks their ``kink_distance`` (a function of the forward's full arguments)
and ``kink_points``.
"""

from __future__ import annotations

import numpy as np


def affine_forward(x, w, b):
    """Return ``x.reshape(N, -1) @ w + b`` and the cache."""
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


def affine_backward(dout, cache):
    """Return ``dx, dw, db``."""
    x, w = cache
    flat = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), flat.T @ dout, dout.sum(axis=0)


affine_forward.shapes = (("n", "d"), ("d", "m"), ("m",))


def relu_forward(x):
    """Return ``max(0, x)`` and the cache."""
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    """Return ``dx``: ``dout`` where ``x > 0``, 0 elsewhere (0 on the kink)."""
    return dout * (cache > 0)


relu_forward.kink_distance = lambda x: (np.abs(x),)
relu_forward.kink_points = (0.0,)


def _normalize(x, axis, eps):
    mean = x.mean(axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=axis, keepdims=True) + eps)
    return (x - mean) * inv_std, inv_std


def _normalize_backward(dxhat, xhat, inv_std, axis):
    """Backpropagate through ``xhat = (x - mean) / std`` over ``axis``: all three paths."""
    n = xhat.shape[axis]
    return (inv_std / n) * (
        n * dxhat
        - dxhat.sum(axis=axis, keepdims=True)
        - xhat * (dxhat * xhat).sum(axis=axis, keepdims=True)
    )


def batchnorm_forward(x, gamma, beta, bn_param):
    """Normalize over the batch (training mode), updating ``bn_param``'s running statistics."""
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    if bn_param.get("mode", "train") != "train":
        mean, var = bn_param["running_mean"], bn_param["running_var"]
        return gamma * (x - mean) / np.sqrt(var + eps) + beta, None
    xhat, inv_std = _normalize(x, 0, eps)
    features = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(features))
    running_var = bn_param.get("running_var", np.ones(features))
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * x.mean(axis=0)
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * x.var(axis=0)
    return gamma * xhat + beta, (xhat, inv_std, gamma)


def batchnorm_backward(dout, cache):
    """Return ``dx, dgamma, dbeta``."""
    xhat, inv_std, gamma = cache
    dx = _normalize_backward(dout * gamma, xhat, inv_std, 0)
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


batchnorm_forward.shapes = (("n", "d"), ("d",), ("d",))
batchnorm_forward.constants = {"bn_param": {"mode": "train", "eps": 1e-5}}
batchnorm_forward.bounds = (-1e3, 1e3)


def layernorm_forward(x, gamma, beta, ln_param):
    """Normalize each sample over its features."""
    xhat, inv_std = _normalize(x, 1, ln_param.get("eps", 1e-5))
    return gamma * xhat + beta, (xhat, inv_std, gamma)


def layernorm_backward(dout, cache):
    """Return ``dx, dgamma, dbeta``."""
    xhat, inv_std, gamma = cache
    dx = _normalize_backward(dout * gamma, xhat, inv_std, 1)
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


layernorm_forward.shapes = (("n", "d"), ("d",), ("d",))
layernorm_forward.constants = {"ln_param": {"eps": 1e-5}}
layernorm_forward.bounds = (-1e3, 1e3)


def dropout_forward(x, dropout_param):
    """Inverted dropout: keep each unit with probability ``p``, scale kept ones by 1/p.

    ``seed`` fixes the mask (a check needs the same mask on every call); without one
    each call draws a new mask.
    """
    p, mode = dropout_param["p"], dropout_param.get("mode", "train")
    if mode != "train":
        return x.copy(), None
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = (rng.random(x.shape) < p) / p
    return x * mask, mask


def dropout_backward(dout, cache):
    """Return ``dx``."""
    return dout * cache


dropout_forward.constants = {"dropout_param": {"p": 0.6, "mode": "train", "seed": 231}}


def _conv_geometry(x, w, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    (_, _, height, width), (_, _, hh, ww) = x.shape, w.shape
    if (height + 2 * pad - hh) % stride or (width + 2 * pad - ww) % stride:
        raise ValueError(f"filter {hh}x{ww}, stride {stride}, pad {pad} do not tile {x.shape}")
    return stride, pad, 1 + (height + 2 * pad - hh) // stride, 1 + (width + 2 * pad - ww) // stride


def conv_forward_naive(x, w, b, conv_param):
    """Convolve ``x (N, C, H, W)`` with filters ``w (F, C, HH, WW)``, one output position a step."""
    stride, pad, out_h, out_w = _conv_geometry(x, w, conv_param)
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    hh, ww = w.shape[2:]
    out = np.empty((x.shape[0], w.shape[0], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[:, :, i * stride : i * stride + hh, j * stride : j * stride + ww]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, conv_param)


def conv_backward_naive(dout, cache):
    """Return ``dx, dw, db``."""
    x, w, conv_param = cache
    stride, pad, out_h, out_w = _conv_geometry(x, w, conv_param)
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dpadded, dw = np.zeros_like(padded), np.zeros_like(w)
    hh, ww = w.shape[2:]
    for i in range(out_h):
        for j in range(out_w):
            rows, cols = slice(i * stride, i * stride + hh), slice(j * stride, j * stride + ww)
            g = dout[:, :, i, j]
            dw += np.tensordot(g, padded[:, :, rows, cols], axes=([0], [0]))
            dpadded[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))
    dx = dpadded[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


conv_forward_naive.shapes = (("n", "c", 5, 5), ("f", "c", 3, 3), ("f",))
conv_forward_naive.constants = {"conv_param": {"stride": 2, "pad": 1}}


def _pool_windows(shape, pool_param):
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    out_h, out_w = 1 + (shape[2] - ph) // stride, 1 + (shape[3] - pw) // stride
    for i in range(out_h):
        for j in range(out_w):
            yield i, j, (slice(i * stride, i * stride + ph), slice(j * stride, j * stride + pw))


def max_pool_forward_naive(x, pool_param):
    """Max over each ``pool_height x pool_width`` window, windows ``stride`` apart."""
    windows = list(_pool_windows(x.shape, pool_param))
    out = np.empty((*x.shape[:2], 1 + windows[-1][0], 1 + windows[-1][1]))
    for i, j, (rows, cols) in windows:
        out[:, :, i, j] = x[:, :, rows, cols].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    """Return ``dx``: each window's gradient to its first maximum only (one subgradient)."""
    x, pool_param = cache
    dx = np.zeros_like(x)
    for i, j, (rows, cols) in _pool_windows(x.shape, pool_param):
        window = x[:, :, rows, cols].reshape(*x.shape[:2], -1)
        first = np.eye(window.shape[-1])[window.argmax(axis=-1)]
        dx[:, :, rows, cols] += (first * dout[:, :, i, j][..., None]).reshape(
            *x.shape[:2], rows.stop - rows.start, cols.stop - cols.start
        )
    return dx


def max_pool_kink_distance(x, pool_param):
    """Per element, how far it can move before a window's maximum changes hands."""
    distance = np.full(x.shape, np.inf)
    for _, _, (rows, cols) in _pool_windows(x.shape, pool_param):
        window = x[:, :, rows, cols]
        ordered = np.sort(window.reshape(*x.shape[:2], -1), axis=-1)
        top, second = ordered[..., -1, None, None], ordered[..., -2, None, None]
        gap = np.where(window == top, top - second, top - window)
        distance[:, :, rows, cols] = np.minimum(distance[:, :, rows, cols], gap)
    return (distance,)


max_pool_forward_naive.shapes = (("n", "c", 4, 4),)
max_pool_forward_naive.constants = {"pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2}}
max_pool_forward_naive.kink_distance = max_pool_kink_distance
max_pool_forward_naive.kink_points = (0.0,)


def svm_loss(x, y):
    """Multiclass hinge loss, averaged over the batch, and ``dx``."""
    n = np.arange(x.shape[0])
    margins = np.maximum(0.0, x - x[n, y][:, None] + 1.0)
    margins[n, y] = 0.0
    positive = (margins > 0).astype(x.dtype)
    positive[n, y] = -positive.sum(axis=1)
    return margins.sum() / x.shape[0], positive / x.shape[0]


def svm_kink_distance(x, y):
    """Distance to the nearest margin's hinge: ``x_iy`` moves every margin of its row."""
    n = np.arange(x.shape[0])
    reach = np.abs(x - x[n, y][:, None] + 1.0)
    reach[n, y] = np.inf
    reach[n, y] = reach.min(axis=1)
    return (reach,)


LABELS = np.array([0, 2, 1, 2])
svm_loss.shapes = ((4, 3),)
svm_loss.constants = {"y": LABELS}
svm_loss.kink_distance = svm_kink_distance
svm_loss.kink_points = (0.0, 1.0, -1.0)


def softmax_loss(x, y):
    """Cross-entropy of the softmax of ``x``, averaged over the batch, and ``dx``."""
    n = np.arange(x.shape[0])
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dx = np.exp(log_probs)
    dx[n, y] -= 1.0
    return -log_probs[n, y].mean(), dx / x.shape[0]


softmax_loss.shapes = ((4, 3),)
softmax_loss.constants = {"y": LABELS}
