"""Assemble a mode's :class:`Outcome` into a :class:`CheckResult`: one builder for both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradcheck.defaults import REPORT_TOP
from gradcheck.result import CheckResult, Finding, Location, Status, Verdict
from gradcheck.verdict.diagnose import diagnose, unverified_hint
from gradcheck.verdict.outcome import CheapPasses, Outcome
from gradcheck.verdict.plan import CheckPlan

#: A joint verdict's name lists this many of its elements.
JOINT_NAMED = 4
#: The hint of a gradient wrong only jointly over elements at kinks.
JOINT_HINT = (
    "each element at its kink or tie is a valid subgradient alone, but not together: "
    "the gradient of a tie sent to every tied input (seed 003's max, a naive max-pool "
    "backward)? Route it to one of them, or share it so the shares sum to the whole."
)


@dataclass(frozen=True)
class Context:
    """What every result carries besides its verdicts."""

    names: tuple[str, ...]
    plan: CheckPlan
    forward_calls: int
    backward_calls: int
    reproduce: str
    random_grad_output: bool
    calls_by_phase: dict[str, int]


def _location(context: Context, which: int, index: int) -> Location:
    position = []
    for size in reversed(context.plan.shapes[which]):  # np.unravel_index, without its cost
        index, coordinate = divmod(index, size)
        position.append(coordinate)
    return Location(which, context.names[which], tuple(reversed(position)))


#: Where a finding stands in the order of a check: (0, position) for a direction or a
#: joint verdict, (1, input, flat index) for an element.
Order = tuple[int, ...]


def _ranked(
    context: Context, passes: CheapPasses, values: np.ndarray, count: int
) -> list[tuple[Order, Finding]]:
    """Return the ``count`` passes of largest ``values`` (first of equals first), as findings.

    The result needs only these of the many cheap passes: a pass not among them
    neither sets an extreme nor is among the closest to their tolerance.
    """
    found = []
    for k in np.argsort(-values, kind="stable")[:count].tolist():
        which, index = int(passes.which[k]), int(passes.index[k])
        location = _location(context, which, index)
        found.append(((1, which, index), Finding(str(location), location, passes.verdict(k))))
    return found


def _with(
    findings: list[Finding], orders: list[Order], extra: list[tuple[Order, Finding]]
) -> list[Finding]:
    """Return ``findings`` with the ``extra`` ones in their places in the check's order."""
    if not extra:
        return findings
    merged = sorted([*zip(orders, findings, strict=True), *extra], key=lambda pair: pair[0])
    return [finding for _, finding in merged]


def _by_margin(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: f.verdict.margin, reverse=True)


def _extreme(findings: Sequence[Finding], key: str) -> tuple[float, str]:
    best, where = 0.0, "-"
    for finding in findings:
        if finding.verdict.unverified:
            continue
        if key == "relative_error" and finding.verdict.numeric == 0.0:
            continue
        value = getattr(finding.verdict, key)
        if value > best:
            best, where = value, finding.where
    return best, where


def _joint_where(context: Context, outcome: Outcome) -> str:
    """Name the elements a joint verdict spans: the kink elements with a gradient."""
    names = [
        str(_location(context, which, index))
        for which, index, verdict in outcome.elements
        if verdict.kink and context.plan.gradients[which].flat[index] != 0.0
    ]
    shown = ", ".join(names[:JOINT_NAMED])
    more = f" and {len(names) - JOINT_NAMED} more" if len(names) > JOINT_NAMED else ""
    return f"jointly over {shown}{more}"


def _sensitivity(findings: Sequence[Finding], outcome: Outcome) -> tuple[float, str]:
    """Return the worst sensitivity of the passing smooth verdicts, and where it is."""
    worst, where = float("nan"), "-"
    for finding in findings:
        verdict = finding.verdict
        if finding.location is None or not verdict.passed or verdict.kink:
            continue
        if not worst >= verdict.sensitivity:
            worst, where = verdict.sensitivity, finding.where
    if outcome.sensitivity is not None and not worst >= outcome.sensitivity:
        worst, where = outcome.sensitivity, "random directions"
    return worst, where


