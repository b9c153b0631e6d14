"""What every adapter shares: the adapted pair, its argument binding, its outputs.

An adapter turns another convention (a ``torch.autograd.Function``, a ``jax.custom_vjp``,
CS231n's ``(out, cache)`` pairs) into the checker's ``forward(*inputs)`` /
``backward(*inputs, grad_output)``. It returns an :class:`Adapted`: unpack it as a pair
(``gradcheck.check(*adapted, x)``) or hand it over whole, as a differentiable, to the
strategies, the plugin or ``gradcheck verify``. Its declarations (input names, kinks,
shapes...) are attributes, read the usual way (:func:`gradcheck.protocols.declared`).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck.errors import BackwardContractError, ForwardContractError, InvalidInputError
from gradcheck.protocols import DECLARATIONS


class Adapted:
    """A forward/backward pair made from another convention, with its declarations.

    Attributes
    ----------
    input_names : tuple of str
        The differentiated arguments, in order, named as the user's code names them.
    origin : str
        An expression that rebuilds this pair: failure messages reproduce with it.
    """

    def __init__(
        self,
        forward: Callable[..., np.ndarray],
        backward: Callable[..., tuple[np.ndarray, ...]],
        *,
        input_names: Sequence[str],
        origin: str,
        declarations: Mapping[str, object],
    ) -> None:
        self._forward = forward
        self._backward = backward
        self.input_names = tuple(input_names)
        self.arity = len(self.input_names)
        self.origin = origin
        for name, value in declarations.items():
            if value is not None:
                setattr(self, name, value)

    def forward(self, *inputs: np.ndarray) -> np.ndarray:
        """Compute the output through the user's code."""
        return self._forward(*inputs)

    def backward(self, *args: np.ndarray) -> tuple[np.ndarray, ...]:
        """Map ``grad_output`` (the last argument) through the user's backward."""
        return self._backward(*args)

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        yield self.forward
        yield self.backward

    def __repr__(self) -> str:
        return self.origin


def declarations_of(
    source: object, given: Mapping[str, object], binding: Binding
) -> dict[str, object]:
    """Return the declarations for an adapted pair: ``given`` over ``source``'s own.

    ``kink_distance`` and ``in_domain`` are called with the source's full arguments,
    constants included.

    Raises
    ------
    InvalidInputError
        A keyword that is not a declaration gradcheck reads.
    """
    unknown = sorted(set(given) - set(DECLARATIONS))
    if unknown:
        raise InvalidInputError(
            f"unknown declaration(s) {', '.join(unknown)}; gradcheck reads "
            f"{', '.join(sorted(DECLARATIONS))}."
        )
    found = {name: getattr(source, name, None) for name in DECLARATIONS}
    found.update({name: value for name, value in given.items() if value is not None})
    for name in ("input_names", "arity", "constants"):
        found.pop(name)
    for name in ("kink_distance", "in_domain"):
        if callable(found[name]):
            found[name] = _bound(found[name], binding)
    return found


def _bound(declaration: Callable[..., Any], binding: Binding) -> Callable[..., Any]:
    def call(*arrays: np.ndarray) -> Any:
        return declaration(*binding.arguments(arrays))

    call.__name__ = getattr(declaration, "__name__", "declaration")
    return call


def static_of(source: object, static: Mapping[str, object] | None) -> Mapping[str, object] | None:
    """Return the constants to call ``source`` with: ``static``, else its declared ``constants``."""
    if static is not None:
        return static
    declared = getattr(source, "constants", None)
    return declared if isinstance(declared, Mapping) else None


