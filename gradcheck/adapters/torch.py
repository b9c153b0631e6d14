"""Check a ``torch.autograd.Function`` (or any callable of tensors) with the same engine.

The user's code runs unchanged, as training runs it: forward through ``fn.apply``
under ``torch.no_grad()``, backward through ``torch.autograd.grad`` on a fresh graph of
fresh leaf tensors every call, so the engine calls the user's ``backward(ctx, ...)``
with its ``ctx.saved_tensors`` and ``needs_input_grad`` intact. torch is imported only
when :func:`from_torch` is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcheck.adapters.adapted import (
    Adapted,
    Binding,
    Outputs,
    declarations_of,
    origin,
    outputs_of,
    qualified,
    same_dtype,
    static_of,
)
from gradcheck.errors import (
    BackwardContractError,
    ForwardContractError,
    InvalidInputError,
    MissingDependencyError,
)

INSTALL = "pip install 'gradcheck[torch]' (or: pip install torch==2.13.0)"


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise MissingDependencyError(
            f"from_torch needs torch, which is not installed: {INSTALL}."
        ) from exc
    return torch


def _device(torch: Any, device: object) -> Any:
    try:
        chosen = torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError) as exc:
        raise InvalidInputError(f"device {device!r} is not a torch device: {exc}") from exc
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise InvalidInputError(
            f"device {device!r} asked for, but this torch sees no CUDA device; leave device "
            "unset to check on the CPU."
        )
    return chosen


def _is_function(torch: Any, fn: object) -> bool:
    return isinstance(fn, type) and issubclass(fn, torch.autograd.Function)


def from_torch(
    fn: Any,
    *,
    static: Mapping[str, object] | None = None,
    device: object = None,
    **declarations: object,
) -> Adapted:
    """Adapt a ``torch.autograd.Function`` subclass, or a callable of tensors.

    Parameters
    ----------
    fn : type or callable
        A ``torch.autograd.Function`` subclass (classic ``forward(ctx, ...)`` or with
        ``setup_context``), or any function of tensors whose gradient torch computes.
    static : mapping, optional
        Parameters passed as constants, by name (strides, labels): never perturbed.
    device : str or torch.device, optional
        Where the tensors live (default the CPU); results come back to numpy. On the
        CPU the forward's tensors share the inputs' memory, so an in-place change made
        by the user's forward is seen by the checker.
    **declarations
        ``kink_distance``, ``shapes``, ``kink_points``, ``bounds``, ``in_domain``,
        ``trace`` (see :mod:`gradcheck.protocols`), over those ``fn`` declares itself.

    Returns
    -------
    Adapted
        The pair (``gradcheck.check(*from_torch(Fn), x, w)``), named by ``fn``'s
        forward signature. A ``None`` gradient (torch's zero) becomes zeros, and the
        input is listed in ``none_gradients``.

    Raises
    ------
    MissingDependencyError
        torch is not installed.
    InvalidInputError
        An unknown device, a CUDA device on a machine without one, unknown static names.

    Examples
    --------
    >>> import numpy as np, torch, gradcheck
    >>> class Square(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * grad
    >>> gradcheck.check(*from_torch(Square), np.array([1.0, -2.0])).passed
    True
    """
    torch = _torch()
    chosen = _device(torch, device)
    static = static_of(fn, static)
    if _is_function(torch, fn):
        classic = fn.setup_context is torch.autograd.Function.setup_context
        binding = Binding(fn.forward, static, skip=1 if classic else 0)
        apply = fn.apply
    elif callable(fn):
        binding, apply = Binding(fn, static), fn
    else:
        raise InvalidInputError(f"from_torch takes an autograd.Function or a callable, got {fn!r}.")
    who = qualified(fn)
    none_gradients: set[str] = set()

    def tensors(values: tuple[object, ...], *, leaves: bool) -> list[Any]:
        if leaves:
            return [torch.tensor(v, device=chosen, requires_grad=True) for v in values]
        return [torch.as_tensor(v, device=chosen) for v in values]

    def floating(raw: object, like: np.ndarray, error: type) -> list[Any]:
        outputs, _ = outputs_of(raw, who)
        for output in outputs:
            if not isinstance(output, torch.Tensor):
                raise error(f"{who} returned {type(output).__name__}, not a tensor.")
            if output.device != chosen:
                raise error(f"{who} returned a tensor on {output.device}, inputs on {chosen}.")
        kept = [o for o in outputs if o.is_floating_point()]
        if not kept:
            raise error(f"{who} returned no floating-point tensor.")
        for output in kept:
            same_dtype(np.empty(0, _numpy_dtype(torch, output)), like, f"{who}'s output", error)
        return kept

    def forward(*values: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            raw = apply(*binding.arguments(tensors(values, leaves=False)))
        outputs = floating(raw, values[0], ForwardContractError)
        arrays = [o.detach().cpu().numpy() for o in outputs]
        return Outputs(arrays, len(arrays) == 1).pack(arrays)

    def backward(*args: np.ndarray) -> tuple[np.ndarray, ...]:
        *values, grad_output = args
        leaves = tensors(tuple(values), leaves=True)
        raw = apply(*binding.arguments(leaves))
        outputs = floating(raw, values[0], BackwardContractError)
        layout = Outputs(outputs, len(outputs) == 1)
        pairs = [
            (o, torch.as_tensor(np.ascontiguousarray(g), dtype=o.dtype, device=chosen))
            for o, g in zip(outputs, layout.split(grad_output), strict=True)
            if o.requires_grad
        ]
        if not pairs:
            raise BackwardContractError(
                f"{who}'s output does not require grad: computed under no_grad, detached, "
                "or marked non-differentiable; torch would never call its backward."
            )
        grads = torch.autograd.grad(
            [o for o, _ in pairs], leaves, grad_outputs=[g for _, g in pairs], allow_unused=True
        )
        returned = []
        for name, value, grad in zip(binding.inputs, values, grads, strict=True):
            if grad is None:
                none_gradients.add(name)
                returned.append(np.zeros_like(value))
                continue
            array = grad.detach().cpu().numpy().copy()
            same_dtype(array, value, f"{who}'s gradient for {name!r}", BackwardContractError)
            returned.append(array)
        return tuple(returned)

    forward.__name__, backward.__name__ = "forward", "backward"
    adapted = Adapted(
        forward,
        backward,
        input_names=binding.inputs,
        origin=origin("from_torch", [fn], static),
        declarations=declarations_of(fn, declarations, binding),
    )
    adapted.none_gradients = none_gradients
    return adapted


def _numpy_dtype(torch: Any, tensor: Any) -> np.dtype:
    return torch.empty(0, dtype=tensor.dtype).numpy().dtype
