"""A circuit recorded once and replayed as a flat list of gate calls.

A model's circuit has the same gates and wiring at every training step; only the
parameters change. :class:`Tape` walks the circuit once (:func:`nets.circuit.steps`)
and keeps, per step, the gate's cached pair and the slots it reads and writes. A
replay then runs ``forward_with_cache`` down the list and ``backward_from_cache`` back
up it: numpy calls and list indexing, no Value or Step objects, no graph walk. A gate
whose ``backward_from_cache`` takes ``needed`` (the dense map) is told which inputs are
data, and skips their gradients. Its
gradient is the circuit's own, bit for bit: gradients add up at fan-out in the order
:func:`nets.circuit.backpropagate` adds them (the tests compare the two exactly).

A tape holds while the function's wiring does not depend on the values: a Python
``if`` on the data, or a number computed outside the gates from an input, makes a
different circuit, which only a new recording sees.

>>> tape = Tape.record(Circuit(lambda a, b: a * b + a), np.array(2.0), np.array(3.0))
>>> value, grads = tape.value_and_gradient(np.array(2.0), np.array(-1.0))
>>> float(value), [float(g) for g in grads]
(0.0, [0.0, 2.0])
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from nets.circuit import Circuit, Value, accumulate, seed_gradient, steps
from nets.gates import Gate


def _owner(gate: Gate, attribute: str) -> type | None:
    """Return the class that defines ``attribute`` for ``gate`` (None: the instance)."""
    if attribute in _instance_attributes(gate):
        return None
    return next(k for k in type(gate).__mro__ if attribute in vars(k))


def cached(gate: Gate) -> tuple[Callable, Callable]:
    """Return the ``(forward_with_cache, backward_from_cache)`` pair to run ``gate`` with.

    The gate's own pair, unless a subclass (or the instance) replaced ``forward`` or
    ``backward`` but inherited a pair written for the parent's: then the default pair,
    built on the replaced methods, so that what is trained is what is checked.

    >>> from nets import gates
    >>> forward, backward = cached(gates.tanh)
    >>> output, cache = forward(np.array(0.5))
    >>> bool(backward(cache, 1.0) == gates.tanh.backward(np.array(0.5), 1.0))
    True
    """
    if _own_pair_holds(gate):
        return gate.forward_with_cache, gate.backward_from_cache
    return Gate.forward_with_cache.__get__(gate), Gate.backward_from_cache.__get__(gate)


@functools.cache
def _takes_needed(function: Callable) -> bool:
    return "needed" in inspect.signature(function).parameters


def skipping(backward: Callable, needed: tuple[bool, ...]) -> Callable:
    """Return ``backward`` told which gradients are ``needed``, where it can be told.

    A ``backward_from_cache`` with a ``needed`` parameter (the dense map's) skips the
    gradients of its data; any other is returned as it is.
    """
    if all(needed) or not _takes_needed(getattr(backward, "__func__", backward)):
        return backward
    return partial(backward, needed=needed)


#: Per gate class: whether its own cached pair goes with its forward and backward.
_CLASS_PAIR_HOLDS: dict[type, bool] = {}
_PAIRS = (("forward", "forward_with_cache"), ("backward", "backward_from_cache"))


def _own_pair_holds(gate: Gate) -> bool:
    if any(name in _instance_attributes(gate) for pair in _PAIRS for name in pair):
        return _pair_holds(gate)  # replaced on the instance: decided for it alone
    if type(gate) not in _CLASS_PAIR_HOLDS:
        _CLASS_PAIR_HOLDS[type(gate)] = _pair_holds(gate)
    return _CLASS_PAIR_HOLDS[type(gate)]


def _pair_holds(gate: Gate) -> bool:
    return all(_owner(gate, c) in (Gate, _owner(gate, p)) for p, c in _PAIRS)


def _instance_attributes(gate: Gate) -> dict:
    return getattr(gate, "__dict__", {})  # a gate with __slots__ has none


def _shared(gradient: np.ndarray, inputs: list, results: list) -> bool:
    """Whether an input's gradient may share memory with an input or another gradient.

    Then it is copied: a caller who updates a parameter in place, or edits one
    gradient, must not change another.
    """
    if not isinstance(gradient, np.ndarray) or gradient.dtype != np.float64:
        return True
    if gradient.base is not None:  # a view of some other array
        return True
    return any(gradient is other for other in inputs) or any(gradient is r for r in results)


class Tape:
    """The steps of one run of a circuit, ready to be replayed at other inputs.

    Parameters
    ----------
    output : Value
        The circuit's output.
    leaves : sequence of Value
        Its inputs, in order; every other value no step produced is a constant.
    """

    def __init__(self, output: Value, leaves: Sequence[Value]) -> None:
        slots = {id(leaf): i for i, leaf in enumerate(leaves)}
        #: Input shapes the recording saw (a replay at other shapes is refused).
        self.shapes = tuple(leaf.data.shape for leaf in leaves)
        self._template: list = [None] * len(leaves)  # constants filled in, the rest None
        #: Per step: the gate, its cached pair, the slots it reads, the slot it writes.
        self._program: list[tuple[Gate, Callable, Callable, tuple[int, ...], int]] = []
        self._receivers: list[tuple[tuple[int, int], ...]] = []
        constants: set[int] = set()
        for step in steps(output):
            arguments = []
            for parent in step.parents:
                if id(parent) not in slots:  # read but never produced: a constant
                    slots[id(parent)] = len(self._template)
                    constants.add(len(self._template))
                    self._template.append(parent.data)
                arguments.append(slots[id(parent)])
            slots[id(step.output)] = len(self._template)
            self._template.append(None)
            forward, backward = cached(step.gate)
            backward = skipping(backward, tuple(a not in constants for a in arguments))
            out = slots[id(step.output)]
            self._program.append((step.gate, forward, backward, tuple(arguments), out))
            # the arguments whose gradient someone reads (not constants), by position
            self._receivers.append(
                tuple((k, a) for k, a in enumerate(arguments) if a not in constants)
            )
        if id(output) not in slots:  # a constant output: no gate, no leaf
            slots[id(output)] = len(self._template)
            self._template.append(output.data)
        self._output = slots[id(output)]
        self._values: list | None = None
        self._caches: list | None = None

    @classmethod
    def record(cls, circuit: Circuit, *inputs: object) -> Tape:
        """Run ``circuit`` once at ``inputs`` and record its steps."""
        leaves = [Value(x) for x in inputs]
        output = circuit.function(*leaves)
        return cls(output if isinstance(output, Value) else Value(output), leaves)

    def _load(self, inputs: Sequence[object]) -> list:
        if len(inputs) != len(self.shapes):
            raise TypeError(f"the tape takes {len(self.shapes)} inputs, got {len(inputs)}")
        values = self._template.copy()
        for i, (x, shape) in enumerate(zip(inputs, self.shapes, strict=True)):
            x = np.asarray(x, dtype=float)
            if x.shape != shape:
                raise ValueError(f"input {i} has shape {x.shape}; the tape was recorded at {shape}")
            values[i] = x
        return values

    def evaluate(self, *inputs: object) -> np.ndarray:
        """Evaluate the circuit at ``inputs`` with the gates' plain forwards (nothing kept)."""
        values = self._load(inputs)
        for gate, _, _, arguments, out in self._program:
            values[out] = np.asarray(gate.forward(*[values[a] for a in arguments]), dtype=float)
        return values[self._output]

    def forward(self, *inputs: object) -> np.ndarray:
        """Evaluate the circuit at ``inputs``, keeping what :meth:`backward` needs."""
        values = self._load(inputs)
        caches = []
        for _, forward, _, arguments, out in self._program:
            output, cache = forward(*[values[a] for a in arguments])
            values[out] = np.asarray(output, dtype=float)
            caches.append(cache)
        self._values, self._caches = values, caches
        return values[self._output]

    def backward(self, grad_output: object = None) -> tuple[np.ndarray, ...]:
        """Return the gradient of every input at the last :meth:`forward`'s inputs."""
        if self._values is None:
            raise RuntimeError("call forward before backward")
        values, caches = self._values, self._caches
        self._values = self._caches = None  # the intermediate arrays are released
        grads: list = [None] * len(values)
        grads[self._output] = seed_gradient(values[self._output], grad_output)
        for k in range(len(self._program) - 1, -1, -1):
            gate, _, backward, arguments, out = self._program[k]
            local = backward(caches[k], grads[out])
            local = local if isinstance(local, tuple | list) else (local,)
            if len(local) != len(arguments):
                raise ValueError(
                    f"gate {gate.name!r} returned {len(local)} gradients for "
                    f"{len(arguments)} inputs"
                )
            for position, a in self._receivers[k]:
                grads[a] = accumulate(grads[a], local[position], values[a].shape)
        inputs = values[: len(self.shapes)]
        results: list[np.ndarray] = []
        for g, shape in zip(grads, self.shapes, strict=False):
            if g is None:
                g = np.zeros(shape)
            elif _shared(g, inputs, results):
                g = np.array(g, dtype=float)
            results.append(g)
        return tuple(results)

    def value_and_gradient(
        self, *inputs: object, grad_output: object = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Return the output and every input's gradient, from one forward pass."""
        value = self.forward(*inputs)
        return value, self.backward(grad_output)
