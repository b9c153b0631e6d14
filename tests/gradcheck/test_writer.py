"""The report writer: a folder replaced whole, builtin numbers only, nothing left behind."""

import numpy as np
import pytest

from gradcheck.errors import ReportError
from gradcheck.report import writer

REPORT_FILES = [writer.MARKER, "README.md", "numbers.json"]


def test_a_failed_write_leaves_the_previous_report_and_no_debris(tmp_path, monkeypatch):
    report = writer.Report("r", "R", numbers={"x": 1.0})
    writer.write(report, tmp_path)
    before = (tmp_path / "r" / "numbers.json").read_bytes()
    report.numbers = {"x": np.float64(2.0)}  # numpy scalars are refused, before any write
    with pytest.raises(TypeError, match="builtin types"):
        writer.write(report, tmp_path)
    assert (tmp_path / "r" / "numbers.json").read_bytes() == before

    real_replace = writer.os.replace

    def disk_full_on_the_new_folder(source, target):
        if ".new." in str(source):
            raise OSError("disk full")
        real_replace(source, target)

    monkeypatch.setattr(writer.os, "replace", disk_full_on_the_new_folder)
    with pytest.raises(OSError, match="disk full"):
        writer.write(writer.Report("r", "R", numbers={"x": 3.0}), tmp_path)
    assert (tmp_path / "r" / "numbers.json").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == REPORT_FILES
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_a_rewrite_replaces_the_folder_whole(tmp_path):
    report = writer.Report("r", "R", numbers={"x": 1.0})
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "old.png").write_bytes(b"a figure of an older report")
    (tmp_path / "r" / writer.MARKER).write_bytes(b"")
    writer.write(report, tmp_path)
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == REPORT_FILES
    assert [p.name for p in tmp_path.iterdir()] == ["r"]


def test_a_folder_of_other_files_is_never_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ReportError, match="not a gradcheck report"):
        writer.write(writer.Report("", "R"), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("")
    with pytest.raises(ReportError, match="not a directory"):
        writer.write(writer.Report("file", "R"), tmp_path)


def test_a_report_into_a_new_nested_folder(tmp_path):
    folder = writer.write(writer.Report("", "R"), tmp_path / "a" / "b")
    assert folder == tmp_path / "a" / "b"
    assert sorted(p.name for p in folder.iterdir()) == REPORT_FILES
