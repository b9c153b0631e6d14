"""A phi that reads flat, or moves in quanta: when a zero slope proves nothing.

Some functions compute a tiny value as a difference of terms of size 1 (a saturated
sigmoid written ``(1 + tanh(z / 2)) / 2``): their phi is flat between quanta far
coarser than ``eps * |phi|``, and a zero slope read there is phi's granularity, not the
derivative. :class:`gradcheck.verdict.probe.Judge` asks these questions of a probe.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gradcheck.defaults import NUMERIC_EPS
from gradcheck.numeric.differences import Evaluate
from gradcheck.result import Status, Verdict

#: Where the cheap pass saw an exactly zero difference and the analytic value is 0, phi
#: is evaluated once this far (relative to the element's scale): flat there too, the
#: zero is confirmed; moved, the cheap step was below phi's resolution.
FLAT_PROBE = 1e-2
#: A change far out no larger than this many roundings of max(1, |phi|) is taken for
#: phi's own granularity (terms of that size cancelling inside forward), not a slope.
QUANTUM_ROUNDINGS = 1024


def granularity(base: float) -> float:
    """Return the coarsest change taken for phi's granularity at ``phi(0) = base``."""
    return QUANTUM_ROUNDINGS * NUMERIC_EPS * max(1.0, abs(base))


def change_far(evaluate: Evaluate, base: float, scale: float, cap: float) -> float:
    """Return ``|phi(t) - phi(0)|`` at a step ``FLAT_PROBE`` times the scale.

    0 where phi is flat that far (a dead unit); inf where it is not finite there.
    """
    value, _ = evaluate(min(FLAT_PROBE * scale, cap / 2.0))
    return abs(value - base) if np.isfinite(value) else float("inf")


def below_quantum(
    evaluate: Evaluate, verdict: Verdict, base: float, scale: float, cap: float
) -> Verdict | None:
    """Return UNVERIFIED where a flat phi cannot refute a tiny analytic value.

    The ladder read a zero slope: phi returned exactly phi(0) at every step, or
    moved by the same amount on both sides. If the analytic value predicts a change
    at ``FLAT_PROBE`` times the scale no larger than a few roundings of terms of
    size 1 (a gate saturated at -36, whose ``1 + tanh`` is 4 roundings of 1), and
    phi there is still flat or moved by no more than that (a quantum or two: found
    by Hypothesis on a saturated LSTM, whose sigmoid is ``(1 + tanh) / 2``), the
    zero is phi's granularity, not a slope. None where the predicted change, or the
    change seen, is resolvable: the failure stands (a dead unit given a gradient).
    """
    far = min(FLAT_PROBE * scale, cap / 2.0)
    predicted = abs(verdict.analytic) * far
    limit = granularity(base)
    if predicted > limit or change_far(evaluate, base, scale, cap) > limit:
        return None
    return replace(
        verdict,
        status=Status.UNVERIFIED,
        numeric=float("nan"),
        reason=f"phi read a zero slope at every step up to {far:.1e}, where the hand-written "
        f"{verdict.analytic:.6g} predicts a change of {predicted:.1e}, below what "
        f"rounding inside forward may hide ({limit:.1e}): a zero slope and a "
        "quantized one look alike there",
    )


#: A change far out counts as the one the analytic slope predicts within this factor.
PREDICTED_WITHIN = 2.0


def quantized_slope(
    evaluate: Evaluate, verdict: Verdict, base: float, scale: float, cap: float
) -> tuple[Verdict, float] | None:
    """Return UNVERIFIED where phi is flat at the ladder's steps yet sloped as predicted far out.

    The ladder read a zero slope, and the analytic value predicts a change far out
    that rounding cannot hide. If phi moved there on both sides, in opposite
    directions, each by the predicted change within a factor ``PREDICTED_WITHIN``, the
    zero is not a slope: phi moves in quanta coarser than the changes at the ladder's
    steps (a forward that sums 10^4 terms in float32: quanta of 5e-4 on a phi of
    5000). No step then resolves the derivative. None where phi is flat far out, on
    either side, or moved otherwise: the failure stands (a dead unit given a gradient
    moves on neither side; a kink beyond the steps, on one).

    Returns the verdict and the smaller of the two changes, an upper bound on phi's
    quantum (a whole number of quanta), for the rest of the check's probes.
    """
    far = min(FLAT_PROBE * scale, cap / 2.0)
    predicted = verdict.analytic * far
    (up, _), (down, _) = evaluate(far), evaluate(-far)
    rise, fall = up - base, base - down
    if predicted == 0.0 or not (np.isfinite(rise) and np.isfinite(fall)):
        return None
    within = 1.0 / PREDICTED_WITHIN, PREDICTED_WITHIN
    if not all(within[0] <= change / predicted <= within[1] for change in (rise, fall)):
        return None
    unverified = replace(
        verdict,
        status=Status.UNVERIFIED,
        numeric=float("nan"),
        reason=f"phi read a zero slope at every step of the ladder, yet moved by {rise:.3g} "
        f"and {-fall:.3g} at +-{far:.1e}, as the hand-written {verdict.analytic:.6g} "
        f"predicts ({predicted:.3g}): it moves in quanta coarser than the changes at "
        "those steps (arithmetic coarser than float64 inside forward, such as float32?), "
        "and no step resolves the derivative",
    )
    return unverified, min(abs(rise), abs(fall))
