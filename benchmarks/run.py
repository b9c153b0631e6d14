"""gradcheck against its peers, on the very same functions, in one process.

    python benchmarks/run.py [--quick] --out DIR

Writes ``DIR/benchmarks/`` (README.md, PNG, numbers.json) with the report writer of
the other reports. Sections: detection power (single-entry errors 1e-2 .. 1e-7 on tanh
and relu networks), false alarms (correct code at kinks, ties, poles, saturation, a
batch of 2, relu networks over seeds), cost (wall time and calls against n, the 2n
floor), numerical accuracy of each tool's derivative. One BLAS thread for everyone
(threadpoolctl), torch on one thread; cost medians over interleaved repeats. A
missing peer is skipped with a line saying so. ``--quick`` runs in under two minutes.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import accuracy, allocator, jax_peer
from benchmarks.cases import hard_correct_cases, network, relu_networks, with_wrong_entry
from benchmarks.peers import Counted, checkers, torch
from gradcheck.report.writer import Report, new_figure, table, write

ERRORS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _cpu() -> str:
    """Return the processor's model name (Linux's /proc/cpuinfo), or what platform says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as lines:
            names = [line.split(":", 1)[1].strip() for line in lines if "model name" in line]
    except OSError:
        names = []
    return names[0] if names else platform.processor() or "unknown processor"


def machine() -> dict:
    blas = [
        f"{i['internal_api']} {i.get('version')} ({i.get('threading_layer')})"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": _cpu(),
        "cores": __import__("os").cpu_count(),
        "blas": blas,
        "threads": "one BLAS thread (threadpoolctl), torch.set_num_threads(1)",
        "allocator": "glibc's mmap threshold raised once before anything is timed "
        "(`benchmarks/allocator.py`), so that no checker pays page faults on its "
        "temporaries that another does not",
        **{p: _version(p) for p in ("gradcheck", "numpy", "scipy", "torch", "numdifftools")},
    }


def detection(sizes: list[int], entries: int) -> dict:
    """The smallest single-entry error each checker catches at every entry tried."""
    found: dict = {}
    rng = np.random.default_rng(1)
    for activation in ("tanh", "relu"):
        for hidden in sizes:
            case = network(activation, hidden)
            full = case.size <= 20_000
            picks = ordinary_entries(case, entries, rng)
            row = {}
            for name, check in checkers(full).items():
                smallest = None
                for error in ERRORS:
                    runs = [check(with_wrong_entry(case, w, i, 1 + error)) for w, i in picks]
                    if not all(r.verdict == "fail" for r in runs):
                        break
                    smallest = error
                row[name] = smallest
            found[case.name] = row
    return found


def ordinary_entries(case, count: int, rng: np.random.Generator) -> list:
    """Entries whose gradient is of ordinary size: within [1/2, 2] of the rms."""
    grads = case.backward(*case.inputs, np.ones(()))
    rms = np.sqrt(np.mean(np.concatenate([np.ravel(g) for g in grads]) ** 2))
    ordinary = [
        (w, i)
        for w, g in enumerate(grads)
        for i in np.ndindex(g.shape)
        if 0.5 * rms <= abs(g[i]) <= 2.0 * rms
    ]
    return [ordinary[k] for k in rng.choice(len(ordinary), size=count, replace=False)]


def false_alarms(hidden: int, seeds: int) -> dict:
    """Each checker's verdict on correct code that is hard to check."""
    found = {}
    for case in [*hard_correct_cases(), *relu_networks(hidden, seeds)]:
        found[case.name] = {name: check(case).verdict for name, check in checkers().items()}
    return found


#: Where only the fast checkers run (10^5 parameters), a repeat costs little: this many
#: times the repeats there, for a steadier median (spreads of +-6 ms of 30 in 5 here).
FAST_ONLY_REPEATS = 3


def cost(sizes: list[int], repeats: int) -> dict:
    """Median wall time and calls per checker and size, interleaved repeats.

    Each repeat runs the checkers and the floor in a seeded random order: a run's speed
    here depends on what ran just before it (gradcheck fast at 10^5 parameters took
    29.1 ms a check right after the floor's long loop of forward calls, 27.1 ms right
    after torch's check), and a fixed order would hand the same neighbour to the same
    checker every time.
    """
    found: dict = {}
    for hidden in sizes:
        case = network("tanh", hidden)
        full = case.size <= 20_000
        runs: dict[str, list] = {name: [] for name in checkers(full)}
        forward_times: list[float] = []
        entries = [*checkers(full).items(), ("floor", None)]
        shuffles = np.random.default_rng(hidden)
        for _ in range(repeats if full else FAST_ONLY_REPEATS * repeats):
            for k in shuffles.permutation(len(entries)):
                name, check = entries[k]
                if check is None:
                    forward_times.append(_forward_seconds(case))  # the floor, interleaved too
                else:
                    runs[name].append(check(case))
        found[case.size] = {
            "forward_seconds": float(np.median(forward_times)),
            **{
                name: {
                    "seconds": float(np.median([r.seconds for r in done])),
                    "spread": float(np.ptp([r.seconds for r in done])),
                    "forward": done[0].forward,
                    "backward": done[0].backward,
                    "verdict": done[0].verdict,
                }
                for name, done in runs.items()
            },
        }
    return found


