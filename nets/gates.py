"""The gates of seed 003, each a forward and its hand-written backward side by side.

Every gate follows gradcheck's convention: ``forward(*inputs) -> array`` and
``backward(*inputs, grad_output)`` returning one gradient per input (a bare array for
one input), so ``gradcheck.check(gate.forward, gate.backward, *inputs)`` works for each.
Binary gates broadcast like numpy's operators; their gradients are summed back to each
input's shape. Gates that are not smooth everywhere declare where, for the checker
(``kink_distance``) and for input strategies (``kink_points``, ``in_domain``).

>>> float(mul.forward(2.0, -3.0)), [float(g) for g in mul.backward(2.0, -3.0, 1.0)]
(-6.0, [-3.0, 2.0])
"""

from __future__ import annotations

import numpy as np

#: Largest magnitude that a gate's forward and backward keep finite for (products of two
#: such values stay finite in float64).
FINITE_MAGNITUDE = 1e150


def _reduce_to_shape(values: np.ndarray, shape: tuple[int, ...], reduce) -> np.ndarray:
    """Reduce a broadcast array to ``shape`` over the axes broadcasting added or stretched."""
    values = np.asarray(values, dtype=float)
    if values.shape == shape:
        return values
    extra = values.ndim - len(shape)
    if extra > 0:
        values = reduce(values, axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and values.shape[i] != 1)
    if stretched:
        values = reduce(values, axis=stretched, keepdims=True)
    return values.reshape(shape)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a gradient over the axes that numpy broadcasting added or stretched.

    >>> unbroadcast(np.ones((4, 3)), (3,)).tolist()
    [4.0, 4.0, 4.0]
    >>> unbroadcast(np.ones((4, 3)), (4, 1)).tolist()
    [[3.0], [3.0], [3.0], [3.0]]
    """
    return _reduce_to_shape(grad, shape, np.sum)


def _same_shape(grad: object, shape: tuple[int, ...]) -> bool:
    """Whether ``grad`` is a float64 array of ``shape`` (``unbroadcast`` returns it as is)."""
    return grad.__class__ is np.ndarray and grad.dtype == np.float64 and grad.shape == shape


def shape_of(value: object) -> tuple[int, ...]:
    """Return ``np.shape(value)``, without its Python-level dispatch for an array."""
    return value.shape if value.__class__ is np.ndarray else np.shape(value)


def _min_over_broadcast(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reduce ``values`` (broadcast shape) to ``shape`` by the minimum."""
    return _reduce_to_shape(values, shape, np.min)


def _finite(*inputs: np.ndarray) -> bool:
    return all(bool(np.all(np.abs(x) <= FINITE_MAGNITUDE)) for x in inputs)


class Gate:
    """Base class: a name, an arity, and the default declarations (smooth everywhere)."""

    name = "gate"
    arity = 1
    #: Points worth testing near: kinks, ties, poles and domain edges.
    kink_points: tuple[float, ...] = ()
    #: The range of valid inputs.
    bounds: tuple[float, float] = (-FINITE_MAGNITUDE, FINITE_MAGNITUDE)

    def in_domain(self, *inputs: np.ndarray) -> bool:
        """Whether forward and backward are finite and defined at these inputs."""
        return _finite(*inputs)

    def forward_with_cache(self, *inputs):
        """Return ``(output, cache)``: the output and what :meth:`backward_from_cache` needs.

        By default the cache is the inputs. A gate whose backward reuses its output
        (tanh, sigmoid, exp) caches that instead, and defines :meth:`backward` through
        :meth:`backward_from_cache`, so that both give the same gradient, bit for bit.
        """
        return self.forward(*inputs), inputs

    def backward_from_cache(self, cache, grad_output):
        """Return :meth:`backward`'s gradients from :meth:`forward_with_cache`'s cache."""
        return self.backward(*cache, grad_output)

    def __repr__(self) -> str:
        return self.name


class Add(Gate):
    """a + b."""

    name, arity = "add", 2

    def forward(self, a, b):
        """Return a + b."""
        return np.add(a, b)

    def backward(self, a, b, grad_output):
        """Pass grad_output to both inputs."""
        return self.backward_from_cache((np.shape(a), np.shape(b)), grad_output)

    def forward_with_cache(self, a, b):
        """Return a + b, and the inputs' shapes: all that the backward reads."""
        return np.add(a, b), (shape_of(a), shape_of(b))

    def backward_from_cache(self, shapes, grad_output):
        """Pass grad_output to both inputs, summed to each one's shape."""
        if shapes[0] == shapes[1] and _same_shape(grad_output, shapes[0]):
            return grad_output, grad_output  # what unbroadcast returns then
        return unbroadcast(grad_output, shapes[0]), unbroadcast(grad_output, shapes[1])


