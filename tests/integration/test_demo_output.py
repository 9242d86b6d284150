"""
`nox -s demo` reads well in a log and in a terminal.

In a log (a pipe: CI, `| tee`), every step is a line of its own, in the order it
happened, with no progress-bar frames joined by carriage returns. In a terminal, the
download draws its bar. Either way the network run shows each status it passed.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = [sys.executable, "-m", "velerian_stub.demo", "examples/quickstart.py"]
STEPS = [
    "velerian-stub serving at ",
    "ABP ",
    "verdict: allowed",
    "verdict: denied",
    "verdict: held",
    "evidence: ",
    "chain verified: True",
    "network run on ",
    "  queued ",
    "  running ",
    "  succeeded ",
    "network run run_",
    "audit log: 3 abp.invoke entries",
]


def plain_env() -> dict[str, str]:
    # As on a newcomer's machine: no VELERIAN_* of ours, and Python's default buffering.
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VELERIAN_") and k != "PYTHONUNBUFFERED"
    }


def test_in_a_log_each_step_is_one_line_in_order() -> None:
    done = subprocess.run(
        DEMO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one log, as CI keeps it
        cwd=ROOT,
        env=plain_env(),
        timeout=60,
        check=False,
    )
    log = done.stdout.decode()  # bytes: text mode would turn each carriage return into \n
    assert done.returncode == 0, log
    assert "\r" not in log
    assert "status/s" not in log
    assert "queued -> running -> succeeded" in log
    lines = log.split("\n")
    where = [next((n for n, line in enumerate(lines) if line.startswith(s)), -1) for s in STEPS]
    assert -1 not in where, (dict(zip(STEPS, where, strict=True)), log)
    assert where == sorted(where), log


def test_in_a_terminal_the_download_draws_a_bar() -> None:
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with subprocess.Popen(
        DEMO, stdin=terminal, stdout=terminal, stderr=terminal, cwd=ROOT, env=plain_env()
    ) as proc:
        os.close(terminal)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the terminal's last writer has gone
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(60) == 0
    os.close(controller)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert "evidence: 100%" in shown
    assert "queued -> running -> succeeded" in shown
