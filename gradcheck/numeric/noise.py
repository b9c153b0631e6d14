"""How noisy the evaluated function is: the rounding floor, and a measured estimate.

The measured estimate follows Moré and Wild's ECnoise: along a short run of equally
spaced points, high-order differences of a smooth function vanish while those of
rounding noise do not, and their size gives the noise level. :func:`measure` runs it on
phi; :func:`analytic_noise` measures the hand-written gradient's own rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import sqrt

import numpy as np

from gradcheck.defaults import NUMERIC_EPS
from gradcheck.errors import GradcheckError
from gradcheck.numeric.phi import Phi, random_direction

_QUANTUM = float(np.finfo(np.float64).smallest_subnormal)

#: ECnoise: number of intervals in the run of points (m + 1 evaluations).
ECNOISE_INTERVALS = 7
#: ECnoise: spacing of the run, relative to the element scales. Small enough that the
#: smooth part's second differences vanish below float64 rounding and that few kinks or
#: poles lie within the run; large enough that every evaluation differs.
ECNOISE_SPACING = 1e-10
#: A run that is flat (every value equal: the inputs are quantized coarser than the
#: spacing, as when forward casts to float32) is repeated this much wider, up to
#: ECNOISE_MAX_SPACING: Moré and Wild's remedy for a spacing that is too small.
ECNOISE_WIDENING = 1e3
ECNOISE_MAX_SPACING = 1e-4
#: ECnoise runs twice per direction, at the spacing and at this multiple of it (an
#: irrational ratio): rounding can alias with one spacing (an input on a dyadic grid, the
#: run's points rounding in step) and look smooth; the larger estimate of the two counts.
ECNOISE_SECOND_SPACING = (np.sqrt(5.0) - 1.0) / 2.0
#: ECnoise runs reach at most this fraction of an element's declared kink distance.
ECNOISE_KINK_FRACTION = 1e-3
#: ECnoise: three consecutive orders must agree within this factor.
ECNOISE_AGREEMENT = 4.0
#: Random directions along which phi's noise is measured (on both sides); the smallest
#: estimate wins, so that a kink crossed by one run does not inflate every tolerance.
NOISE_DIRECTIONS = 2
#: The analytic noise measurement moves the inputs by this much relative to their size
#: (to 1 for an exact zero): enough to change every rounding, too little to cross most
#: kinks.
ANALYTIC_SPACING = 1e-10
#: ... and at most this fraction of the declared kink distance: near a pole, the
#: gradient's curvature over a wider shift would pass for rounding noise.
ANALYTIC_KINK_FRACTION = 1e-6
#: Second differences of the analytic gradient per element; the largest counts.
ANALYTIC_SAMPLES = 3


@dataclass(frozen=True)
class Noise:
    """Standard deviation of the rounding noise in evaluations of phi.

    Parameters
    ----------
    sigma : float
        Absolute noise level, never below the rounding of the sum of terms of phi.
    floor : float
        That rounding floor, ``eps * sum(|u * f(x)|)``.
    excess : float
        How much noisier phi measured than float64 rounding of the values measured
        (1 when not measured): 1e8 for a forward that computes in float32 inside.
    """

    sigma: float
    floor: float
    excess: float = 1.0

    def at(self, *values: float) -> float:
        """Return the noise level for evaluations that returned ``values``.

        Never below the smallest subnormal: phi cannot change by less, so tiny steps
        near a declared kink cannot resolve smaller derivatives.
        """
        return max(self.sigma, NUMERIC_EPS * max(abs(v) for v in values), _QUANTUM)


def combined(levels: list[float | None]) -> float | None:
    """Combine ECnoise estimates of one direction at incommensurate spacings.

    The largest level wins (aliasing only ever hides noise); a run that saw no noise
    order (None: the smooth part dominated) defers to the others.
    """
    seen = [level for level in levels if level is not None]
    return max(seen) if seen else None


def ecnoise(values: np.ndarray) -> float | None:
    """Estimate the noise level from phi on equally spaced points, or None if unsure.

    Parameters
    ----------
    values : numpy.ndarray
        phi at m + 1 equally spaced points.

    Returns
    -------
    float or None
        The standard deviation of the noise; ``0.0`` when the spacing is too small to
        show it: at most half of the successive values differ (a run of equal values
        with one step of a quantum between them has no noise order either, and must not
        pass for smooth); None when no order of differences looks like noise (spacing
        too large).

    References
    ----------
    J. J. Moré and S. M. Wild, "Estimating computational noise", SIAM J. Sci.
    Comput. 33(3), 2011.
    """
    values = np.asarray(values, dtype=float)
    if 2 * np.count_nonzero(np.diff(values)) <= values.size - 1:
        return 0.0  # Moré and Wild's "h too small": widen the run
    scale = float(np.max(np.abs(values)))  # work in units of the largest value: no overflow
    differences = values / scale
    m = differences.size - 1
    gamma = 1.0
    levels = np.zeros(m)
    sign_changes = np.zeros(m, dtype=bool)
    for order in range(1, m + 1):
        differences = np.diff(differences)
        gamma *= 0.5 * order / (2 * order - 1)
        levels[order - 1] = sqrt(gamma * float(np.mean(differences**2)))
        sign_changes[order - 1] = differences.min() < 0.0 < differences.max()
    for k in range(m - 2):
        window = levels[k : k + 3]
        if window.max() <= ECNOISE_AGREEMENT * window.min() and sign_changes[k]:
            return float(levels[k]) * scale
    return None


def measure(
    phi: Phi,
    scales: Sequence[np.ndarray],
    distances: Sequence[np.ndarray],
    floor: float,
    rng: np.random.Generator,
) -> Noise:
    """Measure phi's noise with ECnoise along a few random directions.

    Both sides of each direction are measured: a kink or pole close to the point lies on
    one side at most, and the smallest level is kept. Runs stay within half of every
    declared kink distance.

    Parameters
    ----------
    phi : Phi
        The scalar function.
    scales, distances : sequence of numpy.ndarray
        Per-element step scales and declared kink distances.
    floor : float
        The rounding floor of phi, ``eps * sum(|u * f(x)|)``.
    rng : numpy.random.Generator
        Draws the directions.

    Returns
    -------
    Noise
        Never below ``floor``; ``Noise(floor, floor)`` when no run could measure.
    """
    runs = []
    for _ in range(NOISE_DIRECTIONS):
        direction = random_direction(scales, rng)
        runs += [direction, [-d for d in direction]]
    estimates = [
        found for found in (_noise_along(phi, run, distances) for run in runs) if found is not None
    ]
    if not estimates:
        return Noise(floor, floor)
    level, magnitude = min(estimates)
    rounding = NUMERIC_EPS * magnitude  # may underflow to 0 near the smallest floats
    excess = level / rounding if rounding > 0.0 else 1.0
    return Noise(max(floor, level), floor, max(excess, 1.0))


def _noise_along(
    phi: Phi, direction: list[np.ndarray], distances: Sequence[np.ndarray]
) -> tuple[float, float] | None:
    """ECnoise on a run of points along ``direction``, widened while the run is flat.

    A run that moved by a step or two among equal values counts half its smallest step
    (:func:`_widening`): a forward that sums 10^4 terms in float32 moves in quanta of
    5e-4 on a phi of 5000, flat at the small spacings, and its finite differences err
    by up to half a quantum. Returns the noise level and the largest magnitude of the
    values measured.
    """
    return _widening(lambda spacing: _run(phi, direction, distances, spacing))


def _widening(
    run: Callable[[float], np.ndarray | None], every: bool = False
) -> tuple[float, float] | None:
    """ECnoise on ``run(spacing)`` at two incommensurate spacings, widened while flat.

    A run that moved by a step or two among equal values counts half its smallest step
    (ECnoise calls such a run flat): a phi quantized coarser than its changes over the
    runs so far. With ``every``, all spacings up to ``ECNOISE_MAX_SPACING`` are run and
    the largest level counts: a smooth part plus a part quantized coarser than the
    smooth part's changes over a run (a saturated ``1 + tanh`` beside an unsaturated
    term) shows only its smooth rounding at the smallest spacing, its quanta further
    out, and at wider spacings it may step by the same whole number of quanta every
    time (aliased: ECnoise sees no noise at all), while a finite difference there still
    errs by up to half a quantum.
    """
    spacing = ECNOISE_SPACING
    found: list[tuple[float, float]] = []
    while spacing <= ECNOISE_MAX_SPACING:
        runs = [run(spacing), run(spacing * ECNOISE_SECOND_SPACING)]
        if any(values is None for values in runs):
            break
        level = combined([ecnoise(values) for values in runs])
        magnitude = max(float(np.max(np.abs(values))) for values in runs)
        found += [(_QUANTUM_SHARE * q, magnitude) for q in map(_smallest_step, runs) if q]
        if level is None:  # the smooth part dominates: no noise above rounding seen
            found.append((NUMERIC_EPS * magnitude, magnitude))
            break
        if level != 0.0:
            found.append((level, magnitude))
            if not every:
                break
        spacing *= ECNOISE_WIDENING
    return max(found) if found else None


#: A quantized phi's finite differences err by up to half its quantum.
_QUANTUM_SHARE = 0.5


def _smallest_step(values: np.ndarray) -> float:
    """Return the smallest step of a run that mostly did not move (0 if none, or if it did)."""
    steps = np.abs(np.diff(values))
    moved = steps[steps > 0.0]
    return float(moved.min()) if 0 < moved.size <= steps.size // 2 else 0.0


def noise_on(
    evaluate: Callable[[float], tuple[float, float]], scale: float, cap: float, noise: Noise
) -> Noise:
    """Measure the noise of one probe's own phi (``t -> phi(t)``), ECnoise at steps of ``scale``.

    For a probe whose estimates disagree beyond what ``noise``, measured along random
    directions, allows: there the smooth part of the other coordinates may have hidden a
    noise that this coordinate alone shows (a saturated ``1 + tanh`` rounding in steps of
    eps). Every spacing is run, the largest level counting (see :func:`_widening`).
    Returns ``noise`` unless this probe measures noisier.
    """

    def run(spacing: float) -> np.ndarray | None:
        if (ECNOISE_INTERVALS + 1) * spacing * scale >= ECNOISE_KINK_FRACTION * cap:
            return None
        values = np.array(
            [evaluate(j * spacing * scale)[0] for j in range(1, ECNOISE_INTERVALS + 2)]
        )
        return values if np.all(np.isfinite(values)) else None

    found = _widening(run, every=True)
    if found is None or found[0] <= noise.sigma:
        return noise
    level, magnitude = found
    rounding = NUMERIC_EPS * magnitude
    return Noise(level, noise.floor, max(level / rounding, 1.0) if rounding > 0.0 else 1.0)


def _run(
    phi: Phi, direction: list[np.ndarray], distances: Sequence[np.ndarray], spacing: float
) -> np.ndarray | None:
    """Return phi on ECnoise's run of points along ``direction``, or None if not finite."""
    reach = spacing * (ECNOISE_INTERVALS + 1) / ECNOISE_KINK_FRACTION
    # The run stays within a small fraction of every declared kink distance (close to
    # a pole, the smooth part's high differences would pass for noise), and starts one
    # spacing away: a kink or pole at the point itself (relu at an exact zero) is not
    # crossed.
    clipped = [
        np.clip(d, -dist / reach, dist / reach)
        for d, dist in zip(direction, distances, strict=True)
    ]
    values = np.array([phi.along(clipped, j * spacing)[0] for j in range(1, ECNOISE_INTERVALS + 2)])
    return values if np.all(np.isfinite(values)) else None


