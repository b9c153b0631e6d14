"""The convergence reports: complete, honest about what they measured, deterministic, atomic."""

import fcntl
import json
import os
import re

import numpy as np
import pytest

from gradcheck.report import writer
from nets.reports import celsius, run
from nets.reports.__main__ import REPORTS, main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class QuickReports:
    """Each quick report written on first use, once per test session.

    Reports are built one at a time, in the test's process (``python -m nets.reports``
    builds each in a worker), so that pytest-xdist's workers share them out; a lock per
    report lets the first worker that needs it build it and the others read it.
    """

    def __init__(self, folder):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def __truediv__(self, name):
        with open(self.folder / f".{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            if not (self.folder / name / "README.md").exists():
                run.build(name, quick=True, out=self.folder)
        return self.folder / name


@pytest.fixture(scope="session")
def quick_reports(tmp_path_factory):
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's folder, shared by its workers
    return QuickReports(root / "quick-reports")


def numbers(folder, name):
    file = "results.json" if name == "verification" else "numbers.json"
    return json.loads((folder / name / file).read_text())


def by_report(name):
    """Run the tests of one report on one xdist worker: the one that builds it."""
    return pytest.mark.xdist_group(name)


@pytest.mark.parametrize("name", [pytest.param(n, marks=by_report(n)) for n in sorted(REPORTS)])
def test_every_report_is_written_with_its_figures(quick_reports, name):
    text = (quick_reports / name / "README.md").read_text()
    figures = re.findall(r"\]\(([\w-]+\.png)\)", text)
    assert figures, name
    for figure in figures:
        assert (quick_reports / name / figure).read_bytes().startswith(PNG_MAGIC)
    key = {"svm": "scipy", "verification": "checks"}.get(name, "gradient_check")
    assert numbers(quick_reports, name)[key]


def test_the_index_links_every_report_with_its_summary(tmp_path, monkeypatch):
    def fakes(names, quick, out, jobs):
        for name in reversed(names):  # in any order: the index keeps the seeds' order
            yield name, writer.Report(name, name.title(), f"{name} summary"), 0.0

    monkeypatch.setattr("nets.reports.__main__.build_all", fakes)
    main(["--quick", "--out", str(tmp_path)])
    index = (tmp_path / "README.md").read_text()
    for name in REPORTS:
        assert f"- [{name.title()}]({name}/README.md): {name} summary" in index


@by_report("verification")
def test_the_verification_report_passes_nets_and_catches_every_published_bug(quick_reports):
    found = numbers(quick_reports, "verification")
    groups = {c["group"] for c in found["checks"]}
    assert groups == {
        "gates",
        "circuits",
        "losses",
        "models",
        "seed 002 layers",
        "CS231n-style layers",
    }
    names = {c["function"] for c in found["checks"]}
    assert {"nets.gates.relu", "nets.circuit.neuron", "nets.losses.Hinge"} <= names
    assert {"nets.network.Network", "nets.svm.SVM", "nets.network.Layer(act='ReLU')"} <= names
    assert {
        "nets.cs231n.layers.batchnorm_forward",
        "nets.cs231n.recurrent.lstm_step_forward",
    } <= names
    assert all(c["status"] == "pass" and c["checks"] == 3 for c in found["checks"])
    published = found["published"]
    assert len(published) == 11 and all(b["status"] == "fail" for b in published)
    assert sum(b["test"].startswith("CS231n style: ") for b in published) == 5
    assert all(b["fix_status"] == "pass" for b in published if "fix" in b)
    text = (quick_reports / "verification" / "README.md").read_text()
    assert "jointly over x1[0], x1[2], x2[0], x2[2]" in text
    assert "Shrunk by Hypothesis to:" in text


@by_report("moons")
def test_each_report_verifies_the_gradient_and_finds_scipys_optimum(quick_reports):
    for name in ("celsius", "perceptron", "moons", "layers"):
        assert numbers(quick_reports, name)["gradient_check"]["passed"], name
    for name in ("celsius", "perceptron", "layers", "svm"):
        assert numbers(quick_reports, name)["scipy"]["agree"], name
    assert numbers(quick_reports, "svm")["circuit_check_passed"]


@by_report("moons")
def test_the_moons_report_reproduces_the_tutorial_and_shows_the_oscillation(quick_reports):
    moons = numbers(quick_reports, "moons")
    assert moons["tutorial_prints_reproduced"]
    assert moons["runs"]["3"]["printed_loss_every_1000"][:2] == pytest.approx(
        [0.432387, 0.068947], abs=5e-7
    )
    assert "factor 200" in moons["convention_hint"]
    # One hidden unit, step 2 on the printed loss: a two-cycle, the loss rises every other step.
    one = moons["runs"]["1"]
    assert one["oscillates"] and one["rises_in_tail"] > 400
    # The step is too large for the curvature at the minimum nearby: it cannot settle there.
    assert 2 * one["curvature"] > 2 and one["predicted_to_oscillate"]
    text = (quick_reports / "moons" / "README.md").read_text()
    assert "| 1 |" in text and "oscillates" in text


@by_report("layers")
def test_the_layers_report_names_the_planted_bugs_layer(quick_reports):
    layers = numbers(quick_reports, "layers")
    assert layers["planted_bug_culprit"] == "hidden/sigmoid_squashed_twice#3"
    assert layers["stateful_vs_circuit_max_difference"] < 1e-12
    assert set(layers["final_loss"]) == {
        "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "AdaMax",
        "Nadam", "AMSGrad", "AdaBound", "AMSBound", "RMSpropGraves", "SMORMS3", "AdaBelief",
    }  # fmt: skip


def test_reports_are_deterministic(tmp_path):
    for attempt in ("first", "second"):
        writer.write(celsius.report(steps=50), tmp_path / attempt)
    first = sorted((tmp_path / "first" / "celsius").iterdir())
    second = sorted((tmp_path / "second" / "celsius").iterdir())
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_reports_built_side_by_side_in_fresh_processes_match_one_built_here(tmp_path, capsys):
    main(["--quick", "--out", str(tmp_path / "cli"), "--only", "celsius", "circuits"])
    out = capsys.readouterr().out
    assert "celsius/README.md" in out and "circuits/README.md" in out
    run.build("celsius", quick=True, out=tmp_path / "here")
    for file in sorted((tmp_path / "here" / "celsius").iterdir()):
        assert (tmp_path / "cli" / "celsius" / file.name).read_bytes() == file.read_bytes()


def test_a_report_that_cannot_be_written_fails_the_command_with_its_reason(tmp_path, capsys):
    (tmp_path / "celsius").write_text("a file where the report's folder goes")
    with pytest.raises(writer.ReportError, match="cannot write the report"):
        main(["--quick", "--out", str(tmp_path), "--only", "celsius", "--jobs", "1"])
    with pytest.raises(SystemExit):
        main(["--jobs", "0"])
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_only_some_reports_leave_the_index_alone(tmp_path, capsys):
    (tmp_path / "README.md").write_text("index")
    main(["--quick", "--out", str(tmp_path), "--only", "celsius"])
    assert (tmp_path / "README.md").read_text() == "index"
    assert "index not rewritten" in capsys.readouterr().out


def test_the_celsius_report_explains_the_seeds_own_run_with_the_seeds_numbers():
    """Seed 000's setting (lr 1e-4, 10,000 steps): where it ends, why, the fix, the bug."""
    found = celsius.report().numbers
    assert found["learning_rate"] == 1e-4 and found["steps"] == 10_000
    assert round(found["seed_run"]["w"], 3) == 1.797
    assert 27.65 < min(found["draws"]["b"]) and max(found["draws"]["b"]) < 27.85
    assert abs(found["theory"]["b"] - found["seed_run"]["b"]) < 1e-9  # theory = the run
    assert np.round(found["hessian"]).tolist() == [[1667, -1], [-1, 2]]
    low, high = found["eigenvalues"]
    assert round(low, 1) == 2.0 and round(high) == 1667 and round(high / low) == 834
    assert round(found["remaining_bias_share"], 3) == round(np.exp(-2), 3) == 0.135
    assert abs(found["fixed_run"]["w"] - 1.8) < 1e-6 and abs(found["fixed_run"]["b"] - 32) < 1e-6
    assert round(found["published_bug_run"]["w"], 2) == 1.87
    assert round(found["published_bug_run"]["b"], 1) == 27.8
    assert found["published_bug_verdict"] == "fail"


def test_the_circuits_report_gives_the_articles_numbers_for_its_three_strategies(quick_reports):
    found = numbers(quick_reports, "circuits")
    gate, neuron = found["gate"], found["neuron"]
    assert gate["start"] == -6.0
    assert np.allclose(gate["numerical_gradient"], [3.0, -2.0], atol=1e-6)
    assert gate["analytic_gradient"] == [3.0, -2.0]
    steps = (gate["analytic_step_output"], gate["numerical_step_output"])
    assert [round(out, 2) for out in steps] == [-5.87, -5.87]
    assert all(-6.0 < out < -5.87 for out in gate["random_search_outputs"])  # climbs, less far
    assert round(neuron["start"], 4) == 0.8808
    assert np.round(neuron["analytic_gradient"], 3).tolist() == [-0.105, 0.315, 0.105, 0.105, 0.21]
    assert np.allclose(neuron["numerical_gradient"], neuron["analytic_gradient"], atol=1e-4)
    assert gate["calls"] == {"random": 100, "numerical": 4, "analytic": [2, 1]}
    assert found["gradient_check"] == {"x*y": "pass", "neuron": "pass"}


def test_the_landscape_report_lands_every_optimizer_on_the_flat_valley_where_w_minus_b_began(
    quick_reports,
):
    found = numbers(quick_reports, "landscape")["surfaces"]
    neuron = found["sigmoid neuron"]
    assert neuron["gradient_check"] == "pass" and abs(neuron["scipy_minimum"]) < 1e-8
    for name, trained in neuron["runs"].items():
        w, b = trained["end"]
        assert abs((w - b) - 2.0) < 1e-12, name  # w - b never changes: start (1.5, -0.5)
    fast = [n for n, r in neuron["runs"].items() if r["arrived_at_step"] is not None]
    assert {"Momentum", "AdaDelta"} <= set(fast) and "SGD" not in fast  # 300 steps
    valley = found["narrow valley (Rosenbrock)"]["runs"]
    assert valley["SGD"]["diverged_at_step"] is not None  # lr 0.01 > 2 / the curvature
    assert found["saddle"]["gradient_check"] == "pass"
    assert abs(found["saddle"]["scipy_minimum"] + 0.25) < 1e-8


@by_report("moons")
def test_the_moons_report_measures_every_hidden_size_on_held_out_data(quick_reports):
    moons = numbers(quick_reports, "moons")
    found = moons["held_out"]
    assert [f["hidden"] for f in found] == sorted(map(int, moons["runs"])) == [1, 3]
    for fit in found:
        assert 0.5 < fit["held_out_accuracy"] <= 1.0 and 0.5 < fit["train_accuracy"] <= 1.0
        assert fit["train_loss"] > 0 and fit["held_out_loss"] > 0
    assert found[-1]["train_accuracy"] > found[0]["train_accuracy"]  # larger fits better
    assert "held out (`nets.data.split`)" in (quick_reports / "moons" / "README.md").read_text()
