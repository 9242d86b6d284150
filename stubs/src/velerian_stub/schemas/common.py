"""Models shared by every topic: the error body, timestamps, and the page envelope."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

__all__ = ["ApiModel", "HTTPError", "Page", "Timestamp"]

Timestamp = Annotated[
    str,
    WithJsonSchema({"type": "string", "format": "date-time"}),
    Field(examples=["2025-03-01T12:00:00.250000Z"]),
]
"""An ISO-8601 UTC timestamp with a ``Z`` suffix."""


class ApiModel(BaseModel):
    """The base of every model: one shared configuration."""

    model_config = ConfigDict(frozen=True)


class HTTPError(ApiModel):
    """
    The body of every error except validation errors (422).

    Attributes:
        detail: A sentence saying what went wrong.
    """

    detail: str


ItemT = TypeVar("ItemT")


class Page(ApiModel, Generic[ItemT]):
    """
    One page of a list route.

    Attributes:
        items: The rows of this page; fewer than ``limit`` means it is the last.
        limit: The page size asked for.
        offset: How many rows precede this page.
        total: How many rows match in all.
    """

    items: list[ItemT]
    limit: int
    offset: int
    total: int
