"""One deliberately broken variant of each gate (kept here, never in nets)."""

import numpy as np

from nets import gates
from nets.gates import unbroadcast


class BrokenAdd(gates.Add):
    name = "broken_add"

    def backward(self, a, b, g):
        return unbroadcast(g, np.shape(a)), unbroadcast(2.0 * g, np.shape(b))


class BrokenSub(gates.Sub):
    name = "broken_sub"

    def backward(self, a, b, g):
        return unbroadcast(g, np.shape(a)), unbroadcast(g, np.shape(b))  # sign of b


class BrokenMul(gates.Mul):
    name = "broken_mul"

    def backward(self, a, b, g):  # each input gets its own value: swapped
        return unbroadcast(np.multiply(a, g), np.shape(a)), unbroadcast(
            np.multiply(b, g), np.shape(b)
        )


class BrokenMax(gates.Max):
    name = "broken_max"

    def backward(self, a, b, g):  # routes to the smaller input
        first = np.asarray(a) < np.asarray(b)
        return (
            unbroadcast(np.where(first, g, 0.0), np.shape(a)),
            unbroadcast(np.where(first, 0.0, g), np.shape(b)),
        )


class BrokenNeg(gates.Neg):
    name = "broken_neg"

    def backward(self, a, g):
        return np.asarray(g, dtype=float)


class BrokenRelu(gates.Relu):
    name = "broken_relu"

    def backward(self, a, g):
        return np.where(np.asarray(a) < 0, g, 0.0)


class BrokenSigmoid(gates.Sigmoid):
    """Seed 001's perceptron: sigmoid' applied to the already squashed value."""

    name = "broken_sigmoid"

    def backward(self, a, g):
        s = self.forward(self.forward(a))
        return g * s * (1.0 - s)


class BrokenTanh(gates.Tanh):
    name = "broken_tanh"

    def backward(self, a, g):
        return g * (1.0 - np.square(a))  # in terms of the input, not the output


class BrokenExp(gates.Exp):
    name = "broken_exp"

    def backward(self, a, g):
        return g * np.exp(a) * 1.01


class BrokenLog(gates.Log):
    name = "broken_log"

    def backward(self, a, g):
        return -g / np.asarray(a, dtype=float)


class BrokenReciprocal(gates.Reciprocal):
    name = "broken_reciprocal"

    def backward(self, a, g):
        a = np.asarray(a, dtype=float)
        return g / (a * a)


class BrokenSquare(gates.Square):
    """Seed 003's a*a with the second branch not accumulated."""

    name = "broken_square"

    def backward(self, a, g):
        return np.asarray(a, dtype=float) * g


class BrokenPow(gates.Pow):
    def __init__(self):
        super().__init__(3)
        self.name = "broken_pow3"

    def backward(self, a, g):  # (p - 1) where p was meant
        return g * 2.0 * np.square(np.asarray(a, dtype=float))


PAIRS = [
    (gates.add, BrokenAdd()),
    (gates.sub, BrokenSub()),
    (gates.mul, BrokenMul()),
    (gates.maximum, BrokenMax()),
    (gates.neg, BrokenNeg()),
    (gates.relu, BrokenRelu()),
    (gates.sigmoid, BrokenSigmoid()),
    (gates.tanh, BrokenTanh()),
    (gates.exp, BrokenExp()),
    (gates.log, BrokenLog()),
    (gates.reciprocal, BrokenReciprocal()),
    (gates.square, BrokenSquare()),
    (gates.Pow(3), BrokenPow()),
]
