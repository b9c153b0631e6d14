"""The report writer: atomic, builtin numbers only, nothing left behind on failure."""

import numpy as np
import pytest

from gradcheck.report import writer


def test_a_failed_write_leaves_the_previous_file_and_no_debris(tmp_path, monkeypatch):
    report = writer.Report("r", "R", numbers={"x": 1.0})
    writer.write(report, tmp_path)
    before = (tmp_path / "r" / "numbers.json").read_bytes()
    report.numbers = {"x": np.float64(2.0)}  # numpy scalars are refused, before any write
    with pytest.raises(TypeError, match="builtin types"):
        writer.write(report, tmp_path)
    assert (tmp_path / "r" / "numbers.json").read_bytes() == before

    def disk_full(*arguments):
        raise OSError("disk full")

    monkeypatch.setattr(writer.os, "replace", disk_full)
    with pytest.raises(OSError, match="disk full"):
        writer.write(writer.Report("r", "R", numbers={"x": 3.0}), tmp_path)
    assert (tmp_path / "r" / "numbers.json").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["README.md", "numbers.json"]
