"""Render results for people: a one-line summary, a short failure message, a reproduce line.

It reads results by their attributes only (no runtime import of ``gradcheck.result``),
so that results can render themselves through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from gradcheck.defaults import REPORT_TOP, REPRODUCE_INLINE_LIMIT

if TYPE_CHECKING:
    from gradcheck.result import CheckResult, Finding


def _row(finding: Finding) -> str:
    v = finding.verdict
    if v.unverified:
        return f"  ???? {finding.where:<18} analytic {v.analytic: .6e}  not verified: {v.reason}"
    numeric = f"{v.numeric: .6e}"
    if v.kink:
        numeric = f"[{v.low:.4g}, {v.high:.4g}] (kink)"
    flag = "FAIL" if not v.passed else "ok  "
    return (
        f"  {flag} {finding.where:<18} analytic {v.analytic: .6e}  numeric {numeric}  "
        f"error {v.error:.2e}  tol {v.tolerance:.2e}"
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _what_was_checked(result: CheckResult) -> str:
    parts = [_count(result.checked, "element")] if result.checked else []
    if result.directions:
        parts.append(_count(result.directions, "direction"))
    return " and ".join(parts)


def _headline(result: CheckResult) -> str:
    if not result.mismatches:
        first = result.unverified[0]
        analytic = first.verdict.analytic
        value = f" (analytic {analytic:.6g})" if np.isfinite(analytic) else ""
        return (
            f"could not verify the gradient at {first.where}: {first.verdict.reason}"
            f"{value}; nothing failed, nothing was proved there"
        )
    first = result.mismatches[0]
    v = first.verdict
    if v.kink:
        return (
            f"gradient wrong at {first.where}: analytic {v.analytic:.6g} lies outside the "
            f"one-sided derivatives [{v.low:.6g}, {v.high:.6g}] (a kink; tolerance "
            f"{v.tolerance:.2e})"
        )
    return (
        f"gradient wrong at {first.where}: analytic {v.analytic:.6g} vs numeric "
        f"{v.numeric:.6g} (error {v.error:.2e} > tolerance {v.tolerance:.2e})"
    )


def failure_message(result: CheckResult) -> str:
    """Return the message of a check that did not pass: a dozen lines at most."""
    counts = []
    if result.mismatches:
        counts.append(f"{len(result.mismatches)} failing")
    if result.unverified:
        counts.append(f"{len(result.unverified)} not verified")
    shown = [*result.mismatches, *result.unverified][:REPORT_TOP]
    lines = [
        _headline(result),
        f"{' and '.join(counts)} of {_what_was_checked(result)} checked "
        f"({result.mode} mode, {result.forward_calls} forward calls{_phases(result)}). Worst:",
    ]
    lines += [_row(f) for f in shown]
    if result.random_grad_output:
        lines.append(
            "  (values are vector-Jacobian products with a seeded random grad_output: the "
            "output has several elements)"
        )
    if result.unlocated:
        lines.append("  (bisection could not narrow the error down to single elements)")
    if result.localization is not None:
        lines.append(f"culprit: {result.localization}")
    if result.hint:
        lines.append(f"hint: {result.hint}")
    lines.append(f"reproduce: {result.reproduce}")
    return "\n".join(lines)


#: The phases every check spends; the others are named in a result's text when spent.
ORDINARY_PHASES = ("contract", "base", "cheap pass")


def _phases(result: CheckResult) -> str:
    """Return ``": contract 2, cheap pass 12, noise 64, ..."`` for a check that escalated."""
    spent = result.calls_by_phase
    if not any(spent.get(p) for p in spent if p not in ORDINARY_PHASES):
        return ""
    return ": " + ", ".join(f"{p} {n}" for p, n in spent.items() if n)


def summary(result: CheckResult) -> str:
    """Return a short human summary of a result."""
    if not result.passed:
        return failure_message(result)
    text = (
        f"gradient check passed ({result.mode} mode, {_what_was_checked(result)}, "
        f"{result.forward_calls} forward{_phases(result)} / {result.backward_calls} "
        "backward calls): "
        f"max abs error {result.max_abs_error:.2e} at {result.max_abs_error_at}, "
        f"max rel error {result.max_rel_error:.2e} at {result.max_rel_error_at}"
    )
    if np.isfinite(result.sensitivity):
        text += (
            f"; would have caught any single-entry error above {result.sensitivity:.0e} "
            f"relative (worst {result.sensitivity_at})"
        )
    if result.at_kinks:
        text += f"; {len(result.at_kinks)} at kinks (subgradient verdict)"
    if result.miss_probability is not None:
        text += (
            "; an error whose largest entry is of typical size wrong by 1e-4 escapes "
            f"with probability <= {result.miss_probability:.1e}"
        )
    return text


def _callable_text(function: Callable[..., object]) -> str:
    owner = getattr(function, "__self__", None)
    name = getattr(function, "__name__", type(function).__name__)
    if owner is not None and not isinstance(owner, type):
        origin = getattr(owner, "origin", None)  # an adapted pair says how to rebuild it
        if isinstance(origin, str):
            return f"{origin}.{name}"
        return f"{type(owner).__name__}(...).{name}"
    qualified = getattr(function, "__qualname__", name)
    module = getattr(function, "__module__", None)
    if "<" in qualified or not module or module == "__main__":
        return qualified.rsplit(".", 1)[-1]
    return f"{module}.{qualified}"


def _array_text(array: np.ndarray) -> str:
    dtype = "" if array.dtype == np.float64 else f", dtype=np.{array.dtype}"
    return f"np.array({array.tolist()!r}{dtype})"


def reproduce_line(
    forward: Callable[..., object],
    backward: Callable[..., object],
    names: Sequence[str],
    given: Sequence[np.ndarray],
    options: dict[str, object],
) -> str:
    """Return one line of Python that repeats a check.

    Small inputs are written out; larger ones are named.
    """
    if sum(x.size for x in given) <= REPRODUCE_INLINE_LIMIT:
        arguments = [_array_text(x) for x in given]
    else:
        arguments = list(names)
    settings = [f"{key}={value!r}" for key, value in options.items()]
    owner = getattr(forward, "__self__", None)
    if (
        owner is not None
        and owner is getattr(backward, "__self__", None)
        and hasattr(owner, "origin")
    ):
        pair = [f"*{owner.origin}"]  # an adapted pair, rebuilt in one expression
    else:
        pair = [_callable_text(forward), _callable_text(backward)]
    parts = [*pair, *arguments, *settings]
    return f"gradcheck.check({', '.join(parts)})"
