"""How noisy the evaluated function is: the rounding floor, and a measured estimate.

The measured estimate follows Moré and Wild's ECnoise: along a short run of equally
spaced points, high-order differences of a smooth function vanish while those of
rounding noise do not, and their size gives the noise level.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

import numpy as np

from gradcheck.defaults import NUMERIC_EPS

#: ECnoise: number of intervals in the run of points (m + 1 evaluations).
ECNOISE_INTERVALS = 7
#: ECnoise: spacing of the run, relative to the element scales.
ECNOISE_SPACING = 1e-7
#: ECnoise: three consecutive orders must agree within this factor.
ECNOISE_AGREEMENT = 4.0


@dataclass(frozen=True)
class Noise:
    """Standard deviation of the rounding noise in evaluations of phi.

    Parameters
    ----------
    sigma : float
        Absolute noise level, never below the rounding of the sum of terms of phi.
    floor : float
        That rounding floor, ``eps * sum(|u * f(x)|)``.
    """

    sigma: float
    floor: float

    def at(self, *values: float) -> float:
        """Return the noise level for evaluations that returned ``values``."""
        return max(self.sigma, NUMERIC_EPS * max(abs(v) for v in values))

    @property
    def relative(self) -> float:
        """How much noisier phi is than plain float64 rounding (1 or more)."""
        return self.sigma / self.floor if self.floor > 0 else 1.0


def ecnoise(values: np.ndarray) -> float | None:
    """Estimate the noise level from phi on equally spaced points, or None if unsure.

    Parameters
    ----------
    values : numpy.ndarray
        phi at m + 1 equally spaced points.

    Returns
    -------
    float or None
        The standard deviation of the noise; ``0.0`` when all values are equal;
        None when no order of differences looks like noise (spacing too large).

    References
    ----------
    J. J. Moré and S. M. Wild, "Estimating computational noise", SIAM J. Sci.
    Comput. 33(3), 2011.
    """
    differences = np.asarray(values, dtype=float)
    if np.ptp(differences) == 0.0:
        return 0.0
    m = differences.size - 1
    gamma = 1.0
    levels = np.zeros(m)
    sign_changes = np.zeros(m, dtype=bool)
    for order in range(1, m + 1):
        differences = np.diff(differences)
        gamma *= 0.5 * order / (2 * order - 1)
        levels[order - 1] = sqrt(gamma * float(np.mean(differences**2)))
        sign_changes[order - 1] = differences.min() < 0.0 < differences.max()
    for k in range(m - 2):
        window = levels[k : k + 3]
        if window.max() <= ECNOISE_AGREEMENT * window.min() and sign_changes[k]:
            return float(levels[k])
    return None
