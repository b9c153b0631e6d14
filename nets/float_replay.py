"""A tape of scalars written out as Python float arithmetic, without numpy's per-call cost.

Seed 003's pull loop runs its circuit on one point at a time: every value is a number,
and each gate on 0-d arrays pays numpy's call overhead (about a microsecond) for one
multiply or add. When every value of a tape is a scalar and every gate is one of the
library's polynomial or piecewise-linear gates exactly as :mod:`nets.gates` defines it
(add, sub, mul, neg, square, max, relu), :func:`compile_floats` writes the tape out as
Python expressions on floats: the same IEEE operations on the same operands in the same
order as the gates' forward and backward, so the same bits (the tests compare the two on
random circuits, signed zeros, infinities and NaN included), a NaN's sign and payload
aside: where two NaNs meet in an addition, which one comes out is the compiled code's
choice (``nan + -nan`` is +nan in numpy's loop here, -nan in Python's float addition).

Not lowered, so such a tape has no float form and runs on arrays: transcendental gates
(numpy's tanh or exp need not round as :mod:`math` does), division (Python raises at 0
where numpy gives inf), and a subclass or an instance with a forward or backward of its
own (what is trained must be what is checked).

>>> import numpy as np
>>> from nets import gates
>>> steps = [("mul#0", gates.mul, (0, 1), 2), ("relu#1", gates.relu, (2,), 3)]
>>> replay = compile_floats(steps, 2, {}, 3, "relu(a*b)")
>>> print(replay.source.split("def backward")[0].strip())
def forward(v0, v1):
    if v0.__class__ is not float:
        v0 = scalar(v0, 0)
    if v1.__class__ is not float:
        v1 = scalar(v1, 1)
    v2 = v0 * v1  # mul#0
    v3 = (v2 if v2 > 0.0 or v2 != v2 else 0.0)  # relu#1
    return v3, (v0, v1, v2)
>>> value, kept = replay.forward(2.0, 3.0)
>>> value, replay.backward(kept, 1.0)
(6.0, (3.0, 2.0))
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from nets import gates
from nets.gates import Gate
from nets.source import comment, compiled, tuple_display


@dataclass(frozen=True)
class Rule:
    """A gate's forward and backward as expressions on floats.

    Attributes
    ----------
    forward : str
        The output, from the arguments ``{0}``, ``{1}``.
    backward : tuple of str
        Per argument, its gradient from the arguments and the output's gradient ``{g}``.
    """

    forward: str
    backward: tuple[str, ...]


#: What numpy's maximum does on float64: the first unless the second is larger (so
#: ``max(-0.0, 0.0)`` is ``0.0`` and ``max(0.0, -0.0)`` is ``-0.0``), NaN propagated.
_MAXIMUM = "({0} if {0} > {1} or {0} != {0} else {1})"

#: Per gate class (exactly that class), its rule: each expression is the gate's numpy
#: expression on 0-d arrays, operand for operand.
RULES: dict[type, Rule] = {
    gates.Add: Rule("{0} + {1}", ("{g}", "{g}")),
    gates.Sub: Rule("{0} - {1}", ("{g}", "-{g}")),
    gates.Mul: Rule("{0} * {1}", ("{1} * {g}", "{0} * {g}")),
    gates.Neg: Rule("-{0}", ("-{g}",)),
    gates.Square: Rule("{0} * {0}", ("2.0 * {0} * {g}",)),
    gates.Max: Rule(_MAXIMUM, ("({g} if {0} >= {1} else 0.0)", "(0.0 if {0} >= {1} else {g})")),
    gates.Relu: Rule(_MAXIMUM.replace("{1}", "0.0"), ("({g} if {0} > 0.0 else 0.0)",)),
}

_OWN = ("forward", "backward", "forward_with_cache", "backward_from_cache")


def rule_of(gate: Gate) -> Rule | None:
    """Return the float rule of ``gate``, or None if it has none (or its own methods)."""
    own = getattr(gate, "__dict__", {})
    if any(name in own for name in _OWN):
        return None
    return RULES.get(type(gate))


def scalar(value: object, position: int | str) -> float:
    """Return ``value`` as a float, refusing anything that is not one number."""
    if np.ndim(value) != 0:
        raise ValueError(
            f"input {position} has shape {np.shape(value)}; the float replay takes numbers"
        )
    return float(value)


Step = tuple[str, Gate, tuple[int, ...], int]


def _read_backward(rule: Rule, arguments: tuple[int, ...]) -> set[int]:
    """Return the argument slots the rule's backward reads (the values it must keep)."""
    fields = {f for text in rule.backward for _, f, _, _ in string.Formatter().parse(text)}
    return {a for k, a in enumerate(arguments) if str(k) in fields}