class Sub(Gate):
    """a - b."""

    name, arity = "sub", 2

    def forward(self, a, b):
        """Return a - b."""
        return np.subtract(a, b)

    def backward(self, a, b, grad_output):
        """Pass grad_output to a and its negation to b."""
        return unbroadcast(grad_output, np.shape(a)), unbroadcast(-grad_output, np.shape(b))


class Mul(Gate):
    """a * b: each input's gradient is the other input times grad_output."""

    name, arity = "mul", 2

    def forward(self, a, b):
        """Return a * b."""
        return np.multiply(a, b)

    def backward(self, a, b, grad_output):
        """Return (b * grad_output, a * grad_output), summed to each shape."""
        grad_a, grad_b = np.multiply(b, grad_output), np.multiply(a, grad_output)
        if _same_shape(grad_a, np.shape(a)) and _same_shape(grad_b, np.shape(b)):
            return grad_a, grad_b  # what unbroadcast returns then
        return unbroadcast(grad_a, np.shape(a)), unbroadcast(grad_b, np.shape(b))


class Max(Gate):
    """max(a, b): routes grad_output to the larger input; a tie goes to a."""

    name, arity = "max", 2

    def forward(self, a, b):
        """Return the elementwise maximum."""
        return np.maximum(a, b)

    def backward(self, a, b, grad_output):
        """Route grad_output to the winner, a on ties (seed 003 counts a tie twice: both)."""
        first = np.asarray(a) >= np.asarray(b)
        return (
            unbroadcast(np.where(first, grad_output, 0.0), np.shape(a)),
            unbroadcast(np.where(first, 0.0, grad_output), np.shape(b)),
        )

    def kink_distance(self, a, b):
        """Return the gap |a - b| for both inputs: a tie is a kink."""
        gap = np.abs(np.subtract(a, b))
        return _min_over_broadcast(gap, np.shape(a)), _min_over_broadcast(gap, np.shape(b))


class Neg(Gate):
    """-a."""

    name = "neg"

    def forward(self, a):
        """Return -a."""
        return np.negative(a)

    def backward(self, a, grad_output):
        """Return -grad_output."""
        return -np.asarray(grad_output, dtype=float)


class Relu(Gate):
    """max(a, 0): passes grad_output where a > 0 (0 at the kink)."""

    name = "relu"
    kink_points = (0.0,)

    def forward(self, a):
        """Return max(a, 0)."""
        return np.maximum(a, 0.0)

    def backward(self, a, grad_output):
        """Pass grad_output where a > 0."""
        return np.where(np.asarray(a) > 0, grad_output, 0.0)

    def kink_distance(self, a):
        """Return |a|: the kink is at 0."""
        return np.abs(a)


class Sigmoid(Gate):
    """1 / (1 + exp(-a)), computed without overflow for any finite a."""

    name = "sigmoid"

    def forward(self, a):
        """Return the logistic function, stable at +-1000 and beyond."""
        a = np.asarray(a, dtype=float)
        e = np.exp(-np.abs(a))
        d = 1.0 + e
        return np.where(a >= 0, 1.0 / d, e / d)

    def backward(self, a, grad_output):
        """Return s * (1 - s) * grad_output with s = sigmoid(a), not sigmoid of s."""
        return self.backward_from_cache(self.forward(a), grad_output)

    def forward_with_cache(self, a):
        """Return sigmoid(a), and it again as the cache."""
        s = self.forward(a)
        return s, s

    def backward_from_cache(self, s, grad_output):
        """Return s * (1 - s) * grad_output from the cached s."""
        return grad_output * s * (1.0 - s)


class Tanh(Gate):
    """tanh(a)."""

    name = "tanh"

    def forward(self, a):
        """Return tanh(a)."""
        return np.tanh(a)

    def backward(self, a, grad_output):
        """Return (1 - tanh(a)**2) * grad_output."""
        return self.backward_from_cache(np.tanh(a), grad_output)

    def forward_with_cache(self, a):
        """Return tanh(a), and it again as the cache."""
        t = np.tanh(a)
        return t, t

    def backward_from_cache(self, t, grad_output):
        """Return (1 - t**2) * grad_output from the cached t."""
        return grad_output * (1.0 - t * t)


