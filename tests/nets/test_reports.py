"""The convergence reports: complete, honest about what they measured, deterministic, atomic."""

import json
import re

import pytest

from gradcheck.report import writer
from nets.reports import celsius
from nets.reports.__main__ import REPORTS, main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    main(["--quick", "--out", str(out)])
    return out


def numbers(folder, name):
    return json.loads((folder / name / "numbers.json").read_text())


def test_every_report_is_written_with_its_figures_and_indexed(quick_reports):
    index = (quick_reports / "README.md").read_text()
    for name in REPORTS:
        text = (quick_reports / name / "README.md").read_text()
        figures = re.findall(r"\]\((\w+\.png)\)", text)
        assert figures, name
        for figure in figures:
            assert (quick_reports / name / figure).read_bytes().startswith(PNG_MAGIC)
        assert f"({name}/README.md)" in index
        assert numbers(quick_reports, name)["gradient_check" if name != "svm" else "scipy"]


def test_each_report_verifies_the_gradient_and_finds_scipys_optimum(quick_reports):
    for name in ("celsius", "perceptron", "moons", "layers"):
        assert numbers(quick_reports, name)["gradient_check"]["passed"], name
    for name in ("celsius", "perceptron", "layers", "svm"):
        assert numbers(quick_reports, name)["scipy"]["agree"], name
    assert numbers(quick_reports, "svm")["circuit_check_passed"]


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


def test_the_layers_report_names_the_planted_bugs_layer(quick_reports):
    layers = numbers(quick_reports, "layers")
    assert layers["planted_bug_culprit"] == "hidden/sigmoid_squashed_twice#3"
    assert layers["stateful_vs_circuit_max_difference"] < 1e-12
    assert set(layers["final_loss"]) == {
        "SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "AdaMax",
        "Nadam", "AMSGrad", "AdaBound", "AMSBound", "RMSpropGraves", "SMORMS3", "AdaBelief",
    }  # fmt: skip


def test_reports_are_deterministic(tmp_path):
    for run in ("first", "second"):
        writer.write(celsius.report(steps=50), tmp_path / run)
    first = sorted((tmp_path / "first" / "celsius").iterdir())
    second = sorted((tmp_path / "second" / "celsius").iterdir())
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_only_some_reports_leave_the_index_alone(tmp_path, capsys):
    (tmp_path / "README.md").write_text("index")
    main(["--quick", "--out", str(tmp_path), "--only", "celsius"])
    assert (tmp_path / "README.md").read_text() == "index"
    assert "index not rewritten" in capsys.readouterr().out
