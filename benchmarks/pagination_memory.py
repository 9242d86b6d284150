"""
Child process of the memory suite: walk once, report the peak RSS growth as JSON.

``python -m benchmarks.pagination_memory FLAVOUR ORIGIN COUNT``
"""

from __future__ import annotations

import json
import resource
import sys

from .pagination import Walker

__all__ = ["main"]


def _status_kib(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return float(line.split()[1])
    msg = f"no {field} in /proc/self/status"
    raise RuntimeError(msg)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")  # resets VmHWM, the peak RSS, to the current RSS
    except OSError:
        return False
    return True


def main() -> None:
    """Walk ``COUNT`` entries once; print the peak RSS growth and the time."""
    flavour, origin, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    walker = Walker(flavour, origin)
    walker.timed_walk(f"{origin}/items/1200", 1200)  # connections, validators, buffers
    before = _status_kib("VmRSS")
    if not _reset_peak():
        before = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    seconds = walker.timed_walk(f"{origin}/items/{count}", count)
    peak = _status_kib("VmHWM")
    walker.close()
    json.dump({"growth_kib": peak - before, "seconds": seconds}, sys.stdout)


if __name__ == "__main__":
    main()
