"""The same hand-written rules checked by gradcheck's adapters and by the frameworks' own checkers.

    python benchmarks/adapters.py

Each case is one rule written twice, as a ``torch.autograd.Function`` and as a
``jax.custom_vjp``, both float64. Checkers: ``gradcheck.compare`` through
``from_torch``/``from_jax``; ``torch.autograd.gradcheck`` at its defaults (eps 1e-6,
atol 1e-5, rtol 1e-3); ``jax.test_util.check_grads`` at its defaults (modes fwd and
rev) and with ``modes=["rev"]`` (the only one a custom_vjp supports). A row reads
"pass", "FAIL" or "error" (the checker raised something other than its failure);
gradcheck's passes give the relative error they would have caught. The
right answer is in the second column. Not a test: it prints a Markdown table.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version

import jax
import jax.numpy as jnp
import numpy as np
import torch
from jax.test_util import check_grads

import gradcheck
from gradcheck.adapters import from_jax, from_torch

torch.set_num_threads(1)


@dataclass
class Case:
    name: str
    correct: bool
    torch_fn: type
    jax_fn: Callable
    inputs: tuple[np.ndarray, ...]
    declarations: dict


def torch_function(forward: Callable, backward: Callable, arity: int) -> type:
    """An autograd.Function saving its inputs, with ``backward(inputs, grad)``."""

    def bwd(ctx, grad):
        return backward(torch, ctx.saved_tensors, grad)

    if arity == 1:

        def fwd(ctx, x):
            ctx.save_for_backward(x)
            return forward(torch, x)
    else:

        def fwd(ctx, x, w):
            ctx.save_for_backward(x, w)
            return forward(torch, x, w)

    methods = {"forward": staticmethod(fwd), "backward": staticmethod(bwd)}
    return type("Rule", (torch.autograd.Function,), methods)


def jax_function(forward: Callable, backward: Callable, arity: int) -> Callable:
    """A custom_vjp of the same rule."""
    if arity == 1:

        def primal(x):
            return forward(jnp, x)
    else:

        def primal(x, w):
            return forward(jnp, x, w)

    f = jax.custom_vjp(primal)
    f.defvjp(
        lambda *inputs: (forward(jnp, *inputs), inputs),
        lambda saved, grad: tuple(backward(jnp, saved, grad)),
    )
    return f


def rule(name, correct, forward, backward, inputs, **declarations) -> Case:
    arity = len(inputs)
    return Case(
        name,
        correct,
        torch_function(forward, backward, arity),
        jax_function(forward, backward, arity),
        inputs,
        declarations,
    )


def _maximum(lib, x):
    return jnp.max(x, axis=-1) if lib is jnp else x.max(-1).values


def _every_max_mask(lib, x):
    top = jnp.max(x, axis=-1, keepdims=True) if lib is jnp else x.max(-1, keepdim=True).values
    return (x == top).astype(x.dtype) if lib is jnp else (x == top).to(x.dtype)


def _first_max_mask(lib, x):
    index = x.argmax(-1)
    if lib is torch:
        return torch.nn.functional.one_hot(index, x.shape[-1]).to(x.dtype)
    return jax.nn.one_hot(index, x.shape[-1], dtype=x.dtype)


def _matmul_wrong(factor):
    def backward(lib, saved, grad):
        x, w = saved
        dw = x.T @ grad
        dw = (
            dw.at[0, 1].multiply(factor)
            if lib is jnp
            else dw.index_put_((torch.tensor(0), torch.tensor(1)), dw[0, 1] * factor)
        )
        return grad @ w.T, dw

    return backward


def cases() -> list[Case]:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))
    kinks = np.array([0.0, 1e-12, -1e-12, 1e-8, -1e-8, 1e-4, 1.5, -2.0])
    ties = np.array([[1.0, 1.0, 0.5], [2.0, -1.0, 2.0], [0.0, 3.0, 1.0]])

    def row_kinks(v):
        ordered = np.sort(v, axis=-1)
        top, second = ordered[..., -1:], ordered[..., -2:-1]
        return (np.where(v == top, top - second, top - v),)

    relu = (lambda lib, v: v * (v > 0), lambda lib, s, g: (g * (s[0] > 0),))
    found = [
        rule(
            "relu at and within 1e-12 .. 1e-4 of its kink",
            True,
            *relu,
            (kinks,),
            kink_distance=lambda v: (np.abs(v),),
        ),
        rule(
            "row max with ties, gradient to the first maximum",
            True,
            _maximum,
            lambda lib, s, g: (_first_max_mask(lib, s[0]) * g[..., None],),
            (ties,),
            kink_distance=row_kinks,
        ),
        rule(
            "row max routing to every tie (seed 003's max gate)",
            False,
            _maximum,
            lambda lib, s, g: (_every_max_mask(lib, s[0]) * g[..., None],),
            (ties,),
            kink_distance=row_kinks,
        ),
        rule(
            "reciprocal 1/x at 1e-3 .. 1e-6 from its pole",
            True,
            lambda lib, v: 1 / v,
            lambda lib, s, g: (-g / s[0] ** 2,),
            (np.array([1e-3, -1e-4, 1e-5, -1e-6]),),
            in_domain=lambda v: np.all(v != 0),
        ),
        rule(
            "sigmoid at +-700 and 0",
            True,
            lambda lib, v: 0.5 * (1 + lib.tanh(0.5 * v)),
            lambda lib, s, g: (g * 0.25 * (1 - lib.tanh(0.5 * s[0]) ** 2),),
            (np.array([-700.0, -30.0, 0.0, 30.0, 700.0]),),
        ),
        rule(
            "matmul, correct",
            True,
            lambda lib, a, b: a @ b,
            lambda lib, s, g: (g @ s[1].T, s[0].T @ g),
            (x, w),
        ),
    ]
    for exponent in (2, 4, 6, 8):
        found.append(
            rule(
                f"matmul, dw[0, 1] wrong by 1 + 1e-{exponent}",
                False,
                lambda lib, a, b: a @ b,
                _matmul_wrong(1 + 10.0**-exponent),
                (x, w),
            )
        )
    found.append(
        rule(
            "identity whose backward clips its cotangent to [-1, 1]",
            False,
            lambda lib, v: v * 1.0,
            lambda lib, s, g: (lib.clip(g, -1.0, 1.0),),
            (3 * x,),
        )
    )
    return found


def run_gradcheck(pair, inputs) -> str:
    try:
        result = gradcheck.compare(*pair, *inputs)
    except gradcheck.BackwardLinearityError:
        return "FAIL (not a VJP)"
    if result.passed:  # a pass states what it would have caught
        return f"pass (sensitivity {result.sensitivity:.0e})"
    return {"fail": "FAIL", "unverified": "UNVERIFIED"}[result.status.value]


def run_torch(case: Case) -> str:
    tensors = tuple(torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in case.inputs)
    try:
        ok = torch.autograd.gradcheck(case.torch_fn.apply, tensors, raise_exception=False)
    except Exception as exc:  # the peer's own failure modes, reported as they are
        return f"error ({type(exc).__name__})"
    return "pass" if ok else "FAIL"


def run_jax(case: Case, modes: tuple[str, ...]) -> str:
    with jax.enable_x64(True):
        args = tuple(jnp.asarray(v) for v in case.inputs)
        try:
            check_grads(case.jax_fn, args, order=1, modes=modes)
        except AssertionError:
            return "FAIL"
        except Exception as exc:
            return f"error ({type(exc).__name__})"
    return "pass"


def main() -> None:
    print(
        f"torch {torch.__version__}, jax {jax.__version__}, numpy {np.__version__}, "
        f"gradcheck {version('gradcheck')}\n"
    )
    header = [
        "case",
        "right answer",
        "gradcheck (torch)",
        "gradcheck (jax)",
        "torch gradcheck",
        "jax check_grads",
        "jax check_grads rev",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for case in cases():
        row = [
            case.name,
            "pass" if case.correct else "FAIL",
            run_gradcheck(from_torch(case.torch_fn, **case.declarations), case.inputs),
            run_gradcheck(from_jax(case.jax_fn, **case.declarations), case.inputs),
            run_torch(case),
            run_jax(case, ("fwd", "rev")),
            run_jax(case, ("rev",)),
        ]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
