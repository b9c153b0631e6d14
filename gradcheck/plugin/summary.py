"""A pytest session's checks in a terminal summary and in a report (README + JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gradcheck.plugin.checks import RECORD_SCHEMA
from gradcheck.report.figures import element_figures, failure_figure
from gradcheck.report.writer import Report, table, write

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


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower()


def _worst_row(record: dict) -> dict | None:
    rows = record.get("element_rows") or []
    return rows[0] if rows else None


def _against(record: dict) -> str:
    """Return the worst element's error against its tolerance, as ``2e-13 / 1e-10``."""
    row = _worst_row(record)
    if row is None or not isinstance(row["error"], float) or row["error"] != row["error"]:
        return "-"
    return f"{row['error']:.0e} / {row['tolerance']:.0e}"


def _examples(record: dict) -> str:
    unverified = record.get("unverified_examples", 0)
    count = str(record.get("checks", 1))
    return f"{count} ({unverified} unverified)" if unverified else count


def check_table(records: Sequence[dict]) -> str:
    """Return the Markdown table of checks, one line each (a test column if they differ)."""
    with_test = any(r["test"] != r["function"] for r in records)
    header = [
        "status",
        *(["test"] if with_test else []),
        "function",
        "mode",
        "examples",
        "worst element",
        "error / tolerance",
        "sensitivity",
        "forward / backward calls",
    ]
    rows = [
        [
            r["status"].upper(),
            *([f"`{r['test']}`"] if with_test else []),
            f"`{r['function']}`",
            r["mode"],
            _examples(r),
            _worst_row(r)["where"] if _worst_row(r) else r["worst"],
            _against(r),
            _sensitivity_text(r),
            f"{r['forward_calls']:,} / {r['backward_calls']:,}",
        ]
        for r in records
    ]
    return table(header, rows)


def finding_section(record: dict, report: Report) -> None:
    """Add a failing or unverified check's section: element, values, hint, input, reproduce."""
    report.add(f"## {record['status'].upper()}: `{record['function']}`", record["message"])
    row = _worst_row(record)
    if row is not None and row["status"] == "fail":
        report.add(
            f"Element `{row['where']}`: analytic {row['analytic']:.9g}, numeric "
            f"{row['numeric']:.9g} (error {row['error']:.2e}, tolerance {row['tolerance']:.2e})."
        )
    if record.get("hint"):
        report.add(f"Hint: {record['hint']}")
    if record.get("falsifying"):
        report.add(
            "Hypothesis's shrunk input:", "```\n" + "\n".join(record["falsifying"]) + "\n```"
        )
    report.add("Reproduce:", f"```\n{record['reproduce']}\n```")
    figure = failure_figure(record) if record["status"] == "fail" else None
    if figure is not None:
        report.figure(
            f"failure-{_slug(record['function'])}.png",
            figure,
            f"{record['function']}: the hand-written value of each element against the "
            "numerical one; off the line, wrong.",
        )


def element_section(records: Sequence[dict], report: Report) -> None:
    """Add the figures of every element's error against its tolerance."""
    for k, figure in enumerate(element_figures(records), start=1):
        report.figure(
            f"elements-{k}.png",
            figure,
            "Each element's error against its tolerance, per function (log axes; x: at a "
            "kink, judged by the subgradient rule); above the line, it failed. For a "
            "generated check, every example's (a failed one: its failing example's).",
        )


def write_session_report(records: Sequence[dict], directory: Path, title: str = "") -> Path:
    """Write ``directory/README.md`` (failing first) and ``directory/results.json``."""
    checks = ordered(records)
    report = session_report(checks, title or "gradcheck: verification report")
    return write(report, directory)


def session_report(checks: Sequence[dict], title: str, name: str = "") -> Report:
    """Return the report of ordered check records (the table, figures, findings)."""
    report = Report(
        name=name,
        title=title,
        summary=summary_lines(checks)[0],
        numbers={"schema": RECORD_SCHEMA, "checks": list(checks)},
        numbers_file="results.json",
    )
    report.add(summary_lines(checks)[0] + ".", check_table(checks))
    for record in checks:
        if record["status"] != "pass":
            finding_section(record, report)
    element_section(checks, report)
    return report


def _sensitivity_text(record: dict) -> str:
    value = record["sensitivity"]
    return f"{value:.0e}" if isinstance(value, float) and record["status"] == "pass" else "-"
