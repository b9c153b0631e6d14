"""One step of a vanilla RNN and of an LSTM, in the CS231n style (``(out, cache)`` pairs).

The LSTM step has two outputs, ``next_h`` and ``next_c``, returned before the cache;
its backward takes both upstream gradients, then the cache. Declarations as in
:mod:`nets.cs231n.layers` (the LSTM's hidden size is fixed at 2: its weights have
``4 * hidden`` columns, which named axes cannot say).
"""

from __future__ import annotations

import numpy as np


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """Return ``next_h = tanh(x Wx + prev_h Wh + b)`` and the cache."""
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """Return ``dx, dprev_h, dWx, dWh, db``."""
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


rnn_step_forward.shapes = (("n", "d"), ("n", "h"), ("d", "h"), ("h", "h"), ("h",))
rnn_step_forward.bounds = (-10.0, 10.0)

HIDDEN = 2


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """Return ``next_h, next_c`` and the cache (gates in the order i, f, o, g)."""
    a = x @ Wx + prev_h @ Wh + b
    h = prev_h.shape[1]
    i, f, o = _sigmoid(a[:, :h]), _sigmoid(a[:, h : 2 * h]), _sigmoid(a[:, 2 * h : 3 * h])
    g = np.tanh(a[:, 3 * h :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    return o * tanh_c, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Return ``dx, dprev_h, dprev_c, dWx, dWh, db``."""
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)
    da = np.concatenate(
        [
            dc * g * i * (1.0 - i),
            dc * prev_c * f * (1.0 - f),
            dnext_h * tanh_c * o * (1.0 - o),
            dc * i * (1.0 - g**2),
        ],
        axis=1,
    )
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


lstm_step_forward.shapes = (
    ("n", "d"),
    ("n", HIDDEN),
    ("n", HIDDEN),
    ("d", 4 * HIDDEN),
    (HIDDEN, 4 * HIDDEN),
    (4 * HIDDEN,),
)
lstm_step_forward.bounds = (-10.0, 10.0)