#: The hand-written gradient at shifted inputs (one array per input, float64); raises
#: a GradcheckError where it cannot be evaluated.
GradientAt = Callable[[Sequence[np.ndarray]], Sequence[np.ndarray]]


def shift_scales(inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Return ``|x|``, or 1 where ``x`` is 0: the scale of the analytic noise shifts."""
    return [np.where(x != 0, np.abs(x), 1.0).astype(np.float64) for x in inputs]


def analytic_noise(
    gradient_at: GradientAt,
    inputs: Sequence[np.ndarray],
    scales: Sequence[np.ndarray],
    distances: Sequence[np.ndarray],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Measure the rounding noise of the hand-written gradient, element by element.

    Where a gradient is a sum of terms that nearly cancel (a least-squares fit at its
    optimum), its rounding error is far larger than ``eps * |gradient|``. The second
    difference ``g(x + d) + g(x - d) - 2 g(x)`` along a tiny random ``d`` is rounding
    noise with standard deviation ``sqrt(6) sigma``. Each element's level is the largest
    of ``ANALYTIC_SAMPLES`` such differences (``2 * ANALYTIC_SAMPLES + 1`` calls of
    ``gradient_at``): one sample alone is often far below sigma, and pooling samples
    across elements would let one element's kink loosen its neighbours' tolerances.
    The shifts stay within ``ANALYTIC_KINK_FRACTION`` of any declared kink distance; an
    element whose gradient jumps across an undeclared kink that close gets a large
    level, which only its own smooth verdict uses.

    Parameters
    ----------
    gradient_at : callable
        The hand-written gradient at given inputs.
    inputs : sequence of numpy.ndarray
        The point, in the dtype the gradient is computed in.
    scales, distances : sequence of numpy.ndarray
        Per-element shift scales (``|x|``, 1 where ``x`` is 0) and declared kink
        distances.
    rng : numpy.random.Generator
        Draws the shifts.

    Returns
    -------
    list of numpy.ndarray
        Per input, the noise level of each element of the analytic gradient (zeros when
        the gradient cannot be evaluated at the nearby points).
    """
    try:
        centre = gradient_at(list(inputs))
        samples = [
            _second_difference(gradient_at, inputs, scales, distances, centre, rng)
            for _ in range(ANALYTIC_SAMPLES)
        ]
    except GradcheckError:  # the gradient is undefined nearby: an undeclared domain edge
        return [np.zeros(np.shape(x)) for x in inputs]
    return [np.max(np.stack(levels), axis=0) for levels in zip(*samples, strict=True)]


def _second_difference(
    gradient_at: GradientAt,
    inputs: Sequence[np.ndarray],
    scales: Sequence[np.ndarray],
    distances: Sequence[np.ndarray],
    centre: Sequence[np.ndarray],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Return ``|g(x + d) + g(x - d) - 2 g(x)| / sqrt(6)`` for one random shift ``d``."""
    shift = [
        np.clip(
            ANALYTIC_SPACING * s * rng.standard_normal(s.shape),
            -ANALYTIC_KINK_FRACTION * d,
            ANALYTIC_KINK_FRACTION * d,
        )
        for s, d in zip(scales, distances, strict=True)
    ]
    plus, minus = (
        gradient_at([(x + sign * d).astype(x.dtype) for x, d in zip(inputs, shift, strict=True)])
        for sign in (1.0, -1.0)
    )
    levels = []
    for up, down, middle in zip(plus, minus, centre, strict=True):
        with np.errstate(invalid="ignore", over="ignore"):
            own = np.abs(up + down - 2.0 * middle) / sqrt(6.0)
        levels.append(np.where(np.isfinite(own), own, 0.0))
    return levels
