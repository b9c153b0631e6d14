"""nets verified: every hand-written backward on Hypothesis cases, the seeds' bugs caught.

Each subject of :mod:`nets.reports.subjects` is checked by gradcheck's property run
(the one ``gradcheck verify`` and the pytest plugin use) on derandomized Hypothesis
examples, so a rerun draws the same cases; the seeds' published bugs
(:mod:`nets.planted`) are checked where the seeds show them, each beside its fix, and
the planted gate of seed 001 on Hypothesis inputs, shrunk to a minimal failing one.
"""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, Phase, settings

import gradcheck
from gradcheck.adapters import from_cache
from gradcheck.plugin.checks import RECORD_SCHEMA, record
from gradcheck.plugin.generated import PropertyRun, WrongGradient
from gradcheck.plugin.summary import check_table, element_section, finding_section, summary_lines
from gradcheck.report.writer import Report, table
from nets import planted
from nets.cs231n.planted import PLANTED
from nets.reports.subjects import Subject, subjects

#: Hypothesis examples per subject.
EXAMPLES = 30
#: The seed of every check's random ``grad_output`` and directions.
OPTIONS = {"seed": 0}


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def property_record(subject: Subject, examples: int) -> dict:
    """Check one subject on ``examples`` Hypothesis cases; return its record."""
    run = PropertyRun(subject.target, OPTIONS, subject.cases)
    with contextlib.suppress(WrongGradient):  # recorded, with its shrunk example
        run.check(_settings(examples))
    entry = run.record(subject.name, subject.name)
    entry.update(group=subject.group)
    return entry


def published_record(published: planted.Published) -> dict:
    """Check a seed's published backward and its fix at the seed's point."""
    result = gradcheck.compare(published.forward, published.backward, *published.point)
    fixed = gradcheck.compare(published.forward, published.fixed, *published.point)
    name = f"seed {published.seed}: {published.title}"
    entry = record(result, published.backward, OPTIONS, name)
    entry.update(
        function=f"nets.planted.{published.backward.__name__}",
        group="published",
        details=str(result),
        fix=f"nets.planted.{published.fixed.__name__}",
        fix_status=fixed.status.value,
        fix_sensitivity=float(fixed.sensitivity),
    )
    return entry


def planted_gate_record(examples: int) -> dict:
    """Run seed 001's planted sigmoid gate as a property: Hypothesis shrinks its failure."""
    gate = planted.SquashedTwiceSigmoid()
    entry = property_record(
        Subject("published", "nets.planted.SquashedTwiceSigmoid", gate), examples
    )
    entry.update(test="seed 001: sigmoid' taken at the squashed value, as a gate")
    return entry


def cs231n_records(examples: int) -> list[dict]:
    """Run each classic CS231n-style slip (:mod:`nets.cs231n.planted`) as a property.

    Hypothesis generates without shrinking here: shrinking the naive conv's failure
    costs a minute of full checks. The record keeps the message (which names the
    element), not the unshrunk input.
    """
    entries = []
    unshrunk = settings(_settings(examples), phases=(Phase.explicit, Phase.generate))
    for title, (forward, backward) in PLANTED.items():
        run = PropertyRun(from_cache(forward, backward), OPTIONS)
        with contextlib.suppress(WrongGradient):
            run.check(unshrunk)
        name = f"nets.cs231n.planted.{backward.__name__}"
        entry = run.record(name, name)
        entry.update(group="published", test=f"CS231n style: {title}", falsifying=[])
        entries.append(entry)
    return entries


def _caught_rows(bugs: list[dict]) -> list[list[object]]:
    return [
        [
            f"{b['test']}",
            f"`{b['function']}`",
            "**caught**" if b["status"] == "fail" else f"**{b['status'].upper()}: missed**",
            b["worst"],
            b.get("fix_status", "-").upper() if "fix" in b else "-",
        ]
        for b in bugs
    ]


def _without_passing_rows(entry: dict) -> dict:
    return entry if entry["status"] != "pass" else {**entry, "element_rows": []}


