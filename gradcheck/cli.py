"""The command line: ``gradcheck verify MODULE ... [--report DIR]`` and ``gradcheck demo``.

``verify`` imports each module (a dotted name, or a path to a ``.py`` file), finds its
differentiables by the plugin's rule (:mod:`gradcheck.discover`), checks each on
Hypothesis-drawn inputs (``--examples`` of them, seeded by ``--seed``, so that a rerun
draws the same inputs) and prints one line of counts and one per failing or unverified
check; ``--report DIR`` writes the plugin's session report there. Exit codes: 0 when
every check passed, 1 when any failed or could not be verified, 2 for a usage error, a
module that does not import or holds nothing to check, an unwritable report directory,
or a function that breaks the calling convention (named in one line; ``--traceback``
for the rest).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

from _gradcheck_pytestplugin import add_verify_options
from gradcheck.discover import differentiables
from gradcheck.errors import GradcheckError, InvalidInputError

#: Exit codes.
PASSED, NOT_PASSED, USAGE = 0, 1, 2
#: Hypothesis examples per differentiable by default.
DEFAULT_EXAMPLES = 50


def _version() -> str:
    try:
        return version("gradcheck")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def parser() -> argparse.ArgumentParser:
    """Return the command line's parser."""
    main_parser = argparse.ArgumentParser(
        prog="gradcheck",
        description="Verify hand-written gradients against finite differences you can trust.",
    )
    main_parser.add_argument("--version", action="version", version=f"gradcheck {_version()}")
    commands = main_parser.add_subparsers(dest="command", metavar="COMMAND")
    verify = commands.add_parser(
        "verify",
        help="check every differentiable of modules on Hypothesis inputs",
        description=(
            "Check every differentiable of each MODULE (an instance of a class defined "
            "there with forward and backward; names in __gradcheck_exclude__ are skipped) "
            "on Hypothesis-drawn inputs. Exit 0 if all pass, 1 if any fails or cannot be "
            "verified, 2 on a usage or contract error."
        ),
    )
    verify.add_argument(
        "modules", nargs="+", metavar="MODULE", help="a dotted module name or a path to a .py file"
    )
    add_verify_options(verify.add_argument, prefix="", modules=False)
    verify.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        help=f"Hypothesis examples per differentiable (default {DEFAULT_EXAMPLES})",
    )
    verify.add_argument("--quiet", action="store_true", help="print nothing but errors")
    verify.add_argument("--traceback", action="store_true", help="show the traceback of an error")
    commands.add_parser("demo", help="run the demonstration (the default)")
    return main_parser


class UsageError(Exception):
    """A mistake in the command line: one line, exit 2."""


def _load(module: str) -> ModuleType:
    path = Path(module)
    if path.suffix != ".py":
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            raise UsageError(f"cannot import module {module!r}: {exc}") from exc
    if not path.is_file():
        raise UsageError(f"no such file: {module}")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def _check_report_directory(directory: Path) -> None:
    from gradcheck.report.writer import unwritable

    problem = unwritable(directory)
    if problem is not None:
        raise UsageError(f"--report {directory}: {problem}")


def verify(arguments: argparse.Namespace) -> int:
    """Run ``gradcheck verify``; return the exit code."""
    from hypothesis import HealthCheck, settings

    from gradcheck.plugin.generated import PropertyRun, WrongGradient
    from gradcheck.plugin.summary import summary_lines, write_session_report

    report = Path(arguments.report) if arguments.report else None
    if report is not None:
        _check_report_directory(report)
    if arguments.examples < 1:
        raise UsageError(f"--examples must be at least 1, got {arguments.examples}")
    targets = []
    for module in arguments.modules:
        loaded = _load(module)
        found = differentiables(loaded)
        if not found:
            raise UsageError(
                f"{module}: nothing to check there (a differentiable is an instance of a "
                "class defined in the module, with forward and backward)"
            )
        targets += [(f"{loaded.__name__}.{name}", target) for name, target in found]
    options = {"seed": arguments.seed or 0}
    if arguments.mode:
        options["mode"] = arguments.mode
    chosen = settings(
        max_examples=arguments.examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    records = []
    for name, target in _progress(targets, arguments.quiet):
        run = PropertyRun(target, options)
        with contextlib.suppress(WrongGradient):  # recorded, with its shrunk example
            run.check(chosen, seed_=options["seed"])
        records.append(run.record(name, name))
    if not arguments.quiet:
        for line in summary_lines(records):
            print(line)
    if report is not None:
        try:
            write_session_report(records, report)
        except OSError as exc:  # the writer leaves no partial report behind
            raise UsageError(f"cannot write the report to {report}: {exc}") from exc
        if not arguments.quiet:
            print(f"report: {report / 'README.md'}")
    return PASSED if all(r["status"] == "pass" for r in records) else NOT_PASSED


def _progress(targets: list, quiet: bool) -> Sequence:
    """Wrap the targets in a progress bar on a terminal (tqdm), not otherwise."""
    if quiet or not sys.stderr.isatty():
        return targets
    from tqdm import tqdm

    return tqdm(targets, desc="gradcheck", unit="check", leave=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    arguments = parser().parse_args(argv)
    if arguments.command in (None, "demo"):
        from gradcheck.demo import main as demo

        demo()
        return PASSED
    try:
        return verify(arguments)
    except (UsageError, InvalidInputError, GradcheckError) as exc:
        if arguments.traceback:
            traceback.print_exc()
        print(f"gradcheck: error: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return USAGE
