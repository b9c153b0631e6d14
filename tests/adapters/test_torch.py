"""from_torch: a torch.autograd.Function checked by the same engine, through its own backward."""

import sys

import numpy as np
import pytest

import gradcheck
from gradcheck.adapters import from_torch

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

rng = np.random.default_rng(7)
X, W, B = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)


class Linear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return x @ weight + bias

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        return grad @ weight.T, x.T @ grad, grad.sum(0)


class LinearOneEntryOff(Linear):
    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        dweight = x.T @ grad
        dweight[1, 2] *= 1 + 1e-6
        return grad @ weight.T, dweight, grad.sum(0)


class LinearNoBiasGradient(Linear):
    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        return grad @ weight.T, x.T @ grad, None


class ReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x > 0)

    @staticmethod
    def kink_distance(x):
        return (np.abs(x),)


class RowMax(torch.autograd.Function):
    """max over the last axis; the gradient to the first maximum (torch's own choice)."""

    @staticmethod
    def forward(ctx, x):
        values, index = x.max(dim=-1)
        ctx.save_for_backward(x, index)
        return values

    @staticmethod
    def backward(ctx, grad):
        x, index = ctx.saved_tensors
        return torch.zeros_like(x).scatter(-1, index[..., None], grad[..., None])

    @staticmethod
    def kink_distance(x):
        ordered = np.sort(x, axis=-1)
        top, second = ordered[..., -1:], ordered[..., -2:-1]
        return (np.where(x == top, top - second, top - x),)


class RowMaxEveryTie(RowMax):
    @staticmethod
    def backward(ctx, grad):
        x, _ = ctx.saved_tensors
        return (x == x.max(dim=-1, keepdim=True).values) * grad[..., None]


class Scale(torch.autograd.Function):
    """A constant argument: backward returns None for it."""

    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor, None


class Square(torch.autograd.Function):
    """The setup_context style (no ctx in forward)."""

    @staticmethod
    def forward(x):
        return x * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


class SinCos(torch.autograd.Function):
    """Two outputs."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * x.cos() - grad_cos * x.sin()


def test_a_correct_function_passes_named_by_its_forward_signature():
    result = gradcheck.check(*from_torch(Linear), X, W, B)
    assert result.names == ("x", "weight", "bias")
    assert result.sensitivity < 1e-6


def test_a_single_entry_wrong_by_1e_minus_6_is_caught_and_named_in_the_users_words():
    with pytest.raises(gradcheck.GradientMismatch) as info:
        gradcheck.check(*from_torch(LinearOneEntryOff), X, W, B)
    result = info.value.result
    assert [f.where for f in result.mismatches] == ["weight[1, 2]"]
    assert "gradcheck.check(*gradcheck.adapters.from_torch(" in result.reproduce
    assert "LinearOneEntryOff)" in result.reproduce


def test_a_none_gradient_becomes_zeros_listed_and_fails_where_the_input_matters():
    pair = from_torch(LinearNoBiasGradient)
    result = gradcheck.compare(*pair, X, W, B)
    assert result.status is gradcheck.Status.FAIL
    assert {f.location.name for f in result.mismatches} == {"bias"}
    assert "not propagated" in result.hint
    assert pair.none_gradients == {"bias"}


def test_relu_at_and_within_1e_12_of_its_kink_passes():
    x = np.array([0.0, 1e-12, -1e-12, 3.0, -2.0, -0.0])
    assert len(gradcheck.check(*from_torch(ReLU), x).at_kinks) >= 3


def test_max_with_ties_passes_and_routing_to_every_tie_fails():
    x = np.array([[1.0, 1.0, 0.5], [2.0, -1.0, 2.0], [0.0, 3.0, 1.0]])
    assert gradcheck.check(*from_torch(RowMax), x).at_kinks
    result = gradcheck.compare(*from_torch(RowMaxEveryTie), x)
    assert result.status is gradcheck.Status.FAIL


def test_constants_are_passed_by_name_and_never_perturbed():
    result = gradcheck.check(*from_torch(Scale, static={"factor": 3.0}), X)
    assert result.names == ("x",)


def test_setup_context_style_and_several_outputs_work():
    assert gradcheck.check(*from_torch(Square), X).names == ("x",)
    assert gradcheck.check(*from_torch(SinCos), X).passed


def test_a_plain_callable_of_tensors_is_checked_through_torch_autograd():
    assert gradcheck.check(*from_torch(lambda x, y: (x * y).sin()), X, X.T.copy().T).passed


def test_float32_stays_float32_and_a_silent_cast_is_a_named_error():
    pair = from_torch(Linear)
    assert (
        pair.forward(X.astype(np.float32), W.astype(np.float32), B.astype(np.float32)).dtype
        == np.float32
    )

    class Downcast(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.float() * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.double() * 2

    with pytest.raises(gradcheck.ForwardContractError, match="dtype float32 for float64"):
        gradcheck.check(*from_torch(Downcast), X)


def test_inputs_are_never_mutated_and_an_in_place_forward_is_caught():
    saved = [a.copy() for a in (X, W, B)]
    gradcheck.check(*from_torch(Linear), X, W, B)
    assert all(np.array_equal(a, b) for a, b in zip((X, W, B), saved, strict=True))

    class Doubles(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.mul_(2)

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    with pytest.raises(gradcheck.ForwardContractError, match="modified its input 'x'"):
        gradcheck.check(*from_torch(Doubles), X)
    assert np.array_equal(X, saved[0])


def test_a_cuda_less_machine_runs_on_the_cpu_and_refuses_cuda_by_name():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert gradcheck.check(*from_torch(Linear, device="cpu"), X, W, B).passed
    with pytest.raises(gradcheck.InvalidInputError, match="no CUDA device"):
        from_torch(Linear, device="cuda")
    with pytest.raises(gradcheck.InvalidInputError, match="not a torch device"):
        from_torch(Linear, device="gpu0")


def test_an_output_without_a_graph_is_a_named_contract_error():
    with pytest.raises(gradcheck.BackwardContractError, match="does not require grad"):
        gradcheck.check(*from_torch(lambda x: x.detach() * 2), X)


def test_torch_tensors_are_accepted_as_inputs():
    assert gradcheck.check(*from_torch(ReLU), torch.tensor([1.0, -2.0], dtype=torch.float64)).passed


def test_a_module_of_functions_is_discovered_and_verified(tmp_path, capsys):
    from gradcheck.cli import main

    module = tmp_path / "torch_layers.py"
    module.write_text(
        "import torch\n\n"
        "class Cube(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x):\n"
        "        ctx.save_for_backward(x)\n"
        "        return x ** 3\n\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad):\n"
        "        (x,) = ctx.saved_tensors\n"
        "        return 3 * x * grad\n"
    )
    assert main(["verify", str(module), "--examples", "5"]) == 1
    assert "FAIL torch_layers.Cube: gradient wrong at x" in capsys.readouterr().out


def test_without_torch_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(gradcheck.MissingDependencyError, match=r"pip install 'gradcheck\[torch\]'"):
        from_torch(Linear)
