"""The scalar function every check reduces to: phi(t) = <u, forward(x + t*d)>.

All evaluations happen on private float64 work arrays; the caller's arrays are never
touched. Each evaluation is counted. :func:`random_direction` draws the directions d
of the noise measurement, :func:`banded_direction` those of fast mode.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np

from gradcheck.defaults import NUMERIC_DTYPE
from gradcheck.errors import ForwardContractError


class Phi:
    """Evaluate ``<cotangent, forward(perturbed inputs)>`` in float64.

    A forward that raises, or returns non-finite values, at a perturbed point yields
    ``nan``: the point lies outside the function's domain.
    """

    def __init__(
        self,
        forward: Callable[..., object],
        inputs: Sequence[np.ndarray],
        cotangent: np.ndarray,
        output: np.ndarray | None = None,
    ) -> None:
        self._forward = forward
        self._output = output
        self._inputs = [np.array(x, dtype=NUMERIC_DTYPE) for x in inputs]
        self._work = [x.copy() for x in self._inputs]
        self._flat = [w.reshape(-1) for w in self._work]
        #: Whether the work arrays hold a point of :meth:`along` (restored when next read).
        self._moved = False
        self._cotangent = np.asarray(cotangent, dtype=NUMERIC_DTYPE)
        self._shape = self._cotangent.shape
        #: A scalar output's phi is one product: ``vdot``'s call costs more than it.
        self._weight = float(self._cotangent.flat[0]) if self._cotangent.size == 1 else None
        self.calls = 0
        #: Calls by phase: the innermost :meth:`phase` unless a :meth:`stage` is on.
        self.by_phase: Counter[str] = Counter()
        self._phase = "probe"
        self._stage: str | None = None
        self._quiet = False
        #: Evaluations at which forward raised, and the last exception it raised.
        self.raised = 0
        self.last_exception: Exception | None = None

    @contextmanager
    def _setting(self, attribute: str, value: object) -> Iterator[None]:
        """Set ``attribute`` to ``value`` inside the block, restoring it after."""
        outer = getattr(self, attribute)
        setattr(self, attribute, value)
        try:
            yield
        finally:
            setattr(self, attribute, outer)

    def phase(self, name: str) -> AbstractContextManager[None]:
        """Count the calls made inside as ``name`` ("cheap pass", "noise", "ladder")."""
        return self._setting("_phase", name)

    def stage(self, name: str) -> AbstractContextManager[None]:
        """Count every call made inside as ``name`` ("joint kinks", "bisection")."""
        return self._setting("_stage", name)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Evaluate inside one ``np.errstate(all="ignore")`` rather than one per call."""
        with np.errstate(all="ignore"), self._setting("_quiet", True):
            yield

    def at_element(self, which: int, index: int, step: float) -> tuple[float, float]:
        """Return phi with one element moved by ``step``, and the step actually taken.

        The step actually taken, ``(x + step) - x``, differs from ``step`` by rounding;
        dividing by it removes that error from the difference quotient.
        """
        self._restore()
        flat = self._flat[which]
        old = flat[index]
        new = old + step
        flat[index] = new
        try:
            value = self._evaluate()
            if flat[index] != new:
                self._mutated(f"element {index} of input {which}", new, flat[index])
            return value, float(new - old)
        finally:
            flat[index] = old

    def pairs(
        self, which: int, indices: np.ndarray, steps: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return phi at each element moved by ``+step`` and by ``-step``, and the widths.

        :meth:`at_element` twice per element, in one loop whose bookkeeping is done
        once, so a check of many elements pays little beyond its forward calls. The
        width is the two steps actually taken, ``((x + h) - x) - ((x - h) - x)``, the
        same bits as :meth:`at_element`'s.
        """
        self._restore()
        flat = self._flat[which]
        old = flat[indices]
        up, down = old + steps, old - steps
        # The 2n evaluations in one schedule: element, value set, value restored after.
        # A memoryview reads and writes the work array's cells as Python floats, at a
        # fraction of numpy's scalar indexing; a float64 output of the right shape is
        # read inline (finiteness checked once at the end), anything else by _phi_of.
        schedule = zip(
            np.repeat(indices, 2).tolist(),
            np.column_stack([up, down]).ravel().tolist(),
            np.repeat(old, 2).tolist(),
            strict=True,
        )
        cells, forward, arguments = memoryview(flat), self._forward, tuple(self._work)
        shape, weight, phi_of = self._shape, self._weight, self._phi_of
        values: list[float] = []
        try:
            with self._silenced():
                for index, moved, base in schedule:
                    cells[index] = moved
                    try:
                        output = forward(*arguments)
                    except Exception as exc:  # outside the domain
                        values.append(self._raised(exc))
                    else:
                        if (
                            weight is not None
                            and output.__class__ is np.ndarray
                            and output.dtype is NUMERIC_DTYPE
                            and output.shape == shape
                        ):
                            values.append(weight * output.item())
                        else:
                            values.append(phi_of(output))
                    if cells[index] != moved:
                        self._mutated(f"element {index} of input {which}", moved, cells[index])
                    cells[index] = base
        finally:
            flat[indices] = old
            self.calls += len(values)
            self.by_phase[self._stage or self._phase] += len(values)
        both = np.array(values).reshape(-1, 2)
        both[~np.isfinite(both)] = np.nan
        return both[:, 0], both[:, 1], (up - old) - (down - old)

    def _silenced(self) -> AbstractContextManager[object]:
        """Floating-point warnings off, unless :meth:`quiet` already turned them off."""
        return nullcontext() if self._quiet else np.errstate(all="ignore")

    def along(self, direction: Sequence[np.ndarray], step: float) -> tuple[float, float]:
        """Return phi at ``x + step * direction`` (and ``step``).

        The work arrays keep that point until something else reads them: the next
        direction's point overwrites every element anyway.
        """
        self._moved = True
        for work, base, d in zip(self._work, self._inputs, direction, strict=True):
            np.multiply(d, step, out=work)
            work += base
        sums = [np.add.reduce(work, axis=None) for work in self._work]
        value = self._evaluate()
        # A forward that writes into its inputs only at some points (clipping in place
        # past a bound) changes a point's sum there: one pass per input catches it.
        for which, (work, before) in enumerate(zip(self._work, sums, strict=True)):
            after = np.add.reduce(work, axis=None)
            if after != before and not (after != after and before != before):  # NaN twice
                self._mutated(f"the sum of input {which}", before, after)
        return value, step

    def _restore(self) -> None:
        """Put the work arrays back at the inputs after :meth:`along` moved them."""
        if self._moved:
            for work, base in zip(self._work, self._inputs, strict=True):
                np.copyto(work, base)
            self._moved = False

    def verify_untouched(self) -> None:
        """Raise ForwardContractError if forward changed its (work) inputs in place."""
        self._restore()  # along checks its own points as it goes
        for which, (work, base) in enumerate(zip(self._work, self._inputs, strict=True)):
            changed = np.flatnonzero(work.reshape(-1) != base.reshape(-1))
            if changed.size:
                index = int(changed[0])
                self._mutated(
                    f"element {index} of input {which}",
                    base.reshape(-1)[index],
                    work.reshape(-1)[index],
                )

    def _mutated(self, where: str, expected: float, found: float) -> None:
        raise ForwardContractError(
            f"forward modified its inputs in place at a perturbed point ({where} was "
            f"{float(expected)!r}, became {float(found)!r}): it must not write into the "
            "arrays it is given, or every later evaluation is of another point. Copy "
            "before writing."
        )

    def base(self) -> float:
        """Return phi at the unperturbed inputs.

        From ``output`` when given (forward's float64 output at these very inputs,
        already computed by the contract checks): no call.
        """
        if self._output is None:
            self._restore()
            return self._evaluate()
        with np.errstate(all="ignore"):
            value = float(np.vdot(self._cotangent, np.asarray(self._output, NUMERIC_DTYPE)))
        return value if np.isfinite(value) else float("nan")

    def _evaluate(self) -> float:
        self.calls += 1
        self.by_phase[self._stage or self._phase] += 1
        with self._silenced():
            return self._value()

    def _value(self) -> float:
        """Return phi at the work arrays (floating-point warnings silenced by the caller)."""
        try:
            output = self._forward(*self._work)
        except Exception as exc:  # outside the domain: the caller decides what it means
            return self._raised(exc)
        return self._phi_of(output)

    def _raised(self, exc: Exception) -> float:
        """Record an exception forward raised at a perturbed point; phi is nan there."""
        self.raised += 1
        self.last_exception = exc
        return float("nan")

    def _phi_of(self, output: object) -> float:
        """Return phi from forward's output: nan where it is not finite."""
        try:
            output = np.asarray(output, dtype=NUMERIC_DTYPE)
        except Exception as exc:  # not numbers there: outside the domain too
            return self._raised(exc)
        if output.shape != self._shape:
            raise ForwardContractError(
                f"forward returned shape {output.shape} at a perturbed point, but "
                f"{self._shape} at the given inputs: the output shape must "
                "not depend on the input values"
            )
        if self._weight is None:
            value = float(np.vdot(self._cotangent, output))
        else:
            value = self._weight * output.item()
        return value if value - value == 0.0 else float("nan")  # finite


def random_direction(
    scales: Sequence[np.ndarray],
    rng: np.random.Generator,
    support: Sequence[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Draw a seeded normal direction, unit length in element-scaled coordinates.

    Parameters
    ----------
    scales : sequence of numpy.ndarray
        Per-element step scales, one array per input.
    rng : numpy.random.Generator
        Source of randomness.
    support : sequence of numpy.ndarray of bool, optional
        Masks of the elements the direction may move (all by default).
    """
    raw = [rng.standard_normal(s.shape) for s in scales]
    if support is not None:
        raw = [np.where(mask, z, 0.0) for z, mask in zip(raw, support, strict=True)]
    norm = np.sqrt(sum(float(np.sum(z * z)) for z in raw))
    return [s * z / norm for s, z in zip(scales, raw, strict=True)]


#: A banded direction's components are ``+-(1 + u) / BAND_NORM`` with u uniform in
#: [0, 1]: ``E[(1 + u)**2] = 7 / 3``, so ``BAND_NORM = sqrt(7 m / 3)`` gives unit length
#: in expectation over ``m`` elements.
BAND_MEAN_SQUARE = 7.0 / 3.0


def band_norm(count: int) -> float:
    """Return the normalisation of a banded direction over ``count`` elements."""
    return float(np.sqrt(BAND_MEAN_SQUARE * count))


def banded_direction(
    scales: Sequence[np.ndarray],
    rng: np.random.Generator,
    support: Sequence[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Draw a seeded direction whose components are ``+-(1 + u) / band_norm(m)``.

    In element-scaled coordinates, every one of the ``m`` elements in ``support`` moves
    by at least ``1 / band_norm(m)`` (a random sign, a magnitude uniform in [1, 2]
    times that): a single wrong entry ``e`` shifts the directional derivative by at
    least ``|e| / band_norm(m)`` whatever the draw, so it is caught for certain once
    that exceeds the tolerance (a normal direction has components near 0 with some
    probability). And each component has a density at most ``band_norm(m) / 2``:
    whatever the other entries of an error vector, ``<e, d>`` falls in an interval of
    length L with probability at most ``L * band_norm(m) / (2 |e_max|)``, so errors
    spread over many entries cannot cancel except with a stated probability (a
    Rademacher direction's +-1 alone would let two equal errors of opposite signs
    cancel half the time).

    Parameters
    ----------
    scales : sequence of numpy.ndarray
        Per-element step scales, one array per input.
    rng : numpy.random.Generator
        Source of randomness.
    support : sequence of numpy.ndarray of bool, optional
        Masks of the elements the direction may move (all by default).
    """
    if support is None:
        count = sum(s.size for s in scales)
    else:
        count = sum(int(np.count_nonzero(m)) for m in support)
    norm = band_norm(max(count, 1))
    direction = []
    for k, s in enumerate(scales):
        # One uniform draw u in [-1, 1) per element: the sign of u and 1 + |u|, uniform
        # in [1, 2] and independent of that sign, are the component's sign and size.
        u = 2.0 * rng.random(s.shape) - 1.0
        component = np.copysign(1.0 + np.abs(u), u) * (s / norm)
        if support is not None:
            component = np.where(support[k], component, 0.0)
        direction.append(np.asarray(component))
    return direction