def compile_floats(
    steps: Sequence[Step],
    leaves: int,
    constants: Mapping[int, object],
    output: int,
    title: str,
) -> SimpleNamespace | None:
    """Write a tape of scalars out as ``forward`` and ``backward`` on floats.

    Parameters
    ----------
    steps : sequence of (name, gate, arguments, out)
        In the order the gates run forward; slots as in :class:`nets.tape.Tape`.
    leaves : int
        The inputs are slots ``0 .. leaves - 1``.
    constants : mapping of int to array
        The slots that hold data read but never produced.
    output : int
        The slot of the result.
    title : str
        Names the compiled source in tracebacks.

    Returns
    -------
    types.SimpleNamespace or None
        ``forward(*numbers) -> (output, kept)``, ``backward(kept, g) -> gradients`` (one
        float per input, 0.0 where no gate passes one) and their ``source``; None if a
        gate has no rule or a constant is not a number.
    """
    rules = [rule_of(gate) for _, gate, _, _ in steps]
    if None in rules or any(np.ndim(c) != 0 for c in constants.values()):
        return None

    def name(slot: int) -> str:
        return f"k{slot}" if slot in constants else f"v{slot}"

    inputs = [f"v{i}" for i in range(leaves)]
    kept = sorted(
        {
            a
            for (_, _, arguments, _), rule in zip(steps, rules, strict=True)
            for a in _read_backward(rule, arguments)
            if a not in constants
        }
    )
    kept_names = tuple_display([name(a) for a in kept])
    lines = [f"def forward({', '.join(inputs)}):"]
    for i, v in enumerate(inputs):
        lines += [f"    if {v}.__class__ is not float:", f"        {v} = scalar({v}, {i})"]
    for (step, _, arguments, out), rule in zip(steps, rules, strict=True):
        expression = rule.forward.format(*map(name, arguments))
        lines.append(f"    v{out} = {expression}{comment(step)}")
    lines.append(f"    return {name(output)}, {kept_names}")
    lines += [f"def backward(kept, g{output}):", f"    {kept_names} = kept"]
    lines += [f"    if g{output}.__class__ is not float:"]
    lines += [f"        g{output} = scalar(g{output}, 'grad_output')"]
    assigned = {output}
    for (step, _, arguments, out), rule in reversed(list(zip(steps, rules, strict=True))):
        for position, a in enumerate(arguments):
            if a in constants:
                continue  # data: nobody reads its gradient
            gradient = rule.backward[position].format(*map(name, arguments), g=f"g{out}")
            total = f"g{a} + {gradient}" if a in assigned else gradient
            lines.append(f"    g{a} = {total}{comment(step)}")
            assigned.add(a)
    grads = [f"g{i}" if i in assigned else "0.0" for i in range(leaves)]
    lines.append(f"    return {tuple_display(grads)}")
    source = "\n".join(lines) + "\n"
    namespace: dict[str, object] = {"scalar": scalar}
    namespace.update({f"k{slot}": float(value) for slot, value in constants.items()})
    compiled(source, f"float tape of {title}", namespace)
    return SimpleNamespace(
        forward=namespace["forward"], backward=namespace["backward"], source=source
    )
