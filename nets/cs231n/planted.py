"""The classic bugs of the CS231n style, each a wrong backward for a right forward.

:data:`PLANTED` maps a name to ``(forward, wrong backward, what is wrong)``; the forward
is the right one from :mod:`nets.cs231n.layers` or :mod:`nets.cs231n.recurrent`, so a
check of the pair fails only through the planted slip.
"""

from __future__ import annotations

import numpy as np

from nets.cs231n import layers, recurrent


def batchnorm_backward_missing_term(dout, cache):
    """Batchnorm's dx without the path through the batch variance (a classic omission)."""
    xhat, inv_std, gamma = cache
    dxhat = dout * gamma
    dx = inv_std * (dxhat - dxhat.mean(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def max_pool_backward_every_tie(dout, cache):
    """Max pool routing a window's gradient to every element equal to its maximum."""
    x, pool_param = cache
    dx = np.zeros_like(x)
    for i, j, (rows, cols) in layers._pool_windows(x.shape, pool_param):
        window = x[:, :, rows, cols]
        top = window.max(axis=(2, 3), keepdims=True)
        dx[:, :, rows, cols] += (window == top) * dout[:, :, i, j][..., None, None]
    return dx


def conv_backward_stride_ignored_in_dw(dout, cache):
    """Naive conv backward whose dw reads the input window as if the stride were 1."""
    x, w, conv_param = cache
    stride, pad, out_h, out_w = layers._conv_geometry(x, w, conv_param)
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dpadded, dw = np.zeros_like(padded), np.zeros_like(w)
    hh, ww = w.shape[2:]
    for i in range(out_h):
        for j in range(out_w):
            rows, cols = slice(i * stride, i * stride + hh), slice(j * stride, j * stride + ww)
            g = dout[:, :, i, j]
            dw += np.tensordot(g, padded[:, :, i : i + hh, j : j + ww], axes=([0], [0]))
            dpadded[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))
    dx = dpadded[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))


def dropout_backward_unscaled(dout, cache):
    """Inverted dropout's backward passing the kept units unscaled (forgets the 1/p)."""
    return dout * (cache > 0)


def lstm_step_backward_forget_gate_on_h(dnext_h, dnext_c, cache):
    """LSTM step whose forget gate's gradient multiplies by prev_h instead of prev_c."""
    x, prev_h, _, Wx, Wh, i, f, o, g, tanh_c = cache
    return recurrent.lstm_step_backward(
        dnext_h, dnext_c, (x, prev_h, prev_h, Wx, Wh, i, f, o, g, tanh_c)
    )


PLANTED = {
    "batchnorm dx missing the variance term": (
        layers.batchnorm_forward,
        batchnorm_backward_missing_term,
    ),
    "max pool routing to every tie": (layers.max_pool_forward_naive, max_pool_backward_every_tie),
    "conv stride ignored in dw": (layers.conv_forward_naive, conv_backward_stride_ignored_in_dw),
    "dropout backward without 1/p": (layers.dropout_forward, dropout_backward_unscaled),
    "lstm forget gate on prev_h": (
        recurrent.lstm_step_forward,
        lstm_step_backward_forget_gate_on_h,
    ),
}
