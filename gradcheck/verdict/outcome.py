"""What a mode returns, whichever it is: one :class:`Outcome` type for full and fast."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Protocol

import numpy as np

from gradcheck.result import Status, Verdict
from gradcheck.verdict.plan import CheckPlan
from gradcheck.verdict.probe import Judge


@dataclass(frozen=True)
class CheapPasses:
    """The elements that passed the cheap pass, as arrays: no :class:`Verdict` each.

    A correct check of n elements passes nearly all of them here; the result needs
    only their numbers, their extremes and the few closest to their tolerance, so a
    verdict is built (:meth:`verdict`) only for those. Sorted by (input, flat index).
    """

    which: np.ndarray
    index: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    tolerance: np.ndarray
    scale: np.ndarray

    @classmethod
    def join(cls, parts: list[CheapPasses]) -> CheapPasses:
        """Concatenate the passes of several inputs (in input order)."""
        if not parts:
            empty = np.empty(0)
            return cls(empty.astype(int), empty.astype(int), empty, empty, empty, empty)
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def __len__(self) -> int:
        return len(self.index)

    @property
    def error(self) -> np.ndarray:
        """:attr:`Verdict.error` of each."""
        return np.abs(self.analytic - self.numeric)

    @property
    def relative_error(self) -> np.ndarray:
        """:attr:`Verdict.relative_error` of each."""
        error = self.error
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(self.numeric != 0.0, error / np.abs(self.numeric), np.inf)
        return np.where(error == 0.0, 0.0, relative)

    @property
    def margin(self) -> np.ndarray:
        """:attr:`Verdict.margin` of each."""
        error = self.error
        with np.errstate(divide="ignore", invalid="ignore"):
            margin = np.where(self.tolerance > 0.0, error / self.tolerance, np.inf)
        return np.where(~(self.tolerance > 0.0) & (error == 0.0), 0.0, margin)

    @property
    def sensitivity(self) -> np.ndarray:
        """:attr:`Verdict.sensitivity` of each (smooth passes: tolerance plus error)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = (self.tolerance + self.error) / self.scale
        return np.where(self.scale == 0.0, 0.0, relative)

    def verdict(self, k: int) -> Verdict:
        """Return the verdict of pass ``k``, as :meth:`Judge.verdict` would have given it."""
        numeric = float(self.numeric[k])
        return Verdict(
            status=Status.PASS,
            analytic=float(self.analytic[k]),
            numeric=numeric,
            tolerance=float(self.tolerance[k]),
            low=numeric,
            high=numeric,
            scale=float(self.scale[k]),
        )


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """The verdicts of one check, before they are assembled into a result.

    Attributes
    ----------
    elements : list of (int, int, Verdict)
        (input, flat index, verdict) of every element judged alone, but those in
        ``passes``.
    passes : CheapPasses
        The elements that passed full mode's cheap pass.
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
    passes: CheapPasses = field(default_factory=lambda: CheapPasses.join([]))
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
