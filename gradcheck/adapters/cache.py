"""Check numpy layers in the CS231n style: ``(out, cache)`` forward, ``backward(dout, cache)``.

``forward(x, w, b, conv_param) -> (out, cache)`` and ``backward(dout, cache) ->
(dx, dw, db)``, one gradient per differentiated input; several outputs come before the
cache (an LSTM step's ``next_h, next_c, cache``) and their upstream gradients before it
in backward. ``from_loss`` takes the losses' ``loss, grads = f(x, y)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcheck.adapters.adapted import (
    Adapted,
    Binding,
    Outputs,
    declarations_of,
    gradient_list,
    origin,
    outputs_of,
    qualified,
    static_of,
)
from gradcheck.errors import ForwardContractError


def _split_cache(raw: object, who: str) -> tuple[list[object], object]:
    parts, _ = outputs_of(raw, who)
    if len(parts) < 2:
        raise ForwardContractError(
            f"{who} returned {len(parts)} value(s); the (out, cache) style returns the "
            "output(s) then the cache."
        )
    return parts[:-1], parts[-1]


def from_cache(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    *,
    static: Mapping[str, object] | None = None,
    **declarations: object,
) -> Adapted:
    """Adapt a CS231n-style ``forward -> (out, cache)`` and ``backward(dout, cache)``.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs, *constants) -> (out, cache)`` (or ``(out1, out2, cache)``).
    backward : callable
        ``backward(dout, cache)`` (or ``backward(dout1, dout2, cache)``) returning one
        gradient per differentiated input, in order (a bare array for one).
    static : mapping, optional
        Constant parameters by name (``conv_param``, ``pool_param``, ``dropout_param``,
        ``bn_param``): deep-copied for every call, so the running statistics a call
        writes into ``bn_param`` never reach the next call, nor the caller's dict.
    **declarations
        ``kink_distance``, ``shapes``, ``kink_points``, ``bounds``, ``in_domain``
        (see :mod:`gradcheck.protocols`), over those set on ``forward`` itself.

    Returns
    -------
    Adapted
        The pair, named by ``forward``'s parameters.

    Examples
    --------
    >>> import numpy as np, gradcheck
    >>> def scale_forward(x, w):
    ...     return x * w, (x, w)
    >>> def scale_backward(dout, cache):
    ...     x, w = cache
    ...     return dout * w, dout * x
    >>> pair = from_cache(scale_forward, scale_backward)
    >>> gradcheck.check(*pair, np.ones(3), np.arange(3.0)).passed
    True
    """
    static = static_of(forward, static)
    binding = Binding(forward, static)
    who, back = qualified(forward), qualified(backward)

    def run(values: tuple[np.ndarray, ...]) -> tuple[list[np.ndarray], object]:
        outputs, cache = _split_cache(forward(*binding.arguments(values)), who)
        return [np.asarray(o) for o in outputs], cache

    def adapted_forward(*values: np.ndarray) -> np.ndarray:
        outputs, _ = run(values)
        return Outputs(outputs, len(outputs) == 1).pack(outputs)

    def adapted_backward(*args: np.ndarray) -> tuple[object, ...]:
        *values, grad_output = args
        outputs, cache = run(tuple(values))
        upstream = Outputs(outputs, len(outputs) == 1).split(grad_output)
        return tuple(gradient_list(backward(*upstream, cache), binding.inputs, back))

    adapted_forward.__name__, adapted_backward.__name__ = "forward", "backward"
    return Adapted(
        adapted_forward,
        adapted_backward,
        input_names=binding.inputs,
        origin=origin("from_cache", [forward, backward], static),
        declarations=declarations_of(forward, declarations, binding),
    )


def from_loss(
    loss: Callable[..., Any], *, static: Mapping[str, object] | None = None, **declarations: object
) -> Adapted:
    """Adapt a loss that returns its own gradient: ``loss, grads = f(*inputs)``.

    Parameters
    ----------
    loss : callable
        ``f(*inputs, *constants) -> (loss, grad)`` or ``(loss, (grad1, grad2, ...))``,
        the loss a scalar; CS231n's ``svm_loss(x, y)`` and ``softmax_loss(x, y)``.
    static : mapping, optional
        Constant parameters by name (the labels ``y``), deep-copied for every call.
    **declarations
        As for :func:`from_cache`.

    Returns
    -------
    Adapted
        The pair: backward scales the returned gradients by ``grad_output``.

    Examples
    --------
    >>> import numpy as np, gradcheck
    >>> def half_square(x):
    ...     return 0.5 * np.sum(x * x), x
    >>> gradcheck.check(*from_loss(half_square), np.array([1.0, -3.0])).passed
    True
    """
    static = static_of(loss, static)
    binding = Binding(loss, static)
    who = qualified(loss)

    def value_and_grads(values: tuple[np.ndarray, ...]) -> tuple[np.ndarray, list[object]]:
        parts, _ = outputs_of(loss(*binding.arguments(values)), who)
        if len(parts) != 2:
            raise ForwardContractError(f"{who} returned {len(parts)} values, not (loss, grads).")
        return np.asarray(parts[0]), gradient_list(parts[1], binding.inputs, who)

    def adapted_forward(*values: np.ndarray) -> np.ndarray:
        return np.array(value_and_grads(values)[0], copy=True)

    def adapted_backward(*args: np.ndarray) -> tuple[object, ...]:
        *values, grad_output = args
        _, grads = value_and_grads(tuple(values))
        return tuple(grad_output * np.asarray(g) for g in grads)

    adapted_forward.__name__, adapted_backward.__name__ = "forward", "backward"
    return Adapted(
        adapted_forward,
        adapted_backward,
        input_names=binding.inputs,
        origin=origin("from_loss", [loss], static),
        declarations=declarations_of(loss, declarations, binding),
    )
