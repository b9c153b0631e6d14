"""One allocator state for everything timed: glibc's mmap threshold raised first.

glibc serves each block above its mmap threshold (128 KiB at start) with its own
mapping and unmaps it on free, so until that threshold has risen every call that makes
such temporaries faults their pages back in: the forward of the tanh network of 10^4
parameters took 157 us a call in a fresh process against 73 us once the threshold had
risen, measured here. Which checker ran first would decide who pays. Freeing one large
block raises the threshold to its size (up to 32 MiB) for the rest of the process, so
every checker and the floor they are compared with run in the same state.
"""

from __future__ import annotations

import numpy as np

#: Larger than any temporary of the benchmarks' functions (2.5 MiB at 10^5 parameters,
#: 7.6 MiB for a hidden layer of 50 on 20,000 samples), below glibc's 32 MiB ceiling for
#: the threshold. The trim threshold becomes twice the mmap threshold: with 8 MiB here,
#: a training step at 20,000 samples that freed its temporaries at its end had the top of
#: the heap returned to the system and faulted in again the next step (nets.train 1.24x
#: the fused loop, against 1.00x from 16 MiB up, measured here).
SETTLING_BYTES = 24 << 20


def settle() -> None:
    """Allocate, touch and free one large block, once, before anything is timed."""
    block = np.ones(SETTLING_BYTES // 8)
    del block
