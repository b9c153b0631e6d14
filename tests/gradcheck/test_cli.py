"""``gradcheck verify`` end to end in a scratch directory, called as a user would."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gradcheck.cli import main
from gradcheck.plugin.checks import RECORD_SCHEMA
from gradcheck.report import writer
from tests.scratch import GATE_CLASSES

GATES = GATE_CLASSES + "square = Square()\n"


@pytest.fixture
def gates(tmp_path):
    correct = tmp_path / "correct_gates.py"
    correct.write_text(GATES)
    broken = tmp_path / "broken_gates.py"
    broken.write_text(GATES + "cube = BrokenCube()\n")
    return correct, broken


def test_a_correct_module_exits_0_and_reports_its_checks(gates, tmp_path, capsys):
    correct, _ = gates
    assert main(["verify", str(correct), "--examples", "10", "--report", str(tmp_path / "r")]) == 0
    assert "gradcheck: 1 check, 1 passed, 0 failed, 0 unverified" in capsys.readouterr().out
    checks = json.loads((tmp_path / "r" / "results.json").read_text())["checks"]
    assert [(c["function"], c["status"], c["checks"]) for c in checks] == [
        ("correct_gates.square", "pass", 10)
    ]


def test_a_planted_bug_exits_1_and_the_report_names_the_element(gates, tmp_path, capsys):
    _, broken = gates
    code = main(["verify", str(broken), "--examples", "10", "--report", str(tmp_path / "r")])
    assert code == 1
    assert "FAIL broken_gates.cube: gradient wrong at a" in capsys.readouterr().out
    readme = (tmp_path / "r" / "README.md").read_text()
    assert "## FAIL: `broken_gates.cube`" in readme and "reproduce" not in readme.split("##")[0]
    checks = json.loads((tmp_path / "r" / "results.json").read_text())["checks"]
    assert checks[0]["status"] == "fail" and checks[0]["worst"] == "a"
    assert any("property_check(" in note for note in checks[0]["falsifying"])


def test_two_runs_with_one_seed_write_the_same_report(gates, tmp_path):
    _, broken = gates
    for name in ("first", "second"):
        main(
            [
                "verify",
                str(broken),
                "--examples",
                "15",
                "--seed",
                "4",
                "--quiet",
                "--report",
                str(tmp_path / name),
            ]
        )
    first = sorted((tmp_path / "first").iterdir())
    assert {p.name for p in first} >= {"README.md", "results.json", "elements-1.png"}
    for path in first:
        assert path.read_bytes() == (tmp_path / "second" / path.name).read_bytes(), path.name


def test_the_records_hold_exactly_the_keys_the_readme_documents(gates, tmp_path):
    _, broken = gates
    main(["verify", str(broken), "--examples", "5", "--quiet", "--report", str(tmp_path / "r")])
    data = json.loads((tmp_path / "r" / "results.json").read_text())
    assert data["schema"] == RECORD_SCHEMA
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme.split("`results.json` is")[1].split("\n\n")[1]
    documented = set(
        re.findall(r"`(\w+)`", "\n".join(row.split("|")[1] for row in table.splitlines()[2:]))
    )
    row_keys = set(re.findall(r"`(\w+)`", table.split("element_rows")[1].split("|")[1]))
    for check in data["checks"]:
        assert set(check) == documented
        assert all(set(row) == row_keys for row in check["element_rows"])


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(gates, tmp_path, capsys):
    correct, _ = gates
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    assert main(["verify", str(correct), "--report", str(tmp_path / "mine")]) == 2
    assert "holds files that are not a gradcheck report" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_a_report_that_cannot_be_written_is_absent_not_half_written(
    gates, tmp_path, capsys, monkeypatch
):
    correct, _ = gates
    real = writer.Path.write_bytes
    written = []

    def disk_full_after_one_file(path, data):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        return real(path, data)

    monkeypatch.setattr(writer.Path, "write_bytes", disk_full_after_one_file)
    assert main(["verify", str(correct), "--examples", "3", "--report", str(tmp_path / "r")]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert written  # one file was written before the disk filled
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken_gates.py", "correct_gates.py"]


def test_a_function_breaking_the_convention_exits_2_naming_it(tmp_path, capsys):
    module = tmp_path / "shapeless.py"
    module.write_text(
        "import numpy as np\n\n\nclass Wrong:\n    arity = 1\n\n"
        "    def forward(self, a):\n        return np.sin(a)\n\n"
        "    def backward(self, a, g):\n        return np.ones(7)\n\n\nwrong = Wrong()\n"
    )
    assert main(["verify", str(module), "--examples", "3"]) == 2
    err = capsys.readouterr().err
    assert "BackwardContractError" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["verify", "no_such_module_here"], "cannot import module 'no_such_module_here'"),
        (["verify", "json"], "json: nothing to check there"),
        (["verify", "missing.py"], "no such file: missing.py"),
        (["verify", "json", "--examples", "0"], "--examples must be at least 1"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(arguments, message, capsys):
    assert main(arguments) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_report_directory_that_is_a_file_is_an_error_and_stays_untouched(gates, tmp_path, capsys):
    correct, _ = gates
    taken = tmp_path / "taken"
    taken.write_text("mine")
    assert main(["verify", str(correct), "--report", str(taken)]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err
    assert taken.read_text() == "mine"


def test_the_console_script_runs_as_installed(gates):
    correct, _ = gates
    done = subprocess.run(
        [sys.executable, "-m", "gradcheck", "verify", str(correct), "--examples", "5"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("gradcheck: 1 check, 1 passed")
