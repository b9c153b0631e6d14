"""What a check found: a frozen value, never an exception."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gradcheck.compare import Verdict

if TYPE_CHECKING:
    from gradcheck.localize import Localization


@dataclass(frozen=True)
class Location:
    """One element of one input."""

    input: int
    name: str
    index: tuple[int, ...]

    def __str__(self) -> str:
        if not self.index:
            return self.name
        return f"{self.name}[{', '.join(str(i) for i in self.index)}]"


@dataclass(frozen=True)
class Finding:
    """The verdict on one element, or on one random direction (fast mode)."""

    where: str
    location: Location | None
    verdict: Verdict

    @property
    def passed(self) -> bool:
        """Whether this element or direction passed."""
        return self.verdict.passed


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a gradient check.

    Attributes
    ----------
    passed : bool
        Whether the hand-written gradient agrees with the numerical one everywhere
        checked.
    mode : str
        ``"full"`` (every element) or ``"fast"`` (random projections).
    checked : int
        Elements judged one by one.
    directions : int
        Directions judged (fast mode's random projections).
    mismatches : tuple of Finding
        Every failing element or direction, worst first.
    worst : tuple of Finding
        The few elements closest to (or furthest past) their tolerance.
    kinks : tuple of Location
        Elements found at a kink (declared or detected) and judged by the subgradient
        rule.
    max_abs_error, max_rel_error : float
        Largest ``|analytic - numeric|`` and ``|analytic - numeric| / |numeric|``.
    max_abs_error_at, max_rel_error_at : str
        Where they occur.
    forward_calls, backward_calls : int
        Evaluations spent, the contract checks included.
    miss_probability : float or None
        Fast mode: bound on the probability that one entry of typical size wrong by
        ``FAST_REFERENCE_ERROR`` (relative) passed every random direction.
    analytic : tuple of numpy.ndarray
        The hand-written gradients (for the seeded ``grad_output``).
    numeric : tuple of numpy.ndarray or None
        Full mode: the numerical gradients (at kinks, the subgradient nearest the
        analytic value).
    hint : str or None
        A guess at the cause of a mismatch.
    reproduce : str
        One line of Python that runs this check again.
    random_grad_output : bool
        The output has several elements, so ``grad_output`` was a seeded random array and
        the gradients compared are vector-Jacobian products with it.
    unlocated : bool
        Fast mode: a direction failed but bisection named no single element.
    localization : Localization or None
        For a failed check of a traceable function (``forward``'s owner has
        ``trace``): the first node whose own backward is wrong.
    """

    passed: bool
    mode: str
    names: tuple[str, ...]
    checked: int
    directions: int
    mismatches: tuple[Finding, ...]
    worst: tuple[Finding, ...]
    kinks: tuple[Location, ...]
    max_abs_error: float
    max_abs_error_at: str
    max_rel_error: float
    max_rel_error_at: str
    forward_calls: int
    backward_calls: int
    miss_probability: float | None
    analytic: tuple[np.ndarray, ...] = field(repr=False)
    numeric: tuple[np.ndarray, ...] | None = field(repr=False)
    hint: str | None
    reproduce: str
    random_grad_output: bool = False
    unlocated: bool = False
    localization: Localization | None = None

    def __str__(self) -> str:
        from gradcheck.message import summary

        return summary(self)
