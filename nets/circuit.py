"""Real-valued circuits: gates wired together, forward and backward (seed 003).

Write a circuit as the article does, with :class:`Value` and the gate functions::

    >>> a, b, c, x, y = (Value(v) for v in (1.0, 2.0, -3.0, -1.0, 3.0))
    >>> f = sigmoid(a * x + b * y + c)
    >>> round(float(f.data), 4)
    0.8808
    >>> f.backward()
    >>> [round(float(v.grad), 3) for v in (a, b, c, x, y)]
    [-0.105, 0.315, 0.105, 0.105, 0.21]

Values flow forward through gates; :meth:`Value.backward` visits the gates in reverse
order, calls each gate's hand-written backward, and adds up the gradients of a value
that fans out to several gates (the article's ``da += ...``). :class:`Circuit` wraps a
function of Values into the ``forward`` / ``backward`` pair of gradcheck's convention,
and replays its gates as nodes (``trace``) so a checker can tell which gate is wrong.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nets import gates
from nets.gates import Gate, shape_of


class Value:
    """A value in a circuit: ``data`` (an array), and ``grad`` after a backward pass."""

    def __init__(self, data: object, node: Step | None = None) -> None:
        self.data = np.asarray(data, dtype=float)
        self._grad: np.ndarray | None = None  # zeros, made when first read
        self.node = node

    @property
    def grad(self) -> np.ndarray:
        """The gradient from the last backward pass (zeros before any)."""
        if self._grad is None:
            self._grad = np.zeros_like(self.data)
        return self._grad

    @grad.setter
    def grad(self, value: np.ndarray | None) -> None:
        self._grad = value

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other: object) -> Value:
        return apply(gates.add, self, other)

    def __radd__(self, other: object) -> Value:
        return apply(gates.add, other, self)

    def __sub__(self, other: object) -> Value:
        return apply(gates.sub, self, other)

    def __rsub__(self, other: object) -> Value:
        return apply(gates.sub, other, self)

    def __mul__(self, other: object) -> Value:
        return apply(gates.mul, self, other)

    def __rmul__(self, other: object) -> Value:
        return apply(gates.mul, other, self)

    def __neg__(self) -> Value:
        return apply(gates.neg, self)

    def __truediv__(self, other: object) -> Value:
        return self * apply(gates.reciprocal, other)

    def __rtruediv__(self, other: object) -> Value:
        inverse = apply(gates.reciprocal, self)
        return inverse if _is_one(other) else other * inverse

    def __pow__(self, exponent: float) -> Value:
        return apply(gates.square if exponent == 2 else gates.Pow(exponent), self)

    def backward(self, grad_output: object = None) -> None:
        """Set ``grad`` on every value this one depends on (seed: all ones)."""
        backpropagate(self, grad_output)


def _is_one(value: object) -> bool:
    return not isinstance(value, Value) and np.all(np.asarray(value) == 1.0)


@dataclass(eq=False)
class Step:
    """One gate applied to values: a node of the circuit.

    Follows gradcheck's ``Node`` protocol (``name``, ``inputs``, ``forward``,
    ``backward``), so a checker can verify the gate alone at the inputs it saw.
    """

    gate: Gate
    parents: tuple[Value, ...]
    name: str = ""
    output: Value | None = field(default=None, repr=False)
    #: The part of a larger computation the gate belongs to (a layer's name), if any.
    label: str = ""

    @property
    def inputs(self) -> tuple[np.ndarray, ...]:
        """The values the gate received."""
        return tuple(p.data for p in self.parents)

    @property
    def forward(self) -> Callable[..., np.ndarray]:
        """The gate's forward."""
        return self.gate.forward

    @property
    def backward(self) -> Callable[..., object]:
        """The gate's hand-written backward."""
        return self.gate.backward


def apply(gate: Gate, *arguments: object, label: str = "") -> Value:
    """Apply a gate to values (numbers become constant values) and record the step.

    ``label`` names the part the gate belongs to (``"hidden"``); it prefixes the step's
    name in messages (``"hidden/tanh#1"``).
    """
    parents = tuple(a if isinstance(a, Value) else Value(a) for a in arguments)
    step = Step(gate, parents, label=label)
    output = Value(gate.forward(*(p.data for p in parents)), step)
    step.output = output
    return output


def relu(a: object) -> Value:
    """max(a, 0)."""
    return apply(gates.relu, a)


