"""Seed 002's "loss space": every optimizer of the series descending three surfaces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize

import gradcheck
from gradcheck.report.writer import Report, new_figure, table
from nets import Perceptron
from nets.optimizers import ALL
from nets.training import vector_problem

STEPS = 3_000
#: A run has "arrived" once its loss is within this of the surface's minimum.
TOLERANCE = 1e-4
#: A run whose loss passes this (or is not finite) has diverged and is stopped.
DIVERGED = 1e12


@dataclass(frozen=True)
class Surface:
    """A loss over the plane, its gradient, a start, and the box it is drawn in."""

    name: str
    loss: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    start: tuple[float, float]
    minimum: float
    box: tuple[float, float, float, float]
    why: str


def neuron_surface() -> Surface:
    """Return the seed's loss space: sigmoid(x w + b), x0 = 1, y* = 0.5, loss 0.5 (y - y*)^2."""
    model = Perceptron(1, 1, activation="sigmoid", loss="l2")
    loss, grad, _, _ = vector_problem(model, np.array([[1.0]]), np.array([0.5]))
    return Surface(
        "sigmoid neuron",
        loss,
        grad,
        (1.5, -0.5),
        0.0,
        (-2.0, 2.0, -2.0, 2.0),
        "The seed's figure: one sigmoid neuron, minimal on the whole line w + b = 0",
    )


def _rosenbrock(p: np.ndarray) -> float:
    return float((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2)


def _rosenbrock_grad(p: np.ndarray) -> np.ndarray:
    return np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2), 200 * (p[1] - p[0] ** 2)])


def _saddle(p: np.ndarray) -> float:
    return float(p[0] ** 2 + p[1] ** 4 / 4 - p[1] ** 2 / 2)


def _saddle_grad(p: np.ndarray) -> np.ndarray:
    return np.array([2 * p[0], p[1] ** 3 - p[1]])


SURFACES: tuple[Callable[[], Surface], ...] = (
    neuron_surface,
    lambda: Surface(
        "narrow valley (Rosenbrock)",
        _rosenbrock,
        _rosenbrock_grad,
        (-1.2, 1.0),
        0.0,
        (-2.0, 2.0, -1.0, 3.0),
        "A curved valley, about 1000 times more curved across than along near the start: "
        "steps safe across it crawl along it, what momentum and per-coordinate scaling "
        "address; a default step above 2 / the largest curvature diverges",
    ),
    lambda: Surface(
        "saddle",
        _saddle,
        _saddle_grad,
        (1.0, 1e-3),
        -0.25,
        (-1.5, 1.5, -1.5, 1.5),
        "The surface x^2 + y^4/4 - y^2/2: a saddle at the origin between minima (0, +-1); started "
        "almost on the saddle's attracting axis, a method escapes as fast as it amplifies "
        "the tiny y (plain gradient descent by 1 + lr per step)",
    ),
)


def descend(surface: Surface, name: str, steps: int) -> np.ndarray:
    """Return the path of optimizer ``name`` (its paper's defaults) from the start."""
    optimizer, params = ALL[name](), {"p": np.array(surface.start, dtype=float)}
    path = [params["p"].copy()]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            optimizer.step(params, {"p": surface.grad(params["p"])})
            path.append(params["p"].copy())
            if not abs(surface.loss(params["p"])) < DIVERGED:
                break  # diverged: the path ends here
    return np.array(path)


def _arrival(surface: Surface, path: np.ndarray) -> int | None:
    excess = np.array([surface.loss(p) for p in path]) - surface.minimum
    arrived = np.flatnonzero(excess <= TOLERANCE)
    return int(arrived[0]) if arrived.size else None


