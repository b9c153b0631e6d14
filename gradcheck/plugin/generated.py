"""Generated tests: each differentiable of a ``--gradcheck-module``, on Hypothesis inputs.

One item per differentiable (:func:`gradcheck.discover.differentiables`), in sorted
order so that every pytest-xdist worker collects the same items. Each item draws inputs
with :func:`gradcheck.strategies.inputs_for` (its declared kinks and domain honoured,
biased to kinks, ties and extreme magnitudes) under the active Hypothesis profile and
fails on the first wrong gradient, shrunk to a minimal input; examples where the
numerics could not verify the derivative are counted, not failed (the check is
unverified only when none could be). Examples are not kept in Hypothesis's database
(``database=None``). :class:`PropertyRun` is shared with the command line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import Phase, given, seed, settings
from hypothesis import strategies as st

from gradcheck.check import compare
from gradcheck.discover import differentiables
from gradcheck.errors import InvalidInputError
from gradcheck.plugin.checks import element_rows, record, worst_rows
from gradcheck.result import CheckResult, Status
from gradcheck.strategies import inputs_for


class GeneratedCheck(pytest.Item):
    """The property check of one differentiable."""

    def __init__(self, *, target: object, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.add_marker("gradcheck")

    def runtest(self) -> None:
        """Check the target on drawn inputs; record the last (or the failing) check."""
        __tracebackhide__ = True
        from _gradcheck_pytestplugin import CURRENT, SESSION

        options = dict(self.config.stash[SESSION].defaults)
        run = PropertyRun(self.target, options)
        context = CURRENT.get()
        try:
            run.check(settings(database=None, deadline=None))
        finally:
            if context is not None and run.last is not None:
                context.records.append(run.record(self.nodeid.replace("::", "."), self.nodeid))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """Return our message and Hypothesis's falsifying example, no traceback."""
        if isinstance(excinfo.value, WrongGradient):
            notes = getattr(excinfo.value, "__notes__", [])
            return "\n".join([str(excinfo.value), *notes])
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the target lives, for pytest's report lines."""
        module = sys.modules.get(type(self.target).__module__)
        return Path(getattr(module, "__file__", "") or "."), None, f"gradcheck: {self.name}"


@dataclass(frozen=True)
class Case:
    """One drawn check: a forward/backward pair, its inputs, and options of its own.

    ``description`` says what was drawn (a model's configuration); Hypothesis shows it,
    with the inputs, in a falsifying example.
    """

    forward: Callable[..., Any]
    backward: Callable[..., Any]
    inputs: tuple[Any, ...]
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def __repr__(self) -> str:
        shown = ", ".join(np.array_repr(np.asarray(x), precision=17) for x in self.inputs)
        return f"{self.description or 'inputs'}: ({shown})"


def cases_for(target: object) -> st.SearchStrategy[Case]:
    """Draw the cases of a differentiable: its own pair on :func:`inputs_for` inputs."""
    return inputs_for(target).map(
        lambda inputs: Case(target.forward, target.backward, tuple(inputs))
    )


