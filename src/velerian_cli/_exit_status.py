"""
The exit statuses of ``velerian``, one per class of failure, and how errors map to them.

This table is the one place they are defined: every command's help, ``docs/cli.md``
and the tests read it from here.
"""

from __future__ import annotations

import enum

from velerian_sdk import (
    VelerianArgumentError,
    VelerianAuthError,
    VelerianConflictError,
    VelerianConnectionError,
    VelerianError,
    VelerianEvidenceError,
    VelerianForbiddenError,
    VelerianIntegrityError,
    VelerianNotFoundError,
    VelerianPaginationError,
    VelerianRateLimitError,
    VelerianResponseEncodingError,
    VelerianResponseTooLargeError,
    VelerianResponseValidationError,
    VelerianRunTimeoutError,
    VelerianServerError,
    VelerianValidationError,
)

__all__ = ["EXIT_STATUS_HELP", "EXPLANATIONS", "ExitStatus", "exit_status_of"]


class ExitStatus(enum.IntEnum):
    """What a ``velerian`` exit status means; 0 is success, 1 anything unforeseen."""

    OK = 0
    ERROR = 1
    USAGE = 2
    AUTH = 3
    FORBIDDEN = 4
    NOT_FOUND = 5
    CONFLICT = 6
    VALIDATION = 7
    RATE_LIMIT = 8
    SERVER = 9
    CONNECTION = 10
    INTEGRITY = 11
    RUN_PENDING = 12
    NOT_RELEASED = 13

    @property
    def label(self) -> str:
        """The status's name as the help and ``--json`` errors show it: ``not-found``."""
        return self.name.lower().replace("_", "-")


EXPLANATIONS: dict[ExitStatus, str] = {
    ExitStatus.OK: "success (evidence: intact)",
    ExitStatus.ERROR: "a run failed, or an unexpected failure",
    ExitStatus.USAGE: "bad input: an option, a file, a payload, or no API key",
    ExitStatus.AUTH: "the API key was refused (401)",
    ExitStatus.FORBIDDEN: "the key lacks the scope or role (403)",
    ExitStatus.NOT_FOUND: "no such resource in your tenant (404)",
    ExitStatus.CONFLICT: "the resource is in the wrong state (409)",
    ExitStatus.VALIDATION: "the API rejected the request's content (422)",
    ExitStatus.RATE_LIMIT: "rate limited (429), retries included",
    ExitStatus.SERVER: "the server failed (5xx) or answered nonsense",
    ExitStatus.CONNECTION: "no connection, or a request timed out",
    ExitStatus.INTEGRITY: "evidence or a download does not verify",
    ExitStatus.RUN_PENDING: "a run was still going when waiting stopped",
    ExitStatus.NOT_RELEASED: "governance did not release it: denied, held or blocked",
}
"""One line per exit status, for ``--help`` and ``docs/cli.md``."""

EXIT_STATUS_HELP = "Exit status: " + ", ".join(
    f"{status.value} {status.label}" for status in ExitStatus
)
"""The compact line each command's help ends with (``docs/cli.md`` explains each)."""

# Most specific first: the first class an error is an instance of decides its status.
_STATUS_OF_ERROR: tuple[tuple[type[VelerianError], ExitStatus], ...] = (
    (VelerianArgumentError, ExitStatus.USAGE),
    (VelerianAuthError, ExitStatus.AUTH),
    (VelerianForbiddenError, ExitStatus.FORBIDDEN),
    (VelerianNotFoundError, ExitStatus.NOT_FOUND),
    (VelerianConflictError, ExitStatus.CONFLICT),
    (VelerianValidationError, ExitStatus.VALIDATION),
    (VelerianRateLimitError, ExitStatus.RATE_LIMIT),
    (VelerianServerError, ExitStatus.SERVER),
    (VelerianResponseValidationError, ExitStatus.SERVER),
    (VelerianResponseTooLargeError, ExitStatus.SERVER),
    (VelerianResponseEncodingError, ExitStatus.SERVER),
    (VelerianPaginationError, ExitStatus.SERVER),
    (VelerianConnectionError, ExitStatus.CONNECTION),
    (VelerianIntegrityError, ExitStatus.INTEGRITY),
    (VelerianEvidenceError, ExitStatus.INTEGRITY),
    (VelerianRunTimeoutError, ExitStatus.RUN_PENDING),
)


def exit_status_of(error: BaseException) -> ExitStatus:
    """
    Give the exit status for an error a command ended with.

    Args:
        error: The error.

    Returns:
        Its class's status; :attr:`ExitStatus.ERROR` for anything not in the table.
    """
    for error_class, status in _STATUS_OF_ERROR:
        if isinstance(error, error_class):
            return status
    return ExitStatus.ERROR
