"""The pytest plugin as a user meets it: installed, in a scratch project of their own."""

import json

import pytest

from gradcheck.plugin.checks import RECORD_SCHEMA
from tests.scratch import GATE_CLASSES

pytest_plugins = ["pytester"]

GATES = (
    GATE_CLASSES
    + """square = Square()
cube = BrokenCube()
identity = Identity()
__gradcheck_exclude__ = ("identity",)
"""
)

TESTS = """
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from mygates import cube, square


def test_right(gradchecker):
    assert gradchecker(square.forward, square.backward, np.array([1.0, 2.0])).passed
    gradchecker(np.sin, lambda x, g: g * np.cos(x), np.array([0.5, 1.5]))


def test_wrong(gradchecker):
    gradchecker(cube.forward, cube.backward, np.array([1.0, 2.0]))


@pytest.mark.gradcheck(mode="fast", seed=3)
def test_marker(gradchecker):
    result = gradchecker(square.forward, square.backward, np.array([1.0, 2.0]))
    assert result.mode == "fast"


@settings(derandomize=True, max_examples=10, database=None)
@given(st.floats(0.5, 3.0))
def test_inside_given(gradchecker, x):
    gradchecker(square.forward, square.backward, np.array([x]))


def test_without_a_check():
    assert True
"""


#: The scratch project's Hypothesis profile: few examples, so its generated checks are quick.
SCRATCH_PROFILE = (
    "from hypothesis import settings\n\n"
    "settings.register_profile('scratch', max_examples=15, deadline=None, derandomize=True)\n"
    "settings.load_profile('scratch')\n"
)


@pytest.fixture
def project(pytester):
    pytester.makepyfile(mygates=GATES, test_user=TESTS)
    pytester.makeconftest(SCRATCH_PROFILE)
    pytester.makeini("[pytest]\naddopts = --strict-markers -p no:cacheprovider\n")
    return pytester


def records(path):
    data = json.loads(path.read_text())
    assert data["schema"] == RECORD_SCHEMA == 2
    return data["checks"]


def test_fixture_marker_and_given_pass_and_fail_as_they_should(project):
    result = project.runpytest_subprocess("--gradcheck-report", "out")
    result.assert_outcomes(passed=4, failed=1)
    # The failure is our short message, element named, with the reproduce line.
    result.stdout.fnmatch_lines(
        [
            "*GradientMismatch: gradient wrong at a[[]1[]]: analytic * vs numeric *",
            "*reproduce: gradcheck.check(BrokenCube(...).forward*",
            "gradcheck: 5 checks, 4 passed, 1 failed, 0 unverified; * forward calls; "
            "worst sensitivity *",
            "  FAIL test_user.py::test_wrong: BrokenCube.forward: gradient wrong at a[[]1[]]*",
        ]
    )
    checks = records(project.path / "out" / "results.json")
    assert (checks[0]["test"], checks[0]["status"]) == ("test_user.py::test_wrong", "fail")
    by_test = {c["test"]: c for c in checks}
    assert by_test["test_user.py::test_marker"]["mode"] == "fast"
    assert by_test["test_user.py::test_marker"]["seed"] == 3
    assert by_test["test_user.py::test_inside_given"]["checks"] > 1  # one record, many calls
    readme = (project.path / "out" / "README.md").read_text()
    assert readme.index("FAIL") < readme.index("PASS")
    assert "Hint: analytic = 0.666667 x numeric" in readme
    assert "Element `a[1]`: analytic -1.0568389" in readme
    figures = {p.name: p.stat().st_size for p in (project.path / "out").glob("*.png")}
    assert set(figures) == {"elements-1.png", "failure-brokencube-forward.png"}
    assert min(figures.values()) > 1000 and all(f"]({name})" in readme for name in figures)


def test_the_session_mode_applies_to_checks_without_their_own(project):
    result = project.runpytest_subprocess("--gradcheck-mode", "fast", "--gradcheck-report", "out")
    result.assert_outcomes(passed=4, failed=1)
    modes = {c["test"]: c["mode"] for c in records(project.path / "out" / "results.json")}
    assert modes["test_user.py::test_right"] == "fast"


def test_modules_and_mode_listed_in_the_ini_file_apply(pytester):
    pytester.makepyfile(mygates=GATES)
    pytester.makeini("[pytest]\ngradcheck_modules = mygates\ngradcheck_mode = fast\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--gradcheck-report", "out")
    result.assert_outcomes(passed=1, failed=1)
    assert {c["mode"] for c in records(pytester.path / "out" / "results.json")} == {"fast"}


