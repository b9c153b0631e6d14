"""gradcheck: verify hand-written gradients against finite differences you can trust.

Checks      check, compare (:mod:`gradcheck.check`); check_module, stateful_functions
            (:mod:`gradcheck.adapters.stateful`); localize (:mod:`gradcheck.localize`);
            compare_optima, flatten (:mod:`gradcheck.optimum`, scipy loaded on use)
Results     CheckResult, Finding, Location, Verdict, Status (PASS, FAIL, UNVERIFIED);
            Localization, NodeVerdict; OptimumComparison
Errors      GradientMismatch and GradientUnverified (AssertionError); InvalidInputError,
            ForwardError, NondeterminismError (ValueError); ContractError and its
            ForwardContractError, BackwardContractError, BackwardLinearityError
            (TypeError); MissingDependencyError (ImportError: an adapter's framework);
            all GradcheckError; PrecisionWarning
Protocols   Differentiable, DeclaresKinks, Traceable, Node, Named, DeclaresDomain: what a
            user's class may declare, read through :func:`gradcheck.protocols.declared`
Defaults    :mod:`gradcheck.defaults`: per-dtype tolerances, mode limits, fast-mode target
Tools       :mod:`gradcheck.strategies` (Hypothesis), :mod:`gradcheck.adapters` (from_torch,
            from_jax, from_cache, from_loss: other conventions as forward/backward),
            :mod:`gradcheck.report` (text, and the report writer),
            :mod:`gradcheck.discover` (a module's differentiables)
pytest      the ``gradchecker`` fixture, the ``gradcheck`` marker, ``--gradcheck-*``
            options: hooks in the top-level ``_gradcheck_pytestplugin`` (no numpy on
            load), machinery in :mod:`gradcheck.plugin`
Internals   :mod:`gradcheck.contract` (named errors before any verdict),
            :mod:`gradcheck.numeric` (phi'(0) and its error), :mod:`gradcheck.verdict`
            (is the value right): not public, may change without notice.

``import gradcheck`` loads numpy only: scipy, matplotlib, hypothesis and pytest load
where they are used.

>>> import numpy as np, gradcheck
>>> gradcheck.check(np.tanh, lambda x, g: g * (1 - np.tanh(x) ** 2), np.ones(3)).passed
True
"""

from gradcheck.adapters.stateful import check_module, stateful_functions
from gradcheck.check import check, compare
from gradcheck.errors import (
    BackwardContractError,
    BackwardLinearityError,
    ContractError,
    ForwardContractError,
    ForwardError,
    GradcheckError,
    GradientMismatch,
    GradientUnverified,
    InvalidInputError,
    MissingDependencyError,
    NondeterminismError,
    PrecisionWarning,
)
from gradcheck.localize import Localization, NodeVerdict, localize
from gradcheck.optimum import OptimumComparison, compare_optima, flatten
from gradcheck.protocols import (
    DeclaresDomain,
    DeclaresKinks,
    Differentiable,
    Named,
    Node,
    Traceable,
)
from gradcheck.result import CheckResult, Finding, Location, Status, Verdict

__all__ = [
    "BackwardContractError",
    "BackwardLinearityError",
    "CheckResult",
    "ContractError",
    "DeclaresDomain",
    "DeclaresKinks",
    "Differentiable",
    "Finding",
    "ForwardContractError",
    "ForwardError",
    "GradcheckError",
    "GradientMismatch",
    "GradientUnverified",
    "InvalidInputError",
    "Localization",
    "Location",
    "MissingDependencyError",
    "Named",
    "Node",
    "NodeVerdict",
    "NondeterminismError",
    "OptimumComparison",
    "PrecisionWarning",
    "Status",
    "Traceable",
    "Verdict",
    "check",
    "check_module",
    "compare",
    "compare_optima",
    "flatten",
    "localize",
    "stateful_functions",
]
