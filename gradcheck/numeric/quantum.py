"""phi's granularity, read from the values a ladder saw: plateaus away from phi(0).

Some functions compute a tiny value as a difference of terms of size 1 (a saturated
sigmoid written ``(1 + tanh(z / 2)) / 2``): their phi moves in quanta far coarser than
``eps * |phi|``, and the noise measured along random directions, where other terms
dominate, can miss it. A ladder's finest steps then read quanta as slopes, or the same
value on both sides as a zero slope. The signature is a plateau: phi returning the same
value, other than phi(0), at two different steps on the same side; a flat side of a
kink returns phi(0) itself, and a smooth phi returns a new value at every step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Evaluate = Callable[[float], tuple[float, float]]


class Recorder:
    """Wrap an ``evaluate``, keeping what every step returned: asked again, no call."""

    def __init__(self, evaluate: Evaluate) -> None:
        self._evaluate = evaluate
        self._seen: dict[float, tuple[float, float]] = {}

    def __call__(self, step: float) -> tuple[float, float]:
        """Return ``evaluate(step)``, called once per step."""
        if step not in self._seen:
            self._seen[step] = self._evaluate(step)
        return self._seen[step]

    def quantum(self, base: float) -> float:
        """Return phi's quantum where the values show a plateau, else 0.

        The smallest nonzero difference between the distinct values seen (phi(0)
        included): on a lattice of quanta, every difference is a multiple of one.
        """
        sides: dict[tuple[bool, float], set[float]] = {}
        for step, (value, _) in self._seen.items():
            if np.isfinite(value) and value != base and step != 0.0:
                sides.setdefault((step > 0.0, value), set()).add(step)
        if not any(len(steps) > 1 for steps in sides.values()):
            return 0.0
        values = np.unique([base, *(value for _, value in sides)])
        return float(np.min(np.diff(values)))
