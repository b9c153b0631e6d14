"""from_jax: a jax custom_vjp rule checked by the same engine, through jax.vjp."""

import sys
from functools import partial

import numpy as np
import pytest

import gradcheck
from gradcheck.adapters import from_jax

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

rng = np.random.default_rng(11)
X, W = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))


@jax.custom_vjp
def relu(x):
    return jnp.maximum(x, 0.0)


relu.defvjp(lambda x: (jnp.maximum(x, 0.0), x), lambda x, g: (g * (x > 0),))
relu.kink_distance = lambda x: (np.abs(x),)


def _matmul_fwd(x, w):
    return x @ w, (x, w)


@jax.custom_vjp
def matmul(x, w):
    return x @ w


matmul.defvjp(_matmul_fwd, lambda saved, g: (g @ saved[1].T, saved[0].T @ g))


@jax.custom_vjp
def matmul_one_entry_off(x, w):
    return x @ w


def _one_entry_off_bwd(saved, g):
    x, w = saved
    return g @ w.T, (x.T @ g).at[0, 1].multiply(1 + 1e-6)


matmul_one_entry_off.defvjp(_matmul_fwd, _one_entry_off_bwd)


@jax.custom_vjp
def clipped_identity(x):
    return x


clipped_identity.defvjp(lambda x: (x, None), lambda _, g: (jnp.clip(g, -1.0, 1.0),))


@partial(jax.custom_vjp, nondiff_argnums=(1,))
def power(x, exponent):
    return x**exponent


power.defvjp(
    lambda x, exponent: (x**exponent, x),
    lambda exponent, x, g: (exponent * x ** (exponent - 1) * g,),
)


@jax.custom_vjp
def sin_cos(x):
    return jnp.sin(x), jnp.cos(x)


sin_cos.defvjp(
    lambda x: ((jnp.sin(x), jnp.cos(x)), x),
    lambda x, g: (g[0] * jnp.cos(x) - g[1] * jnp.sin(x),),
)


def test_a_custom_vjp_passes_named_by_its_signature():
    result = gradcheck.check(*from_jax(matmul), X, W)
    assert result.names == ("x", "w")
    assert result.sensitivity < 1e-6


def test_relu_at_and_within_1e_12_of_its_kink_passes():
    x = np.array([0.0, 1e-12, -1e-12, 2.0, -3.0])
    assert len(gradcheck.check(*from_jax(relu), x).at_kinks) >= 3


def test_a_single_entry_wrong_by_1e_minus_6_is_caught_and_named():
    with pytest.raises(gradcheck.GradientMismatch) as info:
        gradcheck.check(*from_jax(matmul_one_entry_off), X, W)
    result = info.value.result
    assert [f.where for f in result.mismatches] == ["w[0, 1]"]
    assert "gradcheck.adapters.from_jax(" in result.reproduce


def test_a_clipping_bwd_is_not_a_vector_jacobian_product():
    with pytest.raises(gradcheck.BackwardLinearityError, match="not a vector-Jacobian product"):
        gradcheck.check(*from_jax(clipped_identity), 3 * X)


def test_float64_stays_float64_and_x64_is_not_left_on():
    before = jax.config.jax_enable_x64
    pair = from_jax(matmul)
    assert pair.forward(X, W).dtype == np.float64
    assert all(g.dtype == np.float64 for g in pair.backward(X, W, np.ones((4, 2))))
    assert jax.config.jax_enable_x64 == before


def test_nondiff_argnums_are_constants_given_by_name():
    with pytest.raises(gradcheck.InvalidInputError, match="'exponent' in nondiff_argnums"):
        from_jax(power)
    result = gradcheck.check(*from_jax(power, static={"exponent": 3.0}), X)
    assert result.names == ("x",)


def test_several_outputs_are_checked_together():
    assert gradcheck.check(*from_jax(sin_cos), X).passed


def test_jax_own_gradient_of_a_plain_function_is_checked():
    assert gradcheck.check(*from_jax(lambda x: jnp.tanh(x) * x), X).passed


def test_inputs_are_never_mutated():
    saved = X.copy(), W.copy()
    gradcheck.check(*from_jax(matmul), X, W)
    assert np.array_equal(X, saved[0]) and np.array_equal(W, saved[1])


def test_without_jax_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)
    with pytest.raises(gradcheck.MissingDependencyError, match=r"pip install 'gradcheck\[jax\]'"):
        from_jax(matmul)
