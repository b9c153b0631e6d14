"""A circuit recorded once and replayed as straight-line calls of its gates.

A model's circuit has the same gates and wiring at every training step; only the
parameters change. :class:`Tape` walks the circuit once (:func:`nets.circuit.steps`),
keeps per step the gate's cached pair and the slots it reads and writes, and has
:mod:`nets.replay` write them out as Python functions: ``forward_with_cache`` down the
steps and ``backward_from_cache`` back up them, numpy calls and local variables, no
Value or Step objects, no graph walk, no loop (``tape.source`` shows the code). A gate
whose ``backward_from_cache`` takes ``needed`` (the dense map) is told which inputs are
data, and skips their gradients. Its gradient is the circuit's own, bit for bit:
gradients add up at fan-out in the order :func:`nets.circuit.backpropagate` adds them
(the tests compare the two exactly).

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
import itertools
from collections.abc import Callable, Sequence
from functools import partial
from types import SimpleNamespace

import numpy as np

from nets.circuit import Circuit, Value, seed_gradient, steps
from nets.float_replay import compile_floats
from nets.gates import Gate
from nets.overrides import owner
from nets.replay import Instruction, compile_steps
from nets.replay_checks import loaded, owned


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
    own = _instance_attributes(gate)
    if own and any(name in own for pair in _PAIRS for name in pair):
        return _pair_holds(gate)  # replaced on the instance: decided for it alone
    if type(gate) not in _CLASS_PAIR_HOLDS:
        _CLASS_PAIR_HOLDS[type(gate)] = _pair_holds(gate)
    return _CLASS_PAIR_HOLDS[type(gate)]


def _pair_holds(gate: Gate) -> bool:
    return all(owner(gate, c) in (Gate, owner(gate, p)) for p, c in _PAIRS)


def _instance_attributes(gate: Gate) -> dict:
    return getattr(gate, "__dict__", {})  # a gate with __slots__ has none


class Tape:
    """The steps of one run of a circuit, ready to be replayed at other inputs.

    Parameters
    ----------
    output : Value
        The circuit's output.
    leaves : sequence of Value
        Its inputs, in order; every other value no step produced is a constant.
    title : str
        Names the replay's source in tracebacks.

    Attributes
    ----------
    shapes : tuple of tuple of int
        The input shapes the recording saw (a replay at other shapes is refused).
    source : str
        The replay as Python (:mod:`nets.replay`): print it to see what runs.
    """

    def __init__(self, output: Value, leaves: Sequence[Value], title: str = "circuit") -> None:
        slots = {id(leaf): i for i, leaf in enumerate(leaves)}
        count = itertools.count(len(leaves))  # the next slot
        self.shapes = tuple(leaf.data.shape for leaf in leaves)
        self._title = title
        self._constants: dict[int, np.ndarray] = {}
        self._shapes = {i: leaf.data.shape for i, leaf in enumerate(leaves)}  # every slot's
        #: Per step: its name, the gate, the slots it reads, the slot it writes.
        self._steps: list[tuple[str, Gate, tuple[int, ...], int]] = []
        for step in steps(output):
            for parent in step.parents:
                if id(parent) not in slots:  # read but never produced: a constant
                    slots[id(parent)] = next(count)
                    self._constants[slots[id(parent)]] = parent.data
            arguments = tuple(slots[id(parent)] for parent in step.parents)
            slots[id(step.output)] = next(count)
            self._shapes[slots[id(step.output)]] = step.output.data.shape
            self._steps.append((step.name, step.gate, arguments, slots[id(step.output)]))
        if id(output) not in slots:  # a constant output: no gate, no leaf
            slots[id(output)] = next(count)
            self._constants[slots[id(output)]] = output.data
        self._output = slots[id(output)]
        self._last: tuple | None = None  # (inputs, output, caches, values) of forward

    @functools.cached_property
    def _replay(self) -> SimpleNamespace:
        """The steps written out as Python (:mod:`nets.replay`), each gate with its pair.

        Compiled on first use: a tape of numbers whose float form is all that runs
        (seed 003's pull loop) never pays for it.
        """
        instructions = []
        for name, gate, arguments, out in self._steps:
            data = tuple(a in self._constants for a in arguments)
            forward, backward = cached(gate)
            backward = skipping(backward, tuple(not d for d in data))
            # the arguments whose gradient someone reads (not constants), by position
            receivers = tuple((k, a) for k, a in enumerate(arguments) if not data[k])
            instructions.append(
                Instruction(name, gate, arguments, out, receivers, forward, backward)
            )
        return compile_steps(
            instructions, len(self.shapes), self._constants, self._output, self._shapes, self._title
        )

    @property
    def source(self) -> str:
        """The replay as Python: print it to see what runs."""
        return self._replay.source

    @functools.cached_property
    def floats(self) -> SimpleNamespace | None:
        """The tape on Python floats (:mod:`nets.float_replay`), or None if it has none.

        A tape whose values are all scalars and whose gates are all the library's add,
        sub, mul, neg, square, max or relu: ``forward(*numbers)`` returns the output and
        what ``backward(kept, grad_output)`` reads, which returns one float per input.
        The same bits as :meth:`forward` and :meth:`backward` on 0-d arrays.
        """
        if any(shape != () for shape in self._shapes.values()):
            return None
        leaves = len(self.shapes)
        return compile_floats(self._steps, leaves, self._constants, self._output, self._title)

    def __getstate__(self) -> dict:
        """Pickle the steps, not their compiled replays (made again on first use)."""
        state = self.__dict__.copy()
        state.pop("_replay", None)
        state.pop("floats", None)
        state["_last"] = None
        return state

    @classmethod
    def record(cls, circuit: Circuit, *inputs: object) -> Tape:
        """Run ``circuit`` once at ``inputs`` and record its steps."""
        leaves = [Value(x) for x in inputs]
        output = circuit.function(*leaves)
        return cls(output if isinstance(output, Value) else Value(output), leaves, circuit.name)

    def _load(self, inputs: Sequence[object]) -> list[np.ndarray]:
        self._count(inputs)
        arrays = list(inputs)
        for i, shape in enumerate(self.shapes):
            x = arrays[i]
            if x.__class__ is not np.ndarray or x.dtype != np.float64 or x.shape != shape:
                arrays[i] = loaded(x, shape, i)  # converted, or refused with a named error
        return arrays

    def _count(self, inputs: Sequence[object]) -> None:
        if len(inputs) != len(self.shapes):
            raise TypeError(f"the tape takes {len(self.shapes)} inputs, got {len(inputs)}")

    def evaluate(self, *inputs: object) -> np.ndarray:
        """Evaluate the circuit at ``inputs`` with the gates' plain forwards (nothing kept)."""
        self._count(inputs)
        return self._replay.evaluate(*inputs)  # it checks the inputs itself

    def forward(self, *inputs: object) -> np.ndarray:
        """Evaluate the circuit at ``inputs``, keeping what :meth:`backward` needs."""
        loaded = self._load(inputs)
        output, caches, values = self._replay.forward(*loaded)
        self._last = (loaded, output, caches, values)
        return output

    def backward(self, grad_output: object = None) -> tuple[np.ndarray, ...]:
        """Return the gradient of every input at the last :meth:`forward`'s inputs."""
        if self._last is None:
            raise RuntimeError("call forward before backward")
        inputs, output, caches, values = self._last
        self._last = None  # the intermediate arrays are released
        grads = self._replay.backward(caches, values, seed_gradient(output, grad_output))
        return owned(grads, inputs, self.shapes)

    def value_and_gradient(
        self, *inputs: object, grad_output: object = None
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Return the output and every input's gradient, from one forward pass.

        The same gates, in the same order, as :meth:`forward` then :meth:`backward`
        (the same bits), run as one compiled function.
        """
        self._count(inputs)
        self._last = None
        return self._replay.value_and_gradient(*inputs, grad_output)

    @property
    def replayer(self) -> Callable[..., tuple[np.ndarray, tuple[np.ndarray, ...]]]:
        """The compiled function of :meth:`value_and_gradient`.

        The inputs, then ``grad_output``, all positional, their number not checked:
        for a caller that always passes them all, as a model's training step does.
        """
        return self._replay.value_and_gradient


class Recording:
    """A model's tape, recorded once and kept while its data and its key stay the same.

    The data are compared by identity (the same ``X`` and ``y`` objects), the key by
    equality: what the circuit is built from besides the parameters' values (gates,
    loss, penalty, shapes).
    """

    def __init__(self) -> None:
        self._kept: tuple | None = None  # (X, y, key, tape)

    def tape(
        self, X: object, y: object, key: object, circuit: Callable[[], Circuit], *inputs: object
    ) -> Tape:
        """Return the kept tape, or ``circuit()`` recorded at ``inputs`` if anything changed."""
        kept = self._kept
        if kept is None or kept[0] is not X or kept[1] is not y or kept[2] != key:
            kept = self._kept = (X, y, key, Tape.record(circuit(), *inputs))
        return kept[3]