def sigmoid(a: object) -> Value:
    """1 / (1 + exp(-a))."""
    return apply(gates.sigmoid, a)


def tanh(a: object) -> Value:
    """tanh(a)."""
    return apply(gates.tanh, a)


def exp(a: object) -> Value:
    """exp(a)."""
    return apply(gates.exp, a)


def log(a: object) -> Value:
    """log(a)."""
    return apply(gates.log, a)


def maximum(a: object, b: object) -> Value:
    """max(a, b)."""
    return apply(gates.maximum, a, b)


def steps(output: Value) -> list[Step]:
    """Return the steps ``output`` depends on, in an order valid for the forward pass.

    Each is named ``"<gate>#<position>"``, prefixed by its label (``"hidden/tanh#1"``).
    """
    order: list[Step] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(output, False)]
    while stack:  # iterative depth-first search: deep circuits do not hit the recursion limit
        value, expanded = stack.pop()
        step = value.node
        if step is None or (id(step) in seen and not expanded):
            continue
        if expanded:
            if id(step) not in seen:
                seen.add(id(step))
                prefix = f"{step.label}/" if step.label else ""
                step.name = f"{prefix}{step.gate.name}#{len(order)}"
                order.append(step)
            continue
        stack.append((value, True))
        stack.extend((parent, False) for parent in reversed(step.parents))
    return order


def seed_gradient(output: np.ndarray, grad_output: object = None) -> np.ndarray:
    """Return the gradient a reverse pass starts from: ``grad_output`` (ones by default)."""
    if grad_output is None:
        return np.ones_like(output, dtype=float)
    if shape_of(grad_output) == shape_of(output):
        return np.array(grad_output, dtype=float)  # a copy: the same bits as times ones
    return np.asarray(grad_output, dtype=float) * np.ones_like(output)


def accumulate(total: np.ndarray | None, gradient: object, shape: tuple[int, ...]) -> np.ndarray:
    """Add ``gradient`` to a value's ``total`` so far (None: nothing yet): fan-out adds up.

    The first gradient is kept as it is when it has the value's shape, and broadcast to
    it otherwise; later ones are added, in the order they arrive.
    """
    if total is not None:
        return total + gradient
    return gradient if np.shape(gradient) == shape else np.zeros(shape) + gradient


def backpropagate(output: Value, grad_output: object = None) -> None:
    """Run the reverse pass from ``output``, accumulating gradients at fan-out."""
    order = steps(output)
    for value in [output] + [p for step in order for p in step.parents]:
        value.grad = None
    output.grad = seed_gradient(output.data, grad_output)
    for step in reversed(order):
        local = step.gate.backward(*step.inputs, step.output.grad)
        local = local if isinstance(local, tuple | list) else (local,)
        for parent, gradient in zip(step.parents, local, strict=True):
            parent.grad = accumulate(parent._grad, gradient, parent.data.shape)


