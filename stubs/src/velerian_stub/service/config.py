"""The stub server's settings, one frozen dataclass shared by the CLI and the app factory."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from velerian_stub.service.admin_token import check_admin_token_format

__all__ = ["DEFAULT_DB_PATH", "DEFAULT_MAX_BODY_BYTES", "DEFAULT_PORT", "StubConfig"]

DEFAULT_PORT = 8787
DEFAULT_DB_PATH = "./velerian-stub.sqlite3"
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
"""The default cap on a request body outside ``/_storage/`` (8 MiB)."""


@dataclass(frozen=True)
class StubConfig:
    """
    Everything that shapes one stub server instance.

    Attributes:
        db_path: SQLite file holding all state, or ``":memory:"``.
        api_key: The seeded owner key. ``None`` mints a fresh ``vk_live_`` key at start.
        blob_dir: Where uploaded and exported files live. ``None`` means a sibling
            directory ``<db_path>.blobs`` (a temporary directory for ``:memory:``).
        fail_before: Fraction (0..1) of ``/api/`` requests answered 503 without running.
        fail_after: Fraction (0..1) of ``/api/`` requests that run, are recorded, and
            then lose their response to a 502.
        rate_limit: Requests per second per API key on ``/api/``; ``None`` is unlimited.
        latency_ms: Delay added before every ``/api/`` and ``/_storage/`` request.
        seed: Seed of the random source that decides faults, for reproducible runs.
        presign_ttl_s: Lifetime of presigned storage links, in seconds.
        run_queue_s: How long a new network run stays ``queued``.
        run_duration_s: How long a network run stays ``running`` unless its
            ``metadata.stub_duration_ms`` says otherwise.
        admin_token: The token of the ``/_stub`` admin routes. ``None`` mints a random
            one at start (see :mod:`velerian_stub.service.admin_token`).
        max_body_bytes: The largest request body accepted outside ``/_storage/``; a
            larger one is a 413, refused while it is read, before authentication.
            Uploads to ``/_storage/`` are bounded by their registered size instead.
        sparse: Send only the fields the contract requires in every response
            (:mod:`velerian_stub.schemas.sparse`), as the least the real API may send.
        clock: Wall clock in Unix seconds; tests may substitute a controllable one.
    """

    db_path: str = DEFAULT_DB_PATH
    api_key: str | None = None
    blob_dir: str | None = None
    fail_before: float = 0.0
    fail_after: float = 0.0
    rate_limit: int | None = None
    latency_ms: int = 0
    seed: int | None = None
    presign_ttl_s: int = 900
    run_queue_s: float = 0.2
    run_duration_s: float = 1.0
    admin_token: str | None = field(default=None, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    sparse: bool = False
    clock: Callable[[], float] = field(default=time.time, compare=False)

    def __post_init__(self) -> None:
        for name in ("fail_before", "fail_after"):
            rate = float(getattr(self, name))
            if not 0.0 <= rate <= 1.0:
                msg = f"{name} must be between 0 and 1, got {rate}"
                raise ValueError(msg)
        if self.rate_limit is not None and self.rate_limit < 1:
            msg = f"rate_limit must be at least 1 request per second, got {self.rate_limit}"
            raise ValueError(msg)
        if self.latency_ms < 0 or self.presign_ttl_s < 1:
            msg = "latency_ms must be >= 0 and presign_ttl_s >= 1"
            raise ValueError(msg)
        if self.run_queue_s < 0 or self.run_duration_s < 0:
            msg = "run_queue_s and run_duration_s must be >= 0"
            raise ValueError(msg)
        if self.max_body_bytes < 1:
            msg = f"max_body_bytes must be at least 1, got {self.max_body_bytes}"
            raise ValueError(msg)
        if self.admin_token is not None:
            check_admin_token_format(self.admin_token)