#: The floor's forward calls per repeat: 2n of them, up to this many.
FLOOR_CALLS = 4000


def _forward_seconds(case) -> float:
    """Seconds per forward call over a run of them, as a full check makes them.

    Through the counting wrapper every checker calls (:class:`benchmarks.peers.Counted`):
    the floor is what the checked function costs a checker, instrumentation included.
    """
    import time

    forward = Counted(case).forward
    calls = min(2 * case.size, FLOOR_CALLS)
    start = time.perf_counter()
    for _ in range(calls):
        forward(*case.inputs)
    return (time.perf_counter() - start) / calls


def _fmt(error: float | None) -> str:
    return "none" if error is None else f"1e{int(np.log10(error)):d}"


def peak_memory(hidden: int) -> dict:
    """Each fast checker's peak memory on one network, in a fresh process each."""
    script = Path(__file__).resolve().parent / "memory.py"
    found = {}
    for name in checkers(full=False):
        done = subprocess.run(
            [sys.executable, str(script), name, str(hidden)],
            capture_output=True,
            text=True,
            check=True,
        )
        found[name] = json.loads(done.stdout)
    return found


def _error(value: float) -> str:
    return "unverified" if not np.isfinite(value) else f"{value:.1e}"


def _cost_figure(numbers: dict):
    figure = new_figure(7.0, 4.2)
    ax = figure.subplots()
    sizes = sorted(numbers)
    names = [n for n in numbers[sizes[0]] if n != "forward_seconds"]
    for name in names:
        points = [(n, numbers[n][name]["seconds"]) for n in sizes if name in numbers[n]]
        ax.loglog(*zip(*points, strict=True), marker="o", label=name)
    floor = [(n, 2 * n * numbers[n]["forward_seconds"]) for n in sizes]
    ax.loglog(*zip(*floor, strict=True), "k--", label="2n forward calls (the floor)")
    ax.set_xlabel("parameters n")
    ax.set_ylabel("seconds per check (median)")
    ax.legend(fontsize=7)
    return figure