def report(steps: int = STEPS) -> Report:
    """Descend each surface with every optimizer; say when each arrives and where it ends."""
    out = Report("landscape", "Seed 002: the optimizers in loss space")
    surfaces = [make() for make in SURFACES]
    found: dict[str, dict] = {}
    figure = new_figure(12.0, 9.0)
    panels = figure.subplots(2, 2)
    _surface_plot(figure, panels[0, 0], surfaces[0])
    for surface, axes in zip(surfaces, panels.flat[1:], strict=True):
        gradient_check = gradcheck.compare(
            lambda p, s=surface: np.asarray(s.loss(p)),
            lambda p, g, s=surface: g * s.grad(p),
            np.array(surface.start) + 0.1,
        )
        scipy_minimum = scipy.optimize.minimize(surface.loss, surface.start, jac=surface.grad)
        rows, runs = [], {}
        _contours(axes, surface)
        for k, name in enumerate(ALL):
            path = descend(surface, name, steps)
            end, arrival = path[-1], _arrival(surface, path)
            diverged = len(path) <= steps
            runs[name] = {
                "arrived_at_step": arrival,
                "end": end.tolist(),
                "end_loss": surface.loss(end),
                "diverged_at_step": len(path) - 1 if diverged else None,
            }
            on_line = f"{(end[0] - end[1]) / np.sqrt(2):+.4f}" if surface is surfaces[0] else ""
            rows.append(
                [
                    name,
                    "not within" if arrival is None else str(arrival),
                    _end(end, diverged, len(path) - 1),
                    "" if diverged else f"{surface.loss(end):.2e}",
                    on_line,
                ]
            )
            axes.plot(
                path[:, 0],
                path[:, 1],
                color=f"C{k % 10}",
                linewidth=1,
                linestyle="-" if k < 10 else "--",
                label=name,
            )
        axes.set_title(surface.name)
        found[surface.name] = {
            "runs": runs,
            "scipy_minimum": float(scipy_minimum.fun),
            "gradient_check": gradient_check.status.value,
        }
        header = [
            "optimizer (paper defaults)",
            f"steps to within {TOLERANCE:g}",
            f"end after {steps}",
            "loss there",
        ]
        out.add(
            f"## {surface.name}\n\n{surface.why}; from "
            f"{surface.start}. Its hand-written gradient: "
            f"{gradient_check.status.value.upper()} by `gradcheck`. scipy's BFGS finds the "
            f"minimum value {scipy_minimum.fun:.2e} (the true one: {surface.minimum:g}).",
            table(
                header + (["along w + b = 0"] if surface is surfaces[0] else []),
                [r if surface is surfaces[0] else r[:4] for r in rows],
            ),
        )
        if surface is surfaces[0]:
            out.add(_neuron_notes(runs))
    panels[0, 1].legend(fontsize=6, ncol=2)
    out.figure(
        "landscape.png",
        figure,
        "The seed's loss space as a surface, and the descent "
        "of every optimizer over three surfaces (contours of the loss).",
    )
    arrived = {
        s: sum(
            r["arrived_at_step"] is not None and r["diverged_at_step"] is None
            for r in v["runs"].values()
        )
        for s, v in found.items()
    }
    out.summary = "; ".join(f"{s}: {n} of {len(ALL)} arrive and stay" for s, n in arrived.items())
    out.numbers = {
        "steps": steps,
        "tolerance": TOLERANCE,
        "surfaces": found,
        "gradient_check": {s: v["gradient_check"] for s, v in found.items()},
    }
    return out


def _end(end: np.ndarray, diverged: bool, step: int) -> str:
    return f"diverged at step {step}" if diverged else f"({end[0]:.4f}, {end[1]:.4f})"


def _neuron_notes(runs: dict) -> str:
    ends = np.array([r["end"] for r in runs.values()])
    along = (ends[:, 0] - ends[:, 1]) / np.sqrt(2)
    return (
        "The loss depends on w + b alone (x0 = 1): it is minimal on the whole line "
        "w + b = 0, a flat valley whose Hessian there, sigmoid'(0)^2 [[1, 1], [1, 1]] = "
        "[[1/16, 1/16], [1/16, 1/16]], is singular (eigenvalues 1/8 and 0). Both "
        "coordinates receive the same gradient at every step, and every optimizer of the "
        "series acts coordinate by coordinate with the same state for both, so w - b never "
        f"changes: each lands where the line w + b = 0 meets w - b = {1.5 + 0.5:g}, at "
        f"(1, -1), along-line coordinate (w - b)/sqrt(2) from {along.min():+.6f} to "
        f"{along.max():+.6f}. Where an optimizer ends on such a valley is set by its start, "
        "not by the loss."
    )


def _grid(surface: Surface, points: int = 81):
    x0, x1, y0, y1 = surface.box
    xs, ys = np.meshgrid(np.linspace(x0, x1, points), np.linspace(y0, y1, points))
    zs = np.array(
        [
            [surface.loss(np.array([x, y])) for x, y in zip(r, c, strict=True)]
            for r, c in zip(xs, ys, strict=True)
        ]
    )
    return xs, ys, zs


def _contours(axes, surface: Surface) -> None:
    xs, ys, zs = _grid(surface)
    levels = np.quantile(zs, np.linspace(0.0, 1.0, 25))
    axes.contour(xs, ys, zs, levels=np.unique(levels), cmap="Greys", linewidths=0.5)
    axes.set(xlim=surface.box[:2], ylim=surface.box[2:], xlabel="w / x", ylabel="b / y")


def _surface_plot(figure, axes, surface: Surface) -> None:
    axes.remove()
    axes = figure.add_subplot(2, 2, 1, projection="3d")
    xs, ys, zs = _grid(surface, 41)
    axes.plot_surface(xs, ys, zs, cmap="viridis", linewidth=0)
    axes.set(xlabel="w", ylabel="b", zlabel="loss", title="the seed's loss space")
