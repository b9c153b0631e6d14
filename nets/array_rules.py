"""The library's dense map and tanh written into a tape's replay as numpy expressions.

A replay (:mod:`nets.replay`) calls each gate's methods and checks what they return;
on a small network (seed 001's, 200 samples, 3 hidden units) the calls and checks cost
about as much as the arithmetic. Where a step's gate is exactly :class:`nets.layers.Dense`
or :class:`nets.gates.Tanh` (that class, nothing replaced on the instance) and its
inputs have the shapes the rule is written for, the replay writes the step out as the
gate's own numpy expressions instead, operand for operand (so the same bits), and
leaves out the checks of its results: a float64 batch times a float64 matrix plus a
float64 bias is a float64 array of the recorded shape, and so is a tanh of one.

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
from dataclasses import dataclass

import numpy as np

from nets import gates, layers
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
    """

    forward: str
    backward: tuple[str, ...]
    fits: Callable[[Shapes], bool]


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
}

#: What the expressions call, for the namespace of the compiled source.
NAMES = {"tanh": np.tanh, "add_reduce": np.add.reduce}

_OWN = ("forward", "backward", "forward_with_cache", "backward_from_cache")


def rule_for(
    gate: Gate, arguments: Sequence[int], shapes: Mapping[int, tuple], constants: Mapping
) -> ArrayRule | None:
    """Return the rule a step is written out with, or None to call its gate's methods.

    None for a gate without a rule (or with a method of its own on the instance), for
    argument shapes the rule is not written for, and for a constant argument that is
    not a float64 array.
    """
    rule = RULES.get(type(gate))
    if rule is None or any(name in getattr(gate, "__dict__", {}) for name in _OWN):
        return None
    for a in arguments:
        value = constants.get(a)
        if a in constants and not (value.__class__ is np.ndarray and value.dtype == np.float64):
            return None
    argument_shapes = [np.shape(constants[a]) if a in constants else shapes[a] for a in arguments]
    return rule if rule.fits(argument_shapes) else None


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
