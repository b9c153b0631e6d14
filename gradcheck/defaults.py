"""The defaults a user may want to know: steps, per-dtype tolerances, mode limits.

The constants of one algorithm live next to it instead (ECnoise's in
``numeric/noise.py``, the stencils' in ``numeric/differences.py``, the contract's in
``contract/calls.py``), as scipy keeps its own beside each method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The dtype of the numerical side, whatever the inputs' dtype.
NUMERIC_DTYPE = np.dtype(np.float64)
NUMERIC_EPS = float(np.finfo(NUMERIC_DTYPE).eps)

#: Central differences balance truncation (h**2) against rounding (eps/h) at h = eps**(1/3).
BASE_STEP = NUMERIC_EPS ** (1.0 / 3.0)

#: Elements smaller than this in magnitude are stepped as if they had this magnitude.
STEP_SCALE_FLOOR = 1.0


#: The cheap pass accepts a central difference within this relative distance (plus its
#: rounding): at BASE_STEP its truncation error is far smaller for functions that vary on
#: the scale of their inputs. Probes outside it go to the ladder, judged by its error
#: estimate alone, so this screen never decides a failure.
CHEAP_RTOL = 1e-7


@dataclass(frozen=True)
class DtypeDefaults:
    """Default tolerance for gradients computed (by ``backward``) in one dtype."""

    rtol: float
    #: Rounding of the analytic side, in units of the largest gradient entry.
    analytic_rounding: float


DTYPE_DEFAULTS: dict[np.dtype, DtypeDefaults] = {
    np.dtype(np.float64): DtypeDefaults(rtol=1e-9, analytic_rounding=64 * NUMERIC_EPS),
    np.dtype(np.float32): DtypeDefaults(
        rtol=1e-4, analytic_rounding=64 * float(np.finfo(np.float32).eps)
    ),
    np.dtype(np.float16): DtypeDefaults(
        rtol=3e-2, analytic_rounding=16 * float(np.finfo(np.float16).eps)
    ),
}

#: How many standard deviations of function noise a tolerance allows.
NOISE_SAFETY = 8.0
#: Richardson error estimates are themselves uncertain; tolerances allow this multiple.
TRUNCATION_SAFETY = 3.0

#: The step ladder for probes that fail the cheap pass starts where Richardson-extrapolated
#: central differences (error h**4 + eps/h) are most accurate, h = eps**(1/5), and halves
#: down to about 2e-8 (relative) to resolve nearby kinks and poles.
LADDER_START = NUMERIC_EPS ** (1.0 / 5.0)
LADDER_RUNGS = 16
LADDER_RATIO = 2.0
#: A noisier phi starts the ladder at a larger step (Richardson's best step grows as
#: noise**(1/5)), by at most this factor.
MAX_STEP_GROWTH = 10.0
#: One-sided derivatives that differ by more than this many error estimates mark a kink.
KINK_SIGNIFICANCE = 4.0

#: A pass needs a tolerance below this fraction of the derivative's scale (its size, or
#: its input's root-mean-square gradient where larger): an agreement within a wider
#: tolerance proves nothing, and the element is ``Status.UNVERIFIED``.
INFORMATIVE = 1e-3
#: A ladder that cannot resolve a derivative because rounding swamps its steps is tried
#: again from this step (relative to the probe's scale) downwards.
ESCALATION_TOP = 1.0

#: ``mode="auto"`` checks every element up to this many, and uses projections above.
AUTO_FULL_LIMIT = 4096

#: Fast mode: stop adding random directions once an error of the reference size would be
#: missed with at most this probability.
FAST_TARGET_MISS = 1e-6
FAST_MIN_PROBES = 2
FAST_MAX_PROBES = 32
#: The reference error: one entry of typical size (the gradient's rms) wrong by this factor.
FAST_REFERENCE_ERROR = 1e-4
#: Bisection checks blocks this small element by element.
BISECT_LEAF = 8
#: Bisection stops after naming this many wrong entries.
BISECT_MAX_FOUND = 8

#: Failure messages list this many of the worst elements.
REPORT_TOP = 5
#: Inputs up to this many elements in total are written out in the reproduce line.
REPRODUCE_INLINE_LIMIT = 12


def dtype_defaults(dtype: np.dtype) -> DtypeDefaults:
    """Return the tolerance defaults of a floating dtype (float64's for wider ones)."""
    return DTYPE_DEFAULTS.get(np.dtype(dtype), DTYPE_DEFAULTS[NUMERIC_DTYPE])