def report(examples: int = EXAMPLES) -> Report:
    """Verify every subject and every published bug; return the report."""
    checks = [property_record(subject, examples) for subject in subjects()]
    bugs = [published_record(p) for p in planted.PUBLISHED]
    bugs.append(planted_gate_record(examples))
    bugs += cs231n_records(examples)
    counts = {s: sum(c["status"] == s for c in checks) for s in ("pass", "unverified", "fail")}
    unverified_examples = sum(c["unverified_examples"] for c in checks)
    caught = sum(b["status"] == "fail" for b in bugs)
    fixed = sum(b.get("fix_status") == "pass" for b in bugs)
    published = sum("fix" in b for b in bugs)
    out = Report("verification", "nets, verified: every hand-written backward, checked")
    out.summary = (
        f"{len(checks)} differentiables checked on {examples} Hypothesis examples each: "
        f"{counts['pass']} passed, {counts['unverified']} unverified, {counts['fail']} "
        f"failed ({unverified_examples} of {sum(c['checks'] for c in checks)} examples "
        "could not be verified and proved nothing either way); the seeds' published bugs "
        f"and the CS231n style's planted ones: {caught} of {len(bugs)} caught, {fixed} of "
        f"{published} fixes verified."
    )
    out.add(
        "Every gate of `nets.gates` and `nets.layers`, the named circuits of "
        "`nets.circuit`, every loss of `nets.losses` (as a gate of the prediction), each "
        "model (`MLP` with each activation and output/loss pair, `Perceptron`, the layers' "
        "`Network`, the SVM), seed 002's stateful `Layer` and the CS231n-style layers of "
        "`nets.cs231n` (through `gradcheck.adapters.from_cache`), each checked by `gradcheck` "
        f"on {examples} derandomized Hypothesis examples: gates and circuits on inputs "
        "drawn towards their kinks, ties and extreme magnitudes, models on drawn sizes, "
        "seeds, penalties and data. This is what `gradcheck verify` does for a module "
        "(`gradcheck verify nets.gates nets.circuit` checks the first two groups, "
        "`gradcheck verify nets.cs231n.layers nets.cs231n.recurrent` the last).",
        out.summary,
        "A check passes when every example's gradient is verified right or, for some "
        "examples, cannot be verified (the unverified examples are counted; a check is "
        "unverified only when no example could be): a single wrong gradient fails it, "
        "with Hypothesis's shrunk example. *worst element* and *error / tolerance*: the "
        "element closest to its tolerance over all examples; *sensitivity*: the smallest "
        "relative single-entry error the last example would have caught.",
    )
    for group in dict.fromkeys(c["group"] for c in checks):
        members = [c for c in checks if c["group"] == group]
        out.add(f"## {group.capitalize()}", check_table(members))
    out.add(
        "## The seeds' published bugs, caught",
        "Each at the point where its seed shows it, beside its fix (which must pass), "
        "seed 001's slip as a gate on Hypothesis inputs, and the classic slips of the "
        "CS231n style (`nets.cs231n.planted`) on Hypothesis inputs (not shrunk):",
        table(["bug", "backward", "verdict", "where", "its fix"], _caught_rows(bugs)),
    )
    for bug in bugs:
        lines = bug.get("details", bug["message"]).splitlines()
        out.add(f"### {bug['test']}", "```\n" + "\n".join(lines) + "\n```")
        if bug.get("falsifying"):
            out.add("Shrunk by Hypothesis to:", "```\n" + "\n".join(bug["falsifying"]) + "\n```")
    for entry in checks:
        if entry["status"] != "pass":
            finding_section(entry, out)
    element_section(checks, out)
    out.numbers = {
        "schema": RECORD_SCHEMA,
        "examples": examples,
        "summary": summary_lines(checks)[0],
        # The element rows are in the figures; kept here only for what did not pass.
        "checks": [_without_passing_rows(c) for c in checks],
        "published": bugs,
    }
    out.numbers_file = "results.json"
    return out
