"""Build the reports side by side in worker processes.

The workers are fresh interpreters (``spawn``, one BLAS thread each), and the
verification report, the one that runs Hypothesis, is always the first task: it runs
in a worker that has done nothing else, whatever else is built. Hypothesis draws
constants from the loaded modules, so its examples, and the report's bytes, never
depend on what ran before. The other reports share the workers (no Hypothesis there).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from threadpoolctl import threadpool_limits

from gradcheck.report.writer import Report, write
from nets.reports import (
    celsius,
    circuits,
    landscape,
    layers,
    moons,
    perceptron,
    svm,
    verification,
)

#: Every report, in the order of the seeds: full run, and a quick one (for smoke tests).
REPORTS: dict[str, tuple[Callable[[], Report], Callable[[], Report]]] = {
    "verification": (verification.report, lambda: verification.report(examples=3)),
    "celsius": (celsius.report, lambda: celsius.report(steps=1_000)),
    "perceptron": (perceptron.report, lambda: perceptron.report(steps=200)),
    "moons": (moons.report, lambda: moons.report(steps=1_001, hidden_sizes=(1, 3))),
    "layers": (layers.report, lambda: layers.report(100, 200, layers.LONG_RUNS[:1], 50)),
    "landscape": (landscape.report, lambda: landscape.report(steps=300)),
    "circuits": (circuits.report, lambda: circuits.report(seeds=5)),
    "svm": (svm.report, lambda: svm.report(((0.01, 400), (0.001, 2_000)), 1_000, 3)),
}

#: The reports that take longest, started first so that the others fill in beside them;
#: verification first (the module's docstring says why).
SLOWEST = ("verification", "moons", "layers", "svm", "landscape")


def build(name: str, quick: bool, out: Path) -> tuple[Report, float]:
    """Build the report ``name``, write it into ``out``; return it (without figures), seconds."""
    started = time.perf_counter()
    full, short = REPORTS[name]
    report = (short if quick else full)()
    write(report, out)
    report.figures = {}  # written; the index needs the title and summary
    return report, time.perf_counter() - started


def _build_alone(name: str, quick: bool, out: Path) -> tuple[Report, float]:
    """:func:`build` in a worker process, on one BLAS thread (the workers share the cores)."""
    with threadpool_limits(1):
        return build(name, quick, out)


def build_all(
    names: list[str], quick: bool, out: Path, jobs: int
) -> Iterator[tuple[str, Report, float]]:
    """Yield ``(name, report, seconds)`` as each report is written, ``jobs`` at a time.

    The slowest start first, verification first of all (see the module's docstring).
    """
    ordered = sorted(names, key=lambda n: SLOWEST.index(n) if n in SLOWEST else len(SLOWEST))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = {pool.submit(_build_alone, name, quick, out): name for name in ordered}
        for future in as_completed(futures):
            yield (futures[future], *future.result())
