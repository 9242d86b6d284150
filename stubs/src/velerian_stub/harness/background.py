"""
``velerian-stub --background``: start the server as a detached process, then return.

The server runs in its own session with its output in a log file (created mode
0600), so the command gives the terminal back as soon as the server listens. The
server prints no keys into that log: once it listens, and has written any
``--env-file``, it writes its ``export`` lines to a new file in this command's
private scratch directory, which is the signal that it is ready. The command then
prints those lines plus ``VELERIAN_STUB_PID``, so ``eval "$(velerian-stub
--background ...)"`` sets them in the calling shell and ``kill "$VELERIAN_STUB_PID"``
stops the server. A start that fails, times out or is interrupted stops the server,
and the command never deletes or rewrites the user's files itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import NoReturn

from velerian_stub.harness.env_file import read_env_lines
from velerian_stub.harness.shell_env import format_env_lines

__all__ = [
    "BACKGROUND_FLAG",
    "DEFAULT_LOG_FILE",
    "DETACHED_ENV",
    "PID_ENV",
    "exit_on_signal",
    "is_detached_server",
    "ready_file",
    "start_in_background",
]

BACKGROUND_FLAG = "--background"
DEFAULT_LOG_FILE = "velerian-stub.log"
PID_ENV = "VELERIAN_STUB_PID"
DETACHED_ENV = "VELERIAN_STUB_DETACHED"
"""
Set for the detached server to the file where it reports that it listens: it is
given the same flags, and must serve, not detach.
"""
_POLL_S = 0.05
_STOP_WAIT_S = 5.0


def ready_file() -> Path | None:
    """
    Where this process reports that it listens, if :func:`start_in_background` started it.

    Returns:
        The file to create once listening, or ``None`` in any other process.
    """
    value = os.environ.get(DETACHED_ENV)
    return Path(value) if value else None


def is_detached_server() -> bool:
    """
    Whether this process is the server that :func:`start_in_background` started.

    Returns:
        ``True`` in that server, whose flags still include ``--background``.
    """
    return ready_file() is not None


def exit_on_signal(signum: int, frame: FrameType | None) -> NoReturn:
    """
    A signal handler that turns the signal into ``SystemExit``, so ``finally`` blocks run.

    Args:
        signum: The signal.
        frame: The interrupted frame (unused).

    Raises:
        SystemExit: Always, with status ``128 + signum`` as a shell reports it.
    """
    raise SystemExit(128 + signum)


@contextmanager
def _stopping_signals_raise() -> Generator[None, None, None]:
    # Ctrl+C already raises KeyboardInterrupt; `kill` and a closed terminal would end
    # this process without a word, leaving the server running with no PID printed.
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signums = [signal.SIGTERM]
    if sys.platform != "win32":
        signums.append(signal.SIGHUP)
    previous: dict[int, Callable[[int, FrameType | None], object] | int | None] = {
        signum: signal.signal(signum, exit_on_signal) for signum in signums
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _spawn(command: list[str], env: dict[str, str], log_file: Path) -> subprocess.Popen[bytes]:
    # Created private: the server's log is nobody else's business either.
    log = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if sys.platform == "win32":
            flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
            return subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                creationflags=flags,
            )
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            start_new_session=True,  # no hang-up when this terminal closes
        )
    finally:
        os.close(log)


def _stop(server: subprocess.Popen[bytes]) -> None:
    # SIGTERM first, so a server that wrote an --env-file removes it.
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(_STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_ready(server: subprocess.Popen[bytes], ready: Path, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if server.poll() is not None:
            return None
        if time.monotonic() > deadline:
            _stop(server)
            return None
        time.sleep(_POLL_S)
    return read_env_lines(ready)


def start_in_background(argv: Sequence[str], *, log_file: Path, timeout: float = 30.0) -> int:
    """
    Start the server detached, wait until it listens, and print its variables.

    Args:
        argv: The command's arguments, ``--background`` among them.
        log_file: Where the server's output goes.
        timeout: Seconds to wait for the server to listen.

    Returns:
        ``0`` once the server listens; ``1`` if it exited or stayed silent first (its
        log then goes to stderr); ``130`` after Ctrl+C, once the server is stopped.

    Raises:
        SystemExit: ``SIGTERM`` or ``SIGHUP`` came first; the server is stopped.
    """
    with tempfile.TemporaryDirectory(prefix="velerian-stub-") as scratch:
        ready = Path(scratch) / "ready.env"
        env = {**os.environ, DETACHED_ENV: str(ready)}
        with _stopping_signals_raise():
            server = _spawn([sys.executable, "-m", "velerian_stub", *argv], env, log_file)
            try:
                lines = _wait_until_ready(server, ready, timeout)
            except KeyboardInterrupt:
                _stop(server)
                sys.stderr.write(
                    f"velerian-stub: interrupted; the server (pid {server.pid}) was stopped\n"
                )
                return 130
            except BaseException:
                _stop(server)
                raise
    if lines is None:
        tail = log_file.read_text(encoding="utf-8", errors="replace")[-4000:]
        sys.stderr.write(f"velerian-stub: the server did not start; {log_file}:\n{tail}")
        return 1
    sys.stdout.write(lines + format_env_lines({PID_ENV: str(server.pid)}))
    sys.stdout.flush()
    sys.stderr.write(
        f"velerian-stub: serving in the background (pid {server.pid}, log in {log_file}); "
        f'stop it with: kill "${PID_ENV}"\n'
    )
    return 0
