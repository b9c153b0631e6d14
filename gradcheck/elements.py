"""Per-element facts shared by both modes: where each element is, how far to step it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradcheck.defaults import BASE_STEP, STEP_SCALE_FLOOR


@dataclass(frozen=True)
class Elements:
    """The inputs' elements, numbered 0..n-1 across all inputs in order.

    Attributes
    ----------
    shapes : tuple of tuple of int
        Shape of each input.
    scales : list of numpy.ndarray
        ``max(|x|, STEP_SCALE_FLOOR)``: the size of a step is relative to this.
    distances : list of numpy.ndarray
        Declared distance to the nearest kink (``inf`` when none is declared).
    gradients : list of numpy.ndarray
        The analytic gradients.
    """

    shapes: tuple[tuple[int, ...], ...]
    scales: list[np.ndarray]
    distances: list[np.ndarray]
    gradients: list[np.ndarray]

    @classmethod
    def build(
        cls,
        inputs: Sequence[np.ndarray],
        distances: Sequence[np.ndarray],
        gradients: Sequence[np.ndarray],
    ) -> Elements:
        """Collect the per-element facts of float64 inputs."""
        return cls(
            shapes=tuple(x.shape for x in inputs),
            scales=[np.maximum(np.abs(x), STEP_SCALE_FLOOR) for x in inputs],
            distances=list(distances),
            gradients=list(gradients),
        )

    @property
    def count(self) -> int:
        """Total number of elements."""
        return sum(int(np.prod(s, dtype=int)) for s in self.shapes)

    def locate(self, number: int) -> tuple[int, int]:
        """Return (input, flat index) of element ``number``."""
        for which, shape in enumerate(self.shapes):
            size = int(np.prod(shape, dtype=int))
            if number < size:
                return which, number
            number -= size
        raise IndexError(number)

    def masks(self, numbers: np.ndarray) -> list[np.ndarray]:
        """Return one boolean mask per input selecting the given elements."""
        flat = np.zeros(self.count, dtype=bool)
        flat[numbers] = True
        masks, start = [], 0
        for shape in self.shapes:
            size = int(np.prod(shape, dtype=int))
            masks.append(flat[start : start + size].reshape(shape))
            start += size
        return masks

    def flat(self, arrays: Sequence[np.ndarray]) -> np.ndarray:
        """Concatenate per-input arrays in element order."""
        return np.concatenate([np.ravel(a) for a in arrays])

    def step(self, which: int, index: int) -> tuple[float, float, bool]:
        """Return (cheap step, cap, sits on a declared kink) for one element.

        A declared kink at distance d shrinks the step to ``BASE_STEP * d`` (never
        across it); an element sitting on one (d = 0) is stepped normally and judged by
        one-sided differences only.
        """
        scale = float(self.scales[which].flat[index])
        distance = float(self.distances[which].flat[index])
        if distance == 0.0:
            return BASE_STEP * scale, np.inf, True
        return BASE_STEP * min(scale, distance), distance, False
