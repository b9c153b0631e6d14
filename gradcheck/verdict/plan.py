"""What a check will probe: each element numbered, its step, its kink cap and allowance."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from gradcheck.defaults import BASE_STEP, NOISE_SAFETY, STEP_SCALE_FLOOR

#: A step of fewer units in the last place than this is lost to rounding: an element
#: whose declared kink is that close is judged as sitting on it.
MIN_STEP_ULPS = 64


def element_scales(inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Return ``max(|x|, STEP_SCALE_FLOOR)``: the size of a step is relative to this."""
    return [np.maximum(np.abs(x), STEP_SCALE_FLOOR) for x in inputs]


def _rms(values: np.ndarray) -> float:
    """Root mean square, without overflow for values near the float maximum."""
    largest = float(np.abs(values).max(initial=0.0))
    if largest == 0.0 or largest - largest != 0.0:  # zero or not finite
        return largest
    return largest * math.sqrt(float(((values / largest) ** 2).mean()))


@dataclass(frozen=True)
class CheckPlan:
    """The inputs' elements, numbered 0..n-1 across all inputs in order.

    Attributes
    ----------
    shapes : tuple of tuple of int
        Shape of each input.
    sizes : list of numpy.ndarray
        ``|x|``.
    scales : list of numpy.ndarray
        ``max(|x|, STEP_SCALE_FLOOR)``: the size of a step is relative to this.
    distances : list of numpy.ndarray
        Declared distance to the nearest kink (``inf`` when none is declared).
    gradients : list of numpy.ndarray
        The analytic gradients.
    steps : list of numpy.ndarray
        The cheap pass's step: ``BASE_STEP * scale``, at most half the declared distance.
    output_size : int
        Elements of forward's output (an input smaller than it is broadcast).
    on_kink : list of numpy.ndarray of bool
        Elements sitting on a declared kink (or within ``MIN_STEP_ULPS`` of one): judged
        by one-sided differences at ``BASE_STEP * scale``.
    analytic_noise : list of numpy.ndarray
        Measured rounding noise of each element of the analytic gradient: measured on
        first use (``2 * ANALYTIC_SAMPLES + 1`` backward calls), so a check whose
        probes all pass their first screen never pays for it.
    typical : list of float
        Each input's root-mean-square gradient (the whole gradient's where an input's is
        zero): an element's derivative scale is the larger of its own size and this.
    declares_kinks : bool
        Whether any element has a declared kink at a finite distance.
    """

    shapes: tuple[tuple[int, ...], ...]
    sizes: list[np.ndarray]
    scales: list[np.ndarray]
    distances: list[np.ndarray]
    gradients: list[np.ndarray]
    steps: list[np.ndarray]
    on_kink: list[np.ndarray]
    output_size: int
    measure_analytic_noise: Callable[[], Sequence[np.ndarray]]
    typical: list[float]
    declares_kinks: bool

    @classmethod
    def build(
        cls,
        inputs: Sequence[np.ndarray],
        distances: Sequence[np.ndarray],
        gradients: Sequence[np.ndarray],
        analytic_noise: Callable[[], Sequence[np.ndarray]],
        output_size: int = 1,
    ) -> CheckPlan:
        """Collect the per-element facts of float64 inputs."""
        scales = element_scales(inputs)
        declares_kinks = any(bool(np.isfinite(d).any()) for d in distances)
        if declares_kinks:
            steps = [
                np.minimum(BASE_STEP * s, d / 2.0) for s, d in zip(scales, distances, strict=True)
            ]
            on_kink = [
                step < MIN_STEP_ULPS * np.spacing(np.abs(x))
                for step, x in zip(steps, inputs, strict=True)
            ]
        else:  # what those give with every distance inf: no step is below 64 ulps of x
            steps = [BASE_STEP * s for s in scales]
            on_kink = [np.zeros(x.shape, dtype=bool) for x in inputs]
        typical = [_rms(np.ravel(g)) for g in gradients]
        if 0.0 in typical:  # an input whose gradient is zero: the whole gradient's scale
            overall = _rms(np.concatenate([np.ravel(g) for g in gradients]))
            typical = [t or overall for t in typical]
        return cls(
            shapes=tuple(x.shape for x in inputs),
            sizes=[np.abs(x) for x in inputs],
            scales=scales,
            distances=list(distances),
            gradients=list(gradients),
            steps=steps,
            on_kink=on_kink,
            output_size=int(output_size),
            measure_analytic_noise=analytic_noise,
            typical=typical,
            declares_kinks=declares_kinks,
        )

    @cached_property
    def analytic_noise(self) -> list[np.ndarray]:
        """The analytic gradient's rounding noise, per element (measured once)."""
        return list(self.measure_analytic_noise())

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

    def allowance(self, which: int, index: int) -> float:
        """Return the tolerance allowed for one element's analytic rounding."""
        return NOISE_SAFETY * float(self.analytic_noise[which].flat[index])

    def single_kink(self, which: int, index: int) -> bool:
        """Whether a kink of this element can only be one kink: declared, not broadcast.

        A kink found by the checker alone may be several meeting along one coordinate
        (an input feeding several kinked operations: a bias over a batch of relus), as
        may a declared one of an input broadcast into a larger output.
        """
        declared = bool(np.isfinite(self.distances[which].flat[index]))
        return declared and int(np.prod(self.shapes[which], dtype=int)) >= self.output_size

    def magnitude(self, which: int, index: int) -> float:
        """Return the scale of one element's derivative: its size or its input's typical size."""
        return max(abs(float(self.gradients[which].flat[index])), self.typical[which])

    def directional_magnitude(self, direction: Sequence[np.ndarray]) -> float:
        """Return the scale of ``<gradient, direction>``: the norm of its terms."""
        return float(
            np.sqrt(
                sum(
                    float(np.sum((g * d) ** 2))
                    for g, d in zip(self.gradients, direction, strict=True)
                )
            )
        )

    def directional_allowance(self, direction: Sequence[np.ndarray]) -> float:
        """Return the analytic rounding allowed for ``<gradient, direction>``."""
        variance = sum(
            float(np.sum((n * d) ** 2)) for n, d in zip(self.analytic_noise, direction, strict=True)
        )
        return NOISE_SAFETY * float(np.sqrt(variance))

    def step(self, which: int, index: int) -> tuple[float, float, bool]:
        """Return (cheap step, cap, sits on a declared kink) for one element.

        Steps never reach across a declared kink (the ladder stays below half the
        distance, the cap); an element sitting on one is stepped normally and judged
        by one-sided differences.
        """
        if self.on_kink[which].flat[index]:
            return BASE_STEP * float(self.scales[which].flat[index]), np.inf, True
        return float(self.steps[which].flat[index]), float(self.distances[which].flat[index]), False
