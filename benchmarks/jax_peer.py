"""jax's ``check_grads`` where it applies: the same tanh network written as a jax custom_vjp.

``check_grads`` checks jax functions only, so the network of :func:`benchmarks.cases.network`
is written again in ``jax.numpy`` with its hand-written backward as the ``custom_vjp``
rule; gradcheck checks the very same function through ``gradcheck.adapters.from_jax``.
``check_grads`` runs with ``modes=["rev"]`` (the default fwd mode raises TypeError on a
custom_vjp) at its defaults.
"""

from __future__ import annotations

import numpy as np

import gradcheck
from gradcheck.adapters import from_jax

try:
    import jax
    import jax.numpy as jnp
    from jax.test_util import check_grads
except ImportError:  # skipped, with a line saying so
    jax = None


def jax_network(hidden: int, wrong: tuple[int, tuple[int, ...], float] | None = None):
    """The 2-H-2 tanh MLP of the other sections as a custom_vjp, one entry optionally wrong."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((16, 2)), rng.standard_normal((16, 2))
    params = (
        rng.standard_normal((2, hidden)) / np.sqrt(2.0),
        0.1 * rng.standard_normal(hidden),
        rng.standard_normal((hidden, 2)) / np.sqrt(hidden),
        0.1 * rng.standard_normal(2),
    )

    def loss(W1, b1, W2, b2):
        h = jnp.tanh(X @ W1 + b1)
        return 0.5 * jnp.sum((h @ W2 + b2 - Y) ** 2)

    def forward_rule(W1, b1, W2, b2):
        return loss(W1, b1, W2, b2), (W1, b1, W2, b2)

    def backward_rule(saved, g):
        W1, b1, W2, b2 = saved
        h = jnp.tanh(X @ W1 + b1)
        d = g * (h @ W2 + b2 - Y)
        da = (d @ W2.T) * (1.0 - h**2)
        grads = [X.T @ da, da.sum(0), h.T @ d, d.sum(0)]
        if wrong is not None:
            which, index, factor = wrong
            grads[which] = grads[which].at[index].multiply(factor)
        return tuple(grads)

    rule = jax.custom_vjp(loss)
    rule.defvjp(forward_rule, backward_rule)
    return rule, params


def _verdicts(hidden: int, wrong) -> dict[str, str]:
    rule, params = jax_network(hidden, wrong)
    result = gradcheck.compare(*from_jax(rule), *params)
    with jax.enable_x64(True):
        try:
            check_grads(rule, tuple(jnp.asarray(p) for p in params), order=1, modes=["rev"])
            theirs = "pass"
        except AssertionError:
            theirs = "fail"
    return {"gradcheck (from_jax)": result.status.value, "jax check_grads (rev)": theirs}


def detection(sizes: list[int], errors: tuple[float, ...]) -> dict[str, dict[str, object]]:
    """Per size: the smallest error in ``W2[0, 1]`` each checker catches (errors in
    decreasing order, stopping at the first missed), and its verdict on correct code."""
    if jax is None:
        return {}
    found = {}
    for hidden in sizes:
        row: dict[str, object] = {}
        missed: set[str] = set()
        for error in errors:
            for name, verdict in _verdicts(hidden, (2, (0, 1), 1.0 + error)).items():
                if name in missed:
                    continue
                if verdict == "fail":
                    row[f"{name}: smallest caught"] = error
                else:
                    missed.add(name)
                    row.setdefault(f"{name}: smallest caught", None)
        for name, verdict in _verdicts(hidden, None).items():
            row[f"{name} on correct code"] = verdict
        found[f"tanh MLP, {5 * hidden + 2} parameters"] = row
    return found
