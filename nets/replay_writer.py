"""What a replay's source is written with: its steps, its names, its ruled steps.

:mod:`nets.replay` writes a tape's steps (:class:`Instruction`) out as Python; a
:class:`Writer` names the slots (``v`` values, ``k`` constants, ``g`` gradients) and
collects the lines. A step with a rule (:mod:`nets.array_rules`) is written as the
rule's numpy expressions (:func:`rule_forward`, :func:`rule_backward`): no call of its
gate, and no check of what the expressions make.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from nets.array_rules import ArrayRule
from nets.gates import Gate
from nets.source import comment


@dataclass(frozen=True)
class Instruction:
    """One step of a tape: a gate, the pair it is replayed with, the slots it reads and writes.

    Attributes
    ----------
    name : str
        The step's name (``"hidden/dense#2"``), in the source's comments and messages.
    gate : Gate
        Its ``forward`` is what ``evaluate`` calls.
    arguments : tuple of int
        The slots the gate reads, in order.
    out : int
        The slot it writes.
    receivers : tuple of (int, int)
        ``(position, slot)`` of the arguments whose gradient someone reads (not data).
    forward, backward : callable
        The ``forward_with_cache`` / ``backward_from_cache`` to replay. Where they are
        :class:`nets.gates.Gate`'s defaults (the cache is the inputs), the source calls
        the gate's ``forward`` and ``backward`` on the inputs directly.
    rule : ArrayRule or None
        Set by :func:`compile_steps` where the step is written out as numpy expressions
        (:mod:`nets.array_rules`) instead of calls to its gate.
    """

    name: str
    gate: Gate
    arguments: tuple[int, ...]
    out: int
    receivers: tuple[tuple[int, int], ...]
    forward: Callable = field(repr=False)
    backward: Callable = field(repr=False)
    rule: ArrayRule | None = field(default=None, repr=False)

    @property
    def caches_inputs(self) -> bool:
        """Whether the forward is the default one, whose cache is the inputs."""
        return getattr(self.forward, "__func__", None) is Gate.forward_with_cache

    @property
    def backward_of_inputs(self) -> bool:
        """Whether the backward is the default one: ``gate.backward(*cache, grad)``."""
        return getattr(self.backward, "__func__", None) is Gate.backward_from_cache


class Writer:
    """Names the slots (``v`` values, ``k`` constants, ``g`` gradients) and collects lines."""

    def __init__(self, constants: Mapping[int, object]) -> None:
        self.constants = constants
        self.lines: list[str] = []

    def value(self, slot: int) -> str:
        """Return the name of the value in ``slot``."""
        return f"k{slot}" if slot in self.constants else f"v{slot}"

    def names(self, step: Instruction) -> list[str]:
        """Return the names of the values ``step`` reads, in order."""
        return [self.value(a) for a in step.arguments]

    def arguments(self, step: Instruction) -> str:
        """Return :meth:`names` as a call's arguments."""
        return ", ".join(self.names(step))

    def line(self, text: str, indent: int = 1) -> None:
        """Add ``text`` as a line, ``indent`` levels deep."""
        self.lines.append("    " * indent + text)


def not_float64(v: str, shape: str) -> str:
    """Return the test that ``v`` is not a float64 array of shape ``shape``."""
    return f"{v}.__class__ is not ndarray or {v}.dtype is not F64 or {v}.shape != {shape}"


def rule_forward(w: Writer, k: int, step: Instruction, cache: bool) -> None:
    """Write a ruled step's forward (:meth:`nets.array_rules.ArrayRule.forward_lines`)."""
    lines = step.rule.forward_lines(k, w.names(step), f"v{step.out}", cache, comment(step.name))
    w.lines.extend("    " + line for line in lines)


def rule_backward(w: Writer, k: int, step: Instruction, known: tuple, last: bool) -> None:
    """Write a ruled step's backward: its expressions, on a gradient checked unless sure.

    ``known`` is the assigned and the sure slots; ``last``, whether the step is the
    output's, whose gradient None stands for ones (the rule's unit forms, if it has any).
    """
    (assigned, sure), rule = known, step.rule
    g, shape, unit = f"g{step.out}", f"S{step.out}", rule.unit if last else None
    guard = f"{g} is not None and " if unit else ""
    if step.out not in sure:  # from a gate without a rule, or the output's
        w.line(f"if {guard}({not_float64(g, shape)}):")
        w.line(f"{g} = floated({g}, {shape}, {step.name!r})", 2)
    cache = w.names(step) if step.caches_inputs else [f"c{k}"]
    for position, a in step.receivers:
        gradient = rule.gradient(k, position, cache, g)
        if unit:  # times ones, left out
            gradient = f"{unit[position].format(*cache)} if {g} is None else {gradient}"
        if a in assigned:  # a sum of two sure gradients is one
            w.line(f"g{a} = g{a} + {gradient}{comment(step.name)}")
            continue
        assigned.add(a)
        sure.add(a)
        w.line(f"g{a} = {gradient}{comment(step.name)}")