def test_a_bad_ini_mode_is_a_clear_error(pytester):
    pytester.makeini("[pytest]\ngradcheck_mode = quick\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*gradcheck_mode must be auto, full or fast, got 'quick'*"])


def test_a_crashed_worker_loses_no_other_records(project):
    pytest.importorskip("xdist")
    project.makepyfile(
        test_crash="""
import os

import numpy as np

from mygates import square


def test_crash(gradchecker):
    gradchecker(square.forward, square.backward, np.array([1.0]))
    os._exit(1)
"""
    )
    result = project.runpytest_subprocess("-n", "2", "--gradcheck-report", "out")
    result.assert_outcomes(passed=4, failed=2)  # the crashed test counts as failed
    tests = {c["test"] for c in records(project.path / "out" / "results.json")}
    assert tests == {
        "test_user.py::test_right",
        "test_user.py::test_wrong",
        "test_user.py::test_marker",
        "test_user.py::test_inside_given",
    }


def test_pytest_html_gets_the_records_as_an_extra(project):
    pytest.importorskip("pytest_html")
    result = project.runpytest_subprocess("--html", "report.html", "--self-contained-html")
    result.assert_outcomes(passed=4, failed=1)
    html = (project.path / "report.html").read_text()
    # pytest-html lists each extra by name and format (HTML-escaped JSON in the page).
    assert html.count("gradcheck&#34;, &#34;format_type&#34;: &#34;json") == 4


def test_tests_using_the_fixture_carry_the_marker(project):
    result = project.runpytest_subprocess("-m", "gradcheck")
    result.assert_outcomes(passed=3, failed=1, deselected=1)


def test_an_unknown_marker_option_fails_clearly_naming_the_test(pytester):
    pytester.makepyfile(
        test_typo="""
import pytest

@pytest.mark.gradcheck(mdoe="fast")
def test_typo(gradchecker):
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*test_typo.py::test_typo: unknown @pytest.mark.gradcheck*mdoe*"])


def test_the_report_under_xdist_holds_the_same_checks_as_a_serial_run(project):
    pytest.importorskip("xdist")
    serial = project.runpytest_subprocess("--gradcheck-report", "serial", "-p", "no:randomly")
    serial.assert_outcomes(passed=4, failed=1)
    spread = project.runpytest_subprocess("-n", "2", "--gradcheck-report", "spread")
    spread.assert_outcomes(passed=4, failed=1)
    spread.stdout.fnmatch_lines(["gradcheck: 5 checks, 4 passed, 1 failed, 0 unverified*"])

    def stable(checks):  # Hypothesis may try another number of examples per run
        return [
            {k: v for k, v in c.items() if k not in ("checks", "forward_calls")} for c in checks
        ]

    assert stable(records(project.path / "spread" / "results.json")) == stable(
        records(project.path / "serial" / "results.json")
    )


def test_a_report_directory_that_cannot_be_written_is_a_clear_error(project):
    (project.path / "taken").write_text("a file, not a directory")
    result = project.runpytest_subprocess("--gradcheck-report", "taken")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradcheck-report taken: exists and is not a directory*"])
    assert (project.path / "taken").read_text() == "a file, not a directory"


def test_generated_checks_of_a_module_catch_its_broken_gate_and_skip_the_excluded(project):
    result = project.runpytest_subprocess(
        "--gradcheck-module", "mygates", "-k", "mygates", "--gradcheck-report", "out"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        # Hypothesis names the example "Falsifying example" or "Failing test case".
        ["*gradient wrong at a*", "F*ing *: property_check(*", "FAILED mygates::cube*"]
    )
    names = {c["function"] for c in records(project.path / "out" / "results.json")}
    assert names == {"mygates.cube", "mygates.square"}
    # -k and -m select among generated checks as among any tests.
    only = project.runpytest_subprocess("--gradcheck-module", "mygates", "-k", "square or without")
    only.assert_outcomes(passed=2, deselected=5)  # mygates::square and test_without_a_check
    marked = project.runpytest_subprocess("--gradcheck-module", "mygates", "-m", "not gradcheck")
    marked.assert_outcomes(passed=1, deselected=6)


def test_a_module_with_nothing_checkable_is_a_clear_error(pytester):
    pytester.makepyfile(empty="VALUE = 1\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--gradcheck-module", "empty")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--gradcheck-module empty: nothing to check there*"])


def test_a_run_that_checks_nothing_imports_neither_numpy_nor_gradcheck(pytester):
    pytester.makepyfile(
        test_plain="""
import sys

def test_plain():
    assert "numpy" not in sys.modules and "gradcheck" not in sys.modules
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert "gradcheck:" not in result.stdout.str()
