"""nets: hand-written gates and networks from the tutorials, each with its backward."""

from nets.models import MLP, Perceptron
from nets.training import History, train

__all__ = ["MLP", "History", "Perceptron", "train"]
