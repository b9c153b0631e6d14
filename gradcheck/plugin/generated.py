"""Generated tests: each differentiable of a ``--gradcheck-module``, on Hypothesis inputs.

One item per differentiable (:func:`gradcheck.discover.differentiables`), in sorted
order so that every pytest-xdist worker collects the same items. Each item draws inputs
with :func:`gradcheck.strategies.inputs_for` (its declared kinks and domain honoured,
biased to kinks, ties and extreme magnitudes) under the active Hypothesis profile and
fails on the first wrong gradient, shrunk to a minimal input; examples where the
numerics could not verify the derivative are counted, not failed. Examples are not kept
in Hypothesis's database (``database=None``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from gradcheck.check import compare
from gradcheck.discover import differentiables
from gradcheck.errors import InvalidInputError
from gradcheck.plugin.checks import record
from gradcheck.result import Status
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
        target, outcome = self.target, {"examples": 0, "unverified": 0, "calls": 0}
        # Each example's check is counted; the last (the minimal failing one, on a
        # failure) is recorded.

        @settings(database=None, deadline=None)
        @given(inputs_for(target))
        def property_check(inputs: tuple[Any, ...]) -> None:
            result = compare(target.forward, target.backward, *inputs, **options)
            outcome["examples"] += 1
            outcome["calls"] += result.forward_calls
            outcome["unverified"] += result.status is Status.UNVERIFIED
            outcome["last"] = result
            if result.status is Status.FAIL:
                raise WrongGradient(str(result), result)

        context = CURRENT.get()
        try:
            property_check()
        finally:
            if context is not None and "last" in outcome:
                entry = record(outcome["last"], target.forward, options, self.nodeid)
                entry["function"] = self.nodeid.replace("::", ".")
                entry["unverified_examples"] = outcome["unverified"]
                if entry["status"] == "unverified":
                    entry["status"] = "pass"  # an unverified example is no failure here
                entry.update(checks=outcome["examples"], forward_calls=outcome["calls"])
                context.records.append(entry)

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
