"""Seed 003, chapter 1: the three strategies on the article's gate and neuron, checked."""

from __future__ import annotations

import numpy as np

import gradcheck
from gradcheck.report.writer import Report, new_figure, table
from nets import circuit, search
from nets.circuit import Circuit

#: The article's single gate and its point.
GATE = Circuit(lambda x, y: x * y, "x*y")
GATE_POINT = (-2.0, 3.0)
#: The article's neuron, sigmoid(a x + b y + c), and its point (a, b, c, x, y).
NEURON_POINT = (1.0, 2.0, -3.0, -1.0, 3.0)
#: The random search is unseeded in the article: ranges over this many seeds.
SEEDS = 20
#: What the article prints.
ARTICLE = {
    "gate_start": -6.0,
    "gate_step": -5.87,
    "gate_gradient": (3.0, -2.0),
    "neuron_start": 0.8808,
    "neuron_gradient": (-0.105, 0.315, 0.105, 0.105, 0.210),
}


def _strategies(c: Circuit, point: tuple[float, ...], seeds: int) -> dict[str, object]:
    searches = [search.random_local_search(c, point, seed=s) for s in range(seeds)]
    return {
        "start": float(c.forward(*(np.array(x) for x in point))),
        "random": [s.output for s in searches],
        "random_calls": searches[0].forward_calls,
        "numerical": search.numerical_gradient_step(c, point),
        "analytic": search.analytic_gradient_step(c, point),
    }


def _checked(c: Circuit, point: tuple[float, ...]) -> gradcheck.CheckResult:
    return gradcheck.compare(c.forward, c.backward, *(np.array(x) for x in point))


def _rows(name: str, found: dict, article_gradient) -> list[list[str]]:
    numerical, analytic = found["numerical"], found["analytic"]
    low, high = min(found["random"]), max(found["random"])
    gradient = ", ".join(f"{g:.3f}" for g in article_gradient)
    return [
        [f"{name}: start", "", f"{found['start']:.4f}", "1 forward"],
        [
            f"{name}: random local search (tweak 0.01, 100 tries)",
            "",
            f"{low:.4f} .. {high:.4f} over {SEEDS} seeds",
            f"{found['random_calls']} forward",
        ],
        [
            f"{name}: numerical gradient (h = 1e-4), step 0.01",
            f"[{', '.join(f'{g:.4f}' for g in numerical.gradient)}]",
            f"{numerical.output:.4f}",
            f"{numerical.forward_calls} forward",
        ],
        [
            f"{name}: analytic gradient, step 0.01",
            f"[{', '.join(f'{g:.4f}' for g in analytic.gradient)}] (article: [{gradient}])",
            f"{analytic.output:.4f}",
            f"{analytic.forward_calls} forward, {analytic.backward_calls} backward",
        ],
    ]


def report(seeds: int = SEEDS) -> Report:
    """Run the article's three strategies on its gate and its neuron, and check both."""
    gate = _strategies(GATE, GATE_POINT, seeds)
    neuron = _strategies(circuit.neuron, NEURON_POINT, seeds)
    checks = {name: _checked(c, p) for name, c, p in (
        ("x*y", GATE, GATE_POINT), ("neuron", circuit.neuron, NEURON_POINT)
    )}  # fmt: skip
    out = Report("circuits", "Seed 003, chapter 1: three strategies on real-valued circuits")
    out.summary = (
        f"On x*y at (-2, 3) one step of the numerical or analytic gradient takes -6 to "
        f"{gate['analytic'].output:.4f} (the article: -5.87); the best of 100 random tweaks "
        f"reaches {min(gate['random']):.4f} .. {max(gate['random']):.4f}. The neuron's "
        f"analytic gradient is the article's [-0.105, 0.315, 0.105, 0.105, 0.210]."
    )
    out.add(
        "The article's chapter 1 makes a circuit's output larger three ways: random local "
        "search (tweak every input by up to 0.01, keep the best of 100 tries), the numerical "
        "gradient (nudge each input by h = 1e-4 alone, then step 0.01 along the derivatives), "
        "and the analytic gradient (one backward pass, the same step). `nets.search` runs "
        "them on `nets.circuit` circuits. The article's random search is unseeded: its "
        "results are ranges over seeds here. Calls count every circuit evaluation, the one "
        "at the new point included.",
        table(
            ["strategy", "gradient", "output after", "cost"],
            _rows("x*y at (-2, 3)", gate, ARTICLE["gate_gradient"])
            + _rows("neuron at (1, 2, -3, -1, 3)", neuron, ARTICLE["neuron_gradient"]),
        ),
        "On the neuron the best random tweak climbs further than one gradient step: the "
        "tweaks move each input by up to 0.01, the gradient step by 0.01 times a derivative "
        "below 0.32. Per unit of distance moved, the gradient's direction is the steepest.",
        "The numerical gradient costs one forward call per input, and is a forward "
        "difference, accurate to about h: good enough to climb, too coarse to check a "
        "gradient with. The analytic gradient costs one backward pass whatever the number "
        "of inputs, and is exact; `gradcheck` verifies that it is:",
        table(
            ["circuit", "verdict", "largest relative error", "forward calls"],
            [
                [name, r.status.value.upper(), f"{r.max_rel_error:.1e}", str(r.forward_calls)]
                for name, r in checks.items()
            ],
        ),
    )
    figure = new_figure()
    axes = figure.subplots()
    axes.hist(gate["random"], bins=10, color="tab:gray", label="random search, best of 100")
    axes.axvline(gate["analytic"].output, color="tab:green", label="one gradient step")
    axes.axvline(gate["start"], color="tab:red", label="start")
    axes.set(xlabel="x*y after", ylabel="seeds", title="x*y at (-2, 3)")
    axes.legend()
    out.figure("strategies.png", figure, "Where each strategy takes x*y, over seeds.")
    out.numbers = {
        "article": {k: list(v) if isinstance(v, tuple) else v for k, v in ARTICLE.items()},
        "gradient_check": {name: r.status.value for name, r in checks.items()},
        **{
            name: {
                "start": found["start"],
                "random_search_outputs": found["random"],
                "numerical_gradient": list(found["numerical"].gradient),
                "numerical_step_output": found["numerical"].output,
                "analytic_gradient": list(found["analytic"].gradient),
                "analytic_step_output": found["analytic"].output,
                "calls": {
                    "random": found["random_calls"],
                    "numerical": found["numerical"].forward_calls,
                    "analytic": [
                        found["analytic"].forward_calls,
                        found["analytic"].backward_calls,
                    ],
                },
            }
            for name, found in (("gate", gate), ("neuron", neuron))
        },
    }
    return out
