"""
The errors that service code raises, and how they become FastAPI-style bodies.

Services stay free of web types: they raise :class:`ApiError`, and one exception
handler in the app renders ``{"detail": ...}`` with the status code.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["ApiError", "ValidationIssue", "conflict", "not_found", "unprocessable"]


class ValidationIssue(TypedDict):
    """One entry of a 422 ``detail`` list, in FastAPI's shape."""

    loc: list[str]
    msg: str
    type: str


class ApiError(Exception):
    """
    A request failed in a way the API reports to the caller.

    Args:
        status_code: The HTTP status.
        detail: A sentence, or for 422 a list of validation issues.
        headers: Extra response headers, for example ``WWW-Authenticate``.
    """

    def __init__(
        self,
        status_code: int,
        detail: str | list[ValidationIssue],
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = headers or {}


def not_found(kind: str, resource_id: str) -> ApiError:
    """
    Build the 404 for a resource that does not exist or belongs to another tenant.

    Args:
        kind: A readable resource name, for example ``"ABP"``.
        resource_id: The id asked for.

    Returns:
        The error to raise.
    """
    return ApiError(404, f"{kind} {resource_id} not found")


def conflict(detail: str) -> ApiError:
    """
    Build a 409 for a request the resource's current state does not allow.

    Args:
        detail: The sentence explaining the conflict.

    Returns:
        The error to raise.
    """
    return ApiError(409, detail)


def unprocessable(loc: list[str], msg: str, error_type: str) -> ApiError:
    """
    Build a 422 in FastAPI's list shape for a check that only the server can make.

    Args:
        loc: Where the problem is, for example ``["body", "attachment_ids", "0"]``.
        msg: The sentence explaining it.
        error_type: A short machine-readable type.

    Returns:
        The error to raise.
    """
    return ApiError(422, [{"loc": loc, "msg": msg, "type": error_type}])