class Exp(Gate):
    """exp(a), for a below the float64 overflow threshold."""

    name = "exp"
    #: exp overflows above log(max float64) ~ 709.78.
    LIMIT = float(np.log(np.finfo(np.float64).max))
    bounds = (-FINITE_MAGNITUDE, LIMIT - 1.0)

    def forward(self, a):
        """Return exp(a)."""
        return np.exp(a)

    def backward(self, a, grad_output):
        """Return exp(a) * grad_output."""
        return self.backward_from_cache(np.exp(a), grad_output)

    def forward_with_cache(self, a):
        """Return exp(a), and it again as the cache."""
        e = np.exp(a)
        return e, e

    def backward_from_cache(self, e, grad_output):
        """Return e * grad_output from the cached e."""
        return grad_output * e

    def in_domain(self, a, *rest):
        """Finite up to the overflow threshold (with room for the gradient)."""
        return bool(np.all(np.asarray(a) < self.LIMIT - 1.0))


class Log(Gate):
    """log(a) for a > 0."""

    name = "log"
    kink_points = (0.0,)
    bounds = (0.0, FINITE_MAGNITUDE)

    def forward(self, a):
        """Return the natural logarithm."""
        return np.log(a)

    def backward(self, a, grad_output):
        """Return grad_output / a."""
        return grad_output / np.asarray(a, dtype=float)

    def kink_distance(self, a):
        """Return a: the domain ends at 0."""
        return np.maximum(np.asarray(a, dtype=float), 0.0)

    def in_domain(self, a, *rest):
        """Positive, and large enough that 1/a is finite."""
        a = np.asarray(a)
        return bool(np.all(a > 1.0 / FINITE_MAGNITUDE)) and _finite(a)


class Reciprocal(Gate):
    """1 / a, with its pole at 0."""

    name = "reciprocal"
    kink_points = (0.0,)

    def forward(self, a):
        """Return 1 / a."""
        return 1.0 / np.asarray(a, dtype=float)

    def backward(self, a, grad_output):
        """Return -grad_output / a**2."""
        a = np.asarray(a, dtype=float)
        return -grad_output / (a * a)

    def kink_distance(self, a):
        """Return |a|: the pole is at 0."""
        return np.abs(a)

    def in_domain(self, a, *rest):
        """Away from the pole, where 1/a**2 is finite."""
        a = np.abs(np.asarray(a))
        return bool(np.all((a > 1e-100) & (a < 1e100)))


class Square(Gate):
    """a**2: the fan-out a*a as one gate."""

    name = "square"

    def forward(self, a):
        """Return a * a."""
        return np.square(a)

    def backward(self, a, grad_output):
        """Return 2 * a * grad_output."""
        return 2.0 * np.asarray(a, dtype=float) * grad_output


class Pow(Gate):
    """a**p for a constant exponent p.

    Integer exponents are defined for every a (with a pole at 0 when p < 0);
    other exponents need a > 0.
    """

    arity = 1

    def __init__(self, exponent: float) -> None:
        self.exponent = float(exponent)
        self.name = f"pow{self.exponent:g}"
        integer = self.exponent.is_integer()
        self.kink_points = () if integer and self.exponent >= 0 else (0.0,)

    def forward(self, a):
        """Return a**p."""
        return np.power(np.asarray(a, dtype=float), self.exponent)

    def backward(self, a, grad_output):
        """Return p * a**(p - 1) * grad_output."""
        a = np.asarray(a, dtype=float)
        return grad_output * self.exponent * np.power(a, self.exponent - 1.0)

    def kink_distance(self, a):
        """Non-integer powers end at 0; negative ones have a pole there."""
        if self.kink_points:
            return np.abs(np.asarray(a, dtype=float))
        return np.full(np.shape(a), np.inf)

    def in_domain(self, a, *rest):
        """Positive for non-integer p, nonzero for negative p, and not overflowing."""
        a = np.asarray(a, dtype=float)
        if not self.exponent.is_integer() and np.any(a <= 0):
            return False
        if self.exponent < 0 and np.any(np.abs(a) < 1e-30):
            return False
        limit = FINITE_MAGNITUDE ** (1.0 / max(abs(self.exponent), 1.0))
        return bool(np.all(np.abs(a) < limit))


add, sub, mul, maximum, neg = Add(), Sub(), Mul(), Max(), Neg()
relu, sigmoid, tanh, exp, log = Relu(), Sigmoid(), Tanh(), Exp(), Log()
reciprocal, square = Reciprocal(), Square()

#: Every gate, for property tests and random circuits.
ALL: tuple[Gate, ...] = (add, sub, mul, maximum, neg, relu, sigmoid, tanh, exp, log)
ALL += (reciprocal, square, Pow(3))
