"""The duck-typed contract gradcheck reads from the things it checks.

Nothing here needs to be imported to be checked: a class that has the methods is
enough (``typing.Protocol`` is structural). Every optional declaration gradcheck reads
is listed in :data:`DECLARATIONS` and read through :func:`declared`, nowhere else:

=================  ==========================================  ===================
declaration        what it says                                read by
=================  ==========================================  ===================
``kink_distance``  per element, distance to the nearest kink    the checker
``trace``          the computation replayed as nodes           the checker
``input_names``    the inputs' display names                    the checker
``arity``          the number of inputs                         the strategies
``shapes``         each input's axes, named (``("n", "i")``)    the strategies
``kink_points``    points worth drawing at and near             the strategies
``bounds``         ``(low, high)`` of valid input values        the strategies
``in_domain``      ``in_domain(*inputs) -> bool``                the strategies
``constants``      non-differentiated arguments, by name        the adapters
=================  ==========================================  ===================

An adapted pair (:mod:`gradcheck.adapters`) calls a declared ``kink_distance`` and
``in_domain`` with the wrapped function's full arguments, constants included (an SVM
loss's kinks depend on its labels), and returns one distance per differentiated input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

#: Each declaration, and whether it must be callable.
DECLARATIONS: dict[str, bool] = {
    "kink_distance": True,
    "trace": True,
    "input_names": False,
    "arity": False,
    "shapes": False,
    "kink_points": False,
    "bounds": False,
    "in_domain": True,
    "constants": False,
}


def declared(name: str, *functions: object) -> Any:
    """Return the declaration ``name`` of the first function that has one, or None.

    A bound method's instance is looked at first (``gate.forward`` finds
    ``gate.kink_distance``), then the object itself (an attribute set on a function,
    or a gate passed whole). A declaration that must be callable and is not is
    ignored, as is None.

    Examples
    --------
    >>> class Relu:
    ...     kink_points = (0.0,)
    ...     def forward(self, x): return np.maximum(x, 0.0)
    >>> declared("kink_points", Relu().forward)
    (0.0,)
    """
    if name not in DECLARATIONS:
        raise KeyError(f"{name!r} is not a declaration gradcheck reads: {sorted(DECLARATIONS)}")
    must_call = DECLARATIONS[name]
    for function in functions:
        for holder in (getattr(function, "__self__", None), function):
            value = getattr(holder, name, None)
            if value is not None and (callable(value) or not must_call):
                return value
    return None


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


@runtime_checkable
class Named(Protocol):
    """Optional: display names of the inputs, used in messages instead of ``x0, x1...``."""

    input_names: Sequence[str]


@runtime_checkable
class DeclaresDomain(Protocol):
    """Optional, for :mod:`gradcheck.strategies`: what inputs are worth drawing.

    Attributes
    ----------
    arity : int
        Number of inputs (default: ``forward``'s positional parameters).
    kink_points : tuple of float
        Points worth drawing at and near: kinks, ties, poles, domain edges.
    bounds : tuple of float
        ``(low, high)``, the range of valid input values.
    """

    arity: int
    kink_points: tuple[float, ...]
    bounds: tuple[float, float]

    def in_domain(self, *inputs: np.ndarray) -> bool:
        """Whether the inputs lie inside the function's domain (a final filter)."""
        ...
