"""``python -m nets``: seed 003's circuits, checked, and a planted bug found and named."""

import numpy as np

import gradcheck
from nets import circuit
from nets.circuit import Circuit, Value, apply, sigmoid
from nets.planted import SquashedTwiceSigmoid


def main() -> None:
    """Print the demonstration."""
    a, b, c, x, y = (Value(v) for v in (1.0, 2.0, -3.0, -1.0, 3.0))
    f = sigmoid(a * x + b * y + c)
    f.backward()
    grads = ", ".join(
        f"d{n} = {float(v.grad):.3f}" for n, v in zip("abcxy", (a, b, c, x, y), strict=True)
    )
    print("1. The article's neuron sig(a*x + b*y + c) at a=1, b=2, c=-3, x=-1, y=3:")
    print(f"   f = {float(f.data):.4f}; {grads}\n")

    print("2. Each of seed 003's circuits against finite differences, at random inputs:")
    rng = np.random.default_rng(0)
    for name, named in circuit.NAMED.items():
        count = named.function.__code__.co_argcount
        inputs = [rng.uniform(0.5, 2.0, 3) for _ in range(count)]
        result = gradcheck.check(named.forward, named.backward, *inputs)
        print(f"   {name:<24} passed, max rel error {result.max_rel_error:.1e}")

    broken = SquashedTwiceSigmoid()
    neuron = Circuit(lambda a, b, c, x, y: apply(broken, a * x + b * y + c), "neuron")
    point = [np.array(v) for v in (1.0, 2.0, -3.0, -1.0, 3.0)]
    print("\n3. The same neuron with a bug planted in its sigmoid gate:\n")
    try:
        gradcheck.check(neuron.forward, neuron.backward, *point)
    except gradcheck.GradientMismatch as mismatch:
        print("   " + str(mismatch).replace("\n", "\n   "))


if __name__ == "__main__":
    main()
