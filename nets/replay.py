"""A tape's steps as straight-line Python: one call per gate, one local per value.

:class:`nets.tape.Tape` records a circuit's steps once; :func:`compile_steps` writes
them out as the source of three functions and compiles it, the way ``torch.fx``
turns a graph into code:

- ``evaluate(v0, v1, ...)``: the inputs checked, then the gates' plain forwards;
- ``forward(v0, v1, ...)``: their ``forward_with_cache``, returning the output, the
  caches and the inputs of the gates whose cache is their inputs;
- ``backward(caches, values, g)``: their ``backward_from_cache`` back up the steps,
  from the output's gradient ``g``, returning one gradient per input (None for an
  input no gate passes one to).

No loop, no list of slots, no Value objects: what runs per step is the gate and the
additions at fan-out, in the order :func:`nets.circuit.backpropagate` makes them, so
a replay's gradient is the walk's, bit for bit. A step none of whose inputs needs a
gradient (all of them data) is not run backward at all. A step of the library's dense
map or tanh is written out as the gate's own numpy expressions, without a call or a
check of its results (:mod:`nets.array_rules`).

>>> import numpy as np
>>> from nets import gates
>>> def step(name, gate, arguments, out, receivers):
...     pair = gate.forward_with_cache, gate.backward_from_cache
...     return Instruction(name, gate, arguments, out, receivers, *pair)
>>> steps = [step("mul#0", gates.mul, (0, 1), 2, ((0, 0), (1, 1))),
...          step("add#1", gates.add, (2, 0), 3, ((0, 2), (1, 0)))]
>>> shapes = {slot: () for slot in range(4)}
>>> replay = compile_steps(steps, 2, constants={}, output=3, shapes=shapes, title="a*b + a")
>>> print(replay.source.split("def forward")[0].strip())
def evaluate(v0, v1):
    if v0.__class__ is not ndarray or v0.dtype is not F64 or v0.shape != S0:
        v0 = loaded(v0, S0, 0)
    if v1.__class__ is not ndarray or v1.dtype is not F64 or v1.shape != S1:
        v1 = loaded(v1, S1, 1)
    v2 = P0(v0, v1)  # mul#0
    if v2.__class__ is not ndarray or v2.dtype is not F64 or v2.shape != S2:
        v2 = coerced(v2, S2, 'mul#0')
    v3 = P1(v2, v0)  # add#1
    if v3.__class__ is not ndarray or v3.dtype is not F64 or v3.shape != S3:
        v3 = coerced(v3, S3, 'add#1')
    del v2
    return v3
>>> output, caches, values = replay.forward(np.array(2.0), np.array(3.0))
>>> [float(g) for g in replay.backward(caches, values, np.array(1.0))]
[4.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np

from nets import array_rules, liveness, replay_checks
from nets.array_rules import ArrayRule
from nets.circuit import seed_gradient
from nets.gates import Gate
from nets.source import comment, compiled, tuple_display


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


class _Writer:
    """Names the slots (``v`` values, ``k`` constants, ``g`` gradients) and collects lines."""

    def __init__(self, constants: Mapping[int, object]) -> None:
        self.constants = constants
        self.lines: list[str] = []

    def value(self, slot: int) -> str:
        return f"k{slot}" if slot in self.constants else f"v{slot}"

    def names(self, step: Instruction) -> list[str]:
        return [self.value(a) for a in step.arguments]

    def arguments(self, step: Instruction) -> str:
        return ", ".join(self.names(step))

    def line(self, text: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + text)


def _free(w: _Writer, slots: Sequence[int]) -> None:
    names = [w.value(a) for a in slots if a not in w.constants]
    if names:
        w.line(f"del {', '.join(names)}")


def _coerce(w: _Writer, v: str, step: Instruction) -> None:
    """Write the check that a gate's output is a float64 array of the recorded shape."""
    w.line(f"if {v}.__class__ is not ndarray or {v}.dtype is not F64 or {v}.shape != S{step.out}:")
    w.line(f"{v} = coerced({v}, S{step.out}, {step.name!r})", 2)


def _load(w: _Writer, inputs: Sequence[str]) -> None:
    """Write the check that each input is a float64 array of the recorded shape."""
    for i, v in enumerate(inputs):
        w.line(f"if {v}.__class__ is not ndarray or {v}.dtype is not F64 or {v}.shape != S{i}:")
        w.line(f"{v} = loaded({v}, S{i}, {i})", 2)


def _write_evaluate(w: _Writer, steps: Sequence[Instruction], leaves: int, output: int) -> None:
    inputs = [f"v{i}" for i in range(leaves)]
    w.line(f"def evaluate({', '.join(inputs)}):", 0)
    _load(w, inputs)
    freed = liveness.frees(steps, {output}, leaves)
    for k, step in enumerate(steps):
        v = f"v{step.out}"
        if step.rule is not None:  # its result is a float64 array of the recorded shape
            w.line(f"{v} = {step.rule.forward.format(*w.names(step))}{comment(step.name)}")
        else:
            w.line(f"{v} = P{k}({w.arguments(step)}){comment(step.name)}")
            _coerce(w, v, step)
        _free(w, freed.get(k, ()))
    w.line(f"return {w.value(output)}")


