"""Write a report: Markdown, PNG figures and a JSON of every number, atomically.

Each report goes to its own folder (``reports/<name>/``): ``README.md``, one PNG per
figure, ``numbers.json`` and the marker file :data:`MARKER`. The folder is written
whole into a temporary folder beside it and renamed into place, so a reader never sees
half a report and no file of an older report lingers; a folder that holds anything
but an earlier report (no marker) is never replaced. The bytes depend only on the
content: figures are built on ``matplotlib.figure.Figure`` (no pyplot state) and saved
without the ``Software`` tag, JSON keys are sorted, and no timestamps are written, so
a regenerated report diffs clean on the machine that wrote it (another BLAS build may
round the last digits of some numbers differently).
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from gradcheck.errors import ReportError

#: PNG metadata: without matplotlib's version, so the bytes do not change with it.
PNG_METADATA = {"Software": None}
#: A report folder's permissions before the umask (as ``mkdir`` would make it).
FOLDER_MODE = 0o777
#: The file that marks a folder as a report this writer may replace whole.
MARKER = ".gradcheck-report"
_MARKER_TEXT = b"Written by gradcheck's report writer: the next write replaces this folder.\n"


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


def new_figure(
    width: float = 6.4, height: float = 4.0, dpi: int = 100, layout: str | None = "constrained"
) -> Figure:
    """Return a figure built without pyplot (no global state), laid out by ``layout``."""
    return Figure(figsize=(width, height), dpi=dpi, layout=layout)


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


def unwritable(folder: Path) -> str | None:
    """Return why a report cannot be written to ``folder``, or None if it can.

    A report replaces its folder whole, so the folder must be absent, empty, or an
    earlier report (holding :data:`MARKER`); and the nearest existing ancestor must be
    writable.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        return "exists and is not a directory"
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        return (
            "holds files that are not a gradcheck report (a report replaces its folder "
            "whole: choose an empty or a new one)"
        )
    probe = folder
    while not probe.exists():
        probe = probe.parent
    writable = probe if probe != folder else folder.parent
    if not os.access(writable, os.W_OK):
        return f"{writable} is not writable"
    return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def render(report: Report) -> dict[str, bytes]:
    """Return every file of a report, by name, rendered (nothing is written)."""
    files = {}
    for file_name, figure in report.figures.items():
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata=PNG_METADATA)
        files[file_name] = buffer.getvalue()
    numbers = json.dumps(_plain(report.numbers), indent=2, sort_keys=True) + "\n"
    files[report.numbers_file] = numbers.encode()
    files["README.md"] = report.markdown().encode()
    files[MARKER] = _MARKER_TEXT
    return files


def write(report: Report, directory: Path) -> Path:
    """Write a report as the folder ``directory / report.name``; return that folder.

    Raises
    ------
    ReportError
        The folder is a file, holds files that are not a report, or cannot be written.
    """
    folder = Path(directory) / report.name
    problem = unwritable(folder)
    if problem is not None:
        raise ReportError(f"cannot write the report to {folder}: {problem}")
    # Everything is rendered before the first file is written: a report that fails to
    # render (a numpy scalar among its numbers) leaves no partial report behind.
    files = render(report)
    folder = folder.resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.new."))
    staging.chmod(FOLDER_MODE & ~_umask())  # mkdtemp's 0o700 would hide it from others
    try:
        for file_name, data in files.items():
            (staging / file_name).write_bytes(data)
        _swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Path(directory) / report.name


def _swap_in(staging: Path, folder: Path) -> None:
    """Put ``staging`` where ``folder`` is: two renames, the old one removed after."""
    if not folder.exists():
        os.replace(staging, folder)
        return
    retired = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.old."))
    os.replace(folder, retired / folder.name)
    try:
        os.replace(staging, folder)
    except BaseException:
        os.replace(retired / folder.name, folder)
        shutil.rmtree(retired, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def write_index(reports: Sequence[Report], directory: Path, preamble: str) -> Path:
    """Write ``directory / "README.md"``, linking every report with its summary."""
    rows = [f"- [{r.title}]({r.name}/README.md): {r.summary}" for r in reports]
    text = "\n\n".join(["# Reports", preamble, "\n".join(rows)]) + "\n"
    path = Path(directory) / "README.md"
    _atomic_write(path, text.encode())
    return path
