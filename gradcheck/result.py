"""What a check found: frozen values, never exceptions.

Every element, direction and check ends in one of three outcomes (:class:`Status`):
PASS, FAIL (outside a tolerance that was resolved) or UNVERIFIED (no step resolved
the derivative). A :class:`Verdict` is one probe's outcome, a :class:`Finding` places
it, a :class:`CheckResult` gathers them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gradcheck.report.text import summary

if TYPE_CHECKING:
    from gradcheck.localize import Localization


class Status(enum.Enum):
    """The outcome of a probe, an element, a direction or a whole check."""

    #: Agrees within a tolerance that the numerics resolved.
    PASS = "pass"
    #: Disagrees by more than a resolved tolerance: the hand-written value is wrong.
    FAIL = "fail"
    #: No step resolved the derivative (an undeclared pole or edge, noise that swamps
    #: every step): nothing was proved either way. Never a pass.
    UNVERIFIED = "unverified"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """One probe's verdict.

    Attributes
    ----------
    status : Status
        PASS, FAIL or UNVERIFIED.
    analytic : float
        The hand-written derivative (an element of the gradient, or its projection).
    numeric : float
        The numerical derivative; at a kink, the point of the subgradient interval
        ``[low, high]`` nearest the analytic value; nan when unverified.
    tolerance : float
        The largest ``|analytic - numeric|`` accepted.
    kink : bool
        Judged by the subgradient rule: the one-sided derivatives disagree.
    low, high : float
        The subgradient interval at a kink; both equal ``numeric`` elsewhere.
    reason : str or None
        Why an unverified probe could not be resolved.
    scale : float
        The derivative's scale the tolerance was measured against: the larger of
        ``|analytic|`` and its input's root-mean-square gradient (of the directional
        derivative's terms, for a direction).
    right, left : float or None
        At a kink found by the step ladder, the one-sided derivatives (increasing the
        variable, decreasing it); None elsewhere.
    """

    status: Status
    analytic: float
    numeric: float
    tolerance: float
    kink: bool = False
    low: float = float("nan")
    high: float = float("nan")
    reason: str | None = None
    scale: float = float("nan")
    right: float | None = None
    left: float | None = None

    @property
    def passed(self) -> bool:
        """Whether the probe passed."""
        return self.status is Status.PASS

    @property
    def unverified(self) -> bool:
        """Whether the numerics could not resolve the derivative."""
        return self.status is Status.UNVERIFIED

    @property
    def error(self) -> float:
        """``|analytic - numeric|`` (nan when unverified)."""
        return abs(self.analytic - self.numeric)

    @property
    def relative_error(self) -> float:
        """``|analytic - numeric| / |numeric|`` (inf when numeric is 0 and they differ)."""
        if self.error == 0.0:
            return 0.0
        return self.error / abs(self.numeric) if self.numeric != 0.0 else float("inf")

    @property
    def resolution(self) -> float:
        """The smallest error in the analytic value this verdict was sure to catch.

        ``analytic + e`` would have disagreed with the same estimate by more than the
        tolerance for any ``|e|`` above ``tolerance + error`` (above ``tolerance`` plus
        the distance to the far end of ``[low, high]`` at a kink, where a subgradient
        moved within the interval is still a subgradient). nan when unverified.
        """
        if self.unverified:
            return float("nan")
        if self.kink:
            return self.tolerance + max(self.analytic - self.low, self.high - self.analytic)
        return self.tolerance + self.error

    @property
    def sensitivity(self) -> float:
        """:attr:`resolution` relative to :attr:`scale` (0 for a zero scale)."""
        if not self.scale > 0.0:
            return 0.0 if self.scale == 0.0 else float("nan")
        return self.resolution / self.scale

    @property
    def margin(self) -> float:
        """Error over tolerance: above 1 fails (nan when unverified)."""
        if self.tolerance > 0.0:
            return self.error / self.tolerance
        return 0.0 if self.error == 0.0 else float("inf")


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
    def status(self) -> Status:
        """Return the outcome of this element or direction."""
        return self.verdict.status

    @property
    def passed(self) -> bool:
        """Whether this element or direction passed."""
        return self.verdict.passed


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """The outcome of a gradient check.

    Attributes
    ----------
    status : Status
        ``Status.FAIL`` when any element or direction failed, else
        ``Status.UNVERIFIED`` when any could not be verified, else ``Status.PASS``.
    mode : str
        ``"full"`` (every element) or ``"fast"`` (random projections).
    names : tuple of str
        The inputs' display names, in order (``Location.name`` refers to them).
    checked : int
        Elements judged one by one.
    directions : int
        Directions judged (fast mode's random projections).
    mismatches : tuple of Finding
        Every failing element or direction, worst first.
    unverified : tuple of Finding
        Every element or direction whose derivative no step resolved.
    worst : tuple of Finding
        The few findings closest to (or furthest past) their tolerance: failures
        first, then unverified ones, then passes.
    at_kinks : tuple of Location
        Elements found at a kink (declared or detected) and judged by the subgradient
        rule.
    max_abs_error, max_rel_error : float
        Largest ``|analytic - numeric|`` and ``|analytic - numeric| / |numeric|``
        over the findings that were resolved.
    max_abs_error_at, max_rel_error_at : str
        Where they occur.
    sensitivity : float
        What the passes certify: the smallest single-entry error, relative to the
        derivative's scale, that every passing smooth element would have caught (the
        largest :attr:`Verdict.sensitivity` among them). In fast mode, also the
        relative error of an entry of typical size that the random directions catch
        with probability ``1 - FAST_TARGET_MISS``. nan when nothing smooth passed.
        Elements at kinks are judged by the subgradient rule and not counted.
    sensitivity_at : str
        The element (or ``"random directions"``) that sets it.
    forward_calls, backward_calls : int
        Evaluations spent, the contract checks included.
    calls_by_phase : dict of str to int
        The forward calls by phase: ``contract``, ``base`` (phi(0), 0 when the
        contract's output is reused), ``cheap pass`` (the first central differences,
        fast mode's screens), ``noise`` (ECnoise), ``ladder`` (Richardson ladders and
        their escalations), ``joint kinks``, ``bisection``; phases that cost nothing
        are absent. A correct smooth check spends only the first three.
    miss_probability : float or None
        Fast mode: bound on the probability that an error whose largest entry is of
        typical size wrong by ``FAST_REFERENCE_ERROR`` (relative) passed every random
        direction (a single such entry is caught for certain once ``sensitivity`` is
        below that error).
    analytic : tuple of numpy.ndarray
        The hand-written gradients (for the seeded ``grad_output``).
    numeric : tuple of numpy.ndarray
        The numerical gradients (at kinks, the subgradient nearest the analytic value);
        nan where an element was not judged alone (fast mode) or not verified.
    tolerances : tuple of numpy.ndarray
        Each element's tolerance (nan where it was not judged alone).
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

    status: Status
    mode: str
    names: tuple[str, ...]
    checked: int
    directions: int
    mismatches: tuple[Finding, ...]
    unverified: tuple[Finding, ...]
    worst: tuple[Finding, ...]
    at_kinks: tuple[Location, ...]
    max_abs_error: float
    max_abs_error_at: str
    max_rel_error: float
    max_rel_error_at: str
    sensitivity: float
    sensitivity_at: str
    forward_calls: int
    backward_calls: int
    miss_probability: float | None
    analytic: tuple[np.ndarray, ...] = field(repr=False)
    numeric: tuple[np.ndarray, ...] = field(repr=False)
    tolerances: tuple[np.ndarray, ...] = field(repr=False)
    hint: str | None
    reproduce: str
    random_grad_output: bool = False
    unlocated: bool = False
    localization: Localization | None = None
    calls_by_phase: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True only for ``Status.PASS``."""
        return self.status is Status.PASS

    def __str__(self) -> str:
        return summary(self)
