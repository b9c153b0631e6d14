"""Which values a tape's replay keeps, and where it frees each one.

Plain numpy code frees a temporary as soon as nothing refers to it; a local of the
compiled replay (:mod:`nets.replay`) would live to the end of the function, and a
large one then costs fresh pages later. These work out, from the steps alone, what the
backward reads (kept) and the step after which each value or cache is read last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nets.replay import Instruction


def frees(steps: Sequence[Instruction], keep: set[int], leaves: int) -> dict[int, list[int]]:
    """Return, per step, the values to free after it: read there last, not kept, not inputs.

    Plain numpy code frees a temporary as soon as nothing refers to it; a local would
    live to the end of the function, and a large one then costs fresh pages later.
    """
    last = {a: k for k, step in enumerate(steps) for a in step.arguments}
    freed: dict[int, list[int]] = {}
    for a, k in sorted(last.items()):
        if a >= leaves and a not in keep:
            freed.setdefault(k, []).append(a)
    return freed


def releases(
    steps: Sequence[Instruction], output: int, leaves: int, constants: Mapping[int, object]
) -> dict[int, list[str]]:
    """Return, per step, the caches and kept values its backward reads for the last time."""
    released: dict[int, list[str]] = {}
    last: dict[int, int] = {}
    for k in range(len(steps) - 1, -1, -1):
        step = steps[k]
        if not step.receivers:
            continue
        if not step.caches_inputs:
            released.setdefault(k, []).append(f"c{k}")
            continue
        for a in step.arguments:
            if a >= leaves and a != output and a not in constants:
                last[a] = k  # the backward runs down the steps: the smallest k reads last
    for a, k in sorted(last.items()):
        released.setdefault(k, []).append(f"v{a}")
    return released


def kept(steps: Sequence[Instruction], constants: Mapping[int, object]) -> list[int]:
    """Return the values the backward reads: the inputs of gates that cache their inputs.

    Only those: the backward knows every value's shape from the recording, so the
    intermediate values nobody's backward reads are freed as the forward goes.
    """
    slots: set[int] = set()
    for step in steps:
        if step.caches_inputs and step.receivers:
            slots.update(a for a in step.arguments if a not in constants)
    return sorted(slots)
