"""The duck-typed contract gradcheck reads from the things it checks.

Nothing here needs to be imported to be checked: a class that has the methods is
enough (``typing.Protocol`` is structural).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Differentiable(Protocol):
    """A function with a hand-written vector-Jacobian product.

    ``forward(*inputs)`` returns an array (a scalar is a 0-d array);
    ``backward(*inputs, grad_output)`` returns one gradient per input, each shaped
    like its input (a bare array is accepted for a one-input function).
    """

    def forward(self, *inputs: np.ndarray) -> np.ndarray:
        """Compute the output."""
        ...

    def backward(self, *args: np.ndarray) -> tuple[np.ndarray, ...] | np.ndarray:
        """Map ``grad_output`` (the last argument) to one gradient per input."""
        ...


@runtime_checkable
class DeclaresKinks(Protocol):
    """Optional: where the function stops being smooth.

    ``kink_distance(*inputs)`` returns, for each input, an array shaped like it:
    for each element, how far that element can move (with all others fixed) before
    it reaches a kink, a tie, a pole or the edge of the domain; ``inf`` where there is
    none. Zero means the element sits on a kink. gradcheck never steps across a
    declared kink, and judges elements sitting on one by the subgradient rule.
    """

    def kink_distance(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        """Distance of each element to the nearest non-smooth point along its axis."""
        ...


@runtime_checkable
class Node(Protocol):
    """One step of a recorded computation, as :func:`gradcheck.localize` reads it.

    Attributes
    ----------
    name : str
        How to call it in messages (``"mul#3"``).
    inputs : tuple of numpy.ndarray
        The values it received in the forward pass.
    """

    name: str
    inputs: tuple[np.ndarray, ...]

    def forward(self, *inputs: np.ndarray) -> np.ndarray:
        """Compute the node's output."""
        ...

    def backward(self, *args: np.ndarray) -> tuple[np.ndarray, ...] | np.ndarray:
        """Map ``grad_output`` (the last argument) to one gradient per input."""
        ...


@runtime_checkable
class Traceable(Protocol):
    """A composed function that can replay its forward pass as a sequence of nodes.

    When ``forward``'s owner has ``trace``, a failed check also names the first node
    whose own backward is wrong.
    """

    def trace(self, *inputs: np.ndarray) -> Iterable[Node]:
        """Run forward on ``inputs`` and return its nodes in execution order."""
        ...
