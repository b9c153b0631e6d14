"""The library's dense map, tanh, sigmoid and square error written into a replay.

A replay (:mod:`nets.replay`) calls each gate's methods and checks what they return;
on a small network (seed 001's, 200 samples, 3 hidden units) the calls and checks cost
about as much as the arithmetic. Where a step's gate is exactly
:class:`nets.layers.Dense`, :class:`nets.gates.Tanh` or :class:`nets.gates.Sigmoid`, or
a :class:`nets.layers.Loss` of :class:`nets.losses.L2` (that class, nothing replaced on
the instance) and its inputs have the shapes the rule is written for, the replay writes
the step out as the gate's own numpy expressions instead, operand for operand (so the
same bits), and leaves out the checks of its results: a float64 batch times a float64
matrix plus a float64 bias is a float64 array of the recorded shape, and so is a tanh or
a sigmoid of one. The loss's targets are an operand of its rule; where the output's
gradient is ones (None given), the loss's gradient is its cache, not the cache times
ones (the same bits).

What the checks still guard: the inputs (checked on entry), constants (a rule is only
used on float64 arrays) and a gradient coming from a gate without a rule, which is
checked to be a float64 array of its value's shape before a rule's backward reads it
(a float32 or an int gradient is converted first, which gives what the gate's own
backward gives: the dense map converts it, tanh's product promotes it; one of another
shape is refused by name).

>>> rule = RULES[layers.Dense]
>>> rule.forward.format("x", "W", "b"), rule.backward[1].format("x", "W", "b", g="g")
('x @ W + b', 'x.T @ g')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from nets import gates, layers, losses
from nets.gates import Gate

Shapes = Sequence[tuple[int, ...]]


@dataclass(frozen=True)
class ArrayRule:
    """A gate's forward and backward as numpy expressions.

    Attributes
    ----------
    forward : str
        The output, from the arguments ``{0}``, ``{1}``, ...
    backward : tuple of str
        Per argument, its gradient from the cache (``{0}``, ... : the arguments, or the
        output for a gate that caches it) and the output's gradient ``{g}``.
    fits : callable
        Whether the expressions are the gate's at these argument shapes.
    cache : str or None
        The cache, for a gate whose cache is neither its inputs nor its output.
    prelude : tuple of (str, str)
        Values the expressions share, computed first: ``(name, expression)``.
    operands : mapping of str to object
        Constants the expressions read, by name (a loss's targets).
    unit : tuple of str or None
        Per argument, its gradient where the output's is ones (times them left out):
        for a gate whose output is a circuit's, its gradient None (the ones a reverse
        pass starts from by default).

    Names of the prelude and the operands appear in the expressions as ``{name}``;
    :meth:`names` gives what they are called in step ``k``'s source.
    """

    forward: str
    backward: tuple[str, ...]
    fits: Callable[[Shapes], bool]
    cache: str | None = None
    prelude: tuple[tuple[str, str], ...] = ()
    operands: Mapping[str, object] = field(default_factory=dict)
    unit: tuple[str, ...] | None = None

    def names(self, k: int) -> dict[str, str]:
        """Return the source name of each prelude value and operand in step ``k``."""
        return {name: f"r{k}_{name}" for name in (*dict(self.prelude), *self.operands)}

    def forward_lines(
        self, k: int, arguments: Sequence[str], out: str, cache: bool, note: str = ""
    ) -> list[str]:
        """Return step ``k``'s forward as source lines.

        The prelude, ``out`` (followed by ``note``) and, if ``cache``, the cache
        ``c{k}`` (``out`` itself unless the rule has a cache of its own).
        """
        local = self.names(k)
        lines = [f"{local[name]} = {e.format(*arguments, **local)}" for name, e in self.prelude]
        lines.append(f"{out} = {self.forward.format(*arguments, **local)}{note}")
        if cache:
            kept = out if self.cache is None else self.cache.format(*arguments, **local)
            lines.append(f"c{k} = {kept}")
        if self.prelude:
            lines.append(f"del {', '.join(local[name] for name, _ in self.prelude)}")
        return lines

    def gradient(self, k: int, position: int, cache: Sequence[str], g: str) -> str:
        """Return step ``k``'s expression of argument ``position``'s gradient from ``g``."""
        return self.backward[position].format(*cache, g=g, **self.names(k))


#: Per gate class (exactly that class), its rule: the expressions of the gate's
#: ``forward_with_cache`` / ``backward_from_cache`` on float64 arrays, operand for operand
#: (``np.asarray`` of a float64 array is that array).
RULES: dict[type, ArrayRule] = {
    layers.Dense: ArrayRule(
        "{0} @ {1} + {2}",
        ("{g} @ {1}.T", "{0}.T @ {g}", "add_reduce({g}, axis=0)"),
        lambda shapes: [len(shape) for shape in shapes] == [2, 2, 1],  # a batch, not one x
    ),
    gates.Tanh: ArrayRule(
        "tanh({0})",
        ("{g} * (1.0 - {0} * {0})",),
        lambda shapes: len(shapes[0]) >= 1,  # a ufunc of a 0-d array returns a scalar
    ),
    gates.Sigmoid: ArrayRule(
        "where({0} >= 0, 1.0 / {d}, {e} / {d})",
        ("{g} * {0} * (1.0 - {0})",),
        lambda shapes: len(shapes[0]) >= 1,
        prelude=(("e", "exp(-absolute({0}))"), ("d", "1.0 + {e}")),
    ),
}

#: What the expressions call, for the namespace of the compiled source.
NAMES = {
    "tanh": np.tanh,
    "exp": np.exp,
    "absolute": np.absolute,
    "where": np.where,
    "add_reduce": np.add.reduce,
    "asarray": np.asarray,
    "vdot": np.vdot,
    "log": np.log,
    "einsum": np.einsum,
    "maximum": np.maximum,
    "add": np.add,
}


def _by_rows(ufunc: str, x: str, columns: int) -> str:
    """Return the expression of ``nets.losses._by_rows`` on ``x`` of ``columns`` columns."""
    if columns == 1:  # one term, from the reduction's identity where it has one
        return f"{x}.copy()" if getattr(np, ufunc).identity is None else f"{ufunc}(0, {x})"
    if columns > losses.FEW_COLUMNS:
        return f"{ufunc}.reduce({x}, axis=1, keepdims=True)"
    result = f"{ufunc}({x}[:, 0], {x}[:, 1])"
    for j in range(2, columns):
        result = f"{ufunc}({result}, {x}[:, {j}])"
    return f"{result}[:, None]"


def _square_error(columns: int) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """:meth:`nets.losses.L2.total_and_gradient`: the batch's total, the gradient, the prelude."""
    return "0.5 * vdot({e}, {e})", "{e}", (("e", "{0} - {T}"),)


