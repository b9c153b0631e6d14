"""Assemble verdicts into a :class:`CheckResult`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradcheck.compare import Verdict
from gradcheck.defaults import REPORT_TOP
from gradcheck.diagnose import diagnose
from gradcheck.elements import Elements
from gradcheck.fast import FastOutcome
from gradcheck.result import CheckResult, Finding, Location


@dataclass(frozen=True)
class Context:
    """What every result carries besides its verdicts."""

    names: tuple[str, ...]
    elements: Elements
    forward_calls: int
    backward_calls: int
    reproduce: str
    random_grad_output: bool


def _location(context: Context, which: int, index: int) -> Location:
    shape = context.elements.shapes[which]
    position = tuple(int(i) for i in np.unravel_index(index, shape)) if shape else ()
    return Location(which, context.names[which], position)


def _element_finding(context: Context, which: int, index: int, verdict: Verdict) -> Finding:
    location = _location(context, which, index)
    return Finding(str(location), location, verdict)


def _worst_first(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.verdict.margin, reverse=True)


def _extreme(findings: Sequence[Finding], key: str) -> tuple[float, str]:
    best, where = 0.0, "-"
    for finding in findings:
        value = getattr(finding.verdict, key)
        if key == "relative_error" and finding.verdict.numeric == 0.0:
            continue
        if value > best:
            best, where = value, finding.where
    return best, where


def _assemble(
    context: Context,
    mode: str,
    findings: list[Finding],
    numeric: tuple[np.ndarray, ...] | None,
    hint_numeric: list[np.ndarray],
    miss_probability: float | None,
    unlocated: bool,
) -> CheckResult:
    ranked = _worst_first(findings)
    mismatches = tuple(f for f in ranked if not f.passed)
    failing = [np.zeros(g.shape, dtype=bool) for g in context.elements.gradients]
    for f in mismatches:
        if f.location is not None:
            failing[f.location.input][f.location.index] = True
    max_abs, max_abs_at = _extreme(findings, "error")
    max_rel, max_rel_at = _extreme(findings, "relative_error")
    return CheckResult(
        passed=not mismatches,
        mode=mode,
        names=context.names,
        checked=sum(f.location is not None for f in findings),
        directions=sum(f.location is None for f in findings),
        mismatches=mismatches,
        worst=tuple(ranked[:REPORT_TOP]),
        kinks=tuple(f.location for f in findings if f.verdict.kink and f.location),
        max_abs_error=max_abs,
        max_abs_error_at=max_abs_at,
        max_rel_error=max_rel,
        max_rel_error_at=max_rel_at,
        forward_calls=context.forward_calls,
        backward_calls=context.backward_calls,
        miss_probability=miss_probability,
        analytic=tuple(g.copy() for g in context.elements.gradients),
        numeric=numeric,
        hint=diagnose(
            context.names,
            context.elements.gradients,
            hint_numeric,
            failing,
            at_kinks=all(f.verdict.kink for f in mismatches),
        )
        if mismatches
        else None,
        reproduce=context.reproduce,
        random_grad_output=context.random_grad_output,
        unlocated=unlocated,
    )


def full_result(context: Context, verdicts: list[list[Verdict]]) -> CheckResult:
    """Build the result of a full check."""
    findings = [
        _element_finding(context, which, index, verdict)
        for which, column in enumerate(verdicts)
        for index, verdict in enumerate(column)
    ]
    numeric = tuple(
        np.array([v.numeric for v in column]).reshape(shape)
        for column, shape in zip(verdicts, context.elements.shapes, strict=True)
    )
    return _assemble(context, "full", findings, numeric, list(numeric), None, False)


def fast_result(context: Context, outcome: FastOutcome) -> CheckResult:
    """Build the result of a fast check."""
    findings = [
        Finding(f"random direction {k}", None, verdict)
        for k, verdict in enumerate(outcome.directions)
    ]
    numeric = [np.full(shape, np.nan) for shape in context.elements.shapes]
    for which, index, verdict in outcome.elements:
        findings.append(_element_finding(context, which, index, verdict))
        numeric[which].flat[index] = verdict.numeric
    return _assemble(
        context, "fast", findings, None, numeric, outcome.miss_probability, outcome.unlocated
    )
