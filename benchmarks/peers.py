"""Every checker, run on a :class:`benchmarks.cases.Case` with its documented defaults.

Each returns a :class:`Run`: the verdict ("pass", "fail", "unverified" (gradcheck
only) or "error: ..."), the forward and backward calls it made, and its wall time. The
peers see the same numpy functions: torch's gradcheck through an ``autograd.Function``
whose forward and backward call them (float64), scipy's ``check_grad`` and the CS231n
check through ``phi(x) = <u, forward(x)>`` with a fixed random ``u`` and its gradient
``backward(x, u)`` (they check scalar functions).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize

import gradcheck
from benchmarks.cases import Case

try:
    import torch
except ImportError:  # the torch peers are skipped, with a line saying so
    torch = None


@dataclass
class Run:
    verdict: str
    forward: int
    backward: int
    seconds: float


class Counted:
    """Count a case's forward and backward calls."""

    def __init__(self, case: Case) -> None:
        self.case, self.forward_calls, self.backward_calls = case, 0, 0

    def forward(self, *inputs):
        self.forward_calls += 1
        return self.case.forward(*inputs)

    def backward(self, *arguments):
        self.backward_calls += 1
        return self.case.backward(*arguments)


def _timed(case: Case, body: Callable[[Counted], str]) -> Run:
    counted = Counted(case)
    start = time.perf_counter()
    try:
        verdict = body(counted)
    except Exception as exc:  # a peer's own failure mode, reported as it is
        verdict = f"error: {type(exc).__name__}"
    seconds = time.perf_counter() - start
    return Run(verdict, counted.forward_calls, counted.backward_calls, seconds)


def gradcheck_run(case: Case, mode: str) -> Run:
    def body(counted: Counted) -> str:
        result = gradcheck.compare(
            counted.forward, counted.backward, *case.inputs, mode=mode, **case.options
        )
        return result.status.value

    return _timed(case, body)


def _torch_function(counted: Counted) -> type:
    def forward(ctx, *tensors):
        ctx.save_for_backward(*tensors)
        out = counted.forward(*(t.detach().numpy() for t in tensors))
        return torch.from_numpy(np.array(out, dtype=np.float64))

    def backward(ctx, grad):
        arrays = [t.detach().numpy() for t in ctx.saved_tensors]
        grads = counted.backward(*arrays, grad.detach().numpy())
        return tuple(torch.from_numpy(np.array(g, dtype=np.float64)) for g in grads)

    methods = {"forward": staticmethod(forward), "backward": staticmethod(backward)}
    return type("Numpy", (torch.autograd.Function,), methods)


def torch_run(case: Case, fast: bool, tight: bool = False) -> Run:
    """``torch.autograd.gradcheck`` at its defaults (eps 1e-6, atol 1e-5, rtol 1e-3)."""
    if torch is None:
        return Run("skipped: torch not installed", 0, 0, 0.0)
    settings = {"atol": 1e-10, "rtol": 1e-7} if tight else {}

    def body(counted: Counted) -> str:
        function = _torch_function(counted)
        tensors = tuple(
            torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in case.inputs
        )
        ok = torch.autograd.gradcheck(
            function.apply, tensors, fast_mode=fast, raise_exception=False, **settings
        )
        return "pass" if ok else "fail"

    return _timed(case, body)


def _scalarized(case: Case, counted: Counted):
    """phi(x) = <u, forward(x)> over the flattened inputs, and its gradient."""
    shapes = [x.shape for x in case.inputs]
    sizes = [x.size for x in case.inputs]
    u = np.random.default_rng(0).standard_normal(np.shape(case.forward(*case.inputs)))

    def split(flat):
        return [
            p.reshape(s) for p, s in zip(np.split(flat, np.cumsum(sizes)[:-1]), shapes, strict=True)
        ]

    def phi(flat):
        return float(np.vdot(u, counted.forward(*split(flat))))

    def grad(flat):
        return np.concatenate([np.ravel(g) for g in counted.backward(*split(flat), u)])

    return phi, grad, np.concatenate([np.ravel(x) for x in case.inputs])


#: scipy's check_grad returns ``|grad - finite differences|``; its docs give no
#: threshold. Passed here when that is at most this fraction of ``|grad|``.
SCIPY_RELATIVE = 1e-6


def scipy_run(case: Case, direction: str = "all") -> Run:
    """``scipy.optimize.check_grad`` (forward differences at sqrt(eps))."""

    def body(counted: Counted) -> str:
        phi, grad, x = _scalarized(case, counted)
        error = scipy.optimize.check_grad(
            phi, grad, x, direction=direction, rng=np.random.default_rng(0)
        )
        scale = max(float(np.linalg.norm(grad(x))), np.finfo(float).tiny)
        return "pass" if error <= SCIPY_RELATIVE * scale else "fail"

    return _timed(case, body)


#: The CS231n assignments' check: central differences at h = 1e-5, and
#: ``max |a - n| / max(1e-8, |a| + |n|)`` against 1e-7.
CS231N_STEP, CS231N_THRESHOLD = 1e-5, 1e-7


def cs231n_run(case: Case) -> Run:
    def body(counted: Counted) -> str:
        phi, grad, x = _scalarized(case, counted)
        analytic = grad(x)
        numeric = np.empty_like(x)
        for i in range(x.size):
            old = x[i]
            x[i] = old + CS231N_STEP
            plus = phi(x)
            x[i] = old - CS231N_STEP
            minus = phi(x)
            x[i] = old
            numeric[i] = (plus - minus) / (2 * CS231N_STEP)
        relative = np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
        return "pass" if relative.max() < CS231N_THRESHOLD else "fail"

    return _timed(case, body)


def checkers(full: bool = True) -> dict[str, Callable[[Case], Run]]:
    """The checkers by name; without ``full``, only those that cost O(1) calls in n."""
    found = {
        "gradcheck fast": lambda c: gradcheck_run(c, "fast"),
        "torch fast": lambda c: torch_run(c, fast=True),
        "scipy check_grad (random)": lambda c: scipy_run(c, "random"),
    }
    if full:
        found = {
            "gradcheck full": lambda c: gradcheck_run(c, "full"),
            "torch full": lambda c: torch_run(c, fast=False),
            "torch full, tight": lambda c: torch_run(c, fast=False, tight=True),
            "CS231n check": cs231n_run,
            "scipy check_grad (all)": scipy_run,
            **found,
        }
    return found
