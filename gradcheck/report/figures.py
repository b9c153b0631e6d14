"""Figures of check records: each element's error against its tolerance, and failures.

They read the records of :mod:`gradcheck.plugin.checks` (builtin types, the rows of
``element_rows``), so the same figures serve the plugin's session report, the command
line's report and the nets verification report.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

from matplotlib.figure import Figure

from gradcheck.report.writer import new_figure

#: Panels per figure of element errors, their columns, and their resolution.
PANELS, COLUMNS, PANEL_DPI = 12, 3, 72
#: Inches below the panels for the legend.
LEGEND_HEIGHT = 0.35
#: How each element status is drawn.
STYLE = {"pass": "tab:green", "fail": "tab:red"}
#: Longest panel title (longer names keep their end).
TITLE_LENGTH = 40
#: An error of exactly zero is drawn this far below its tolerance (log axes have no 0).
ZERO_DEPTH = 1e-6


def _drawable(row: dict) -> bool:
    tolerance, error = row["tolerance"], row["error"]
    return (
        isinstance(tolerance, float)
        and isinstance(error, float)
        and math.isfinite(error)
        and tolerance > sys.float_info.min  # a subnormal tolerance would squash the rest
    )


def has_elements(record: dict) -> bool:
    """Whether a record has element rows that a figure can draw."""
    return any(_drawable(row) for row in record.get("element_rows", ()))


def _panel(axes: object, record: dict) -> None:
    rows = [row for row in record["element_rows"] if _drawable(row)]
    points = [(r["tolerance"], max(r["error"], r["tolerance"] * ZERO_DEPTH)) for r in rows]
    for status, colour in STYLE.items():
        for kink, marker in ((False, "o"), (True, "x")):
            chosen = [
                point
                for point, row in zip(points, rows, strict=True)
                if row["status"] == status and row["kink"] is kink
            ]
            if chosen:
                label = f"{status}{' at a kink' if kink else ''}"
                axes.scatter(
                    *zip(*chosen, strict=True), s=14, color=colour, marker=marker, label=label
                )
    low = min(min(point) for point in points)
    high = max(max(point) for point in points)
    axes.plot([low, high], [low, high], color="0.5", linewidth=0.8)
    axes.set(xscale="log", yscale="log", xlabel="tolerance", ylabel="error")
    axes.set_title(panel_title(record), fontsize=7.5)
    axes.tick_params(labelsize=7)


def panel_title(record: dict) -> str:
    """Name a record's panel: the function, or the test when the record is a test's."""
    title = record["function"] if record["test"] == record["function"] else record["test"]
    title = title.rsplit("::", 1)[-1]
    return title if len(title) <= TITLE_LENGTH else "..." + title[-TITLE_LENGTH + 3 :]


def element_figures(records: Sequence[dict]) -> list[Figure]:
    """Return figures of panels, one per record with elements: error against tolerance.

    Each element judged alone is a point (x at a kink), on log axes with the line
    error = tolerance: a point above it failed. Records without element rows (fast
    mode, nothing resolved) have no panel.
    """
    drawn = [record for record in records if has_elements(record)]
    figures = []
    for start in range(0, len(drawn), PANELS):
        chunk = drawn[start : start + PANELS]
        rows = math.ceil(len(chunk) / COLUMNS)
        columns = min(COLUMNS, len(chunk))
        height = 2.3 * rows + LEGEND_HEIGHT
        # A fixed grid: a constrained layout of 12 panels took half the time of saving.
        figure = new_figure(2.6 * columns, height, dpi=PANEL_DPI, layout=None)
        figure.subplots_adjust(
            left=0.55 / (2.6 * columns),
            right=1 - 0.3 / (2.6 * columns),
            top=1 - 0.3 / height,
            bottom=(LEGEND_HEIGHT + 0.45) / height,
            wspace=0.45,
            hspace=0.6,
        )
        for k, record in enumerate(chunk):
            _panel(figure.add_subplot(rows, columns, k + 1), record)
        handles = {}
        for axes in figure.axes:
            for handle, label in zip(*axes.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
        figure.legend(
            handles.values(), handles.keys(), loc="lower center", ncols=len(handles), fontsize=8
        )
        figures.append(figure)
    return figures


def failure_figure(record: dict) -> Figure | None:
    """Return the analytic against the numeric value of each element of a failed check."""
    rows = [
        row
        for row in record.get("element_rows", ())
        if isinstance(row["analytic"], float) and isinstance(row["numeric"], float)
    ]
    if not rows:
        return None
    figure = new_figure(4.0, 3.6)
    axes = figure.add_subplot()
    for status, colour in STYLE.items():
        chosen = [(r["numeric"], r["analytic"]) for r in rows if r["status"] == status]
        if chosen:
            axes.scatter(*zip(*chosen, strict=True), s=18, color=colour, label=status)
    values = [v for r in rows for v in (r["numeric"], r["analytic"])]
    low, high = min(values), max(values)
    axes.plot([low, high], [low, high], color="0.5", linewidth=0.8, label="analytic = numeric")
    axes.set(xlabel="numeric", ylabel="analytic (hand-written)")
    axes.set_title(record["function"], fontsize=9)
    axes.legend(fontsize=8)
    return figure
