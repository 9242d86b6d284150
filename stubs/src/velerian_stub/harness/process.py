"""
Run a stub server as a subprocess: for integration tests, demos and users' own tests.

:class:`StubProcess` starts ``python -m velerian_stub`` on a free port with a
temporary database (or a given one), reads the printed ``export VELERIAN_*`` lines (the
admin token of the ``/_stub`` routes among them), and stops the server cleanly.
:meth:`StubProcess.restart` stops it and starts it again on the same database, to test
that state survives.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn

from velerian_stub.harness.shell_env import parse_env_line
from velerian_stub.service.admin_token import ADMIN_TOKEN_ENV, ADMIN_TOKEN_HEADER
from velerian_stub.service.provisioning import CLIENT_ENV_NAMES

__all__ = ["StubProcess", "StubStartError", "start_stub"]


_PRINTED_NAMES = frozenset((*CLIENT_ENV_NAMES, ADMIN_TOKEN_ENV))


class StubStartError(RuntimeError):
    """The stub subprocess died or stayed silent before printing its ``VELERIAN_*`` lines."""


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    # Drains stdout for the process's whole life, so a full pipe never blocks it.
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


class StubProcess:
    """
    A stub server in a subprocess; a context manager that starts and stops it.

    Args:
        db_path: The SQLite file; a file in a temporary directory when ``None``.
        api_key: The owner key to seed; the first start's minted key is reused on
            restarts when ``None``.
        admin_token: The token of the ``/_stub`` routes; the first start's random token
            is reused on restarts when ``None``.
        args: Extra command-line flags, for example ``["--fail-after", "0.5"]``.
        sparse: Start it with ``--sparse``: every ``/api/`` response carries only the
            fields the contract requires.
        startup_timeout: Seconds to wait for the ``VELERIAN_*`` lines.
        log_level: The server's log level.

    Example:
        >>> with StubProcess(args=["--latency-ms", "20"]) as stub:  # doctest: +SKIP
        ...     client = VelerianClient(api_key=stub.api_key, base_url=stub.base_url)
    """

    def __init__(
        self,
        *,
        db_path: str | os.PathLike[str] | None = None,
        api_key: str | None = None,
        admin_token: str | None = None,
        args: Sequence[str] = (),
        startup_timeout: float = 30.0,
        log_level: str = "warning",
        sparse: bool = False,
    ) -> None:
        self._workdir = tempfile.TemporaryDirectory(prefix="velerian-stub-")
        self.db_path = (
            Path(db_path) if db_path is not None else Path(self._workdir.name) / "stub.sqlite3"
        )
        self.log_path = Path(self._workdir.name) / "stub.log"
        self._api_key = api_key
        self._admin_token = admin_token
        self.sparse = sparse
        self._args = [*args, "--sparse"] if sparse else list(args)
        self._timeout = startup_timeout
        self._log_level = log_level
        self._proc: subprocess.Popen[str] | None = None
        self._pump: threading.Thread | None = None
        self._log: IO[str] | None = None
        self._env: dict[str, str] = {}

    def _command(self) -> list[str]:
        command = [sys.executable, "-m", "velerian_stub", "--port", "0", "--db", str(self.db_path)]
        command += ["--log-level", self._log_level]
        if self._api_key is not None:
            command += ["--api-key", self._api_key]
        return command + self._args

    def start(self) -> StubProcess:
        """
        Start the server and wait until it has printed its environment.

        Returns:
            This object, started.

        Raises:
            StubStartError: The process exited or timed out first; the message carries
                its log.
        """
        if self._proc is not None:
            raise RuntimeError("the stub is already running")
        self._log = self.log_path.open("a", encoding="utf-8")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Through the environment, not argv, so the token is not in the process list.
        env.pop(ADMIN_TOKEN_ENV, None)
        if self._admin_token is not None:
            env[ADMIN_TOKEN_ENV] = self._admin_token
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            self._command(), stdout=subprocess.PIPE, stderr=self._log, text=True, env=env
        )
        assert self._proc.stdout is not None
        lines: queue.Queue[str | None] = queue.Queue()
        self._pump = threading.Thread(target=_pump, args=(self._proc.stdout, lines), daemon=True)
        self._pump.start()
        found: dict[str, str] = {}
        deadline = time.monotonic() + self._timeout
        while len(found) < len(_PRINTED_NAMES):
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                self._fail("did not print its VELERIAN_* lines in time")
            if line is None:
                self._fail("exited before it was ready")
            parsed = parse_env_line(line)
            if parsed is not None and parsed[0] in _PRINTED_NAMES:
                found[parsed[0]] = parsed[1]
        self._admin_token = found.pop(ADMIN_TOKEN_ENV)
        self._env = found
        self._api_key = found["VELERIAN_API_KEY"]
        return self

    def _fail(self, what: str) -> NoReturn:
        self.stop()
        log = self.log_path.read_text(encoding="utf-8", errors="replace")
        raise StubStartError(f"the stub server {what}; its stderr:\n{log[-4000:]}")

    def stop(self, timeout: float = 10.0) -> None:
        """
        Stop the server: terminate, wait, and kill if it does not exit in time.

        Args:
            timeout: Seconds to wait after terminating.
        """
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            # The pump ends at EOF once the process is gone; only then close its pipe.
            if self._pump is not None:
                self._pump.join(timeout)
                self._pump = None
            if proc.stdout is not None:
                proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        """
        Kill the server with ``SIGKILL`` (``TerminateProcess`` on Windows), as a crash would.

        Nothing runs in the server afterwards: no shutdown, no clean-up. :meth:`start`
        then starts it again on the same database.
        """
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        self.stop()

    def restart(self) -> None:
        """Stop the server and start it again on the same database (the port may change)."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the server and remove its temporary directory."""
        self.stop()
        self._workdir.cleanup()

    def __enter__(self) -> StubProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def env(self) -> dict[str, str]:
        """The ``VELERIAN_*`` variables the server printed (a copy)."""
        if not self._env:
            raise RuntimeError("the stub has not been started")
        return dict(self._env)

    @property
    def base_url(self) -> str:
        """The server's origin, for example ``http://127.0.0.1:54321``."""
        return self.env["VELERIAN_BASE_URL"]

    @property
    def api_key(self) -> str:
        """The seeded owner key (every scope)."""
        return self.env["VELERIAN_API_KEY"]

    @property
    def admin_token(self) -> str:
        """The token of the ``/_stub`` admin routes (header ``X-Stub-Admin-Token``)."""
        if not self._env or self._admin_token is None:
            raise RuntimeError("the stub has not been started")
        return self._admin_token

    @property
    def admin_headers(self) -> dict[str, str]:
        """The header that opens the ``/_stub`` admin routes."""
        return {ADMIN_TOKEN_HEADER: self.admin_token}

    @property
    def pid(self) -> int:
        """The server process's id, for example to measure its memory."""
        if self._proc is None:
            raise RuntimeError("the stub is not running")
        return self._proc.pid

    @property
    def abp_id(self) -> str:
        """A deployed ABP."""
        return self.env["VELERIAN_ABP_ID"]

    @property
    def draft_abp_id(self) -> str:
        """A draft ABP (invoking it is a 409)."""
        return self.env["VELERIAN_DRAFT_ABP_ID"]

    @property
    def network_slug(self) -> str:
        """The seeded network."""
        return self.env["VELERIAN_NETWORK_SLUG"]


def start_stub(
    *,
    db_path: str | os.PathLike[str] | None = None,
    api_key: str | None = None,
    admin_token: str | None = None,
    args: Sequence[str] = (),
    startup_timeout: float = 30.0,
) -> StubProcess:
    """
    Start a stub subprocess; the caller must ``close()`` it.

    Args:
        db_path: The SQLite file; a temporary one when ``None``.
        api_key: The owner key to seed; minted when ``None``.
        admin_token: The token of the ``/_stub`` routes; random when ``None``.
        args: Extra command-line flags.
        startup_timeout: Seconds to wait for the server to be ready.

    Returns:
        The started stub.
    """
    stub = StubProcess(
        db_path=db_path,
        api_key=api_key,
        admin_token=admin_token,
        args=args,
        startup_timeout=startup_timeout,
    )
    try:
        return stub.start()
    except BaseException:
        stub.close()
        raise
