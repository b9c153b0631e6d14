"""CS231n-style layers: ``forward -> (out, cache)`` and ``backward(dout, cache)`` pairs.

:mod:`nets.cs231n.layers` holds the feed-forward layers and the losses,
:mod:`nets.cs231n.recurrent` one RNN and one LSTM step, and :mod:`nets.cs231n.planted`
the classic bugs of that style, each as a wrong backward beside the right one.
``gradcheck verify nets.cs231n.layers nets.cs231n.recurrent`` checks every pair.
"""
