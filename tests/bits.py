"""Bit-for-bit comparison of arrays, for the tests that claim the same bits."""

import numpy as np


def same_bits(a: object, b: object) -> bool:
    """Whether ``a`` and ``b`` are arrays of one dtype and shape holding the same bytes.

    A bool, so that a failing ``assert same_bits(...)`` reports at once: asserting
    ``a.tobytes() == b.tobytes()`` makes pytest diff two long byte strings, which took
    minutes on a 16 kB one.
    """
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
