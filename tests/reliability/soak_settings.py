"""
Sizes and settings of the soaks: CI-sized by default, larger through the environment.

``nox -s soak`` sets the ``VELERIAN_SOAK_*`` variables below to run every soak large;
the default ``pytest`` run keeps each at the size the reliability claims require.
"""

from __future__ import annotations

import os

from velerian_sdk import RetryPolicy

__all__ = [
    "ASYNC_CALLS",
    "BATCH_ITEMS",
    "BOMB_MIB",
    "FORK_CALLS",
    "IN_FLIGHT",
    "KILLS",
    "OVERSIZE_MIB",
    "PATIENT_POLICY",
    "RATE_LIMIT",
    "RESTART_CALLS",
    "SEED",
    "SOAK_POLICY",
    "SYNC_CALLS",
    "THREADS",
    "THREAD_CALLS",
    "budget_s",
    "fault_args",
    "soak_timeout_s",
]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < 1:
        msg = f"{name} must be a positive whole number, got {raw!r}"
        raise ValueError(msg)
    return value


SYNC_CALLS = _env_int("VELERIAN_SOAK_CALLS", 500)
"""Governed invokes of the sync soak."""
ASYNC_CALLS = _env_int("VELERIAN_SOAK_ASYNC_CALLS", 240)
"""Governed invokes of the async soak."""
IN_FLIGHT = _env_int("VELERIAN_SOAK_IN_FLIGHT", 120)
"""How many async calls are in flight at once (a semaphore of this size)."""
THREADS = _env_int("VELERIAN_SOAK_THREADS", 16)
"""Threads sharing one sync client."""
THREAD_CALLS = _env_int("VELERIAN_SOAK_THREAD_CALLS", 20)
"""Calls per thread."""
RESTART_CALLS = _env_int("VELERIAN_SOAK_RESTART_CALLS", 200)
"""Calls of the soak during which the stub restarts."""
KILLS = _env_int("VELERIAN_SOAK_KILLS", 4)
"""Times the crash soak kills the stub with SIGKILL and restarts it."""
FORK_CALLS = _env_int("VELERIAN_SOAK_FORK_CALLS", 24)
"""Calls each process of the fork soak makes (the parent and every child or pool task)."""
RATE_LIMIT = _env_int("VELERIAN_SOAK_RATE_LIMIT", 40)
"""The stub's requests per second per key: low enough that 429s trip every second."""
BOMB_MIB = _env_int("VELERIAN_SOAK_BOMB_MIB", 128)
"""What the gzip bomb of the response-size test inflates to, in MiB."""
OVERSIZE_MIB = _env_int("VELERIAN_SOAK_OVERSIZE_MIB", 64)
"""What the server sends to a download stated at 1,000 bytes, in MiB."""
BATCH_ITEMS = _env_int("VELERIAN_SOAK_BATCH_ITEMS", 300)
"""Items of each batch soak (sync, async) and of the batch killed with SIGKILL."""
SEED = _env_int("VELERIAN_SOAK_SEED", 20_240)
"""Seeds the stub's fault draws."""

SOAK_POLICY = RetryPolicy(max_retries=3, initial_backoff=0.02, max_backoff=0.25, total_timeout=30.0)
"""The soak clients': the SDK's default retry count, with short backoff to keep CI fast."""

PATIENT_POLICY = RetryPolicy(
    max_retries=12, initial_backoff=0.05, max_backoff=0.5, total_timeout=60.0
)
"""The verifying client's: it must get through the same faults to read the records."""


def fault_args(rate_limit: int = RATE_LIMIT) -> list[str]:
    """The stub flags of every fault soak."""
    return [
        "--fail-before",
        "0.2",
        "--fail-after",
        "0.2",
        "--rate-limit",
        str(rate_limit),
        "--seed",
        str(SEED),
    ]


def budget_s(calls: int) -> float:
    """The wall-time bound of a soak of ``calls`` calls (generous; a hang fails the test)."""
    return 60.0 + 0.5 * calls


def soak_timeout_s(calls: int, *, budgets: int = 1, extra_s: float = 0.0) -> float:
    """
    The pytest timeout of a soak of ``calls`` calls: past its own budgets, never before.

    A soak checks its budgets itself and fails with figures; this outer bound (setup,
    ``budgets`` budgets, ``extra_s`` for other waits, and verification) only catches a
    hang the soak's own checks cannot see.
    """
    return 120.0 + budgets * budget_s(calls) + extra_s