def _write_forward(
    w: _Writer, steps: Sequence[Instruction], leaves: int, output: int, kept: list[int]
) -> None:
    w.line(f"def forward({', '.join(f'v{i}' for i in range(leaves))}):", 0)
    _forward_body(w, steps, leaves, output, kept)
    caches = tuple_display(_caches(steps))
    w.line(f"return {w.value(output)}, {caches}, {tuple_display([w.value(a) for a in kept])}")


def _forward_body(
    w: _Writer, steps: Sequence[Instruction], leaves: int, output: int, kept: list[int]
) -> None:
    freed = liveness.frees(steps, {output, *kept}, leaves)
    for k, step in enumerate(steps):
        v = f"v{step.out}"
        if step.rule is not None:  # the cache of a gate that caches its output is that
            w.line(f"{v} = {step.rule.forward.format(*w.names(step))}{comment(step.name)}")
            if not step.caches_inputs:
                w.line(f"c{k} = {v}")
        elif step.caches_inputs:  # the cache would be the inputs: the backward reads them
            w.line(f"{v} = P{k}({w.arguments(step)}){comment(step.name)}")
        else:
            w.line(f"{v}, c{k} = F{k}({w.arguments(step)}){comment(step.name)}")
        if step.rule is None:
            _coerce(w, v, step)
        _free(w, freed.get(k, ()))


def _caches(steps: Sequence[Instruction]) -> list[str]:
    return [f"c{k}" for k, step in enumerate(steps) if not step.caches_inputs]


def _backward_call(w: _Writer, k: int, step: Instruction) -> str:
    gradient = f"g{step.out}"
    if step.caches_inputs and step.backward_of_inputs:
        return f"Q{k}({w.arguments(step)}, {gradient})"
    cache = tuple_display(w.names(step)) if step.caches_inputs else f"c{k}"
    if step.backward_of_inputs:
        return f"Q{k}(*{cache}, {gradient})"
    return f"B{k}({cache}, {gradient})"


def _write_backward(
    w: _Writer, steps: Sequence[Instruction], kept: list[int], output: int, leaves: int
) -> None:
    w.line(f"def backward(caches, values, g{output}):", 0)
    if _caches(steps):
        w.line(f"{tuple_display(_caches(steps))} = caches")
    if kept:
        w.line(f"{tuple_display([w.value(a) for a in kept])} = values")
    assigned = _backward_body(w, steps, output, {})
    w.line(f"return {tuple_display([f'g{i}' if i in assigned else 'None' for i in range(leaves)])}")


def _backward_body(
    w: _Writer, steps: Sequence[Instruction], output: int, freed: Mapping[int, list[str]]
) -> set[int]:
    """Write the reverse pass; return the slots it assigns a gradient to."""
    assigned = {output}
    sure: set[int] = set()  # gradients known to be float64 arrays of their value's shape
    for k in range(len(steps) - 1, -1, -1):
        step = steps[k]
        if not step.receivers:
            continue  # every input is data: nobody reads these gradients
        n, name = len(step.arguments), repr(step.name)
        if step.rule is not None:
            _rule_backward(w, k, step, assigned, sure)
        else:
            w.line(f"local = {_backward_call(w, k, step)}{comment(step.name)}")
        done = ([] if step.out == output else [f"g{step.out}"]) + freed.get(k, [])
        if done:
            w.line(f"del {', '.join(done)}")  # the gradient is read by this gate alone
        if step.rule is not None:
            continue
        if n == 1:
            w.line("if isinstance(local, TUPLES):")
            w.line(f"local = single(local, {name})", 2)
        else:
            w.line(f"if local.__class__ is not tuple or len(local) != {n}:")
            w.line(f"local = counted(local, {n}, {name})", 2)
        for position, a in step.receivers:
            gradient = "local" if n == 1 else f"local[{position}]"
            sure.discard(a)
            if a in assigned:
                w.line(f"g{a} = g{a} + {gradient}")
                continue
            assigned.add(a)
            w.line(f"g{a} = {gradient}")
            w.line(f"if g{a}.__class__ is not ndarray or g{a}.shape != S{a}:")
            w.line(f"g{a} = broadcast(g{a}, S{a})", 2)
    return assigned


