"""Other conventions turned into forward/backward, each an :class:`Adapted` pair.

=========================  ======================================================
``from_torch(fn)``         a ``torch.autograd.Function`` (torch loaded on call)
``from_jax(f)``            a jax function, typically a ``jax.custom_vjp`` (jax on call)
``from_cache(fwd, bwd)``   CS231n's ``forward -> (out, cache)``, ``backward(dout, cache)``
``from_loss(f)``           CS231n's ``loss, grads = f(*inputs)`` (svm, softmax losses)
``check_module(layer)``    stateful layers that store ``grad_w`` (seed 002's style)
=========================  ======================================================

torch and jax are optional extras (``pip install 'gradcheck[torch]'``, ``[jax]``); a
missing one raises :class:`gradcheck.errors.MissingDependencyError` saying what to install.
"""

from gradcheck.adapters.adapted import Adapted
from gradcheck.adapters.cache import from_cache, from_loss
from gradcheck.adapters.jax import from_jax
from gradcheck.adapters.stateful import check_module, stateful_functions
from gradcheck.adapters.torch import from_torch

__all__ = [
    "Adapted",
    "check_module",
    "from_cache",
    "from_jax",
    "from_loss",
    "from_torch",
    "stateful_functions",
]
