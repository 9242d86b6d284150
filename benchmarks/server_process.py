"""Start the loopback server in its own process, and stop it when done."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["REPO_ROOT", "loopback_server", "pin_to_cpus"]

REPO_ROOT = Path(__file__).resolve().parent.parent


def pin_to_cpus() -> tuple[set[int], set[int]] | None:
    """
    Pin this process to one CPU and return (client CPUs, server CPUs), if there are two.

    With the client and the loopback server each on a core of its own, the scheduler
    stops migrating them, which removes much of the run-to-run noise.

    Returns:
        The CPU sets, or ``None`` on a single-CPU machine or where pinning is unsupported.
    """
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    client, server = {cpus[0]}, {cpus[1]}
    os.sched_setaffinity(0, client)
    return client, server


@contextmanager
def loopback_server(cpus: set[int] | None = None) -> Generator[str, None, None]:
    """
    Run ``benchmarks.loopback_server`` in a subprocess for the duration of the block.

    It runs in its own process so that, on a machine with two cores, the server and the
    client under test each have one.

    Args:
        cpus: Pin the server to these CPUs.

    Yields:
        The server's origin, ``http://127.0.0.1:<port>``.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.loopback_server", "--lifetime", "7200"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPO_ROOT,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        if cpus is not None:
            os.sched_setaffinity(process.pid, cpus)
        line = process.stdout.readline().decode()
        if not line.startswith("PORT "):
            msg = f"the loopback server did not start: {line!r}"
            raise RuntimeError(msg)
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.stdin.close()  # the server exits when its stdin closes
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
