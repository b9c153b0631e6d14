"""A pytest session's checks in a terminal summary and in a report (README + JSON)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from gradcheck.plugin.checks import RECORD_SCHEMA
from gradcheck.report.writer import Report, new_figure, table, write

#: How the figure shows each status.
_COLOURS = {"pass": "tab:green", "fail": "tab:red"}
#: Failures first, then what could not be verified, then passes.
_ORDER = {"fail": 0, "unverified": 1, "pass": 2}


def ordered(records: Sequence[dict]) -> list[dict]:
    """Sort records failing first, then by test and function.

    The same order whatever order the tests ran in, serially or on pytest-xdist workers.
    """
    return sorted(records, key=lambda r: (_ORDER[r["status"]], r["test"], r["function"]))


def _worst_sensitivity(records: Sequence[dict]) -> float | None:
    values = [
        r["sensitivity"]
        for r in records
        if r["status"] == "pass" and isinstance(r["sensitivity"], float)
    ]
    return max(values) if values else None


def summary_lines(records: Sequence[dict]) -> list[str]:
    """Return the counts line, then one line per failing or unverified check."""
    counts = {status: sum(r["status"] == status for r in records) for status in _ORDER}
    calls = sum(r["forward_calls"] for r in records)
    checks = "check" if len(records) == 1 else "checks"
    line = (
        f"gradcheck: {len(records)} {checks}, {counts['pass']} passed, {counts['fail']} "
        f"failed, {counts['unverified']} unverified; {calls:,} forward calls"
    )
    worst = _worst_sensitivity(records)
    if worst is not None:
        line += f"; worst sensitivity {worst:.0e}"
    lines = [line]
    for r in ordered(records):
        if r["status"] != "pass":
            where = r["test"] if r["test"] == r["function"] else f"{r['test']}: {r['function']}"
            lines.append(f"  {r['status'].upper()} {where}: {r['message']}")
    return lines


def write_session_report(records: Sequence[dict], directory: Path) -> Path:
    """Write ``directory/README.md`` (failing first) and ``directory/results.json``."""
    checks = ordered(records)
    report = Report(
        name="",
        title="gradcheck: verification report",
        summary=summary_lines(checks)[0],
        numbers={"schema": RECORD_SCHEMA, "checks": checks},
        numbers_file="results.json",
    )
    report.add(summary_lines(checks)[0] + ".")
    report.add(
        table(
            ["status", "test", "function", "worst element", "sensitivity", "forward calls"],
            [
                [
                    r["status"].upper(),
                    f"`{r['test']}`",
                    f"`{r['function']}`",
                    r["worst"],
                    _sensitivity_text(r),
                    r["forward_calls"],
                ]
                for r in checks
            ],
        )
    )
    figure = _error_figure(checks)
    if figure is not None:
        report.figure(
            "errors.png",
            figure,
            "Largest error against the tolerance of the worst element, one point per "
            "resolved check: above the line, the check failed.",
        )
    for r in checks:
        if r["status"] != "pass":
            report.add(
                f"## {r['status'].upper()}: `{r['test']}`, `{r['function']}`",
                r["message"],
                f"```\n{r['reproduce']}\n```",
            )
    return write(report, directory)


def _error_figure(checks: Sequence[dict]) -> Figure | None:
    """Error against tolerance on log axes, where there are at least two points."""
    points = [
        (c["tolerance"], max(c["max_abs_error"], c["tolerance"] * 1e-6), c["status"])
        for c in checks
        if c["status"] in _COLOURS  # an unverified check resolved no error
        and isinstance(c["tolerance"], float)
        and isinstance(c["max_abs_error"], float)
        and c["tolerance"] > sys.float_info.min  # subnormal ones would squash the rest
    ]
    if len(points) < 2:
        return None
    figure = new_figure(5.0, 4.0)
    axes = figure.add_subplot()
    for status, colour in (
        ("pass", "tab:green"),
        ("unverified", "tab:orange"),
        ("fail", "tab:red"),
    ):
        chosen = [(t, e) for t, e, s in points if s == status]
        if chosen:
            axes.scatter(*zip(*chosen, strict=True), s=18, color=colour, label=status)
    low = min(min(t, e) for t, e, _ in points)
    high = max(max(t, e) for t, e, _ in points)
    axes.plot([low, high], [low, high], color="0.5", linewidth=1)
    axes.set(xscale="log", yscale="log", xlabel="tolerance", ylabel="largest error")
    axes.legend()
    return figure


def _sensitivity_text(record: dict) -> str:
    value = record["sensitivity"]
    return f"{value:.0e}" if isinstance(value, float) and record["status"] == "pass" else "-"
