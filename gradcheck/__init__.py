"""gradcheck: verify hand-written gradients against finite differences you can trust.

>>> import numpy as np, gradcheck
>>> gradcheck.check(np.tanh, lambda x, g: g * (1 - np.tanh(x) ** 2), np.ones(3)).passed
True
"""

from gradcheck.check import check, compare
from gradcheck.errors import (
    BackwardContractError,
    BackwardLinearityError,
    ContractError,
    ForwardContractError,
    ForwardError,
    GradcheckError,
    GradientMismatch,
    InvalidInputError,
    NondeterminismError,
    PrecisionWarning,
)
from gradcheck.module import check_module, module_functions
from gradcheck.protocols import DeclaresKinks, Differentiable
from gradcheck.result import CheckResult, Finding, Location

__all__ = [
    "BackwardContractError",
    "BackwardLinearityError",
    "CheckResult",
    "ContractError",
    "DeclaresKinks",
    "Differentiable",
    "Finding",
    "ForwardContractError",
    "ForwardError",
    "GradcheckError",
    "GradientMismatch",
    "InvalidInputError",
    "Location",
    "NondeterminismError",
    "PrecisionWarning",
    "check",
    "check_module",
    "compare",
    "module_functions",
]
