"""Numerical directional derivatives with an estimate of their own error.

Two estimators of phi'(0), where phi is the scalar function of one probe:

- :func:`central`, the cheap pass: one central difference, 2 evaluations, with the
  rounding part of its error;
- :func:`ladder`, for probes that fail the cheap pass: a ladder of shrinking steps with
  Richardson extrapolation of central and one-sided differences. It judges at the rung
  whose error estimate is smallest (never at the first that happens to fit), counts the
  disagreement of the one-sided derivatives into each rung's estimate (a rung that
  straddles a nearby kink looks deceptively stable otherwise), and reports a kink when
  the one-sided derivatives keep disagreeing at the finest steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from gradcheck.defaults import (
    KINK_SIGNIFICANCE,
    LADDER_RATIO,
    LADDER_RUNGS,
    NOISE_SAFETY,
    NUMERIC_EPS,
    TRUNCATION_SAFETY,
)
from gradcheck.numeric.noise import Noise

#: phi at a step t from the base point: returns (phi(t), the step actually taken).
Evaluate = Callable[[float], tuple[float, float]]

# Noise amplification of each stencil, in units of sigma / h (root sum of squares of
# the stencil weights): central (1/2h each side), Richardson on central with ratio 2,
# and second-order one-sided differences.
_CENTRAL_NOISE = 0.71
_RICHARDSON_NOISE = 1.5
_ONE_SIDED_NOISE = 2.6


@dataclass(frozen=True, kw_only=True)
class Estimate:
    """A numerical derivative and how far from the truth it may be.

    Attributes
    ----------
    value : float
        The derivative (nan when no step gave finite values).
    error : float
        Estimated bound on ``|value - true derivative|`` (rounding and truncation).
    kink : bool
        The one-sided derivatives disagree at the finest steps: the point is not
        differentiable along this direction; ``[low, high]`` bounds the subgradients.
    low, high : float
        The interval spanned by the one-sided derivatives (both equal ``value`` when
        there is no kink).
    evaluations : int
        Evaluations of phi spent.
    truncation : float
        The part of ``error`` due to steps too coarse for the function (not rounding).
    seen_kink : Estimate or None
        A kink the coarser steps saw but the finest could not confirm: the verdict to
        fall back on when this estimate proves too uncertain to judge by.
    right, left : float
        At a kink, the one-sided derivatives: increasing the variable, decreasing it.
    flat : bool
        Every evaluation returned exactly phi(0) (the cheap pass and the ladder).
    """

    value: float
    error: float
    evaluations: int
    kink: bool = False
    low: float = float("nan")
    high: float = float("nan")
    truncation: float = 0.0
    seen_kink: Estimate | None = None
    right: float = float("nan")
    left: float = float("nan")
    flat: bool = False


def central(evaluate: Evaluate, step: float, noise: Noise, base: float) -> Estimate:
    """Estimate phi'(0) with one central difference; the error counts rounding only.

    Truncation is left to the caller's ``rtol``: at the default step it is far below it
    for functions that vary on the scale of their inputs, and a probe that fails this
    cheap test goes on to :func:`ladder`, which estimates truncation too. ``flat`` says
    both sides equalled ``base`` = phi(0) exactly.
    """
    plus, step_plus = evaluate(step)
    minus, step_minus = evaluate(-step)
    width = step_plus - step_minus
    value = (plus - minus) / width if width > 0.0 else float("nan")
    if not np.isfinite(value):
        return Estimate(value=float("nan"), error=float("inf"), evaluations=2)
    error = NOISE_SAFETY * _CENTRAL_NOISE * 2.0 * noise.at(plus, minus) / width
    flat = plus == minus == base
    return Estimate(value=value, error=error, evaluations=2, low=value, high=value, flat=flat)


def centrals(
    plus: np.ndarray, minus: np.ndarray, width: np.ndarray, noise: Noise
) -> tuple[np.ndarray, np.ndarray]:
    """Return :func:`central`'s value and error for many elements at once.

    ``plus``, ``minus``: phi at each element's ``+h`` and ``-h``; ``width``: the steps
    actually taken, ``(x + h) - (x - h)``. Not finite where the width is not positive.
    """
    # Noise.at for each pair: the noise level, the values' rounding, the smallest step.
    rounding = np.maximum(NUMERIC_EPS * np.maximum(np.abs(plus), np.abs(minus)), noise.at(0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(width > 0.0, (plus - minus) / width, np.nan)
        error = NOISE_SAFETY * _CENTRAL_NOISE * 2.0 * rounding / width
    return value, error


def central_pair(evaluate: Evaluate, step: float, noise: Noise, base: float) -> Estimate:
    """Estimate phi'(0) from central differences at ``step`` and ``2 * step`` (4 calls).

    Their difference estimates the truncation error of the finer one (its leading
    ``h**2`` term is a third of it); the value is the finer difference and the error
    counts that estimate (times ``NOISE_SAFETY``) and both differences' rounding. A
    screen for a pass: where the two agree by accident the error is understated, and
    the caller escalates what fails.
    """
    fine = central(evaluate, step, noise, base)
    coarse = central(evaluate, 2.0 * step, noise, base)
    if not (np.isfinite(fine.value) and np.isfinite(coarse.value)):
        return Estimate(value=float("nan"), error=float("inf"), evaluations=4)
    truncation = NOISE_SAFETY * abs(fine.value - coarse.value) / 3.0
    return Estimate(
        value=fine.value,
        error=fine.error + coarse.error + truncation,
        evaluations=4,
        low=fine.value,
        high=fine.value,
        truncation=truncation,
        flat=fine.flat and coarse.flat,
    )


@dataclass(frozen=True)
class _Rung:
    step: float
    plus: float  # forward one-sided difference
    minus: float  # backward one-sided difference
    central: float
    sigma: float


def _rung(evaluate: Evaluate, step: float, base: float, noise: Noise) -> _Rung:
    up, step_up = evaluate(step)
    down, step_down = evaluate(-step)
    with np.errstate(divide="ignore", invalid="ignore"):  # a step lost to rounding
        plus = np.float64(up - base) / step_up
        minus = np.float64(base - down) / -step_down
        centre = np.float64(up - down) / (step_up - step_down)
    return _Rung(
        step=step,
        plus=float(plus),
        minus=float(minus),
        central=float(centre),
        sigma=noise.at(base, up, down) if np.isfinite(up + down) else noise.sigma,
    )


def _rungs(evaluate: Evaluate, first_step: float, base: float, noise: Noise) -> list[_Rung]:
    return [_rung(evaluate, first_step / LADDER_RATIO**k, base, noise) for k in range(LADDER_RUNGS)]


def _extrapolate(fine: float, coarse: float, order: int) -> float:
    """Richardson: remove the leading h**order term from two estimates at ratio 2."""
    factor = LADDER_RATIO**order
    return (factor * fine - coarse) / (factor - 1.0)


def ladder(evaluate: Evaluate, first_step: float, base: float, noise: Noise) -> Estimate:
    """Estimate phi'(0) on a ladder of shrinking steps, detecting kinks.

    Parameters
    ----------
    evaluate : callable
        ``t -> (phi(t), step actually taken)``.
    first_step : float
        The coarsest step; the ladder halves it ``LADDER_RUNGS - 1`` times.
    base : float
        phi(0).
    noise : Noise
        Noise level of phi.

    Returns
    -------
    Estimate
        At the rung with the smallest error estimate; a kink estimate when the
        one-sided derivatives disagree at the two finest usable rungs.
    """
    rungs = _rungs(evaluate, first_step, base, noise)
    evaluations = 2 * len(rungs)
    pairs = list(pairwise(rungs))
    # Second-order one-sided differences (Richardson on first-order ones): their
    # difference is O(h**3) where phi is smooth, the jump where it has a kink.
    sided = [
        (fine, _extrapolate(fine.plus, coarse.plus, 1), _extrapolate(fine.minus, coarse.minus, 1))
        for coarse, fine in pairs
    ]
    kink, seen = _kink(sided)
    if kink is not None:
        return _kink_estimate(kink, evaluations)

    richardson = [_extrapolate(fine.central, coarse.central, 2) for coarse, fine in pairs]
    plus2 = [entry[1] for entry in sided]
    minus2 = [entry[2] for entry in sided]
    candidates = []  # (value, truncation estimate, rounding estimate)
    for k in range(2, len(pairs)):
        fine = sided[k][0]
        if np.isfinite(richardson[k]):
            rounding = _RICHARDSON_NOISE * fine.sigma / fine.step
            truncation = _change(richardson, k, NOISE_SAFETY * rounding) + _disagreement(
                plus2, minus2, k, NOISE_SAFETY * _ONE_SIDED_NOISE * fine.sigma / fine.step
            )
            candidates.append((richardson[k], truncation, rounding))
            continue
        # Near the edge of a domain only one side is finite.
        for one_sided in (plus2, minus2):
            if np.isfinite(one_sided[k]):
                rounding = _ONE_SIDED_NOISE * fine.sigma / fine.step
                truncation = _change(one_sided, k, NOISE_SAFETY * rounding)
                candidates.append((one_sided[k], truncation, rounding))
    best_value, best_error, best_truncation = float("nan"), float("inf"), float("inf")
    for value, truncation, rounding in candidates:
        error = TRUNCATION_SAFETY * truncation + NOISE_SAFETY * rounding
        if error < best_error:
            best_value, best_error = value, error
            # A change at the rounding level is noise, not a sign of coarse steps.
            above = truncation > NOISE_SAFETY * rounding
            best_truncation = TRUNCATION_SAFETY * truncation if above else 0.0
    # Coarse steps may have seen a kink that finer ones could neither confirm nor see
    # past (it lies between the finest steps): the fallback verdict.
    fallback = _kink_estimate(seen, evaluations) if seen is not None else None
    if best_error == float("inf") and fallback is not None:
        return fallback
    return Estimate(
        value=best_value,
        error=best_error,
        evaluations=evaluations,
        low=best_value,
        high=best_value,
        truncation=best_truncation,
        seen_kink=fallback,
        flat=all(rung.plus == 0.0 and rung.minus == 0.0 for rung in rungs),
    )


def _kink_estimate(kink: _Kink, evaluations: int) -> Estimate:
    low, high, error, right, left = kink
    return Estimate(
        value=(low + high) / 2.0,
        error=error,
        evaluations=evaluations,
        kink=True,
        low=low,
        high=high,
        right=right,
        left=left,
    )


#: A growing change or one-sided gap signals a singularity within the steps only when it
#: is this large against the estimate itself: rounding noise (often underestimated, as
#: in sin(x + 3) whose argument rounds) also grows as the step shrinks, but stays small.
DIVERGENCE_FRACTION = 0.05


def _disagreement(plus: list[float], minus: list[float], k: int, rounding: float) -> float:
    """Return |D+ - D-| at rung k, or inf where it grows as the step shrinks.

    Where phi is smooth the one-sided derivatives meet like h**3; across a kink their
    gap stays the jump; a gap above rounding that grows as h shrinks is a pole or worse
    within the steps, where no central difference means anything.
    """
    gap = abs(plus[k] - minus[k])
    if not np.isfinite(gap):
        return 0.0  # one side undefined: judged by the central value's own change
    before = abs(plus[k - 1] - minus[k - 1])
    scale = DIVERGENCE_FRACTION * abs(plus[k] + minus[k]) / 2.0
    if gap > max(rounding, scale) and np.isfinite(before) and gap > before:
        return float("inf")
    return gap


def _change(sequence: list[float], k: int, rounding: float) -> float:
    """Estimate the truncation error of ``sequence[k]`` by its last change.

    The estimate holds only while the sequence converges: a change above the rounding
    level that is larger than the one before means these steps have not reached the
    asymptotic regime (a singularity closer than the finest of them), and no bound is
    claimed.
    """
    last = abs(sequence[k] - sequence[k - 1])
    before = abs(sequence[k - 1] - sequence[k - 2])
    if not np.isfinite(last):
        return float("inf")
    if last > max(rounding, DIVERGENCE_FRACTION * abs(sequence[k])) and not last < before:
        return float("inf")
    return last


#: A kink found by the ladder: (low, high, error, right slope, left slope).
_Kink = tuple[float, float, float, float, float]


def _kink(
    sided: list[tuple[_Rung, float, float]],
) -> tuple[_Kink | None, _Kink | None]:
    """Return the kink the finest steps confirm, and the last one seen.

    Going from coarse to fine steps, a disagreement significant at two consecutive
    rungs marks a kink, bounded at the second of them (finer rungs that agree add only
    rounding noise); a finer rung that could have seen that jump (its own error
    threshold is below it) but shows agreement cancels it: the coarse steps merely
    straddled a nearby kink. Rungs too noisy to tell either way are passed over.
    """
    found: _Kink | None = None
    seen: _Kink | None = None
    jump = 0.0
    streak = 0
    for (_, plus_before, minus_before), (rung, plus2, minus2) in pairwise(sided):
        if not np.isfinite(plus2 - minus2) or not np.isfinite(plus_before - minus_before):
            continue
        change = abs(plus2 - plus_before) + abs(minus2 - minus_before)
        rounding = NOISE_SAFETY * _ONE_SIDED_NOISE * rung.sigma / rung.step
        threshold = KINK_SIGNIFICANCE * (change + rounding)
        disagreement = abs(plus2 - minus2)
        if disagreement > threshold:
            streak += 1
            if streak == 2:  # confirmed: the coarsest confirming rung is the least noisy
                # ... but the coarsest too: its slopes carry their truncation (the change
                # from the rung before), which finer rungs would have shed.
                bounds = (rung.plus, rung.minus, plus2, minus2)
                error = rounding + TRUNCATION_SAFETY * change
                found = (min(bounds), max(bounds), error, plus2, minus2)
                jump = disagreement
                seen = found
        else:
            streak = 0
            if found is not None and threshold < jump:
                found = None
    return found, seen


def straddle(evaluate: Evaluate, step: float, base: float, noise: Noise) -> Estimate:
    """Bound phi'(0) by one-sided differences at ``step`` and ``step / 2``, as at a kink.

    For a point closer to a kink than any step that resolves it: one side's
    differences see only the smooth piece the point lies on, the other's mix both
    pieces, so the derivative lies between the two one-sided values, widened by the
    clean side's first-order truncation (estimated by the change from ``step`` to
    ``step / 2``, doubled) and by rounding. A subgradient estimate, 4 evaluations.
    """
    coarse, fine = (_rung(evaluate, step / LADDER_RATIO**k, base, noise) for k in range(2))
    sides = [(coarse.plus, fine.plus), (coarse.minus, fine.minus)]
    if not all(np.isfinite(a) and np.isfinite(b) for a, b in sides):
        return Estimate(value=float("nan"), error=float("inf"), evaluations=4)
    truncation = max(2.0 * abs(a - b) for a, b in sides)
    rounding = _ONE_SIDED_NOISE * fine.sigma / fine.step
    low, high = min(fine.plus, fine.minus), max(fine.plus, fine.minus)
    return Estimate(
        value=(low + high) / 2.0,
        error=TRUNCATION_SAFETY * truncation + NOISE_SAFETY * rounding,
        evaluations=4,
        kink=True,
        low=low,
        high=high,
        right=fine.plus,
        left=fine.minus,
    )
