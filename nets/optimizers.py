"""Seed 002's learning rules: ``step(params, grads)`` updates the arrays in place.

``params`` and ``grads`` are dicts of arrays with the same keys (``{"W1": ..., "b1":
...}``); each optimizer keeps its state per key, created on first use. Defaults are
those of the papers (noted per class). A gradient checker cannot see a wrong update
rule, so these have property tests of their own.

>>> params = {"w": np.array([1.0, -2.0])}
>>> SGD(lr=0.1).step(params, {"w": np.array([0.5, 0.5])})
>>> params["w"].tolist()
[0.95, -2.05]
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

Arrays = Mapping[str, np.ndarray]


class Optimizer:
    """Base class: per-parameter state, a step counter, input validation.

    Every optimizer also takes seed 002's name for the learning rate, ``eta``
    (``SGD(eta=1e-2)``), and its interface :meth:`update`.
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return

        @functools.wraps(init)
        def accepting_eta(self, *args, eta: float | None = None, **kwds) -> None:
            if eta is not None:
                if args or "lr" in kwds:
                    message = "give the learning rate as lr or eta, not both"
                    raise TypeError(f"{cls.__name__}: {message}")
                kwds["lr"] = eta
            init(self, *args, **kwds)

        cls.__init__ = accepting_eta

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"

    @property
    def eta(self) -> float:
        """The learning rate under seed 002's name."""
        return self.lr

    def __init__(self, lr: float) -> None:
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, got {lr}")
        self.lr = lr
        self.t = 0
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def step(self, params: Mapping[str, np.ndarray], grads: Arrays) -> None:
        """Update every parameter in place from its gradient."""
        state = self.state
        for name, value, grad in self._pairs(params, grads):
            value += self.delta(grad, state.setdefault(name, {}))

    def _pairs(self, params: Mapping[str, np.ndarray], grads: Arrays) -> list[tuple]:
        """Return ``(name, parameter, gradient)`` of a step, checked, and count the step."""
        if params.keys() != grads.keys():
            raise ValueError(
                f"params and grads must have the same keys: {sorted(params)} vs {sorted(grads)}"
            )
        pairs = []
        for name, value in params.items():
            grad = np.asarray(grads[name], dtype=float)
            if grad.shape != value.shape:
                raise ValueError(
                    f"gradient of {name!r} has shape {grad.shape}, parameter {value.shape}"
                )
            pairs.append((name, value, grad))
        self.t += 1
        return pairs

    def update(
        self, grad_w: np.ndarray, grad_b: np.ndarray, **kwds: object
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(dw, db)``, the steps to add to ``w`` and ``b``: seed 002's interface.

        The same rule as :meth:`step` on ``{"w": w, "b": b}``, sharing its state and
        step counter, without touching any array: ``baselayer.py`` adds the steps itself
        (``self.w += dw``). Seed 002's later optimizers pass the step number ``t``; it is
        accepted (the optimizer counts steps itself, and a ``t`` that disagrees is refused).

        >>> SGD(eta=0.1).update(np.array([1.0]), np.array([-2.0]))
        (array([-0.1]), array([0.2]))
        """
        grad_w, grad_b = self._counted(grad_w, grad_b, kwds)
        state = self.state
        return (
            self.delta(grad_w, state.setdefault("w", {})),
            self.delta(grad_b, state.setdefault("b", {})),
        )

    def _counted(self, grad_w: object, grad_b: object, kwds: dict) -> tuple[np.ndarray, ...]:
        """Check :meth:`update`'s arguments, count the step, return the gradients as arrays."""
        if kwds:
            unknown = set(kwds) - {"t"}
            if unknown:
                raise TypeError(f"update() got unexpected keywords {sorted(unknown)}")
            if kwds["t"] != self.t + 1:
                raise ValueError(f"t={kwds['t']} but this is step {self.t + 1} of the optimizer")
        grad_w, grad_b = np.asarray(grad_w, dtype=float), np.asarray(grad_b, dtype=float)
        self.t += 1
        return grad_w, grad_b

    def delta(self, grad: np.ndarray, state: dict[str, np.ndarray]) -> np.ndarray:
        """Return the change of one parameter (its state is updated in place)."""
        raise NotImplementedError

    @staticmethod
    def _zeros(state: dict[str, np.ndarray], grad: np.ndarray, *names: str) -> None:
        for name in names:
            state.setdefault(name, np.zeros_like(grad))


class SGD(Optimizer):
    """w <- w - lr * g, exactly seed 002's ``dw = -eta * grad_w`` (default lr 0.01)."""

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)

    def delta(self, grad, state):
        """Return -lr * g."""
        return -self.lr * grad

    def update(
        self, grad_w: np.ndarray, grad_b: np.ndarray, **kwds: object
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(-lr * grad_w, -lr * grad_b)`` (:meth:`Optimizer.update`; no state).

        A subclass with a ``delta`` of its own is updated by it (the parent's update).
        """
        if type(self).delta is not SGD.delta or "delta" in vars(self):
            return super().update(grad_w, grad_b, **kwds)
        grad_w, grad_b = self._counted(grad_w, grad_b, kwds)
        rate = -self.lr
        return rate * grad_w, rate * grad_b

    def step(self, params: Mapping[str, np.ndarray], grads: Arrays) -> None:
        """Subtract lr * g from every parameter, in place (the bits of adding the delta)."""
        lr = self.lr
        for _, value, grad in self._pairs(params, grads):
            value -= lr * grad


class Momentum(Optimizer):
    """v <- mu v - lr g; w <- w + v (Polyak; lr 0.01, mu 0.9)."""

    def __init__(self, lr: float = 0.01, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = momentum

    def delta(self, grad, state):
        """Return the new velocity."""
        self._zeros(state, grad, "v")
        state["v"] = self.momentum * state["v"] - self.lr * grad
        return state["v"]


class Nesterov(Momentum):
    """Nesterov momentum in Sutskever's form: w <- w + mu v_new - lr g (lr 0.01, mu 0.9)."""

    def delta(self, grad, state):
        """Return mu * v_new - lr * g, with Momentum's new velocity."""
        return self.momentum * super().delta(grad, state) - self.lr * grad


class AdaGrad(Optimizer):
    """h <- h + g**2; w <- w - lr g / (sqrt(h) + eps) (Duchi et al. 2011; lr 0.01)."""

    def __init__(self, lr: float = 0.01, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.eps = eps

    def delta(self, grad, state):
        """Return the AdaGrad step."""
        self._zeros(state, grad, "h")
        state["h"] = state["h"] + grad * grad
        return -self.lr * grad / (np.sqrt(state["h"]) + self.eps)


class RMSprop(Optimizer):
    """h <- rho h + (1 - rho) g**2; w <- w - lr g / (sqrt(h) + eps) (Hinton; 0.001, 0.9)."""

    def __init__(self, lr: float = 0.001, rho: float = 0.9, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.rho, self.eps = rho, eps

    def delta(self, grad, state):
        """Return the RMSprop step."""
        self._zeros(state, grad, "h")
        state["h"] = self.rho * state["h"] + (1 - self.rho) * grad * grad
        return -self.lr * grad / (np.sqrt(state["h"]) + self.eps)


class AdaDelta(Optimizer):
    """Zeiler 2012: step -sqrt(E[dx**2] + eps) / sqrt(E[g**2] + eps) * g (rho 0.95, eps 1e-6).

    ``lr`` scales the step (1 in the paper).
    """

    def __init__(self, lr: float = 1.0, rho: float = 0.95, eps: float = 1e-6) -> None:
        super().__init__(lr)
        self.rho, self.eps = rho, eps

    def delta(self, grad, state):
        """Return the AdaDelta step."""
        self._zeros(state, grad, "g2", "dx2")
        state["g2"] = self.rho * state["g2"] + (1 - self.rho) * grad * grad
        dx = -np.sqrt(state["dx2"] + self.eps) / np.sqrt(state["g2"] + self.eps) * grad
        state["dx2"] = self.rho * state["dx2"] + (1 - self.rho) * dx * dx
        return self.lr * dx


class Adam(Optimizer):
    """Kingma and Ba 2015, with bias correction (lr 0.001, betas 0.9 / 0.999, eps 1e-8)."""

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def _moments(self, grad, state):
        self._zeros(state, grad, "m", "v")
        state["m"] = self.beta1 * state["m"] + (1 - self.beta1) * grad
        state["v"] = self.beta2 * state["v"] + (1 - self.beta2) * grad * grad
        return state["m"] / (1 - self.beta1**self.t), state["v"] / (1 - self.beta2**self.t)

    def delta(self, grad, state):
        """Return the Adam step."""
        m_hat, v_hat = self._moments(grad, state)
        return -self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AMSGrad(Adam):
    """Reddi et al. 2018: Adam with the running maximum of the second moment."""

    def delta(self, grad, state):
        """Return the AMSGrad step (bias-corrected, the maximum kept of raw v)."""
        m_hat, _ = self._moments(grad, state)
        state["v_max"] = np.maximum(state.get("v_max", state["v"]), state["v"])
        v_hat = state["v_max"] / (1 - self.beta2**self.t)
        return -self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdaMax(Adam):
    """Kingma and Ba 2015, infinity norm: u <- max(beta2 u, |g|) (lr 0.002).

    ``eps`` guards the division while every gradient so far was 0.
    """

    def __init__(
        self, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr, beta1, beta2, eps)

    def delta(self, grad, state):
        """Return the AdaMax step."""
        self._zeros(state, grad, "m", "u")
        state["m"] = self.beta1 * state["m"] + (1 - self.beta1) * grad
        state["u"] = np.maximum(self.beta2 * state["u"], np.abs(grad))
        return -(self.lr / (1 - self.beta1**self.t)) * state["m"] / (state["u"] + self.eps)


class Nadam(Adam):
    """Dozat 2016, Adam with Nesterov momentum, without the momentum schedule (lr 0.002)."""

    def __init__(
        self, lr: float = 0.002, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr, beta1, beta2, eps)

    def delta(self, grad, state):
        """Return the Nadam step."""
        self._moments(grad, state)
        b1 = self.beta1
        m_bar = b1 * state["m"] / (1 - b1 ** (self.t + 1)) + (1 - b1) * grad / (1 - b1**self.t)
        v_hat = state["v"] / (1 - self.beta2**self.t)
        return -self.lr * m_bar / (np.sqrt(v_hat) + self.eps)


class AdaBound(Adam):
    """Luo et al. 2019: Adam's step clipped into bounds that close on ``final_lr``.

    Defaults lr 0.001, final_lr 0.1, gamma 1e-3.
    """

    def __init__(
        self,
        lr: float = 0.001,
        final_lr: float = 0.1,
        gamma: float = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(lr, beta1, beta2, eps)
        self.final_lr, self.gamma = final_lr, gamma

    def _bounded(self, m, v):
        step = self.lr * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
        lower = self.final_lr * (1 - 1 / (self.gamma * self.t + 1))
        upper = self.final_lr * (1 + 1 / (self.gamma * self.t))
        return -np.clip(step / (np.sqrt(v) + self.eps), lower, upper) * m

    def delta(self, grad, state):
        """Return the AdaBound step."""
        self._moments(grad, state)
        return self._bounded(state["m"], state["v"])


class AMSBound(AdaBound):
    """AdaBound with AMSGrad's running maximum of the second moment."""

    def delta(self, grad, state):
        """Return the AMSBound step."""
        self._moments(grad, state)
        state["v_max"] = np.maximum(state.get("v_max", state["v"]), state["v"])
        return self._bounded(state["m"], state["v_max"])


class RMSpropGraves(Optimizer):
    """Graves 2013, eqs. 38-41: centred RMSprop with momentum.

    n <- rho n + (1 - rho) g**2; a <- rho a + (1 - rho) g;
    d <- momentum d - lr g / sqrt(n - a**2 + eps); w <- w + d.
    Defaults lr 1e-4, rho 0.95, momentum 0.9, eps 1e-4.
    """

    def __init__(
        self, lr: float = 1e-4, rho: float = 0.95, momentum: float = 0.9, eps: float = 1e-4
    ) -> None:
        super().__init__(lr)
        self.rho, self.momentum, self.eps = rho, momentum, eps

    def delta(self, grad, state):
        """Return the centred RMSprop step with momentum."""
        self._zeros(state, grad, "n", "a", "d")
        state["n"] = self.rho * state["n"] + (1 - self.rho) * grad * grad
        state["a"] = self.rho * state["a"] + (1 - self.rho) * grad
        scale = np.sqrt(state["n"] - state["a"] ** 2 + self.eps)
        state["d"] = self.momentum * state["d"] - self.lr * grad / scale
        return state["d"]


class SMORMS3(Optimizer):
    """Simon Funk's SMORMS3 (2015): RMSprop with an adaptive memory (lr 0.001)."""

    def __init__(self, lr: float = 0.001, eps: float = 1e-16) -> None:
        super().__init__(lr)
        self.eps = eps

    def delta(self, grad, state):
        """Return the SMORMS3 step."""
        self._zeros(state, grad, "g", "g2")
        memory = state.setdefault("memory", np.ones_like(grad))
        r = 1.0 / (memory + 1.0)
        state["g"] = (1 - r) * state["g"] + r * grad
        state["g2"] = (1 - r) * state["g2"] + r * grad * grad
        x = state["g"] ** 2 / (state["g2"] + self.eps)
        state["memory"] = 1.0 + memory * (1.0 - x)
        return -grad * np.minimum(self.lr, x) / (np.sqrt(state["g2"]) + self.eps)


class AdaBelief(Adam):
    """Zhuang et al. 2020: Adam with the variance of g around m (eps 1e-16)."""

    def __init__(
        self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-16
    ) -> None:
        super().__init__(lr, beta1, beta2, eps)

    def delta(self, grad, state):
        """Return the AdaBelief step."""
        self._zeros(state, grad, "m", "s")
        state["m"] = self.beta1 * state["m"] + (1 - self.beta1) * grad
        belief = (grad - state["m"]) ** 2
        state["s"] = self.beta2 * state["s"] + (1 - self.beta2) * belief + self.eps
        m_hat = state["m"] / (1 - self.beta1**self.t)
        s_hat = state["s"] / (1 - self.beta2**self.t)
        return -self.lr * m_hat / (np.sqrt(s_hat) + self.eps)


_SERIES = (SGD, Momentum, Nesterov, AdaGrad, RMSprop, AdaDelta, Adam, AdaMax, Nadam)
_SERIES += (AMSGrad, AdaBound, AMSBound, RMSpropGraves, SMORMS3, AdaBelief)
#: Every optimizer of the series, by name.
ALL: dict[str, type[Optimizer]] = {cls.__name__: cls for cls in _SERIES}