def _softmax_cross_entropy(columns: int) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """:meth:`nets.losses.SoftmaxCrossEntropy.value_and_gradient`, summed over the batch."""
    prelude = (
        ("m", _by_rows("maximum", "{0}", columns)),
        ("s", "{0} - {m}"),
        ("x", "exp({s})"),
        ("t", _by_rows("add", "{x}", columns)),
    )
    total = "add_reduce(log({t}[:, 0]) - einsum('ij,ij->i', {T}, {s}), axis=None)"
    return total, "{x} / {t} - {T}", prelude


#: Per loss class (exactly that class): its batch total, gradient and prelude by columns.
_LOSSES = {losses.L2: _square_error, losses.SoftmaxCrossEntropy: _softmax_cross_entropy}


def _loss_rule(gate: layers.Loss, shapes: Shapes) -> ArrayRule | None:
    """Return the rule of a square error or a softmax cross-entropy over a batch, or None.

    What :class:`nets.layers.Loss` computes with that loss (the reduction of its total,
    its gradient scaled alike), with the targets, prepared, as an operand.
    """
    function, shape = gate.function, tuple(shapes[0])
    written = _LOSSES.get(type(function))
    if written is None or vars(function) or len(shape) != 2:
        return None
    target = function.prepare(gate.target, np.empty(shape))
    if not (target.__class__ is np.ndarray and target.dtype == np.float64):
        return None
    if target.shape != shape:
        return None
    total, gradient, prelude = written(shape[1])
    mean = gate.reduction == "mean"
    return ArrayRule(
        f"asarray({total} / {{N}})" if mean else f"asarray({total})",
        ("{g} * {0}",),
        lambda _: True,
        cache=f"({gradient}) / {{N}}" if mean else gradient,
        prelude=prelude,
        operands={"T": target, "N": shape[0]},
        unit=("{0}",),  # ones times the cache: the cache (a new array, made here)
    )


#: Per gate class (exactly that class), what builds its rule from the gate and the
#: argument shapes (None: no rule).
BUILT: dict[type, Callable[[Gate, Shapes], ArrayRule | None]] = {layers.Loss: _loss_rule}

_OWN = ("forward", "backward", "forward_with_cache", "backward_from_cache")


def rule_for(
    gate: Gate, arguments: Sequence[int], shapes: Mapping[int, tuple], constants: Mapping
) -> ArrayRule | None:
    """Return the rule a step is written out with, or None to call its gate's methods.

    None for a gate without a rule (or with a method of its own on the instance), for
    argument shapes the rule is not written for, and for a constant argument that is
    not a float64 array.
    """
    kind = type(gate)
    if kind not in RULES and kind not in BUILT:
        return None
    if any(name in getattr(gate, "__dict__", {}) for name in _OWN):
        return None
    for a in arguments:
        value = constants.get(a)
        if a in constants and not (value.__class__ is np.ndarray and value.dtype == np.float64):
            return None
    argument_shapes = [np.shape(constants[a]) if a in constants else shapes[a] for a in arguments]
    rule = RULES[kind] if kind in RULES else BUILT[kind](gate, argument_shapes)
    return rule if rule is not None and rule.fits(argument_shapes) else None


def floated(gradient: object, shape: tuple[int, ...], name: str) -> np.ndarray:
    """Return a gradient a rule's backward reads as a float64 array of its value's shape.

    Converted as the gate's own backward converts it (``np.asarray(g, dtype=float)``);
    a gradient of another shape than its value, or not real, is refused by name.
    """
    if np.iscomplexobj(gradient):
        raise TypeError(f"the gradient reaching {name!r} is complex; its value is real")
    converted = np.asarray(gradient, dtype=float)
    if converted.shape != shape:
        raise ValueError(
            f"the gradient reaching {name!r} has shape {converted.shape}, its output {shape}"
        )
    return converted