class PropertyRun:
    """Check one differentiable on Hypothesis inputs, keeping count.

    Each example's check is counted; the last (the minimal failing one, on a failure) is
    kept. A wrong gradient raises :class:`WrongGradient`; an example the numerics could
    not verify is counted, not raised. ``cases`` draws what to check (default: the
    target's own pair on :func:`cases_for` inputs).
    """

    def __init__(
        self,
        target: object,
        options: dict[str, Any],
        cases: st.SearchStrategy[Case] | None = None,
    ) -> None:
        self.target = target
        self.options = options
        self.cases = cases if cases is not None else cases_for(target)
        self.examples = 0
        self.unverified = 0
        self.calls = 0
        self.backward_calls = 0
        self.last: CheckResult | None = None
        self.forward: Callable[..., Any] | None = None
        self.rows: list[dict] = []
        #: Hypothesis's shrunk failing example, once a wrong gradient was found.
        self.falsifying: list[str] = []

    def check(self, settings_: settings, seed_: int | None = None) -> None:
        """Run the property under ``settings_`` (and Hypothesis ``seed``, if given)."""
        __tracebackhide__ = True

        # Without the explain phase: the lines it names are the checker's own, by absolute
        # path, and would tie a report to where the code is checked out.
        phases = tuple(phase for phase in settings_.phases if phase is not Phase.explain)

        @(seed(seed_) if seed_ is not None else (lambda test: test))
        @settings(settings_, phases=phases)
        @given(self.cases)
        def property_check(case: Case) -> None:
            options = {**self.options, **case.options}
            result = compare(case.forward, case.backward, *case.inputs, **options)
            self.examples += 1
            self.unverified += result.status is Status.UNVERIFIED
            self.calls += result.forward_calls
            self.backward_calls += result.backward_calls
            self.last, self.forward = result, case.forward
            self.rows = worst_rows([*self.rows, *element_rows(result)])
            if result.status is Status.FAIL:
                raise WrongGradient(str(result), result)

        try:
            try:
                property_check()
            except BaseExceptionGroup as group:  # Hypothesis found several distinct failures
                chosen = _first(group)
                if isinstance(chosen, WrongGradient):
                    self.last = chosen.result  # its forward: one of the same target's cases
                raise chosen from None
        except WrongGradient as wrong:
            self.falsifying = [str(note) for note in getattr(wrong, "__notes__", [])]
            raise

    def record(self, function: str, test: str) -> dict:
        """Return the run's record: the kept check, with the run's counts.

        An unverified last example is no failure: the run's status is UNVERIFIED only
        when no example could be verified. A run that did not fail keeps the element
        rows of every example (the worst :data:`~gradcheck.plugin.checks.ELEMENTS_KEPT`),
        a failed one those of its failing example.
        """
        assert self.last is not None
        entry = record(self.last, self.forward, self.options, test)
        status = entry["status"]
        if status == "unverified" and self.unverified < self.examples:
            status = "pass"
        entry.update(
            function=function,
            status=status,
            checks=self.examples,
            unverified_examples=self.unverified,
            forward_calls=self.calls,
            backward_calls=self.backward_calls,
            falsifying=self.falsifying,
        )
        if status != "fail":
            entry["element_rows"] = self.rows
        return entry


def _first(group: BaseExceptionGroup) -> BaseException:
    """Return a group's first wrong gradient, or else its first error."""
    wrong, _ = group.split(WrongGradient)
    chosen = wrong if wrong is not None else group
    while isinstance(chosen, BaseExceptionGroup):
        chosen = chosen.exceptions[0]
    return chosen


class WrongGradient(AssertionError):
    """A generated check found a wrong gradient (the message is the checker's)."""

    def __init__(self, message: str, result: object) -> None:
        super().__init__(message)
        self.result = result


class ModuleChecks(pytest.Collector):
    """The generated checks of one module."""

    def collect(self) -> list[pytest.Item]:
        """Return one :class:`GeneratedCheck` per differentiable, sorted by name."""
        return [
            GeneratedCheck.from_parent(self, name=name, target=target)
            for name, target in differentiables(self.name)
        ]


def generated_items(session: pytest.Session, modules: list[str]) -> list[pytest.Item]:
    """Return the generated checks of ``modules``, in the order given then by name."""
    items: list[pytest.Item] = []
    for module in modules:
        try:
            found = ModuleChecks.from_parent(session, name=module, nodeid=module).collect()
        except InvalidInputError as exc:
            raise pytest.UsageError(f"--gradcheck-module {module}: {exc}") from exc
        if not found:
            raise pytest.UsageError(
                f"--gradcheck-module {module}: nothing to check there (a differentiable is "
                "an instance of a class defined in the module, with forward and backward)"
            )
        items += found
    return items
