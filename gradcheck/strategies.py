"""Hypothesis strategies for gradient checks.

Plain functions returning strategies, composable with ``hypothesis.extra.numpy``:

- :func:`floats_near` draws floats biased towards given points (kinks, poles, domain
  edges) and towards extreme but finite magnitudes;
- :func:`inputs_for` draws a function's inputs: arrays of mutually broadcastable
  shapes, inside its domain, near its kinks, often tied to each other;
- :func:`expressions` draws random compositions of gates as expression trees.

They read what a function declares (:class:`gradcheck.protocols.DeclaresDomain`), all
optional: ``arity`` (else ``forward``'s parameter count), ``kink_points`` (points worth
testing near), ``bounds`` (the range of valid inputs) and ``in_domain(*inputs)`` (a
final filter).

Shrinking: arrays shrink towards small shapes and towards 0 (or the first kink);
expressions shrink towards single leaves and towards the first gates of the list.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradcheck.errors import InvalidInputError
from gradcheck.protocols import declared

#: Default largest magnitude drawn.
MAX_MAGNITUDE = 1e6
#: Offsets from a kink: 10**-k for k in this range.
NEAR_EXPONENTS = (-12, -1)


def floats_near(
    points: Sequence[float] = (),
    low: float = -MAX_MAGNITUDE,
    high: float = MAX_MAGNITUDE,
) -> st.SearchStrategy[float]:
    """Draw finite floats in ``[low, high]``, biased towards ``points`` and extremes.

    Parameters
    ----------
    points : sequence of float
        Points to draw at and near (within 1e-12 to 1e-1).
    low, high : float
        Bounds (finite).

    Returns
    -------
    SearchStrategy of float
        Uniform-ish floats, values at and near the points, and magnitudes up to the
        bounds.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(floats_near([0.0]), lambda v: 0 < v < 1e-9) <= 1e-9
    True
    """
    if not low <= high:
        raise ValueError(f"low {low} must not exceed high {high}")
    parts = [st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)]
    inside = [p for p in points if low <= p <= high]
    if inside:
        offsets = st.builds(
            lambda p, sign, k: p + sign * 10.0**k,
            st.sampled_from(inside),
            st.sampled_from((1.0, -1.0)),
            st.integers(*NEAR_EXPONENTS),
        )
        parts += [st.sampled_from(inside), offsets.filter(lambda v: low <= v <= high)]
    largest = max(abs(low), abs(high))
    if largest > 10.0:
        extremes = st.builds(
            lambda sign, k: sign * 10.0**k,
            st.sampled_from((1.0, -1.0)),
            st.integers(1, int(math.log10(largest))),
        )
        parts.append(extremes.filter(lambda v: low <= v <= high))
    return st.one_of(*parts)


def _arity(function: object) -> int:
    given = declared("arity", function)
    if given is not None:
        return int(given)
    names = declared("input_names", function)
    if names is not None:
        return len(names)
    owner = getattr(function, "__self__", function)
    forward = getattr(owner, "forward", function)
    parameters = inspect.signature(forward).parameters.values()
    count = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)
    if count == 0:
        raise InvalidInputError(
            f"cannot tell how many inputs {getattr(forward, '__qualname__', forward)!r} "
            "takes (no positional parameters): declare an `arity` or `input_names` "
            "attribute, or pass arity="
        )
    return count


def _named_shapes(
    template: Sequence[Sequence[str | int]], max_side: int
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Draw one length per axis name of a ``shapes`` declaration; integers stay fixed."""
    if any(not isinstance(shape, tuple | list) for shape in template):
        raise InvalidInputError(f"`shapes` must give a tuple of axes per input, got {template!r}")
    names = sorted({axis for shape in template for axis in shape if isinstance(axis, str)})

    def build(lengths: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
        size = dict(zip(names, lengths, strict=True))
        return tuple(tuple(size.get(axis, axis) for axis in shape) for shape in template)

    return st.tuples(*(st.integers(1, max_side) for _ in names)).map(build)


@st.composite
def _tied(draw: st.DrawFn, arrays: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Copy some elements of the first array into later arrays of the same shape."""
    tied = [arrays[0]]
    for array in arrays[1:]:
        if array.shape == arrays[0].shape and draw(st.booleans()):
            mask = draw(hnp.arrays(bool, array.shape))
            array = np.where(mask, arrays[0], array)
        tied.append(array)
    return tuple(tied)


def inputs_for(
    function: object,
    *,
    arity: int | None = None,
    max_dims: int = 2,
    max_side: int = 4,
    max_magnitude: float = MAX_MAGNITUDE,
    ties: bool = True,
) -> st.SearchStrategy[tuple[np.ndarray, ...]]:
    """Draw inputs for a differentiable function, within its declared domain.

    Parameters
    ----------
    function : object
        A gate (with ``forward``) or a bound ``forward``; its declarations are read
        from the object that owns them.
    arity : int, optional
        Number of inputs (default: declared ``arity`` or ``forward``'s parameters).
    max_dims, max_side : int
        Largest number of dimensions and length of an axis. Shapes are mutually
        broadcastable, so binary functions see broadcasting; a declared ``shapes``
        (one tuple of axis names or lengths per input, ``(("n", "i"), ("i", "o"),
        ("o",))`` for ``x @ W + b``) draws one length per name instead.
    max_magnitude : float
        Largest magnitude drawn (further limited by the declared ``bounds``).
    ties : bool
        Often make inputs of equal shape share elements (ties for ``max``).

    Returns
    -------
    SearchStrategy of tuple of numpy.ndarray
        float64 arrays, filtered by the declared ``in_domain``.
    """
    template = declared("shapes", function)
    count = arity if arity is not None else len(template) if template else _arity(function)
    low, high = declared("bounds", function) or (-math.inf, math.inf)
    low, high = max(low, -max_magnitude), min(high, max_magnitude)
    elements = floats_near(tuple(declared("kink_points", function) or ()), low, high)
    if template:
        shapes = _named_shapes(template, max_side)
    else:
        shapes = hnp.mutually_broadcastable_shapes(
            num_shapes=count, min_dims=0, max_dims=max_dims, max_side=max_side
        ).map(lambda drawn: drawn.input_shapes)

    @st.composite
    def draw_inputs(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
        drawn = draw(shapes)
        arrays = [draw(hnp.arrays(np.float64, shape, elements=elements)) for shape in drawn]
        return draw(_tied(arrays)) if ties and count > 1 else tuple(arrays)

    valid = declared("in_domain", function)
    strategy = draw_inputs()
    return strategy.filter(lambda xs: valid(*xs)) if valid is not None else strategy


@dataclass(frozen=True)
class Leaf:
    """An expression that reads input ``index``."""

    index: int

    def __str__(self) -> str:
        return f"x{self.index}"


@dataclass(frozen=True)
class Apply:
    """An expression that applies ``gate`` to ``arguments``."""

    gate: object
    arguments: tuple[Leaf | Apply, ...]

    def __str__(self) -> str:
        name = getattr(self.gate, "name", type(self.gate).__name__)
        return f"{name}({', '.join(str(a) for a in self.arguments)})"


def expressions(
    gates: Sequence[object], inputs: int, max_leaves: int = 8
) -> st.SearchStrategy[Leaf | Apply]:
    """Draw random compositions of gates over ``inputs`` inputs, as expression trees.

    Inputs may be read by several gates (fan-out). Build something checkable from an
    expression with your own engine (``nets.circuit.Circuit.from_expression``).

    Parameters
    ----------
    gates : sequence
        Gates with an ``arity`` (default 1). Shrinking prefers the first ones.
    inputs : int
        Number of inputs the expression may read.
    max_leaves : int
        Bound on the size of the tree.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from hypothesis import find
    >>> add = SimpleNamespace(name="add", arity=2)
    >>> str(find(expressions([add], 2), lambda e: isinstance(e, Apply)))
    'add(x0, x0)'
    """
    if inputs < 1:
        raise ValueError("an expression needs at least one input")
    leaves = st.builds(Leaf, st.integers(0, inputs - 1))

    def extend(children: st.SearchStrategy[Leaf | Apply]) -> st.SearchStrategy[Apply]:
        return st.one_of(
            *(
                st.tuples(*[children] * int(getattr(gate, "arity", 1))).map(
                    lambda arguments, gate=gate: Apply(gate, arguments)
                )
                for gate in gates
            )
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)
