"""Check stateful layers: parameters as attributes, gradients stored by ``backward``.

The layers of the tutorials (seed 002) hold ``w`` and ``b``; ``forward(x)`` reads them
and ``backward(grad)`` returns the gradient for the layer's input and stores
``grad_w`` and ``grad_b``. :func:`stateful_functions` turns such a layer into the
``forward(*inputs)`` / ``backward(*inputs, grad_output)`` pair of the checker, with the
parameters as extra inputs; :func:`check_module` runs the check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from gradcheck.check import check
from gradcheck.errors import BackwardContractError, InvalidInputError
from gradcheck.result import CheckResult


def _parameter(module: object, name: str) -> np.ndarray:
    value = getattr(module, name, None)
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
        raise InvalidInputError(
            f"{type(module).__name__}.{name} must be a floating-point numpy array, got "
            f"{type(value).__name__}."
        )
    if not value.flags.writeable:
        raise InvalidInputError(
            f"{type(module).__name__}.{name} is read-only: the layer is checked by "
            "perturbing its parameters in place (and restoring them); pass a layer whose "
            "parameters are writeable arrays, e.g. a copy."
        )
    return value


def _names(value: str | Sequence[str], role: str) -> list[str]:
    """Return attribute names; a single string is one name, not its letters."""
    names = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(name, str) for name in names):
        raise InvalidInputError(f"{role} must be attribute names (strings), got {value!r}.")
    return names


@contextmanager
def _restored(module: object, params: Sequence[str]) -> Iterator[None]:
    saved = {name: _parameter(module, name).copy() for name in params}
    try:
        yield
    finally:
        for name, value in saved.items():
            np.copyto(getattr(module, name), value)


def stateful_functions(
    module: Any,
    params: str | Sequence[str],
    grads: str | Sequence[str] | None = None,
    input_count: int = 1,
) -> tuple[Callable[..., object], Callable[..., object]]:
    """Adapt a stateful layer to ``forward(*inputs, *params)`` and its ``backward``.

    The adapted functions write the given parameter values into the layer's own arrays
    in place (so the layer's identity and aliases stay intact); use
    :func:`check_module`, which restores them afterwards.

    Parameters
    ----------
    module : object
        Has ``forward(*inputs)``, ``backward(grad_output)`` and the parameter arrays.
    params : str or sequence of str
        Attribute names of the parameters, e.g. ``("w", "b")`` (a string is one name).
    grads : str or sequence of str, optional
        Attribute names where ``backward`` stores their gradients (default
        ``"grad_" + name``).
    input_count : int
        Number of data inputs ``forward`` takes.

    Returns
    -------
    forward, backward : callable
        The pair in the checker's convention.
    """
    params = _names(params, "params")
    grads = [f"grad_{name}" for name in params] if grads is None else _names(grads, "grads")
    if len(grads) != len(params):
        raise InvalidInputError(f"{len(grads)} gradient names for {len(params)} parameters.")

    def load(values: Sequence[np.ndarray]) -> None:
        for name, value in zip(params, values, strict=True):
            np.copyto(_parameter(module, name), value)

    def forward(*arguments: np.ndarray) -> object:
        load(arguments[input_count:])
        return module.forward(*arguments[:input_count])

    def backward(*arguments: np.ndarray) -> tuple[object, ...]:
        *values, grad_output = arguments
        load(values[input_count:])
        module.forward(*values[:input_count])
        returned = module.backward(grad_output)
        if input_count == 1 or returned is None:
            returned = (returned,) * input_count if returned is None else (returned,)
        missing = [g for g in grads if getattr(module, g, None) is None]
        if missing:
            raise BackwardContractError(
                f"{type(module).__name__}.backward stored no {', '.join(missing)}."
            )
        stored = tuple(np.array(getattr(module, g)) for g in grads)
        return (*returned, *stored)

    forward.__name__ = f"{type(module).__name__}.forward"
    backward.__name__ = f"{type(module).__name__}.backward"
    return forward, backward


def check_module(
    module: Any,
    *inputs: object,
    params: str | Sequence[str] = ("w", "b"),
    grads: str | Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    **options: Any,
) -> CheckResult:
    """Check a stateful layer's input and parameter gradients.

    The parameters are perturbed in place inside the layer and restored bit for bit
    afterwards, whether the check passes, fails or raises.

    Parameters
    ----------
    module : object
        The layer: ``forward(*inputs)``, ``backward(grad_output)`` returning the input
        gradient (a tuple for several inputs), and parameter arrays as attributes.
    *inputs : array_like
        The layer's data inputs.
    params : str or sequence of str
        Parameter attribute names (a string is one name).
    grads : str or sequence of str, optional
        Where ``backward`` stores the parameter gradients (default ``grad_<name>``).
    names : sequence of str, optional
        Names of the data inputs in messages (default ``x``, or ``x0, x1, ...``); the
        parameters are named by their attributes.
    **options
        Passed to :func:`gradcheck.check` (``mode``, ``atol``, ``rtol``, ``seed``).

    Returns
    -------
    CheckResult
        Inputs named by ``names`` then the parameter names.

    Raises
    ------
    GradientMismatch
        A gradient is wrong.

    Examples
    --------
    >>> import numpy as np
    >>> class Linear:
    ...     def __init__(self):
    ...         self.w, self.b = np.ones((2, 3)), np.zeros(3)
    ...     def forward(self, x):
    ...         self.x = x
    ...         return x @ self.w + self.b
    ...     def backward(self, grad):
    ...         self.grad_w, self.grad_b = self.x.T @ grad, grad.sum(axis=0)
    ...         return grad @ self.w.T
    >>> check_module(Linear(), np.ones((4, 2))).passed
    True
    """
    __tracebackhide__ = True
    params = _names(params, "params")
    forward, backward = stateful_functions(module, params, grads, len(inputs))
    values = [_parameter(module, name).copy() for name in params]
    if names is None:
        names = [f"x{i}" if len(inputs) > 1 else "x" for i in range(len(inputs))]
    names = _names(names, "names")
    if len(names) != len(inputs):
        raise InvalidInputError(f"{len(names)} names for {len(inputs)} data inputs.")
    with _restored(module, params):
        return check(forward, backward, *inputs, *values, names=[*names, *params], **options)
