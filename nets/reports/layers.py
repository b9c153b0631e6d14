"""Seed 002: layer objects and the optimizer series, on the moons."""

from __future__ import annotations

import numpy as np

import gradcheck
from gradcheck.report.writer import Report, new_figure, table
from nets import data, train
from nets.network import Layer, Network
from nets.optimizers import ALL
from nets.planted import SquashedTwiceSigmoid
from nets.reports.common import difference, optimum_line, optimum_numbers, verified_line, verify
from nets.training import vector_problem

SAMPLES, NOISE, SEED = 200, 0.20, 0
HIDDEN, L2 = 16, 0.01
STEPS = 2_000
#: Tuned learning rates, run longer: do they settle where scipy says the minimum is?
LONG_RUNS = (("SGD", 0.5), ("Momentum", 0.1), ("Adam", 0.01))
LONG_STEPS = 10_000
#: Colours in matplotlib's default cycle.
COLORS = 10


def network(hidden_act: object = "tanh") -> Network:
    """Return the report's network, seeded: 2 -> 16 (tanh) -> 2, softmax cross-entropy."""
    return Network(
        Layer(2, HIDDEN, act=hidden_act, name="hidden", wb_width=0.5, seed=SEED),
        Layer(HIDDEN, 2, act="identity", name="output", wb_width=0.5, seed=SEED + 1),
        loss="cross_entropy",
        l2=L2,
    )


def _long_runs(
    X, y, steps: int, optimum: float, long_runs: tuple[tuple[str, float], ...]
) -> tuple[str, list[dict[str, object]]]:
    """Train with tuned rates, then let scipy polish each endpoint and say how far it moved."""
    rows, found = [], []
    for name, lr in long_runs:
        net = network()
        history = train(net, X, y, ALL[name](lr=lr), steps=steps)
        loss, grad, x, _ = vector_problem(net, X, y)
        near = gradcheck.compare_optima(loss, grad, x)
        found.append(
            {
                "optimizer": name,
                "lr": lr,
                "final_loss": float(history.loss[-1]),
                "scipy_from_here": optimum_numbers(near),
                "distance_to_scipy_from_here": float(np.linalg.norm(near.analytic.x - x)),
            }
        )
        rows.append(
            [
                f"{name}(lr={lr})",
                f"{history.loss[-1]:.9f}",
                f"{near.analytic.loss:.9f}",
                difference(history.loss[-1] - near.analytic.loss, optimum),
                difference(float(np.linalg.norm(near.analytic.x - x)), float(np.linalg.norm(x))),
                difference(near.analytic.loss - optimum, optimum, sign=True),
            ]
        )
    text = table(
        [
            "optimizer",
            f"loss after {steps} steps",
            "scipy's minimum from there",
            "gap",
            "distance",
            "vs. scipy's minimum from the start",
        ],
        rows,
    )
    return text, found


def report(
    steps: int = STEPS,
    long_steps: int = LONG_STEPS,
    long_runs: tuple[tuple[str, float], ...] = LONG_RUNS,
    samples: int = SAMPLES,
) -> Report:
    """Verify the layers, name a planted bug's layer, and race the optimizers."""
    X, y = data.moons(samples, NOISE, seed=SEED)
    net = network()
    verified = verify(net, X, y)
    objective = net.objective(X, y)
    circuit_grads = objective.backward(*net.params.values(), np.array(1.0))
    stateful = net.gradients(X, y)
    agreement = max(
        float(np.max(np.abs(stateful[name] - grad)))
        for name, grad in zip(net.params, circuit_grads, strict=True)
    )
    planted = network(SquashedTwiceSigmoid())
    broken = planted.objective(X, y)
    found = gradcheck.compare(broken.forward, broken.backward, *planted.params.values())
    loss, grad, x0, _ = vector_problem(net, X, y)
    comparison = gradcheck.compare_optima(loss, grad, x0)
    optimum = comparison.analytic.loss
    curves = {name: train(network(), X, y, cls(), steps=steps).loss for name, cls in ALL.items()}

    out = Report("layers", "Seed 002: layer objects and the optimizer series")
    best = min(curves, key=lambda name: curves[name][-1])
    out.summary = (
        f"a layer network verified and a planted bug's layer named; after {steps} steps "
        f"{best} is closest to scipy's minimum {optimum:.4f}."
    )
    out.add(
        "The seed's layer objects: `Layer(prev, n, act=..., opt=...)` holds `w` and `b`; "
        "`forward` remembers its input, `backward` stores `grad_w` and `grad_b`. Here "
        "`Network(Layer(2, 16, act='tanh', name='hidden'), Layer(16, 2, act='identity', "
        f"name='output'), loss='cross_entropy', l2={L2})` on "
        f"`data.moons({samples}, {NOISE}, seed={SEED})`.",
        verified_line(verified),
        "The layers' stateful pass and the network's circuit call the same gates; their "
        f"gradients differ by at most {agreement:.1e}.",
        "## A planted bug, and its layer named",
        "The hidden layer's sigmoid replaced by one whose backward takes the derivative at "
        "the squashed value (seed 001's slip). The network check fails and names the layer:",
        f"    {found.localization}",
        "## The optimizers",
        optimum_line(comparison),
    )
    rows = [
        [name, f"{curve[0]:.4f}", f"{curve[-1]:.6f}", difference(curve[-1] - optimum, optimum, 2)]
        for name, curve in sorted(curves.items(), key=lambda item: item[1][-1])
    ]
    out.add(
        f"Each optimizer of the series with its paper's defaults, {steps} full-batch steps "
        "from the same initial weights:",
        table(["optimizer", "loss after step 1", f"after step {steps}", "above scipy's"], rows),
    )
    figure = new_figure(7.0, 4.5)
    axes = figure.subplots()
    for position, (name, curve) in enumerate(curves.items()):
        style = "-" if position < COLORS else "--"  # the colour cycle repeats after 10
        excess = np.maximum(curve - optimum, 1e-12)
        axes.semilogy(np.arange(1, steps + 1), excess, style, label=name)
    axes.set(xlabel="step", ylabel="loss - scipy's minimum", title="the optimizer series")
    axes.legend(fontsize=6, ncol=3)
    axes.grid(True, which="both", alpha=0.3)
    out.figure("optimizers.png", figure, "Distance to scipy's minimum, per optimizer.")
    long_table, long_numbers = _long_runs(X, y, long_steps, optimum, long_runs)
    out.add(
        f"With tuned learning rates and {long_steps} steps, does training settle where scipy "
        "says a minimum is? scipy (L-BFGS-B, hand-written gradient; finite differences "
        "agree) is started where each run stopped: the gap is how much lower it gets, the "
        "distance how far it moves. The network is not convex, so a run may settle in "
        "another minimum than the one scipy finds from the initial weights (last column).",
        long_table,
    )
    out.numbers = {
        "gradient_check": verified,
        "stateful_vs_circuit_max_difference": agreement,
        "planted_bug_culprit": found.localization.culprit if found.localization else None,
        "scipy": optimum_numbers(comparison),
        "steps": steps,
        "final_loss": {name: float(curve[-1]) for name, curve in curves.items()},
        "long_runs": long_numbers,
    }
    return out
