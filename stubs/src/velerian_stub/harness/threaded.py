"""
Serve a stub app from a thread of the current process, over real loopback HTTP.

Faster to start than :class:`~velerian_stub.harness.process.StubProcess`, and the test keeps
a handle on the app's :class:`~velerian_stub.service.context.StubContext`, so it can, for
example, pass a controllable clock in the :class:`~velerian_stub.service.config.StubConfig`.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from velerian_stub.http.app import create_app
from velerian_stub.service.admin_token import ADMIN_TOKEN_HEADER
from velerian_stub.service.config import StubConfig
from velerian_stub.service.context import StubContext, context_of

__all__ = ["ThreadedStub"]


class ThreadedStub:
    """
    A stub server on a free loopback port, served by a background thread.

    Args:
        config: The settings; an in-memory database when ``None``.
        startup_timeout: Seconds to wait for the server to accept connections.

    Example:
        >>> with ThreadedStub() as stub:  # doctest: +SKIP
        ...     httpx.get(f"{stub.base_url}/api/v2/abps", headers=stub.auth_headers)
    """

    def __init__(self, config: StubConfig | None = None, *, startup_timeout: float = 10.0) -> None:
        self.config = config or StubConfig(db_path=":memory:")
        self._timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._context: StubContext | None = None
        self._base_url = ""

    def start(self) -> ThreadedStub:
        """
        Open the database, bind a free port and start serving.

        Returns:
            This object, serving.

        Raises:
            RuntimeError: The server did not start in time.
        """
        app = create_app(self.config)
        self._context = context_of(app)
        # IPPROTO_TCP so that asyncio sets TCP_NODELAY on accepted connections.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self._base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=5)
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="velerian-stub", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the threaded stub server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread; the app's lifespan closes the database."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=15)

    def __enter__(self) -> ThreadedStub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def context(self) -> StubContext:
        """The served app's context (database, settings, seed)."""
        if self._context is None:
            raise RuntimeError("the stub has not been started")
        return self._context

    @property
    def base_url(self) -> str:
        """The server's origin, for example ``http://127.0.0.1:54321``."""
        return self._base_url

    @property
    def env(self) -> dict[str, str]:
        """The ``VELERIAN_*`` client variables, as the command prints them."""
        return self.context.seed.client_env(self.base_url)

    @property
    def admin_token(self) -> str:
        """The token of the ``/_stub`` admin routes (header ``X-Stub-Admin-Token``)."""
        return self.context.admin_token

    @property
    def admin_headers(self) -> dict[str, str]:
        """The header that opens the ``/_stub`` admin routes."""
        return {ADMIN_TOKEN_HEADER: self.admin_token}

    @property
    def api_key(self) -> str:
        """The seeded owner key (every scope)."""
        return self.context.seed.api_key

    @property
    def auth_headers(self) -> dict[str, str]:
        """``Authorization`` with the owner key."""
        return {"Authorization": f"Bearer {self.api_key}"}