def _hint(
    context: Context,
    mismatches: Sequence[Finding],
    unverified: Sequence[Finding],
    numeric: Sequence[np.ndarray],
) -> str | None:
    if not mismatches:
        if not unverified:
            return None
        first = next((f for f in unverified if f.location is not None), unverified[0])
        name = first.location.name if first.location is not None else None
        return unverified_hint(name, first.verdict.reason or "")
    if all(f.where.startswith("jointly") for f in mismatches):
        return JOINT_HINT
    failing = [np.zeros(g.shape, dtype=bool) for g in context.plan.gradients]
    for finding in mismatches:
        if finding.location is not None:
            failing[finding.location.input][finding.location.index] = True
    return diagnose(
        context.names,
        context.plan.gradients,
        numeric,
        failing,
        at_kinks=all(f.verdict.kink for f in mismatches),
    )


def assemble(context: Context, mode: str, outcome: Outcome) -> CheckResult:
    """Build the result of a check from its mode's outcome."""
    findings = [
        Finding(f"random direction {k}", None, verdict)
        for k, verdict in enumerate(outcome.directions)
    ]
    findings += [Finding(_joint_where(context, outcome), None, v) for v in outcome.joint]
    if outcome.unreached is not None:
        nan = float("nan")
        findings.append(
            Finding(
                "random directions",
                None,
                Verdict(
                    status=Status.UNVERIFIED,
                    analytic=nan,
                    numeric=nan,
                    tolerance=nan,
                    reason=outcome.unreached,
                ),
            )
        )
    orders: list[Order] = [(0, k) for k in range(len(findings))]
    numeric = [np.full(shape, np.nan) for shape in context.plan.shapes]
    tolerances = [np.full(shape, np.nan) for shape in context.plan.shapes]
    for which, index, verdict in outcome.elements:
        location = _location(context, which, index)
        findings.append(Finding(str(location), location, verdict))
        orders.append((1, which, index))
        numeric[which].flat[index] = verdict.numeric
        tolerances[which].flat[index] = verdict.tolerance
    passes = outcome.passes
    for which in range(len(numeric)):
        mine = passes.which == which
        numeric[which].flat[passes.index[mine]] = passes.numeric[mine]
        tolerances[which].flat[passes.index[mine]] = passes.tolerance[mine]
    mismatches = _by_margin([f for f in findings if f.status is Status.FAIL])
    unverified = [f for f in findings if f.status is Status.UNVERIFIED]
    closest = _with(findings, orders, _ranked(context, passes, passes.margin, REPORT_TOP))
    passed = _by_margin([f for f in closest if f.status is Status.PASS])
    status = Status.FAIL if mismatches else Status.UNVERIFIED if unverified else Status.PASS
    max_abs, max_abs_at = _extreme(
        _with(findings, orders, _ranked(context, passes, passes.error, 1)), "error"
    )
    relative = np.where(passes.numeric == 0.0, 0.0, passes.relative_error)
    max_rel, max_rel_at = _extreme(
        _with(findings, orders, _ranked(context, passes, relative, 1)), "relative_error"
    )
    sensitivity, sensitivity_at = _sensitivity(
        _with(findings, orders, _ranked(context, passes, passes.sensitivity, 1)), outcome
    )
    return CheckResult(
        status=status,
        mode=mode,
        names=context.names,
        checked=len(outcome.elements) + len(passes),
        directions=len(outcome.directions),
        mismatches=tuple(mismatches),
        unverified=tuple(unverified),
        worst=tuple([*mismatches, *unverified, *passed][:REPORT_TOP]),
        at_kinks=tuple(f.location for f in findings if f.verdict.kink and f.location),
        max_abs_error=max_abs,
        max_abs_error_at=max_abs_at,
        max_rel_error=max_rel,
        max_rel_error_at=max_rel_at,
        sensitivity=sensitivity,
        sensitivity_at=sensitivity_at,
        forward_calls=context.forward_calls,
        backward_calls=context.backward_calls,
        calls_by_phase=dict(context.calls_by_phase),
        miss_probability=outcome.miss_probability,
        analytic=tuple(context.plan.gradients),  # validated float64 copies, ours alone
        numeric=tuple(numeric),
        tolerances=tuple(tolerances),
        hint=_hint(context, mismatches, unverified, numeric),
        reproduce=context.reproduce,
        random_grad_output=context.random_grad_output,
        unlocated=outcome.unlocated,
    )
