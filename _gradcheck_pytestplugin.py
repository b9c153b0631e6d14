"""gradcheck's pytest plugin, loaded by pytest through the ``pytest11`` entry point.

A top-level module, as Hypothesis's own plugin is, so that pytest loads it without
importing ``gradcheck``: it imports pytest and the standard library only, and a test
run that never checks a gradient pays nothing (numpy and the checker load on the first
``gradchecker`` call, matplotlib never). The machinery is in :mod:`gradcheck.plugin`.

What it adds (see the README, "In pytest"):

- the ``gradchecker`` fixture: ``gradchecker(forward, backward, *inputs, **options)``
  runs :func:`gradcheck.check`, records the check and returns its result;
- the ``gradcheck`` marker: ``@pytest.mark.gradcheck(mode=, seed=, atol=, rtol=,
  nondet_tol=)`` sets the options of the checks in one test;
- options ``--gradcheck-mode``, ``--gradcheck-seed``, ``--gradcheck-report DIR`` and
  ``--gradcheck-module MODULE`` (ini ``gradcheck_modules``): one generated test per
  differentiable found in each module, on Hypothesis-drawn inputs;
- a one-line terminal summary, and with ``--gradcheck-report`` a report of every check,
  merged across pytest-xdist workers.

Disable it with ``-p no:gradcheck``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

#: The options a ``gradcheck`` marker may set (``gradcheck.check``'s keywords).
MARKER_OPTIONS = ("mode", "seed", "atol", "rtol", "nondet_tol")
#: The report attribute carrying a test's check records (builtin types only: they
#: cross from pytest-xdist workers to the controller).
RECORDS_ATTRIBUTE = "gradcheck_records"


@dataclass
class TestContext:
    """The test running now: its id, its marker's options, the records of its checks."""

    nodeid: str
    options: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Session:
    """What the plugin keeps for the whole run (on ``config.stash``)."""

    defaults: dict[str, Any]
    report: Path | None
    modules: list[str]
    records: list[dict[str, Any]] = field(default_factory=list)


SESSION = pytest.StashKey[Session]()
#: The running test's context, on its item (for its report).
_CONTEXT = pytest.StashKey[TestContext]()
#: The test being run, set around each test call: the fixture (session-scoped, so safe
#: inside ``@given``) records into it.
CURRENT: contextvars.ContextVar[TestContext | None] = contextvars.ContextVar(
    "gradcheck_current_test", default=None
)


