"""The README's main command: both demonstrations run and show what they claim."""

import runpy

import pytest


def test_checker_demo_catches_the_articles_bug_and_names_the_wrong_entry(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["gradcheck"])  # python -m gradcheck, no arguments
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("gradcheck", run_name="__main__")
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "5 failing of 5 elements checked" in out  # seed 003's published neuron backward
    assert "gradient check passed (full mode, 5 elements" in out  # and the fixed one
    assert "4 at kinks (subgradient verdict)" in out  # relu within 1e-12 of its kink
    assert "gradient wrong at w[1234]" in out  # fast mode names the planted entry


def test_nets_demo_reproduces_the_article_and_names_the_planted_gate(capsys):
    runpy.run_module("nets", run_name="__main__")
    out = capsys.readouterr().out
    assert "f = 0.8808; da = -0.105, db = 0.315, dc = 0.105, dx = 0.105, dy = 0.210" in out
    assert out.count(" passed, max rel error") == 10
    assert "culprit: node 'sigmoid_squashed_twice#4' (5 of 5) is wrong" in out
