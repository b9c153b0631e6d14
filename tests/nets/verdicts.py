"""What a property test over gates and circuits accepts besides a pass.

Never a wrong pass; only these honest non-passes, each a documented limitation:

- ``Status.UNVERIFIED`` elements: a pole or domain edge inside a composition is not
  declared to the checker, and no step could resolve it;
- a subgradient verdict failing where several kinks meet along one coordinate (a
  broadcast input, or one that feeds several gates): the one-sided derivatives then
  bound the valid subgradients too tightly;
- an exactly zero analytic gradient off by less than ``CANCELLATION_FLOOR``: at points
  where forward cancels internally (``x - tanh(x)`` at 0) the rounding of the
  intermediate terms does not show in the outputs, and the numerical side can be off
  by a few eps.
"""

import numpy as np

from gradcheck import Status

CANCELLATION_FLOOR = 1e-14


def assert_passes_or_honest(result, inputs, output_size, fan_out=None):
    if result.status is Status.PASS:
        return

    def several_kinks(location):
        broadcast = np.size(inputs[location.input]) < output_size
        return broadcast or (fan_out is not None and fan_out[location.input] > 1)

    # Only Status.FAIL findings need an excuse: Status.UNVERIFIED ones are honest.
    mismatches = result.mismatches
    if all(f.verdict.kink and f.location and several_kinks(f.location) for f in mismatches):
        return
    if all(f.verdict.analytic == 0.0 and f.verdict.error < CANCELLATION_FLOOR for f in mismatches):
        return
    raise AssertionError(str(result))


#: An unverified derivative is excused when it is this small beside the gradient's
#: largest entry: a step of the element's own scale then moves phi by fewer than
#: about 1e6 roundings, too few to resolve it to the 1e-3 a pass needs.
NEGLIGIBLE = 1e-9
#: ... or this small outright: the values that would resolve it underflow.
UNDERFLOW = 1e-150


def assert_passes_or_negligible(result):
    """A pass, or unverified only where the derivative is negligible; never a failure."""
    assert result.mismatches == (), str(result)
    largest = max(float(np.max(np.abs(g), initial=0.0)) for g in result.analytic)
    for finding in result.unverified:
        size = abs(finding.verdict.analytic)
        assert size <= max(NEGLIGIBLE * largest, UNDERFLOW), str(result)
        assert "derivative's scale" in finding.verdict.reason, str(result)


#: The reasons of an element whose derivative float64 cannot resolve: phi's rounding, the
#: smallest normal float, or the largest (forward overflowing at every step: exp near its
#: limit).
FLOAT_LIMITS = ("rounding noise", "smallest normal", "no step gave a usable difference")


def assert_passes_or_rounding_bound(result):
    """Never a failure; unverified only where float64's precision or range bounds it.

    Saturated sigmoids and tanhs (sigmoid(24) = 1 - 3.8e-11), inputs beside ones a
    million times larger, derivatives near the smallest normal float, exp within a step
    of overflow: a pass there would claim more than the numerics can tell.
    """
    assert result.mismatches == (), str(result)
    for finding in result.unverified:
        assert any(kind in finding.verdict.reason for kind in FLOAT_LIMITS), str(result)
