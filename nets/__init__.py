"""nets: hand-written gates and networks from the tutorials, each with its backward."""

from nets.models import MLP, Perceptron

__all__ = ["MLP", "Perceptron"]
