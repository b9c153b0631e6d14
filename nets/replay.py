"""A tape's steps as straight-line Python: one call per gate, one local per value.

:class:`nets.tape.Tape` records a circuit's steps once; :func:`compile_steps` writes
them out as the source of four functions and compiles it, the way ``torch.fx``
turns a graph into code:

- ``evaluate(v0, v1, ...)``: the inputs checked, then the gates' plain forwards;
- ``forward(v0, v1, ...)``: their ``forward_with_cache``, returning the output, the
  caches and the inputs of the gates whose cache is their inputs;
- ``backward(caches, values, g)``: their ``backward_from_cache`` back up the steps,
  from the output's gradient ``g``, returning one gradient per input (None for an
  input no gate passes one to);
- ``value_and_gradient(v0, v1, ..., grad_output)``: the two in one, returning the
  output and every input's gradient (the caller's own arrays).

No loop, no list of slots, no Value objects: what runs per step is the gate and the
additions at fan-out, in the order :func:`nets.circuit.backpropagate` makes them, so
a replay's gradient is the walk's, bit for bit. A step none of whose inputs needs a
gradient (all of them data) is not run backward at all. A step of the library's dense
map, tanh, sigmoid or square error is written out as the gate's own numpy expressions, without
a call or a check of its results (:mod:`nets.array_rules`, :mod:`nets.replay_writer`).

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

from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from nets import array_rules, liveness, replay_checks
from nets.circuit import seed_gradient
from nets.replay_writer import Instruction, Writer, not_float64, rule_backward, rule_forward
from nets.source import comment, compiled, tuple_display


def _free(w: Writer, slots: Sequence[int]) -> None:
    names = [w.value(a) for a in slots if a not in w.constants]
    if names:
        w.line(f"del {', '.join(names)}")


def _coerce(w: Writer, v: str, step: Instruction) -> None:
    """Write the check that a gate's output is a float64 array of the recorded shape."""
    w.line(f"if {not_float64(v, f'S{step.out}')}:")
    w.line(f"{v} = coerced({v}, S{step.out}, {step.name!r})", 2)


def _load(w: Writer, inputs: Sequence[str]) -> None:
    """Write the check that each input is a float64 array of the recorded shape."""
    for i, v in enumerate(inputs):
        w.line(f"if {not_float64(v, f'S{i}')}:")
        w.line(f"{v} = loaded({v}, S{i}, {i})", 2)


def _write_evaluate(w: Writer, steps: Sequence[Instruction], leaves: int, output: int) -> None:
    inputs = [f"v{i}" for i in range(leaves)]
    w.line(f"def evaluate({', '.join(inputs)}):", 0)
    _load(w, inputs)
    freed = liveness.frees(steps, {output}, leaves)
    for k, step in enumerate(steps):
        v = f"v{step.out}"
        if step.rule is not None:  # its result is a float64 array of the recorded shape
            rule_forward(w, k, step, cache=False)
        else:
            w.line(f"{v} = P{k}({w.arguments(step)}){comment(step.name)}")
            _coerce(w, v, step)
        _free(w, freed.get(k, ()))
    w.line(f"return {w.value(output)}")


def _write_forward(
    w: Writer, steps: Sequence[Instruction], leaves: int, output: int, kept: list[int]
) -> None:
    w.line(f"def forward({', '.join(f'v{i}' for i in range(leaves))}):", 0)
    _forward_body(w, steps, leaves, output, kept)
    caches = tuple_display(_caches(steps))
    w.line(f"return {w.value(output)}, {caches}, {tuple_display([w.value(a) for a in kept])}")


