"""Hypothesis profiles: ``ci`` (derandomized, used when CI is set), ``dev`` (default
locally) and ``thorough`` (``--hypothesis-profile=thorough``); one BLAS thread per test
process (the suite runs on pytest-xdist workers, one per core: more threads would
oversubscribe them)."""

import os

from hypothesis import HealthCheck, settings
from threadpoolctl import threadpool_limits

threadpool_limits(limits=1)

# Gradient checks are slow and variable in time: no deadline anywhere.
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("ci", derandomize=True, max_examples=40, print_blob=True, **_COMMON)
# dev: as many examples as ci, drawn afresh every run (its breadth is over runs).
settings.register_profile("dev", max_examples=40, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
