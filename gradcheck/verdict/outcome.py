"""What a mode returns, whichever it is: one :class:`Outcome` type for full and fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from gradcheck.result import Verdict
from gradcheck.verdict.plan import CheckPlan
from gradcheck.verdict.probe import Judge


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """The verdicts of one check, before they are assembled into a result.

    Attributes
    ----------
    elements : list of (int, int, Verdict)
        (input, flat index, verdict) of every element judged alone.
    directions : list of Verdict
        The random directions judged (fast mode).
    miss_probability : float or None
        Fast mode: the miss bound reached; None in full mode and once a direction
        failed.
    unlocated : bool
        A direction failed but no single element was found wrong.
    sensitivity : float or None
        Fast mode: the relative error of one entry of typical size that the passing
        directions catch with probability at least ``1 - FAST_TARGET_MISS``.
    unreached : str or None
        Fast mode: why the directions could not reach the miss target (then nothing
        about the free elements is certified).
    joint : list of Verdict
        The joint verdict over the elements at kinks (empty where fewer than two sit
        on kinks).
    """

    elements: list[tuple[int, int, Verdict]]
    directions: list[Verdict] = field(default_factory=list)
    miss_probability: float | None = None
    unlocated: bool = False
    sensitivity: float | None = None
    unreached: str | None = None
    joint: list[Verdict] = field(default_factory=list)


class Mode(Protocol):
    """A way to choose what to probe: adding a mode is adding a file."""

    name: str

    def run(self, judge: Judge, plan: CheckPlan, rng: np.random.Generator) -> Outcome:
        """Judge the plan's elements (or directions over them)."""
        ...
