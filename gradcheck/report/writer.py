"""Write a report: Markdown, PNG figures and a JSON of every number, atomically.

Each report goes to its own folder (``reports/<name>/``): ``README.md``, one PNG per
figure and ``numbers.json``. Every file is written to a temporary file beside its
target and moved into place, so a reader never sees half a report. The bytes depend
only on the content: figures are built on ``matplotlib.figure.Figure`` (no pyplot
state) and saved without the ``Software`` tag, JSON keys are sorted, and no
timestamps are written, so a regenerated report diffs clean.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

#: PNG metadata: without matplotlib's version, so the bytes do not change with it.
PNG_METADATA = {"Software": None}


@dataclass
class Report:
    """One report: what it says, its figures, and the numbers behind them.

    Attributes
    ----------
    name : str
        Folder name (``"moons"``).
    title : str
        First heading.
    summary : str
        One line for the index.
    sections : list of str
        Markdown paragraphs, tables and figure links, in order.
    figures : dict of str to Figure
        File name (``"loss.png"``) to figure.
    numbers : dict
        Every number the text cites, JSON-serializable builtins only.
    numbers_file : str
        The JSON's file name.
    """

    name: str
    title: str
    summary: str = ""
    sections: list[str] = field(default_factory=list)
    figures: dict[str, Figure] = field(default_factory=dict)
    numbers: dict[str, object] = field(default_factory=dict)
    numbers_file: str = "numbers.json"

    def add(self, *paragraphs: str) -> None:
        """Append Markdown paragraphs."""
        self.sections.extend(paragraphs)

    def figure(self, file_name: str, figure: Figure, caption: str) -> None:
        """Attach a figure and link it where the text has reached."""
        self.figures[file_name] = figure
        self.sections.append(f"![{caption}]({file_name})\n\n*{caption}*")

    def markdown(self) -> str:
        """Return the report's Markdown."""
        return "\n\n".join([f"# {self.title}", *self.sections]) + "\n"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def new_figure(width: float = 6.4, height: float = 4.0) -> Figure:
    """Return a figure built without pyplot (no global state)."""
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _plain(value: object) -> object:
    """Check that a value is made of JSON builtins (numpy scalars are refused).

    Non-finite floats become the strings ``"nan"``, ``"inf"``, ``"-inf"``: JSON has none.
    """
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or type(value) in (bool, int, float, str):
        return value
    raise TypeError(f"report numbers must be builtin types, got {type(value).__name__}")


def write(report: Report, directory: Path) -> Path:
    """Write a report into ``directory / report.name``; return that folder."""
    folder = Path(directory) / report.name
    # Everything is rendered before the first file is written: a report that fails to
    # render (a numpy scalar among its numbers) leaves no partial report behind.
    numbers = json.dumps(_plain(report.numbers), indent=2, sort_keys=True) + "\n"
    markdown = report.markdown()
    for file_name, figure in report.figures.items():
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata=PNG_METADATA)
        _atomic_write(folder / file_name, buffer.getvalue())
    _atomic_write(folder / report.numbers_file, numbers.encode())
    _atomic_write(folder / "README.md", markdown.encode())
    return folder


def write_index(reports: Sequence[Report], directory: Path, preamble: str) -> Path:
    """Write ``directory / "README.md"``, linking every report with its summary."""
    rows = [f"- [{r.title}]({r.name}/README.md): {r.summary}" for r in reports]
    text = "\n\n".join(["# Reports", preamble, "\n".join(rows)]) + "\n"
    path = Path(directory) / "README.md"
    _atomic_write(path, text.encode())
    return path
