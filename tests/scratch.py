"""Source of a scratch project's gates: one right, one with its derivative's factor wrong."""

GATE_CLASSES = """
import numpy as np


class Square:
    arity = 1

    def forward(self, a):
        return a * a

    def backward(self, a, grad_output):
        return 2.0 * a * grad_output


class BrokenCube:
    arity = 1

    def forward(self, a):
        return a**3

    def backward(self, a, grad_output):
        return 2.0 * a * a * grad_output  # 3 was meant


class Identity:
    arity = 1

    def forward(self, a):
        return a

    def backward(self, a, grad_output):
        return grad_output


"""