class Binding:
    """How the checker's arrays fill a user function's parameters.

    The parameters named in ``static`` are constants (strides, labels, a dropout mask's
    seed, batchnorm's ``bn_param``): deep-copied for every call, so that state a call
    writes into them (running statistics) never reaches the next one, and the caller's
    objects are never touched. Every other parameter is a differentiated input.
    """

    def __init__(
        self, function: Callable[..., Any], static: Mapping[str, object] | None, skip: int = 0
    ) -> None:
        static = dict(static or {})
        try:
            parameters = list(inspect.signature(function).parameters.values())[skip:]
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"cannot read the parameters of {function!r}: {exc}") from exc
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if any(p.kind not in positional for p in parameters):
            raise InvalidInputError(
                f"{_name(function)} takes *args, **kwargs or keyword-only parameters; the "
                "adapter needs named positional parameters to know what it differentiates."
            )
        names = [p.name for p in parameters]
        unknown = sorted(set(static) - set(names))
        if unknown:
            raise InvalidInputError(
                f"static {', '.join(map(repr, unknown))} not among the parameters of "
                f"{_name(function)}: {', '.join(names)}."
            )
        self.names = names
        self.inputs = tuple(
            n
            for n, p in zip(names, parameters, strict=True)
            if n not in static and p.default is inspect.Parameter.empty
        )
        if not self.inputs:
            raise InvalidInputError(f"{_name(function)} has no differentiated parameter left.")
        defaults = {p.name: p.default for p in parameters if p.name not in self.inputs}
        self._constants = {**defaults, **copy.deepcopy(static)}

    def arguments(self, arrays: Sequence[object]) -> list[object]:
        """Return the full positional arguments: ``arrays`` in order, fresh constants."""
        given = dict(zip(self.inputs, arrays, strict=True))
        given.update(copy.deepcopy(self._constants))
        return [given[n] for n in self.names]


class Outputs:
    """One array for the checker from one or several outputs, and back.

    A single output keeps its shape; several (an LSTM step's ``next_h, next_c``) are
    raveled and concatenated, and ``grad_output`` is split the same way.
    """

    def __init__(self, outputs: Sequence[np.ndarray], single: bool) -> None:
        self.single = single
        self.shapes = [np.shape(o) for o in outputs]

    def pack(self, outputs: Sequence[np.ndarray]) -> np.ndarray:
        """Return the checker's output array (a copy, never a view of the user's)."""
        if self.single:
            return np.array(outputs[0], copy=True)
        return np.concatenate([np.ravel(o) for o in outputs])

    def split(self, grad_output: np.ndarray) -> list[np.ndarray]:
        """Return one ``grad_output`` per output, shaped like it."""
        if self.single:
            return [grad_output]
        sizes = np.cumsum([int(np.prod(s)) for s in self.shapes])[:-1]
        return [
            part.reshape(shape)
            for part, shape in zip(np.split(grad_output, sizes), self.shapes, strict=True)
        ]


def same_dtype(value: np.ndarray, like: np.ndarray, what: str, error: type) -> None:
    """Raise ``error`` unless ``value`` keeps ``like``'s floating dtype."""
    if np.dtype(value.dtype) != np.dtype(like.dtype):
        raise error(
            f"{what} has dtype {value.dtype} for {like.dtype} inputs; the adapter keeps "
            "dtypes as they are (a silent cast would judge another computation)."
        )


def gradient_list(raw: object, names: Sequence[str], who: str) -> list[object]:
    """Return the gradients ``who`` returned as a list, one per differentiated input."""
    if isinstance(raw, tuple | list):
        if len(raw) != len(names):
            raise BackwardContractError(
                f"{who} returned {len(raw)} gradients for the {len(names)} differentiated "
                f"inputs ({', '.join(names)}); constants get none."
            )
        return list(raw)
    if len(names) != 1:
        raise BackwardContractError(
            f"{who} returned a single gradient for {len(names)} inputs ({', '.join(names)})."
        )
    return [raw]


def outputs_of(raw: object, who: str) -> tuple[list[object], bool]:
    """Return ``raw`` as a list of outputs, and whether it was a single one."""
    if raw is None:
        raise ForwardContractError(f"{who} returned None.")
    if isinstance(raw, tuple | list):
        if not raw:
            raise ForwardContractError(f"{who} returned no output.")
        return list(raw), False
    return [raw], True


def _name(function: object) -> str:
    return str(getattr(function, "__qualname__", None) or type(function).__name__)


def origin(adapter: str, sources: Sequence[object], static: Mapping[str, object] | None) -> str:
    """Return the expression that rebuilds an adapted pair, for reproduce lines."""
    parts = [qualified(source) for source in sources]
    if static:
        parts.append(f"static={dict(static)!r}")
    return f"gradcheck.adapters.{adapter}({', '.join(parts)})"


def qualified(function: object) -> str:
    """Return ``module.qualname`` of a function or class, for an ``origin``."""
    module = getattr(function, "__module__", None)
    name = _name(function)
    return name if not module or module == "__main__" else f"{module}.{name}"