def _exponent(numbers: dict, name: str) -> float | None:
    points = [(n, v[name]["seconds"]) for n, v in numbers.items() if name in v]
    if len(points) < 2:
        return None
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def report(quick: bool) -> Report:
    torch_line = "" if torch is not None else " torch is not installed: its rows are skipped."
    if torch is not None:
        torch.set_num_threads(1)
    sizes = [20, 200] if quick else [20, 200, 2000, 20000]
    out = Report("benchmarks", "gradcheck and its peers, on the same functions")
    info = machine()
    out.add(
        "Every checker runs on the very same numpy functions with hand-written backward, "
        "in one process (`python benchmarks/run.py" + (" --quick" if quick else "") + "`). "
        f"Machine: {info['cores']} cores, {info['machine']} ({info['cpu']}), "
        f"Python {info['python']}; "
        f"numpy {info['numpy']}, scipy {info['scipy']}, torch {info['torch']}, "
        f"numdifftools {info['numdifftools']}; BLAS: {', '.join(info['blas'])}; "
        f"{info['threads']}; {info['allocator']}." + torch_line,
        "Peers at their documented defaults: `torch.autograd.gradcheck` (eps 1e-6, "
        "atol 1e-5, rtol 1e-3; 'tight': atol 1e-10, rtol 1e-7), full and `fast_mode`; "
        "`scipy.optimize.check_grad` (forward differences at sqrt(eps); it returns a "
        "norm and documents no threshold: passed here when at most 1e-6 of |grad|), all "
        "directions and one random; the CS231n assignments' check (central differences "
        "at h = 1e-5, max relative error against 1e-7). jax's `check_grads` needs jax "
        "functions, not numpy ones: it is compared on the same rules in "
        "`benchmarks/adapters.py`.",
    )
    detected = detection(sizes, 1 if quick else 3)
    names = list(next(iter(detected.values())))
    out.add(
        "## Detection power",
        "The smallest single-entry error (relative: one entry of the gradient multiplied "
        f"by 1 + error; {1 if quick else 3} random entries of ordinary size each, within "
        "[1/2, 2] of the gradient's rms) that the checker catches at "
        "every entry tried; 'none': not even 1e-2; '-': not run (the full-cost checkers "
        "stop at 10^4 parameters).",
        table(
            ["network", *names],
            [[k, *(_fmt(v.get(n)) if n in v else "-" for n in names)] for k, v in detected.items()],
        ),
    )
    alarms = false_alarms(200 if quick else 2000, 2 if quick else 5)
    all_names = list(next(iter(alarms.values())))
    rejected = {n: sum(v[n] == "fail" for v in alarms.values()) for n in all_names}
    out.add(
        "## False alarms on correct code",
        "Each cell is the checker's verdict on correct code; 'fail' is a false alarm "
        "(gradcheck's 'unverified' says it could not prove the gradient, with the reason).",
        table(["case", *all_names], [[k, *v.values()] for k, v in alarms.items()]),
        "Rejected: " + ", ".join(f"{n} {rejected[n]} of {len(alarms)}" for n in all_names) + ".",
    )
    repeats = 1 if quick else 5
    costs = cost(sizes, repeats)
    rows = []
    for n, values in costs.items():
        for name, v in values.items():
            if name == "forward_seconds":
                continue
            ratio = v["seconds"] / (2 * n * values["forward_seconds"])
            rows.append(
                [
                    n,
                    name,
                    f"{v['seconds'] * 1e3:.1f} (+-{v['spread'] * 1e3:.1f})",
                    f"{ratio:.2f}",
                    v["forward"],
                    v["backward"],
                    v["verdict"],
                ]
            )
    out.add(
        "## Cost",
        "Median wall time per check of a correct tanh network (spread: max - min over "
        f"{repeats} interleaved repeats, {FAST_ONLY_REPEATS * repeats} where only the fast "
        "checkers run, each in a seeded random order of the checkers and "
        "the floor), its ratio to the time of 2n forward "
        "calls (the floor of central differences: the median over the same repeats of a "
        f"run of up to {FLOOR_CALLS} calls, per call, times 2n, through the same call-counting "
        "wrapper the checkers call), and the calls made.",
        table(["n", "checker", "ms", "/ 2n floor", "forward", "backward", "verdict"], rows),
        "Fitted growth exponent of time in n: "
        + ", ".join(
            f"{name} {e:.2f}"
            for name in costs[min(costs)]
            if name != "forward_seconds" and (e := _exponent(costs, name)) is not None
        )
        + ".",
    )
    out.figure("cost.png", _cost_figure(costs), "Seconds per check against parameters, log-log.")
    jax_rows = jax_peer.detection(sizes[:3], ERRORS)
    if jax_rows:
        columns = list(next(iter(jax_rows.values())))
        out.add(
            "## jax's check_grads, where it applies",
            "The same tanh network written in `jax.numpy` as a `custom_vjp` whose rule is "
            "the hand-written backward, `W2[0, 1]` of its gradient multiplied by 1 + error; "
            "gradcheck through `gradcheck.adapters.from_jax`, `check_grads` with "
            "`modes=['rev']` (its default fwd mode raises TypeError on a custom_vjp).",
            table(
                ["network", *columns],
                [
                    [k, *(_fmt(v[c]) if "smallest" in c else v[c] for c in columns)]
                    for k, v in jax_rows.items()
                ],
            ),
        )
    else:
        out.add("## jax's check_grads", "Skipped: jax is not installed.")
    memory = peak_memory(sizes[-1])
    out.add(
        "## Peak memory",
        "The rise of the peak resident set during one check of the tanh network of "
        f"{5 * sizes[-1] + 2} parameters, each checker in a fresh process "
        "(`benchmarks/memory.py`; lazy imports on first use included).",
        table(
            ["checker", "MiB", "verdict"],
            [[k, f"{v['after'] - v['before']:.1f}", v["verdict"]] for k, v in memory.items()],
        ),
    )
    accurate = accuracy.errors()
    tools = list(next(iter(accurate.values())))
    out.add(
        "## Numerical accuracy",
        "Relative error of each tool's numerical derivative against the exact one.",
        table(
            ["point", *tools], [[k, *(_error(e) for e in v.values())] for k, v in accurate.items()]
        ),
        "'unverified': gradcheck gives no number where no step resolves the derivative "
        "(sigmoid at -30 is `0.5 (1 + tanh)` here, quantized in steps of 1e-3 of its value).",
    )
    out.summary = "false alarms: " + ", ".join(
        f"{n} {rejected[n]}/{len(alarms)}" for n in all_names
    )
    out.numbers = {
        "jax": jax_rows,
        "peak_memory_mib": memory,
        "machine": info,
        "detection": detected,
        "false_alarms": alarms,
        "cost": {str(k): v for k, v in costs.items()},
        "accuracy": accurate,
    }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a run under two minutes")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="parent folder")
    options = parser.parse_args(argv)
    allocator.settle()
    with threadpool_limits(1), np.errstate(all="ignore"):  # the peers' own warnings
        built = report(options.quick)
    print(write(built, options.out), ":", built.summary)


if __name__ == "__main__":
    main()
