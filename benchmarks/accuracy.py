"""How accurate each tool's numerical derivative is, at smooth points, a kink and a pole."""

from __future__ import annotations

import numpy as np
import scipy.optimize

import gradcheck

try:
    import numdifftools
except ImportError:
    numdifftools = None

#: name -> (function, exact derivative, point, declared kink distance or None)
POINTS = {
    "tanh at 0.5": (np.tanh, lambda x: 1 - np.tanh(x) ** 2, 0.5, None),
    "exp at 20": (np.exp, np.exp, 20.0, None),
    "sigmoid at -30": (
        lambda x: 0.5 * (1 + np.tanh(0.5 * x)),
        lambda x: 0.25 * (1 - np.tanh(0.5 * x) ** 2),
        -30.0,
        None,
    ),
    "1/x at 1e-4 (pole at 0)": (lambda x: 1 / x, lambda x: -1 / x**2, 1e-4, None),
    "relu at 1e-9 (kink at 0)": (
        lambda x: np.maximum(x, 0.0),
        lambda x: np.where(np.asarray(x) > 0, 1.0, 0.0),
        1e-9,
        lambda x: (np.abs(x),),
    ),
}


def _gradcheck(f, fprime, x, kinks) -> float:
    result = gradcheck.compare(
        lambda v: f(v), lambda v, g: (g * fprime(v),), np.array([x]), kink_distance=kinks
    )
    return float(result.numeric[0][0])


def _central(f, x, h) -> float:
    return float((f(x + h) - f(x - h)) / (2 * h))


def errors() -> dict[str, dict[str, float]]:
    """Relative error of each tool's derivative at each point."""
    found = {}
    for name, (f, fprime, x, kinks) in POINTS.items():
        exact = float(fprime(x))
        estimates = {
            "gradcheck": _gradcheck(f, fprime, x, kinks),
            "torch (central, eps 1e-6)": _central(f, x, 1e-6),
            "CS231n (central, h 1e-5)": _central(f, x, 1e-5),
            "scipy approx_fprime (forward, sqrt(eps))": float(
                scipy.optimize.approx_fprime(np.array([x]), lambda v, f=f: float(f(v[0])))[0]
            ),
        }
        if numdifftools is not None:
            estimates["numdifftools Derivative"] = float(numdifftools.Derivative(f)(x))
        found[name] = {k: abs(v - exact) / abs(exact) for k, v in estimates.items()}
    return found