class Circuit:
    """A function of Values, as a ``forward`` / ``backward`` pair on arrays.

    Parameters
    ----------
    function : callable
        Takes one :class:`Value` per input and returns the output Value.
    name : str, optional
        For messages.
    input_names : sequence of str, optional
        Names of the inputs in messages (default: ``function``'s parameter names).

    Examples
    --------
    >>> square = Circuit(lambda a: a * a, "a*a")
    >>> [float(g) for g in square.backward(np.array(3.0), np.array(1.0))]
    [6.0]
    """

    def __init__(
        self,
        function: Callable[..., Value],
        name: str | None = None,
        input_names: Sequence[str] | None = None,
    ) -> None:
        self.function = function
        self.name = name or getattr(function, "__name__", "circuit")
        if input_names is None:
            input_names = inspect.signature(function).parameters
        #: Read by gradcheck for its messages: the names of the inputs.
        self.input_names = tuple(input_names)

    def __repr__(self) -> str:
        return f"Circuit({self.name})"

    def _run(self, inputs: Sequence[object]) -> tuple[list[Value], Value]:
        leaves = [Value(x) for x in inputs]
        output = self.function(*leaves)
        if not isinstance(output, Value):
            output = Value(output)
        return leaves, output

    def forward(self, *inputs: object) -> np.ndarray:
        """Evaluate the circuit."""
        return self._run(inputs)[1].data

    def backward(self, *arguments: object) -> tuple[np.ndarray, ...]:
        """Return the gradient of every input: ``backward(*inputs, grad_output)``."""
        *inputs, grad_output = arguments
        leaves, output = self._run(inputs)
        if output in leaves:  # the identity circuit: no gate at all
            return tuple(
                np.broadcast_to(grad_output, leaf.data.shape).copy()
                if leaf is output
                else np.zeros_like(leaf.data)
                for leaf in leaves
            )
        backpropagate(output, grad_output)
        return tuple(np.array(leaf.grad, dtype=float) for leaf in leaves)

    def _readers(self, inputs: Sequence[object]) -> tuple[list[Value], list[Step]]:
        leaves, output = self._run(inputs)
        return leaves, steps(output)

    def fan_out(self, *inputs: object) -> tuple[int, ...]:
        """Return how many gate inputs each circuit input feeds (seed 003's fan-out)."""
        leaves, order = self._readers(inputs)
        return tuple(
            sum(parent is leaf for step in order for parent in step.parents) for leaf in leaves
        )

    def kink_distance(self, *inputs: object) -> tuple[np.ndarray, ...]:
        """Declare the kinks of gates that read the inputs directly.

        ``relu(a)``, ``max(a, b)`` and ``1/a`` declare theirs exactly; a kink further
        in (``1/(c + d)``) is left to the checker to detect.
        """
        leaves, order = self._readers(inputs)
        distances = [np.full(leaf.data.shape, np.inf) for leaf in leaves]
        for step in order:
            declare = getattr(step.gate, "kink_distance", None)
            if declare is None:
                continue
            declared = declare(*step.inputs)
            declared = declared if isinstance(declared, tuple) else (declared,)
            for parent, distance in zip(step.parents, declared, strict=True):
                for which, leaf in enumerate(leaves):
                    if parent is leaf:
                        distances[which] = np.minimum(distances[which], distance)
        return tuple(distances)

    def in_domain(self, *inputs: object) -> bool:
        """Whether every gate of the circuit is in its domain at these inputs."""
        with np.errstate(all="ignore"):
            output = self._run(inputs)[1]
            finite = bool(np.all(np.isfinite(output.data)))
            return finite and all(step.gate.in_domain(*step.inputs) for step in steps(output))

    def trace(self, *inputs: object) -> list[Step]:
        """Run the circuit and return its steps in forward order (gradcheck's ``Node``)."""
        return steps(self._run(inputs)[1])

    @classmethod
    def from_expression(cls, expression: object, name: str | None = None) -> Circuit:
        """Build a circuit from an expression tree.

        Leaves have an ``index`` (the input they read); other nodes a ``gate`` and
        ``arguments``: the shape of ``gradcheck.strategies.expressions``.
        """

        def evaluate(node: object, leaves: Sequence[Value]) -> Value:
            if hasattr(node, "index"):
                return leaves[node.index]
            return apply(node.gate, *(evaluate(a, leaves) for a in node.arguments))

        return cls(lambda *leaves: evaluate(expression, leaves), name or str(expression))


def _neuron(a, b, c, x, y):
    return sigmoid(a * x + b * y + c)


#: Seed 003's examples, ready to check: ``check(c.forward, c.backward, *inputs)``.
neuron = Circuit(_neuron, "sigmoid(a*x + b*y + c)")
mul_add = Circuit(lambda a, b, c: a * b + c, "a*b + c")
add3 = Circuit(lambda a, b, c: a + b + c, "a + b + c")
square_fanout = Circuit(lambda a: a * a, "a*a")
sum_of_squares = Circuit(lambda a, b, c: a * a + b * b + c * c, "a*a + b*b + c*c")
product_squared = Circuit(lambda a, b, c, d: ((a * b + c) * d) ** 2, "((a*b + c)*d)**2")
inverse = Circuit(lambda a: 1.0 / a, "1/a")
quotient = Circuit(lambda a, b, c, d: (a + b) / (c + d), "(a + b)/(c + d)")
max2 = Circuit(maximum, "max(a, b)")
relu1 = Circuit(relu, "relu(a)")

NAMED: dict[str, Circuit] = {
    c.name: c
    for c in (
        neuron,
        mul_add,
        add3,
        square_fanout,
        sum_of_squares,
        product_squared,
        inverse,
        quotient,
        max2,
        relu1,
    )
}
