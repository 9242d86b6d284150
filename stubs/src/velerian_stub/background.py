"""
``velerian-stub --background``: start the server as a detached process, then return.

The server runs in its own session with its output in a log file, so the command
gives the terminal back as soon as the server listens. It prints the same
``export VELERIAN_*`` lines as the foreground command, plus ``VELERIAN_STUB_PID``,
so ``eval "$(velerian-stub --background ...)"`` sets them in the calling shell and
``kill "$VELERIAN_STUB_PID"`` stops the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from velerian_stub.shell_env import format_env_lines

__all__ = [
    "BACKGROUND_FLAG",
    "DEFAULT_LOG_FILE",
    "DETACHED_ENV",
    "PID_ENV",
    "is_detached_server",
    "start_in_background",
]

BACKGROUND_FLAG = "--background"
DEFAULT_LOG_FILE = "velerian-stub.log"
PID_ENV = "VELERIAN_STUB_PID"
DETACHED_ENV = "VELERIAN_STUB_DETACHED"
"""Set for the detached server: it is given the same flags, and must serve, not detach."""
_POLL_S = 0.05


def is_detached_server() -> bool:
    """
    Whether this process is the server that :func:`start_in_background` started.

    Returns:
        ``True`` in that server, whose flags still include ``--background``.
    """
    return os.environ.get(DETACHED_ENV) == "1"


def start_in_background(
    argv: Sequence[str], *, env_file: Path | None, log_file: Path, timeout: float = 30.0
) -> int:
    """
    Start the server detached, wait until it listens, and print its variables.

    Args:
        argv: The command's arguments, ``--background`` among them.
        env_file: The ``--env-file`` the server should also write, if one was given.
        log_file: Where the server's output goes.
        timeout: Seconds to wait for the server to listen.

    Returns:
        ``0`` once the server listens; ``1`` if it exited or stayed silent first (its
        log then goes to stderr).
    """
    with tempfile.TemporaryDirectory(prefix="velerian-stub-") as scratch:
        ready = env_file if env_file is not None else Path(scratch) / "env"
        ready.unlink(missing_ok=True)  # a stale file from an earlier run is not a signal
        command = [sys.executable, "-m", "velerian_stub", *argv]
        if env_file is None:
            command += ["--env-file", str(ready)]
        env = {**os.environ, DETACHED_ENV: "1"}
        with log_file.open("ab") as log:
            if sys.platform == "win32":
                flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
                server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    env=env,
                    creationflags=flags,
                )
            else:
                server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    env=env,
                    start_new_session=True,  # no hang-up when this terminal closes
                )
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                if server.poll() is None:
                    server.kill()
                    server.wait()
                tail = log_file.read_text(encoding="utf-8", errors="replace")[-4000:]
                sys.stderr.write(f"velerian-stub: the server did not start; {log_file}:\n{tail}")
                return 1
            time.sleep(_POLL_S)
        text = ready.read_text(encoding="utf-8")
    sys.stdout.write(text + format_env_lines({PID_ENV: str(server.pid)}))
    sys.stdout.flush()
    sys.stderr.write(
        f"velerian-stub: serving in the background (pid {server.pid}, log in {log_file}); "
        f'stop it with: kill "${PID_ENV}"\n'
    )
    return 0
