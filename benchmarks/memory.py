"""Peak memory of one checker on one network, in a fresh process.

    python benchmarks/memory.py CHECKER HIDDEN

Prints the peak resident set (``VmHWM``) after building the network and after the
check, in MiB, as JSON: the difference is the check's own peak. The peak is reset first
(``/proc/self/clear_refs``): a process started by another inherits its parent's
``ru_maxrss`` across fork and exec. Run by
``benchmarks/run.py`` once per checker, so that no checker's allocations (or an
allocator's retained pages) are charged to another.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from threadpoolctl import threadpool_limits

from benchmarks.cases import network
from benchmarks.peers import checkers


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux, or not allowed: the parent's peak may show through
        pass


def main() -> None:
    name, hidden = sys.argv[1], int(sys.argv[2])
    with threadpool_limits(1):
        case = network("tanh", hidden)
        check = checkers(full=True)[name]
        _reset_peak()
        before = _peak_mib()
        run = check(case)
        after = _peak_mib()
    print(json.dumps({"before": before, "after": after, "verdict": run.verdict}))


if __name__ == "__main__":
    main()
