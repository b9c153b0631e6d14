"""Find the first node whose backward is wrong in a recorded computation.

A composed function's gradient can be wrong because one of its pieces is, or because
the pieces are wired together wrongly. :func:`localize` checks each piece alone, at
the inputs it saw in the forward pass, in execution order, and names the first one
that fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.contract.inputs import MODES, validate
from gradcheck.errors import GradcheckError, InvalidInputError
from gradcheck.protocols import Node
from gradcheck.result import CheckResult
from gradcheck.verdict.run import run


@dataclass(frozen=True)
class NodeVerdict:
    """The check of one node: a result, or the contract error it raised."""

    name: str
    result: CheckResult | None
    error: GradcheckError | None

    @property
    def passed(self) -> bool:
        """Whether the node's backward is right."""
        return self.error is None and self.result is not None and self.result.passed

    def first_line(self) -> str:
        """Return the first line of what was found."""
        found = self.error if self.error is not None else self.result
        return str(found).splitlines()[0]


@dataclass(frozen=True)
class Localization:
    """Which node is wrong.

    Attributes
    ----------
    culprit : str or None
        Name of the first node (in execution order) whose backward fails its own check;
        None when every node passes (then the wiring is wrong).
    position : int or None
        Its index among the nodes.
    verdicts : tuple of NodeVerdict
        The nodes checked, up to and including the culprit.
    count : int
        Number of nodes in the computation.
    """

    culprit: str | None
    position: int | None
    verdicts: tuple[NodeVerdict, ...]
    count: int

    def __str__(self) -> str:
        if self.culprit is None:
            return (
                f"each of the {self.count} nodes passes alone: the error is in how they are "
                "wired (a fan-out not accumulated, a gradient sent to the wrong input)."
            )
        verdict = self.verdicts[-1]
        return (
            f"node {self.culprit!r} ({self.position + 1} of {self.count}) is wrong: "
            f"{verdict.first_line()}"
        )


def _with_constants_closed(
    node: Node,
) -> tuple[Callable[..., object], Callable[..., object], tuple[object, ...]]:
    """Hold a node's integer and boolean inputs (labels, masks) constant.

    They have no gradient: the node is checked in its floating inputs, and its backward's
    entries for the constants (if it returns them) are dropped.
    """
    inputs = tuple(node.inputs)
    constant = [np.asarray(x).dtype.kind in "biu" for x in inputs]
    if not any(constant):
        return node.forward, node.backward, inputs
    free = [i for i, held in enumerate(constant) if not held]

    def full(values: tuple[object, ...]) -> list[object]:
        arguments = list(inputs)
        for i, value in zip(free, values, strict=True):
            arguments[i] = value
        return arguments

    def forward(*values: object) -> object:
        return node.forward(*full(values))

    def backward(*values: object) -> object:
        *values, grad_output = values
        returned = node.backward(*full(tuple(values)), grad_output)
        if isinstance(returned, tuple) and len(returned) == len(inputs):
            returned = tuple(returned[i] for i in free)
        return returned

    return forward, backward, tuple(inputs[i] for i in free)


def localize(nodes: Iterable[Node], **options: Any) -> Localization:
    """Check each node alone and name the first whose backward is wrong.

    Parameters
    ----------
    nodes : iterable of Node
        The recorded computation in execution order: each has ``name``, ``inputs``,
        ``forward`` and ``backward``. Integer and boolean inputs (class labels, masks)
        are held constant.
    **options
        As for :func:`gradcheck.compare` (``mode``, ``seed``, ``atol``, ``rtol``).

    Returns
    -------
    Localization
        The culprit, or None when every node passes alone.

    Raises
    ------
    InvalidInputError
        ``nodes`` is not an iterable of nodes, is empty, or an option is invalid.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> square = SimpleNamespace(name="square", inputs=(np.array(3.0),),
    ...                          forward=lambda a: a * a, backward=lambda a, g: a * g)
    >>> str(localize([square])).startswith("node 'square' (1 of 1) is wrong")
    True
    """
    try:
        nodes = list(nodes)
    except TypeError as exc:
        raise InvalidInputError(f"nodes must be an iterable of nodes, got {nodes!r:.60}.") from exc
    if not nodes:
        raise InvalidInputError("no nodes given: localize needs the recorded computation.")
    unknown = set(options) - {"mode", "seed", "atol", "rtol"}
    if unknown:
        raise InvalidInputError(f"unknown options {sorted(unknown)}: mode, seed, atol, rtol.")
    if options.get("mode", "auto") not in MODES:
        raise InvalidInputError(f"mode must be one of {MODES}, got {options['mode']!r}.")
    for node in nodes:
        if not isinstance(node, Node):
            raise InvalidInputError(
                f"{node!r:.60} is not a node: it needs name, inputs, forward and backward."
            )
    verdicts = []
    for position, node in enumerate(nodes):
        try:
            forward, backward, inputs = _with_constants_closed(node)
            request = validate(forward, backward, inputs, **options)
            verdict = NodeVerdict(node.name, run(request), None)
        except GradcheckError as error:
            verdict = NodeVerdict(node.name, None, error)
        verdicts.append(verdict)
        if not verdict.passed:
            return Localization(node.name, position, tuple(verdicts), len(nodes))
    return Localization(None, None, tuple(verdicts), len(nodes))
