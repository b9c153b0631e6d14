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
from gradcheck.localize import Localization, NodeVerdict, localize
from gradcheck.module import check_module, module_functions
from gradcheck.optimum import OptimumComparison, compare_optima, flatten
from gradcheck.protocols import DeclaresKinks, Differentiable, Node, Traceable
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
    "Localization",
    "Location",
    "Node",
    "NodeVerdict",
    "NondeterminismError",
    "OptimumComparison",
    "PrecisionWarning",
    "Traceable",
    "check",
    "check_module",
    "compare",
    "compare_optima",
    "flatten",
    "localize",
    "module_functions",
]