def _rule_backward(w: _Writer, k: int, step: Instruction, assigned: set, sure: set) -> None:
    """Write a ruled step's backward: its expressions, on a gradient checked unless sure."""
    g, shape = f"g{step.out}", f"S{step.out}"
    if step.out not in sure:  # from a gate without a rule, or the output's
        w.line(f"if {g}.__class__ is not ndarray or {g}.dtype is not F64 or {g}.shape != {shape}:")
        w.line(f"{g} = floated({g}, {shape}, {step.name!r})", 2)
    cache = w.names(step) if step.caches_inputs else [f"c{k}"]
    for position, a in step.receivers:
        gradient = step.rule.backward[position].format(*cache, g=g)
        if a in assigned:  # a sum of two sure gradients is one
            w.line(f"g{a} = g{a} + {gradient}{comment(step.name)}")
            continue
        assigned.add(a)
        sure.add(a)
        w.line(f"g{a} = {gradient}{comment(step.name)}")


def _write_value_and_gradient(
    w: _Writer, steps: Sequence[Instruction], leaves: int, output: int, kept: list[int]
) -> None:
    """Write the forward and the backward as one function, from the inputs to the gradients.

    What the two-function form passes between them (caches, kept values) stays in
    locals, each freed after its last read; the inputs are checked and the gradients
    made the caller's own inline, the way :class:`nets.tape.Tape` does it around the
    other two.
    """
    inputs = [f"v{i}" for i in range(leaves)]
    w.line(f"def value_and_gradient({', '.join([*inputs, 'grad_output'])}):", 0)
    _load(w, inputs)
    _forward_body(w, steps, leaves, output, kept)
    result = w.value(output)
    w.line(f"g{output} = seed({result}, grad_output)")
    released = liveness.releases(steps, output, leaves, w.constants)
    assigned = _backward_body(w, steps, output, released)
    for i in range(leaves):
        g = f"g{i}"
        if i not in assigned:
            w.line(f"{g} = zeros(S{i})")
            continue
        w.line(f"if {g}.__class__ is not ndarray or {g}.dtype is not F64 or {g}.base is not None:")
        w.line(f"{g} = array({g}, dtype=float)", 2)
    grads = [f"g{i}" for i in range(leaves)]
    ids = ", ".join(f"id({name})" for name in [*grads, *inputs])
    w.line(f"grads = {tuple_display(grads)}")
    w.line(f"if len({{{ids}}}) != {2 * leaves}:  # one is an input or another's")
    shapes = tuple_display([f"S{i}" for i in range(leaves)])
    w.line(f"grads = owned(grads, {tuple_display(inputs)}, {shapes})", 2)
    w.line(f"return {result}, grads")


def compile_steps(
    steps: Sequence[Instruction],
    leaves: int,
    constants: Mapping[int, object],
    output: int,
    shapes: Mapping[int, tuple[int, ...]],
    title: str,
) -> SimpleNamespace:
    """Write ``steps`` out as ``evaluate``, ``forward`` and ``backward``, and compile them.

    Parameters
    ----------
    steps : sequence of Instruction
        In the order the gates run forward.
    leaves : int
        The inputs are slots ``0 .. leaves - 1``.
    constants : mapping of int to array
        The slots that hold data read but never produced.
    output : int
        The slot of the result.
    shapes : mapping of int to tuple of int
        The shape of every slot a gate writes or a gradient reaches, as recorded: a
        replay where a gate returns another shape is refused.
    title : str
        Names the compiled source in tracebacks.

    Returns
    -------
    types.SimpleNamespace
        ``evaluate``, ``forward``, ``backward`` and their ``source``.
    """
    steps = [
        replace(step, rule=array_rules.rule_for(step.gate, step.arguments, shapes, constants))
        for step in steps
    ]
    w = _Writer(constants)
    kept = liveness.kept(steps, constants)
    _write_evaluate(w, steps, leaves, output)
    _write_forward(w, steps, leaves, output, kept)
    _write_backward(w, steps, kept, output, leaves)
    _write_value_and_gradient(w, steps, leaves, output, kept)
    source = "\n".join(w.lines) + "\n"
    namespace: dict[str, object] = {
        "ndarray": np.ndarray,
        "F64": np.dtype(np.float64),
        "TUPLES": (tuple, list),
        "array": np.array,
        "zeros": np.zeros,
        "seed": seed_gradient,
        "floated": array_rules.floated,
        **array_rules.NAMES,
        **{name: getattr(replay_checks, name) for name in replay_checks.CALLED},
        **{f"S{slot}": tuple(shape) for slot, shape in shapes.items()},
        **{f"k{slot}": value for slot, value in constants.items()},
    }
    for k, step in enumerate(steps):
        if step.rule is not None:
            continue
        namespace[f"P{k}"] = step.gate.forward
        namespace[f"Q{k}"] = step.gate.backward
        namespace[f"F{k}"] = step.forward
        namespace[f"B{k}"] = step.backward
    compiled(source, f"tape of {title}", namespace)
    return SimpleNamespace(
        evaluate=namespace["evaluate"],
        forward=namespace["forward"],
        backward=namespace["backward"],
        value_and_gradient=namespace["value_and_gradient"],
        source=source,
    )
