"""Seed 003, chapter 2: a linear support vector machine trained through its circuit.

The score of a point ``(x, y)`` is the circuit ``a*x + b*y + c``. Training picks a
random point, runs the circuit forward, and pulls on its output: up (+1) when a
positive point scores below 1, down (-1) when a negative one scores above -1, not at
all otherwise. The circuit's backward turns the pull into gradients on ``a``, ``b`` and
``c``; a regularization pull ``-a``, ``-b`` is added, and the parameters move by
``step_size`` times their gradient, as in the article.

That pull is minus the subgradient of the hinge loss ``max(0, 1 - label * score)``; with
the regularization, each step descends ``max(0, 1 - label * score) + (a**2 + b**2) / 2``
on one point, so training minimizes :meth:`SVM.loss` on average. ``loss`` and
``gradients`` follow the models' contract, so scipy's cross-checks apply as they are.

>>> from nets import data
>>> X, y = data.svm_points()
>>> svm = SVM()
>>> round(svm.accuracy(X, y), 4)
0.6667
>>> history = train_svm(svm, X, y, iterations=400, seed=0)
>>> round(svm.accuracy(X, y), 4)  # the regularized optimum misclassifies one point too
0.8333

Chapter 2's two-layer network, :class:`TwoLayerNet`, is trained the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from nets.circuit import Circuit, relu
from nets.tape import Tape

#: The article's circuit: the score of a point.
score_circuit = Circuit(lambda a, b, c, x, y: a * x + b * y + c, "a*x + b*y + c")


def _two_layer(a1, b1, c1, a2, b2, c2, a3, b3, c3, a4, b4, c4, d4, x, y):
    n1 = relu(a1 * x + b1 * y + c1)
    n2 = relu(a2 * x + b2 * y + c2)
    n3 = relu(a3 * x + b3 * y + c3)
    return a4 * n1 + b4 * n2 + c4 * n3 + d4


#: Chapter 2's two-layer network: three relu neurons and a linear score of them.
two_layer_circuit = Circuit(_two_layer, "a4*n1 + b4*n2 + c4*n3 + d4")


def pull(score: float, label: float) -> float:
    """Return the article's pull on the score: +1, -1 or 0."""
    if label == 1 and score < 1:
        return 1.0
    if label == -1 and score > -1:
        return -1.0
    return 0.0


