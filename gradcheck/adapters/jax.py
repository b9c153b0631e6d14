"""Check a jax function, typically one with a ``jax.custom_vjp`` rule, with the same engine.

Forward and backward both go through ``jax.vjp`` (which calls the user's ``fwd`` and
``bwd``), inside ``jax.enable_x64(True)``: without it a float64 array silently becomes
float32 and the float64 error model would judge a float32 computation. jax is imported
only when :func:`from_jax` is called.
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

INSTALL = "pip install 'gradcheck[jax]' (or: pip install jax==0.10.2 jaxlib==0.10.2)"


def _jax() -> tuple[Any, Any]:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as exc:
        raise MissingDependencyError(
            f"from_jax needs jax, which is not installed: {INSTALL}."
        ) from exc
    return jax, jnp


def _nondiff_names(f: object, binding: Binding) -> list[str]:
    indices = getattr(f, "nondiff_argnums", ()) or ()
    return [binding.names[i] for i in indices if i < len(binding.names)]


def from_jax(
    f: Any, *, static: Mapping[str, object] | None = None, **declarations: object
) -> Adapted:
    """Adapt a jax function: its ``custom_vjp``/``custom_jvp`` rule, or jax's own gradient.

    Parameters
    ----------
    f : callable
        A function of jax arrays returning an array (or a tuple of them), e.g. a
        ``jax.custom_vjp``; ``jax.jit`` around it is fine.
    static : mapping, optional
        Parameters passed as constants, by name; those in ``f``'s ``nondiff_argnums``
        must be given here.
    **declarations
        ``kink_distance``, ``shapes``, ``kink_points``, ``bounds``, ``in_domain``,
        ``trace`` (see :mod:`gradcheck.protocols`).

    Returns
    -------
    Adapted
        The pair, named by ``f``'s signature. A ``bwd`` that is not linear in its
        cotangent (gradient clipping, say) is not a vector-Jacobian product: the check
        raises ``BackwardLinearityError`` rather than judge it against finite differences.

    Raises
    ------
    MissingDependencyError
        jax is not installed.
    InvalidInputError
        A ``nondiff_argnums`` parameter not given in ``static``, or unknown static names.

    Examples
    --------
    >>> import jax, numpy as np, gradcheck
    >>> @jax.custom_vjp
    ... def square(x):
    ...     return x * x
    >>> square.defvjp(lambda x: (x * x, x), lambda x, g: (2 * x * g,))
    >>> gradcheck.check(*from_jax(square), np.array([1.0, -2.0])).passed
    True
    """
    jax, jnp = _jax()
    if not callable(f):
        raise InvalidInputError(f"from_jax takes a function, got {f!r}.")
    static = static_of(f, static)
    binding = Binding(f, static)
    missing = [n for n in _nondiff_names(f, binding) if n not in (static or {})]
    if missing:
        raise InvalidInputError(
            f"{', '.join(map(repr, missing))} in nondiff_argnums of {qualified(f)}: give "
            "their values in static=."
        )
    who = qualified(f)

    def primal(*arrays: Any) -> Any:
        return f(*binding.arguments(arrays))

    def floating(raw: object, like: np.ndarray, error: type) -> list[np.ndarray]:
        outputs, _ = outputs_of(raw, who)
        arrays = [np.array(o) for o in outputs]
        for array in arrays:
            same_dtype(array, like, f"{who}'s output", error)
        return arrays

    def forward(*values: np.ndarray) -> np.ndarray:
        with jax.enable_x64(True):
            raw = primal(*(jnp.asarray(v) for v in values))
            arrays = floating(raw, values[0], ForwardContractError)
        return Outputs(arrays, len(arrays) == 1).pack(arrays)

    def backward(*args: np.ndarray) -> tuple[np.ndarray, ...]:
        *values, grad_output = args
        with jax.enable_x64(True):
            raw, vjp = jax.vjp(primal, *(jnp.asarray(v) for v in values))
            outputs, bare = outputs_of(raw, who)
            layout = Outputs([np.asarray(o) for o in outputs], len(outputs) == 1)
            parts = [
                jnp.asarray(g, dtype=o.dtype)
                for g, o in zip(layout.split(grad_output), outputs, strict=True)
            ]
            cotangents = vjp(parts[0] if bare else type(raw)(parts))
            grads = [np.array(c) for c in cotangents]
        for name, value, grad in zip(binding.inputs, values, grads, strict=True):
            same_dtype(grad, value, f"{who}'s gradient for {name!r}", BackwardContractError)
        return tuple(grads)

    forward.__name__, backward.__name__ = "forward", "backward"
    return Adapted(
        forward,
        backward,
        input_names=binding.inputs,
        origin=origin("from_jax", [f], static),
        declarations=declarations_of(f, declarations, binding),
    )