def add_verify_options(
    addoption: Callable[..., Any], prefix: str = "gradcheck-", modules: bool = True
) -> None:
    """Define the options shared by the plugin (``--gradcheck-*``) and the command line.

    ``addoption`` is pytest's or argparse's; the command line takes its modules as
    positional arguments (``modules=False``).
    """
    addoption(
        f"--{prefix}mode",
        choices=("auto", "full", "fast"),
        default=None,
        help="mode of every check without its own (default: auto)",
    )
    addoption(
        f"--{prefix}seed",
        type=int,
        default=None,
        help="seed of every check without its own (default: 0)",
    )
    addoption(
        f"--{prefix}report",
        metavar="DIR",
        default=None,
        help="write README.md and results.json of every check into DIR",
    )
    if not modules:
        return
    addoption(
        f"--{prefix}module",
        metavar="MODULE",
        action="append",
        default=[],
        help="check every differentiable of MODULE on Hypothesis inputs (repeatable)",
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``gradcheck`` option group and its ini keys."""
    group = parser.getgroup("gradcheck", "gradcheck: verify hand-written gradients")
    add_verify_options(group.addoption)
    parser.addini("gradcheck_mode", "default of --gradcheck-mode", default="")
    parser.addini("gradcheck_seed", "default of --gradcheck-seed", default="")
    parser.addini("gradcheck_report", "default of --gradcheck-report", default="")
    parser.addini("gradcheck_modules", "modules checked as by --gradcheck-module", "linelist")


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and set up the session (nothing heavy is imported)."""
    config.addinivalue_line(
        "markers",
        "gradcheck(mode='auto', seed=0, atol=0, rtol=None, nondet_tol=None): options of "
        "the gradchecker calls in this test",
    )
    defaults: dict[str, Any] = {}
    mode = config.getoption("gradcheck_mode") or config.getini("gradcheck_mode")
    if mode:
        if mode not in ("auto", "full", "fast"):
            raise pytest.UsageError(f"gradcheck_mode must be auto, full or fast, got {mode!r}")
        defaults["mode"] = mode
    seed = config.getoption("gradcheck_seed")
    if seed is None and config.getini("gradcheck_seed"):
        try:
            seed = int(config.getini("gradcheck_seed"))
        except ValueError:
            raise pytest.UsageError(
                f"gradcheck_seed must be an integer, got {config.getini('gradcheck_seed')!r}"
            ) from None
    if seed is not None:
        defaults["seed"] = seed
    report = config.getoption("gradcheck_report") or config.getini("gradcheck_report") or None
    directory = Path(report) if report else None
    if directory is not None and not hasattr(config, "workerinput"):
        _check_writable(directory)
    modules = [*config.getini("gradcheck_modules"), *config.getoption("gradcheck_module")]
    session = Session(defaults, directory, list(dict.fromkeys(modules)))
    config.stash[SESSION] = session
    config.pluginmanager.register(_Recorder(session), "gradcheck-recorder")


def _check_writable(directory: Path) -> None:
    """Fail at once, before any test runs, if the report cannot be written there."""
    from gradcheck.report.writer import unwritable  # only when a report is asked for

    problem = unwritable(directory)
    if problem is not None:
        raise pytest.UsageError(f"--gradcheck-report {directory}: {problem}")


def _marker_options(item: pytest.Item) -> dict[str, Any]:
    marker = item.get_closest_marker("gradcheck")
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(
            f"{item.nodeid}: @pytest.mark.gradcheck takes keywords only "
            f"({', '.join(MARKER_OPTIONS)}), got {marker.args!r}"
        )
    unknown = sorted(set(marker.kwargs) - set(MARKER_OPTIONS))
    if unknown:
        raise pytest.UsageError(
            f"{item.nodeid}: unknown @pytest.mark.gradcheck option(s) {unknown}; "
            f"it takes {', '.join(MARKER_OPTIONS)}"
        )
    return dict(marker.kwargs)


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: they apply to these too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Mark the tests that use the fixture; append the generated module checks."""
    for item in items:
        if "gradchecker" in getattr(item, "fixturenames", ()):
            item.add_marker("gradcheck")
    modules = config.stash[SESSION].modules
    if modules:
        from gradcheck.plugin.generated import generated_items

        items.extend(generated_items(session, modules))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Validate the marker before the test runs: a typo is an error, not a default."""
    _marker_options(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    """Run the test with its context set, so that the fixture records into it."""
    context = TestContext(item.nodeid, _marker_options(item))
    item.stash[_CONTEXT] = context
    token = CURRENT.set(context)
    try:
        return (yield)
    finally:
        CURRENT.reset(token)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Put the test's check records on its report (builtins only) and in a section."""
    report = yield
    context = item.stash.get(_CONTEXT, None)
    records = context.records if context is not None else []
    if report.when == "call" and records:
        from gradcheck.plugin.checks import collapse  # loaded already: a check ran

        records = collapse(records)
        report.__dict__[RECORDS_ATTRIBUTE] = records
        if item.config.pluginmanager.hasplugin("html"):  # pytest-html, when installed
            from pytest_html import extras

            report.extras = [*getattr(report, "extras", []), extras.json(records, name="gradcheck")]
        lines = [f"{r['status'].upper():10s} {r['function']}: {r['message']}" for r in records]
        report.sections.append(("gradcheck", "\n".join(lines)))
    return report


class _Recorder:
    """Collect every test's records from its reports.

    On the controller the reports of pytest-xdist workers arrive here too, with their
    records (the config stash does not travel).
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        records = report.__dict__.get(RECORDS_ATTRIBUTE)
        if records and report.when == "call":
            self.session.records.extend(records)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """One line of counts, then one line per failing or unverified check."""
    session = config.stash[SESSION]
    if hasattr(config, "workerinput") or not session.records:
        return
    from gradcheck.plugin.summary import summary_lines

    terminalreporter.section("gradcheck")
    for line in summary_lines(session.records):
        terminalreporter.write_line(line)
    if session.report is not None:
        terminalreporter.write_line(f"report: {session.report / 'README.md'}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the report, on the controller only, after every worker's records arrived."""
    state = session.config.stash[SESSION]
    if hasattr(session.config, "workerinput") or state.report is None:
        return
    from gradcheck.plugin.summary import write_session_report

    write_session_report(state.records, state.report)


@pytest.fixture(scope="session")
def gradchecker(pytestconfig: pytest.Config) -> Callable[..., Any]:
    """Check a hand-written gradient inside a test: ``gradchecker(forward, backward, *inputs)``.

    Runs :func:`gradcheck.check` with the options of the test's ``gradcheck`` marker, the
    session's ``--gradcheck-mode``/``--gradcheck-seed`` and the call's own keywords (the
    call's win, then the marker's), records the check for the summary and the report,
    and returns the ``CheckResult``; raises ``GradientMismatch`` on a wrong gradient and
    ``GradientUnverified`` where nothing could be verified. Session-scoped and
    stateless, so it may be called many times per test and inside ``@given``.
    """
    defaults = pytestconfig.stash[SESSION].defaults

    def gradchecker(forward: Any, backward: Any, *inputs: Any, **options: Any) -> Any:
        __tracebackhide__ = True
        from gradcheck.plugin.checks import run_check

        context = CURRENT.get()
        if context is None:  # called outside a test's call phase: check, record nothing
            return run_check(forward, backward, inputs, {**defaults, **options}, None)
        merged = {**defaults, **context.options, **options}
        return run_check(forward, backward, inputs, merged, context.records, context.nodeid)

    return gradchecker