class PullClassifier:
    """A circuit scoring points ``(x, y)``, trained by the article's pulls.

    Subclasses set ``circuit`` (its inputs: the parameters in order, then ``x``, ``y``)
    and ``penalized`` (the multiplicative parameters the regularization tugs on).
    """

    circuit: Circuit
    penalized: tuple[str, ...]

    def __init__(self, params: dict[str, float]) -> None:
        self.params = {name: np.array(float(value)) for name, value in params.items()}
        self._tapes: dict[tuple, Tape] = {}  # the circuit recorded, per input shapes

    def _tape(self, inputs: tuple[np.ndarray, ...]) -> Tape:
        """Return the circuit recorded at inputs of these shapes (once per shapes)."""
        shapes = tuple(x.shape for x in inputs)  # arrays: parameters, then the points
        if shapes not in self._tapes:
            self._tapes[shapes] = Tape.record(self.circuit, *inputs)
        return self._tapes[shapes]

    def _inputs(self, X: np.ndarray) -> tuple[np.ndarray, ...]:
        return (*self.params.values(), X[:, 0], X[:, 1])

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Return the score of each point, through the circuit."""
        return self._scorer(X)()

    def _scorer(self, X: np.ndarray) -> Callable[[], np.ndarray]:
        """Return the scores of X's points as a function of the parameters' current values.

        The parameters are updated in place, so one recording and one set of inputs
        serve a whole training run.
        """
        inputs = self._inputs(np.asarray(X, dtype=float))
        return partial(self._tape(inputs).evaluate, *inputs)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Return the fraction of points on the side of their label."""
        return _accuracy(self.scores(X), y)

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """Return the mean hinge loss plus half the penalized parameters' squares."""
        return self._objective(self.scores(X), y)

    def _objective(self, scores: np.ndarray, y: np.ndarray) -> float:
        hinge = np.maximum(0.0, 1.0 - np.asarray(y) * scores)
        squares = sum(float(self.params[n]) ** 2 for n in self.penalized)
        return float(hinge.sum()) / hinge.size + 0.5 * squares

    def gradients(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """Return the (sub)gradient of :meth:`loss` for every parameter, through the circuit.

        Every point pulls at once: the circuit runs on the whole batch, and its backward
        sums the pulls into each parameter's gradient.
        """
        X = np.asarray(X, dtype=float)
        inputs = self._inputs(X)
        tape = self._tape(inputs)
        scores = tape.forward(*inputs)
        pulls = np.array([pull(s, label) for s, label in zip(scores, y, strict=True)])
        grads = dict(zip(self.params, tape.backward(-pulls / len(X)), strict=False))
        for name in self.penalized:
            grads[name] = grads[name] + self.params[name]
        return grads

    def step(self, point: np.ndarray, label: float, step_size: float = 0.01) -> None:
        """Pull on one point's score, backpropagate through the circuit, update in place.

        The circuit runs on Python floats where it can (:attr:`nets.tape.Tape.floats`:
        the gates' own bits, without numpy's cost per call on one number), on 0-d
        arrays otherwise (a circuit with a gate of its own, or a transcendental one).
        """
        p = self.params
        shapes = ((),) * (len(p) + 2)
        if shapes not in self._tapes:
            self._tape((*p.values(), np.asarray(point[0]), np.asarray(point[1])))
        floats = self._tapes[shapes].floats
        if floats is None:
            self._step_on_arrays(point, label, step_size)
            return
        values = [float(v) for v in p.values()]
        score, kept = floats.forward(*values, float(point[0]), float(point[1]))
        grads = floats.backward(kept, pull(score, label))
        for (name, array), value, grad in zip(p.items(), values, grads, strict=False):
            if name in self.penalized:
                grad = grad - value  # the regularization pull
            array[()] = value + step_size * grad

    def _step_on_arrays(self, point: np.ndarray, label: float, step_size: float) -> None:
        p = self.params
        inputs = (*p.values(), np.asarray(point[0]), np.asarray(point[1]))
        tape = self._tape(inputs)
        score = float(tape.forward(*inputs))
        grads = dict(zip(p, tape.backward(pull(score, label)), strict=False))
        for name in self.penalized:
            grads[name] = grads[name] - p[name]  # the regularization pull
        for name, grad in grads.items():
            p[name] += step_size * grad


class SVM(PullClassifier):
    """The article's linear classifier ``a*x + b*y + c`` (initial a=1, b=-2, c=-1).

    Parameters
    ----------
    a, b, c : float
        Initial parameters (the article's defaults).
    """

    circuit, penalized = score_circuit, ("a", "b")

    def __init__(self, a: float = 1.0, b: float = -2.0, c: float = -1.0) -> None:
        super().__init__({"a": a, "b": b, "c": c})


class TwoLayerNet(PullClassifier):
    """Chapter 2's two-layer network: three relu neurons, and a linear score of them.

    ``n_i = max(0, a_i x + b_i y + c_i)``, score ``a4 n1 + b4 n2 + c4 n3 + d4``; the
    regularization tugs on every multiplicative parameter (not ``c1..c3``, ``d4``).

    Parameters
    ----------
    seed : int
        Initial parameters uniform in [-0.5, 0.5), as the article's
        ``Math.random() - 0.5`` (unseeded there).
    """

    circuit = two_layer_circuit
    NAMES = ("a1", "b1", "c1", "a2", "b2", "c2", "a3", "b3", "c3", "a4", "b4", "c4", "d4")
    penalized = ("a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4", "c4")

    def __init__(self, seed: int = 0) -> None:
        values = np.random.default_rng(seed).random(len(self.NAMES)) - 0.5
        super().__init__(dict(zip(self.NAMES, values, strict=True)))


def _accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    return int(np.count_nonzero(np.sign(scores) == np.asarray(y))) / np.size(scores)


@dataclass(frozen=True)
class SVMHistory:
    """What :func:`train_svm` recorded after each iteration."""

    loss: np.ndarray
    accuracy: np.ndarray
    params: np.ndarray


def train_svm(
    svm: PullClassifier,
    X: np.ndarray,
    y: np.ndarray,
    iterations: int = 400,
    step_size: float = 0.01,
    seed: int = 0,
) -> SVMHistory:
    """Train as the article does: one random point per iteration.

    Parameters
    ----------
    svm : SVM or TwoLayerNet
        Updated in place.
    X, y : numpy.ndarray
        Points (N, 2) and labels +-1.
    iterations : int
        Number of single-point steps.
    step_size : float
        The article's ``step_size``.
    seed : int
        Seeds the choice of points.

    Returns
    -------
    SVMHistory
        Objective, accuracy and ``(a, b, c)`` after each iteration.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(y) != len(X):
        raise ValueError(f"X must be (N, 2) with N labels, got {X.shape} and {len(y)} labels")
    rng = np.random.default_rng(seed)
    loss, accuracy, params = [], [], []
    scores_now = svm._scorer(X)
    for _ in range(iterations):
        i = rng.integers(len(X))
        svm.step(X[i], y[i], step_size)
        scores = scores_now()  # once for both records
        loss.append(svm._objective(scores, y))
        accuracy.append(_accuracy(scores, y))
        params.append([float(v) for v in svm.params.values()])
    return SVMHistory(np.array(loss), np.array(accuracy), np.array(params))
