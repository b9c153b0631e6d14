"""Train a model with an optimizer and keep the history a report needs."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from tqdm import tqdm

from nets.optimizers import Optimizer

#: Runs of at least this many steps show a progress bar (on a terminal).
PROGRESS_MIN_STEPS = 1000
#: By default about this many parameter snapshots are kept.
SNAPSHOTS = 100


@dataclass
class History:
    """What a training run went through.

    Attributes
    ----------
    loss : numpy.ndarray
        ``model.loss(X, y)`` on all the data after each step (seed 001 prints this
        divided by N every 1000 steps). In full-batch training of a model with
        ``loss_and_gradients``, it comes from the next step's own forward pass.
    grad_norm : numpy.ndarray
        Euclidean norm of the gradient used at each step, over all parameters.
    snapshots : dict of int to dict of numpy.ndarray
        Copies of the parameters after the given number of steps (0 is the start).
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    snapshots: dict[int, dict[str, np.ndarray]] = field(repr=False)


def train(
    model,
    X: np.ndarray,
    y: np.ndarray,
    optimizer: Optimizer | None,
    steps: int,
    batch_size: int | None = None,
    seed: int = 0,
    snapshot_every: int | None = None,
    progress: bool | None = None,
) -> History:
    """Run ``steps`` optimizer steps on ``model`` and return the history.

    Parameters
    ----------
    model : object
        Has ``params``, ``loss(X, y)`` and ``gradients(X, y)`` (``nets.MLP``,
        ``nets.Perceptron``, ``nets.network.Network``).
    X, y : numpy.ndarray
        The data.
    optimizer : Optimizer or None
        Updates ``model.params`` in place. None lets the model step itself with
        ``model.update()`` (a :class:`nets.network.Network`, whose layers each hold an
        optimizer, as in seed 002).
    steps : int
        Number of updates.
    batch_size : int, optional
        Samples per step, drawn without replacement from a seeded generator; all of
        them (full-batch gradient descent, as seed 001) by default.
    seed : int
        Seeds the batches.
    snapshot_every : int, optional
        Keep the parameters every this many steps (default: about 100 snapshots).
    progress : bool, optional
        Show a tqdm bar: by default for runs of ``PROGRESS_MIN_STEPS`` steps or more,
        and only on a terminal; False silences it.

    Returns
    -------
    History

    Examples
    --------
    >>> from nets import MLP, data
    >>> from nets.optimizers import SGD
    >>> X, y = data.moons(200, noise=0.20, seed=0)
    >>> model = MLP(2, 3, 2, l2=0.01, reduction="sum")
    >>> history = train(model, X, y, SGD(lr=0.01), steps=1001)
    >>> [round(float(history.loss[step]) / len(X), 6) for step in (0, 1000)]
    [0.432387, 0.068947]
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if optimizer is None and not callable(getattr(model, "update", None)):
        raise ValueError(f"optimizer=None needs a model with update(); {type(model).__name__}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if batch_size is not None and not 1 <= batch_size <= len(X):
        raise ValueError(f"batch_size must lie in [1, {len(X)}], got {batch_size}")
    every = snapshot_every or max(1, steps // SNAPSHOTS)
    rng = np.random.default_rng(seed)
    losses, norms = np.empty(steps), np.empty(steps)
    snapshots = {0: {k: v.copy() for k, v in model.params.items()}}
    show = None if progress is None and steps >= PROGRESS_MIN_STEPS else bool(progress)
    # Full batch: the loss after a step comes from the next step's own forward pass.
    one_pass = batch_size is None and callable(getattr(model, "loss_and_gradients", None))
    if one_pass:  # its tape looked up once, where the model can bind it to the data
        bound = getattr(model, "loss_and_gradients_at", None)
        loss_and_gradients = (
            bound(X, y) if callable(bound) else partial(model.loss_and_gradients, X, y)
        )
    update = model.update if optimizer is None else None
    for step in tqdm(range(steps), disable=None if show is None else not show, leave=False):
        if one_pass:
            loss, grads = loss_and_gradients()
            if step:
                losses[step - 1] = loss
        elif batch_size is None:
            grads = model.gradients(X, y)
        else:
            chosen = rng.choice(len(X), size=batch_size, replace=False)
            grads = model.gradients(X[chosen], y[chosen])
        norms[step] = _norm(grads.values())
        if update is None:
            optimizer.step(model.params, grads)
        else:
            update()
        if not one_pass:
            losses[step] = model.loss(X, y)
        if (step + 1) % every == 0 or step + 1 == steps:
            snapshots[step + 1] = {k: v.copy() for k, v in model.params.items()}
    if one_pass:
        losses[-1] = model.loss(X, y)
    return History(losses, norms, snapshots)


def _norm(arrays: Iterable[np.ndarray]) -> float:
    """Return the Euclidean norm over all ``arrays``, summed in their order.

    Each array's squares are added by one dot product of it raveled (the method, a
    fifth cheaper than ``np.vdot`` on a small array: no dispatch).
    """
    total = 0.0
    for g in arrays:
        flat = g.ravel() if g.__class__ is np.ndarray else np.ravel(g)
        total += flat.dot(flat)
    return math.sqrt(total)


def vector_problem(
    model, X: np.ndarray, y: np.ndarray
) -> tuple[Callable, Callable, np.ndarray, Callable]:
    """Return ``loss(x)``, ``grad(x)``, ``x0`` and ``unflatten`` for a model's parameters.

    ``x`` is every parameter raveled into one vector, in the order of ``model.params``:
    the form scipy's optimizers take. The functions work on a copy of the model, which
    is never modified.

    >>> from nets import Perceptron
    >>> loss, grad, x0, unflatten = vector_problem(Perceptron(2, 1), np.ones((3, 2)), np.ones(3))
    >>> x0.shape, grad(x0).shape, sorted(unflatten(x0))
    ((3,), (3,), ['W', 'b'])
    """
    work = copy.deepcopy(model)
    names = list(model.params)
    shapes = [np.shape(model.params[name]) for name in names]
    ends = np.cumsum([int(np.prod(shape, dtype=int)) for shape in shapes])[:-1]

    def flat(arrays: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([np.ravel(arrays[name]).astype(float) for name in names])

    def unflatten(x: np.ndarray) -> dict[str, np.ndarray]:
        pieces = np.split(np.asarray(x, dtype=float), ends)
        return {n: p.reshape(s) for n, p, s in zip(names, pieces, shapes, strict=True)}

    bounds = list(zip([0, *ends], [*ends, None], shapes, strict=True))
    replays = getattr(work, "replays_its_tape", None)
    if callable(replays) and replays():  # loss and gradients are its tape's: no copying in
        return (*_replaying(work.tape(X, y), bounds), flat(model.params), unflatten)
    targets = list(work.params.values())  # what loss and gradients read (a Network's layers')

    def load(x: np.ndarray) -> None:
        for target, view in zip(targets, _views(x, bounds), strict=True):
            target[...] = view

    def loss(x: np.ndarray) -> float:
        load(x)
        return work.loss(X, y)

    def grad(x: np.ndarray) -> np.ndarray:
        load(x)
        return flat(work.gradients(X, y))

    return loss, grad, flat(model.params), unflatten


def _views(x: np.ndarray, bounds: list[tuple]) -> list[np.ndarray]:
    """Return the parameters' pieces of ``x`` (``(start, stop, shape)`` each), as views."""
    x = np.asarray(x, dtype=float)
    return [x[start:stop].reshape(shape) for start, stop, shape in bounds]


def _replaying(tape, bounds: list[tuple]) -> tuple[Callable, Callable]:
    """Return ``loss(x)`` and ``grad(x)`` replaying ``tape`` on views of ``x``.

    What the model's own ``loss`` and ``gradients`` run (its tape, at its parameters),
    without writing ``x`` into them first: the same bits.
    """
    one = np.array(1.0)

    def loss(x: np.ndarray) -> float:
        return float(tape.evaluate(*_views(x, bounds)))

    def grad(x: np.ndarray) -> np.ndarray:
        gradients = tape.value_and_gradient(*_views(x, bounds), grad_output=one)[1]
        return np.concatenate([g.ravel() for g in gradients])

    return loss, grad
