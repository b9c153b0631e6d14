"""Guess why a gradient is wrong from the pattern of its errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradcheck.verdict.fast import UNREACHED
from gradcheck.verdict.judge import SEVERAL_KINKS, SWAMPED
from gradcheck.verdict.probe import RAISED

#: Two gradients "match" when they agree to this relative accuracy.
MATCH_RTOL = 1e-5
#: Largest integer factor named as such.
LARGEST_NAMED_FACTOR = 100_000


def _matches(a: np.ndarray, b: np.ndarray) -> bool:
    known = np.isfinite(a) & np.isfinite(b)
    if not known.any():
        return False
    a, b = a[known], b[known]
    scale = max(float(np.max(np.abs(b))), np.finfo(float).tiny)
    return bool(np.all(np.abs(a - b) <= MATCH_RTOL * scale))


def _factor_name(factor: float) -> str | None:
    """Describe a constant factor between analytic and numeric, if it is a simple one."""
    magnitude = abs(factor)
    for value, shown in ((magnitude, "{}"), (1.0 / magnitude, "1/{}")):
        nearest = round(value)
        if 2 <= nearest <= LARGEST_NAMED_FACTOR and abs(value - nearest) <= MATCH_RTOL * value:
            return shown.format(nearest)
    return None


def _explain_factor(factor: float) -> str:
    sign = "-" if factor < 0 else ""
    name = _factor_name(factor)
    if name is None:
        return (
            f"analytic = {factor:.6g} x numeric on every wrong element: one wrong factor "
            "shared by all of them (an upstream derivative, such as an activation's, "
            "evaluated at the wrong value, or a stray scale)."
        )
    flipped = " and flipped in sign" if factor < 0 else ""
    text = (
        f"analytic = {sign}{name} x numeric on every wrong element: off by a factor {name}{flipped}"
    )
    if name == "2":
        return text + " (a term counted twice, or a missing 1/2 as in d(x**2 / 2) = x)."
    if name == "1/2":
        return text + " (one of two paths missing: a fan-out like a*a not accumulated?)."
    return text + (
        f" (if the batch has {name.removeprefix('1/')} samples: a sum over the batch where the "
        "loss takes the mean, or the reverse)."
    )


KINK_HINT = (
    "the analytic value lies outside the one-sided derivatives at a kink: a wrong "
    "derivative on one side of it, or a point where several kinks meet along this "
    "coordinate (relu units with exactly zero pre-activation for several samples, say), "
    "where valid subgradients can lie outside that interval; move the point off the "
    "kinks to tell the two apart."
)


def diagnose(
    names: Sequence[str],
    analytic: Sequence[np.ndarray],
    numeric: Sequence[np.ndarray],
    failing: Sequence[np.ndarray],
    at_kinks: bool = False,
) -> str | None:
    """Return a one-sentence guess at the cause of a mismatch, or None.

    Parameters
    ----------
    names : sequence of str
        Input names.
    analytic, numeric : sequence of numpy.ndarray
        Per input, shaped like it; numeric is nan where it was not computed (it is
        computed at every failing element).
    failing : sequence of numpy.ndarray of bool
        Per input, the elements that failed.
    at_kinks : bool
        Every failure is a subgradient verdict at a kink.
    """
    if not any(f.any() for f in failing):
        return None
    if at_kinks:
        return KINK_HINT
    for k in range(len(names)):
        for j in range(k + 1, len(names)):
            if (
                analytic[k].shape == analytic[j].shape
                and (failing[k].any() or failing[j].any())
                and _matches(analytic[k], numeric[j])
                and _matches(analytic[j], numeric[k])
            ):
                return (
                    f"the gradients of {names[k]!r} and {names[j]!r} look swapped: each "
                    "matches the other's numerical gradient."
                )
    for k, name in enumerate(names):
        a = analytic[k]
        if a.ndim == 2 and a.shape[0] == a.shape[1] and failing[k].any():
            if _matches(a.T, numeric[k]):
                return f"the gradient of {name!r} is transposed: analytic.T matches numeric."

    wrong_a = np.concatenate([a[f] for a, f in zip(analytic, failing, strict=True)])
    wrong_n = np.concatenate([n[f] for n, f in zip(numeric, failing, strict=True)])
    usable = np.isfinite(wrong_n) & (wrong_n != 0.0)
    if usable.any():
        ratios = wrong_a[usable] / wrong_n[usable]
        if np.all(np.abs(ratios) <= MATCH_RTOL):
            return (
                "the analytic gradient is 0 where the numerical one is not: a missing "
                "term, or a gradient that is not propagated to this input."
            )
        centre = float(np.median(ratios))
        if ratios.size == 1 and abs(centre - 1.0) < 0.5:
            factor = f"{centre:.6g}"
            if abs(centre - 1.0) < 1e-4:  # 1.000001 would print as 1
                factor = f"(1 {'+' if centre > 1 else '-'} {abs(centre - 1.0):.2g})"
            return (
                f"a single entry wrong, analytic = {factor} x numeric: a special case "
                "or an index slip in the backward rather than a wrong formula?"
            )
        if np.all(np.abs(ratios - centre) <= 1e-3 * abs(centre)):
            if abs(centre + 1.0) <= 1e-3:
                return "sign flip: analytic = -numeric on every wrong element."
            return _explain_factor(centre)
    total = sum(f.size for f in failing)
    count = int(sum(int(f.sum()) for f in failing))
    return (
        f"{count} of {total} elements wrong, not by one common factor: a missing or extra "
        "term (a Jacobian entry left out, the wrong variable multiplied, an activation "
        "derivative applied to the wrong value)."
    )


def unverified_hint(name: str | None, reason: str) -> str:
    """Return the hint of a check that failed nowhere but could not verify somewhere."""
    where = f"some elements of {name!r}" if name is not None else "some directions"
    if name is None and reason.startswith(UNREACHED):
        return (
            "random projections cannot resolve single entries of this many elements: "
            "check in full mode, or check the inputs (or blocks of them) one at a time."
        )
    if RAISED in reason:
        return (
            f"forward raised at the points tried around {where} (the exception is in "
            "the reason above): a domain edge at the point itself, or a forward that "
            "accepts only its exact inputs? Declare the edge with kink_distance, or fix "
            "forward."
        )
    if SEVERAL_KINKS in reason:
        return (
            f"at kinks of {where}, the hand-written value is no subgradient of a single "
            "kink: right if several kinks meet along the coordinate (a bias over a batch "
            "of relus at zero, a broadcast input), wrong otherwise. Check at a point "
            "off the kinks, or declare them with kink_distance."
        )
    if SWAMPED in reason:
        return (
            f"the derivatives of {where} move the output by less than its rounding: a "
            "large constant or term in the output (1e12 + loss), outputs or inputs of "
            "very different magnitudes side by side, or derivatives negligible beside "
            "the others? Check those parts separately, or rescale."
        )
    return (
        f"no numerical derivative converged for {where}: the function is not smooth at "
        "any step tried, so they could not be verified (an undeclared kink, pole or "
        "domain edge very close?); declare it with kink_distance."
    )
