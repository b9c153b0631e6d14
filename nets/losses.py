"""Losses per sample, each with its gradient with respect to the prediction.

Each has ``value(prediction, target)`` and ``gradient(prediction, target)``: not the
``forward``/``backward`` pair of a gate (their target is data, not an input, and
``gradient`` takes no ``grad_output``); ``nets.layers.Loss`` makes the gate of one.

Every loss maps ``(prediction, target)`` of a batch to one value per sample; the model
reduces them (``mean`` or ``sum``). Softmax cross-entropy takes the scores before the
softmax, so the two are computed together, stably.
"""

from __future__ import annotations

import numpy as np


def _column(target: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Targets of a one-output model may come as a vector: make them (N, 1)."""
    target = np.asarray(target, dtype=float)
    if target.shape == like.shape:
        return target
    return target.reshape(like.shape) if target.size == like.size else target


#: Up to this many columns, a row's maximum or sum is taken column by column: numpy's
#: reduction along a short last axis costs 10 us on 200 x 2 here, a column maximum 1 us.
#: Below 8 terms numpy adds them in order, as the columns are added: the same bits.
FEW_COLUMNS = 7


def _by_rows(ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
    """Return ``ufunc.reduce(values, axis=1, keepdims=True)`` of a 2-D array.

    The same bits, but for a row of negative zeros only, which numpy's sum starts from
    +0 (no row of squares or exponentials is one).
    """
    columns = values.shape[1]
    if columns == 1:  # one term, from the reduction's identity where it has one
        return values.copy() if ufunc.identity is None else ufunc(ufunc.identity, values)
    if not 1 < columns <= FEW_COLUMNS:
        return ufunc.reduce(values, axis=1, keepdims=True)
    result = ufunc(values[:, 0], values[:, 1])
    for j in range(2, columns):
        ufunc(result, values[:, j], out=result)
    return result[:, None]


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim == 2:
        return np.asarray(labels, dtype=float)
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= classes:
        raise ValueError(f"class labels must be integers in [0, {classes}), got {labels}")
    return np.eye(classes)[labels]


class _ColumnTargets:
    """Targets compared with the prediction entry by entry."""

    def prepare(self, target, prediction):
        """Return the target as the value and gradient read it (done once per batch)."""
        return _column(target, prediction)


class L2(_ColumnTargets):
    """0.5 * sum of squares over the outputs (the seeds' "square" error)."""

    name = "l2"

    def value(self, prediction, target):
        """Return 0.5 * sum_j (prediction - target)**2 per sample."""
        error = prediction - _column(target, prediction)
        return 0.5 * np.add.reduce(error * error, axis=1)

    def gradient(self, prediction, target):
        """Return prediction - target."""
        return prediction - _column(target, prediction)

    def total(self, prediction, target):
        """Return 0.5 * the sum of the batch's squared errors, as one dot product.

        What :class:`nets.layers.Loss` reduces the batch with (it adds :meth:`value`'s
        per-sample losses only for a loss without ``total``): on a small batch one dot
        product costs a third of squaring, halving and adding up.
        """
        error = prediction - _column(target, prediction)
        return 0.5 * np.vdot(error, error)

    def total_and_gradient(self, prediction, target):
        """Return :meth:`total` and :meth:`gradient` from one difference (the same bits)."""
        error = prediction - _column(target, prediction)
        return 0.5 * np.vdot(error, error), error


class MSE(_ColumnTargets):
    """Mean over the outputs of the squared error."""

    name = "mse"

    def value(self, prediction, target):
        """Return mean_j (prediction - target)**2 per sample."""
        return np.mean((prediction - _column(target, prediction)) ** 2, axis=1)

    def gradient(self, prediction, target):
        """Return 2 (prediction - target) / n_out."""
        return 2.0 * (prediction - _column(target, prediction)) / prediction.shape[1]


class SoftmaxCrossEntropy:
    """-log softmax(scores)[label], from the scores (labels or one-hot targets)."""

    name = "cross_entropy"

    def prepare(self, target, scores):
        """Return the targets one-hot (done once per batch)."""
        return _one_hot(target, scores.shape[1])

    def value(self, scores, target):
        """Return -log p_label per sample, with a stable log-sum-exp."""
        return self.value_and_gradient(scores, target, gradient=False)[0]

    def gradient(self, scores, target):
        """Return softmax(scores) - one_hot(target)."""
        return self.value_and_gradient(scores, target, value=False)[1]

    def value_and_gradient(self, scores, target, value=True, gradient=True):
        """Return ``(value, gradient)`` from one exponential (None for what is not asked)."""
        shifted = scores - _by_rows(np.maximum, scores)
        exp = np.exp(shifted)
        total = _by_rows(np.add, exp)
        prepared = target.__class__ is np.ndarray and target.ndim == 2 and target.dtype == float
        hot = target if prepared else _one_hot(target, scores.shape[1])
        per_sample = np.log(total[:, 0]) - np.einsum("ij,ij->i", hot, shifted) if value else None
        return per_sample, exp / total - hot if gradient else None


class SigmoidCrossEntropy(_ColumnTargets):
    """Binary cross-entropy from the score of a one-output model (labels 0 or 1)."""

    name = "cross_entropy"

    def value(self, scores, target):
        """Return log(1 + exp(-s)) for label 1, log(1 + exp(s)) for 0, per sample."""
        signed = np.where(_column(target, scores) > 0.5, scores, -scores)
        return np.sum(np.logaddexp(0.0, -signed), axis=1)

    def gradient(self, scores, target):
        """Return sigmoid(scores) - target."""
        e = np.exp(-np.abs(scores))
        probability = np.where(scores >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return probability - _column(target, scores)


class Hinge:
    """Multiclass hinge sum_{j != y} max(0, s_j - s_y + 1); binary max(0, 1 - y s), y = +-1."""

    name = "hinge"

    def prepare(self, target, scores):
        """Return +-1 labels as a column, class labels one-hot (done once per batch)."""
        classes = scores.shape[1]
        return _column(target, scores) if classes == 1 else _one_hot(target, classes)

    def value(self, scores, target):
        """Return the hinge loss per sample."""
        if scores.shape[1] == 1:
            return np.maximum(0.0, 1.0 - _column(target, scores) * scores)[:, 0]
        hot = _one_hot(target, scores.shape[1])
        correct = np.sum(hot * scores, axis=1, keepdims=True)
        return np.sum(np.maximum(0.0, scores - correct + 1.0) * (1.0 - hot), axis=1)

    def gradient(self, scores, target):
        """Return the subgradient (0 at the hinge)."""
        if scores.shape[1] == 1:
            y = _column(target, scores)
            return np.where(1.0 - y * scores > 0, -y, 0.0)
        hot = _one_hot(target, scores.shape[1])
        correct = np.sum(hot * scores, axis=1, keepdims=True)
        active = ((scores - correct + 1.0 > 0) * (1.0 - hot)).astype(float)
        return active - hot * active.sum(axis=1, keepdims=True)
