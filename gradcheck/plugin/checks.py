"""One check inside a test: run it, record it in builtin types, raise as ``check`` does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gradcheck.check import compare, raise_unless_passed
from gradcheck.result import CheckResult, Location

#: The version of the record's layout (``results.json``'s ``schema``).
RECORD_SCHEMA = 2
#: A record keeps the rows of at most this many elements (the worst, by error/tolerance).
ELEMENTS_KEPT = 128
#: The order of element rows: failures first.
_RANK = {"fail": 0, "unverified": 1, "pass": 2}


def _name(function: object) -> str:
    owner = getattr(function, "__self__", None)
    name = getattr(function, "__name__", type(function).__name__)
    if owner is not None and not isinstance(owner, type):
        return f"{type(owner).__name__}.{name}"
    return str(getattr(function, "__qualname__", name))


def _finite(value: float) -> float | str:
    """Return a float JSON can hold (non-finite values as their names)."""
    return float(value) if value == value and abs(value) != float("inf") else str(float(value))


def element_rows(result: CheckResult) -> list[dict]:
    """Return one row per element judged alone: where, status, values, error, tolerance.

    Failures first, then unverified elements, then passes, each by error over tolerance,
    worst first; at most :data:`ELEMENTS_KEPT` rows. Fast mode judges directions, not
    elements, and gives no rows.
    """
    failing = {f.location for f in result.mismatches if f.location is not None}
    unresolved = {f.location for f in result.unverified if f.location is not None}
    kinks = set(result.at_kinks)
    rows = []
    for which, tolerances in enumerate(result.tolerances):
        for index in np.ndindex(tolerances.shape):
            tolerance = float(tolerances[index])
            if tolerance != tolerance:  # not judged alone
                continue
            location = Location(which, result.names[which], tuple(int(i) for i in index))
            analytic = float(result.analytic[which][index])
            numeric = float(result.numeric[which][index])
            status = "fail" if location in failing else "pass"
            status = "unverified" if location in unresolved else status
            error = abs(analytic - numeric) if status != "unverified" else float("nan")
            rows.append(
                {
                    "where": str(location),
                    "status": status,
                    "analytic": _finite(analytic),
                    "numeric": _finite(numeric),
                    "error": _finite(error),
                    "tolerance": _finite(tolerance),
                    "kink": location in kinks,
                }
            )
    return worst_rows(rows)


def worst_rows(rows: Sequence[dict]) -> list[dict]:
    """Return rows failing first, then unverified, then passing, each worst first, capped."""
    ordered = sorted(rows, key=lambda r: (_RANK[r["status"]], -_ratio(r)))
    return ordered[:ELEMENTS_KEPT]


def _ratio(row: dict) -> float:
    error, tolerance = row["error"], row["tolerance"]
    if not isinstance(error, float) or not isinstance(tolerance, float) or tolerance <= 0.0:
        return 0.0
    return error / tolerance


def record(result: CheckResult, forward: object, options: dict[str, Any], test: str) -> dict:
    """Return what the summary and the report say of one check: builtin types only.

    Builtins only, because the record rides on the test's report from a pytest-xdist
    worker to the controller: a numpy scalar there is an INTERNALERROR.
    """
    findings = [*result.mismatches, *result.unverified, *result.worst]
    worst = findings[0] if findings else None
    return {
        "test": str(test),
        "function": _name(forward),
        "mode": str(result.mode),
        "status": str(result.status.value),
        "message": str(result).splitlines()[0],
        "worst": worst.where if worst is not None else "-",
        "tolerance": _finite(worst.verdict.tolerance) if worst is not None else "nan",
        "max_abs_error": _finite(result.max_abs_error),
        "max_rel_error": _finite(result.max_rel_error),
        "sensitivity": _finite(result.sensitivity),
        "sensitivity_at": str(result.sensitivity_at),
        "elements": int(result.checked),
        "at_kinks": len(result.at_kinks),
        "forward_calls": int(result.forward_calls),
        "backward_calls": int(result.backward_calls),
        "seed": int(options.get("seed", 0)),
        "reproduce": str(result.reproduce),
        "hint": str(result.hint) if result.hint is not None else None,
        "element_rows": element_rows(result),
    }


def run_check(
    forward: object,
    backward: object,
    inputs: Sequence[object],
    options: dict[str, Any],
    records: list[dict] | None,
    test: str = "",
) -> CheckResult:
    """Check, record into ``records`` (when a test is running) and raise unless passed."""
    __tracebackhide__ = True
    result = compare(forward, backward, *inputs, **options)
    if records is not None:
        records.append(record(result, forward, options, test))
    return raise_unless_passed(result)


#: Which record of a function's several checks in one test stands for them.
_SEVERITY = {"fail": 2, "unverified": 1, "pass": 0}


def collapse(records: Sequence[dict]) -> list[dict]:
    """Return one record per function checked in a test, in first-call order.

    A test may check one function many times (inside ``@given``, once per example): the
    record kept is the most severe (a failure, else an unverified check, else the pass
    with the weakest sensitivity), with ``checks`` counting the calls and
    ``forward_calls``, ``backward_calls`` their sums.
    """
    kept: dict[str, dict] = {}
    for entry in records:
        current = kept.get(entry["function"])
        if current is None:
            kept[entry["function"]] = {**entry, "checks": 1}
            continue
        calls = current["forward_calls"] + entry["forward_calls"]
        backward = current["backward_calls"] + entry["backward_calls"]
        if _worse(entry, current):
            current = {**entry}
        kept[entry["function"]] = {
            **current,
            "checks": kept[entry["function"]]["checks"] + 1,
            "forward_calls": calls,
            "backward_calls": backward,
        }
    return list(kept.values())


def _worse(entry: dict, current: dict) -> bool:
    if _SEVERITY[entry["status"]] != _SEVERITY[current["status"]]:
        return _SEVERITY[entry["status"]] > _SEVERITY[current["status"]]
    new, old = entry["sensitivity"], current["sensitivity"]
    return isinstance(new, float) and (not isinstance(old, float) or new > old)
