"""The README's Python examples run as written, and do what their comments say."""

import re
from pathlib import Path

import numpy as np
import pytest

import gradcheck

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(scope="module")
def blocks():
    """Run every block alone, in a fresh namespace: each must work copied by itself."""
    sources = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert len(sources) >= 4
    results = []
    for source in sources:
        names: dict = {}
        if "was meant" in source:  # the example of a bug caught
            with pytest.raises(gradcheck.GradientMismatch, match=r"hint: the gradient of 'W'"):
                exec(source, names)
        else:
            exec(source, names)
        for name, value in list(names.items()):
            if name.startswith("test_") and callable(value):
                value()  # a block's own test runs too (Hypothesis: a few examples)
        results.append((source, names))
    return results


def defining(blocks, name):
    return next(names for source, names in blocks if f"{name} = " in source)


def test_the_seed_snippets_train_to_what_their_comments_say(blocks):
    names = defining(blocks, "neuron")
    neuron = names["neuron"]
    assert neuron.params["W"][0, 0] == pytest.approx(1.8, abs=1e-7)
    assert neuron.params["b"][0] == pytest.approx(32.0, abs=1e-6)
    X, y = names["data"].separable(100, seed=0)
    assert np.all(names["perceptron"].predict(X) == (y > 0))
    printed = names["history"].loss[[0, 1000]] / 200
    np.testing.assert_allclose(printed, [0.432387, 0.068947], atol=5e-7)
    assert names["net_history"].loss[-1] < 0.1 * names["net_history"].loss[0]
    assert names["svm_history"].accuracy[-1] == pytest.approx(5 / 6)


def test_the_circuit_snippet_gives_the_articles_gradients(blocks):
    names = defining(blocks, "f")
    grads = [float(names[n].grad) for n in "abcxy"]
    np.testing.assert_allclose(grads, [-0.105, 0.315, 0.105, 0.105, 0.21], atol=5e-4)
