"""A bug planted on purpose, for the demonstrations: seed 001's sigmoid slip.

Seed 001 applies sigmoid' to a value that was already squashed; this gate does the
same (its backward takes the derivative at ``sigmoid(sigmoid(a))``).
"""

from __future__ import annotations

from nets import gates


class SquashedTwiceSigmoid(gates.Sigmoid):
    """A sigmoid whose backward applies sigmoid' to its own output."""

    name = "sigmoid_squashed_twice"

    def backward(self, a, grad_output):
        """Backpropagate with the derivative taken at sig(sig(a))."""
        s = self.forward(self.forward(a))
        return grad_output * s * (1.0 - s)