def _forward_body(
    w: Writer, steps: Sequence[Instruction], leaves: int, output: int, kept: list[int]
) -> None:
    freed = liveness.frees(steps, {output, *kept}, leaves)
    for k, step in enumerate(steps):
        v = f"v{step.out}"
        if step.rule is not None:
            rule_forward(w, k, step, cache=not step.caches_inputs)
        elif step.caches_inputs:  # the cache would be the inputs: the backward reads them
            w.line(f"{v} = P{k}({w.arguments(step)}){comment(step.name)}")
        else:
            w.line(f"{v}, c{k} = F{k}({w.arguments(step)}){comment(step.name)}")
        if step.rule is None:
            _coerce(w, v, step)
        _free(w, freed.get(k, ()))


def _caches(steps: Sequence[Instruction]) -> list[str]:
    return [f"c{k}" for k, step in enumerate(steps) if not step.caches_inputs]


def _backward_call(w: Writer, k: int, step: Instruction) -> str:
    gradient = f"g{step.out}"
    if step.caches_inputs and step.backward_of_inputs:
        return f"Q{k}({w.arguments(step)}, {gradient})"
    cache = tuple_display(w.names(step)) if step.caches_inputs else f"c{k}"
    if step.backward_of_inputs:
        return f"Q{k}(*{cache}, {gradient})"
    return f"B{k}({cache}, {gradient})"


def _write_backward(
    w: Writer, steps: Sequence[Instruction], kept: list[int], output: int, leaves: int
) -> None:
    w.line(f"def backward(caches, values, g{output}):", 0)
    if _caches(steps):
        w.line(f"{tuple_display(_caches(steps))} = caches")
    if kept:
        w.line(f"{tuple_display([w.value(a) for a in kept])} = values")
    assigned = _backward_body(w, steps, output, {})[0]
    w.line(f"return {tuple_display([f'g{i}' if i in assigned else 'None' for i in range(leaves)])}")


def _backward_body(
    w: Writer, steps: Sequence[Instruction], output: int, freed: Mapping[int, list[str]]
) -> tuple[set[int], set[int]]:
    """Write the reverse pass; return the slots it assigns a gradient to, and those sure.

    A sure gradient is a float64 array of its value's shape that a rule's expression
    (or a sum of two sure ones) made: a new array, no input's and no other gradient's.
    """
    assigned = {output}
    sure: set[int] = set()  # gradients known to be float64 arrays of their value's shape
    for k in range(len(steps) - 1, -1, -1):
        step = steps[k]
        if not step.receivers:
            continue  # every input is data: nobody reads these gradients
        n, name = len(step.arguments), repr(step.name)
        if step.rule is not None:
            rule_backward(w, k, step, (assigned, sure), step.out == output)
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
    return assigned, sure


def _write_value_and_gradient(
    w: Writer, steps: Sequence[Instruction], leaves: int, output: int, kept: list[int]
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
    last = next((step for step in steps if step.out == output and step.rule is not None), None)
    if last is None:
        w.line(f"g{output} = seed({result}, grad_output)")
    else:  # read by a rule alone, whose expressions make new arrays: not copied
        g = f"g{output}"
        guard = f"{g} is not None and " if last.rule.unit else ""  # None: its unit forms
        w.line(f"{g} = grad_output")
        w.line(f"if {guard}({not_float64(g, f'S{output}')}):")
        w.line(f"{g} = seed({result}, {g})", 2)
    released = liveness.releases(steps, output, leaves, w.constants)
    assigned, sure = _backward_body(w, steps, output, released)
    for i in range(leaves):
        g = f"g{i}"
        if i not in assigned:
            w.line(f"{g} = zeros(S{i})")
        elif i not in sure:
            w.line(
                f"if {g}.__class__ is not ndarray or {g}.dtype is not F64 or {g}.base is not None:"
            )
            w.line(f"{g} = array({g}, dtype=float)", 2)
    grads = [f"g{i}" for i in range(leaves)]
    w.line(f"grads = {tuple_display(grads)}")
    if not sure.issuperset(range(leaves)):  # zeros and sure ones are new arrays
        ids = ", ".join(f"id({name})" for name in [*grads, *inputs])
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
    w = Writer(constants)
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
            names = step.rule.names(k)
            namespace.update({names[name]: value for name, value in step.rule.operands.items()})
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
