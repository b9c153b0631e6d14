"""What can go wrong in a check, one exception class per kind.

Callers catch by type, never by message. A wrong gradient is a
:class:`GradientMismatch`, one that could not be verified a :class:`GradientUnverified`:
both are ``AssertionError`` so that pytest reports them as test failures. Everything
else (bad inputs, a forward or backward that breaks the calling convention) is a
:class:`GradcheckError` that is also a ``TypeError`` or a ``ValueError``: those are
bugs in how the check was set up, not verdicts on the gradient, and are never
reported as a mismatch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradcheck.result import CheckResult


class GradcheckError(Exception):
    """Base class of every error gradcheck raises on purpose."""


class _NotPassed(GradcheckError, AssertionError):
    """A check that did not pass, carrying its :class:`CheckResult`."""

    def __init__(self, message: str, result: CheckResult | None = None) -> None:
        super().__init__(message)
        self.result = result

    def __reduce__(self) -> tuple[type, tuple[str, CheckResult | None]]:
        # Pickled with its result, so it crosses process pools and xdist workers.
        return type(self), (str(self), self.result)


class GradientMismatch(_NotPassed):
    """The hand-written gradient disagrees with the numerical one (``Status.FAIL``).

    Attributes
    ----------
    result : CheckResult
        The full verdict, with the worst elements and a diagnosis.
    """


class GradientUnverified(_NotPassed):
    """No step resolved the numerical derivative somewhere (``Status.UNVERIFIED``).

    Not a verdict that the gradient is wrong: the numerics could not tell. An
    ``AssertionError`` all the same, because a check that proved nothing must not pass.

    Attributes
    ----------
    result : CheckResult
        The verdict, with the elements that could not be verified.
    """


class InvalidInputError(GradcheckError, ValueError):
    """An input or option cannot be checked (integer, NaN, empty, unknown mode...)."""


class ContractError(GradcheckError, TypeError):
    """``forward`` or ``backward`` breaks the calling convention."""


class ForwardContractError(ContractError):
    """``forward`` returns something unusable, or mutates its inputs."""


class BackwardContractError(ContractError):
    """``backward`` returns the wrong count, shapes or values, or mutates its arguments."""


class BackwardLinearityError(BackwardContractError):
    """``backward`` is not linear in ``grad_output`` (or ignores it).

    A vector-Jacobian product must satisfy ``backward(x, a * g) == a * backward(x, g)``
    and ``backward(x, 0) == 0``. Finite differences alone cannot see the violation
    when the output is a scalar and ``grad_output`` is 1.
    """


class NondeterminismError(GradcheckError, ValueError):
    """``forward`` or ``backward`` returned different values for identical arguments."""


class ForwardError(GradcheckError, ValueError):
    """``forward`` raised; the original exception is chained as ``__cause__``."""


class PrecisionWarning(UserWarning):
    """Inputs in reduced precision: the verdict uses looser, dtype-fitted tolerances."""


class ReportError(GradcheckError, ValueError):
    """A report cannot be written where it was asked for (a file there, foreign files)."""


class MissingDependencyError(GradcheckError, ImportError):
    """An optional framework an adapter needs is not installed; the message says what to run."""
