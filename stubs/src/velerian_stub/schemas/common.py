"""Models shared by every topic: the error body, timestamps, and the page envelope."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, ClassVar, Generic, TypeVar, cast, no_type_check

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
)
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from velerian_stub.schemas.sparse import sparse_responses

__all__ = ["JSON_INTEGER", "ApiModel", "HTTPError", "Instant", "Page", "Timestamp"]

Timestamp = Annotated[
    str,
    WithJsonSchema({"type": "string", "format": "date-time"}),
    Field(examples=["2025-03-01T12:00:00.250000Z"]),
]
"""An ISO-8601 UTC timestamp with a ``Z`` suffix."""


def _not_a_number(value: object) -> object:
    # pydantic's lax datetime reads 1700000000, "1700000000" or "0.5" as Unix seconds;
    # the contract's `format: date-time` means ISO-8601 text only.
    if isinstance(value, (int, float)):
        raise ValueError("must be an ISO-8601 date-time such as 2025-03-01T00:00:00Z")
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        raise ValueError("must be an ISO-8601 date-time such as 2025-03-01T00:00:00Z")
    return value


def _in_utc(value: datetime) -> datetime:
    # 9999-12-31T23:59:59-01:00 is a valid date-time whose UTC instant is past year
    # 9999: Python cannot represent it, and formatting it would raise OverflowError.
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("must be an instant from year 1 to year 9999 in UTC") from None


Instant = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_in_utc)]
"""An ISO-8601 instant the client sends (a query or body field); a naive one is UTC.

Validated into an aware UTC datetime; one whose UTC instant falls outside years
1..9999 is a 422.
"""


def _not_bool_or_text(value: object) -> object:
    # pydantic's lax int takes `false` as 0 and "5" as 5; JSON Schema's integer does not.
    if isinstance(value, (bool, str)):
        raise ValueError("must be a JSON integer")
    return value


JSON_INTEGER = BeforeValidator(_not_bool_or_text)
"""
Makes an ``int`` field of a request a JSON Schema integer: ``5`` or ``5.0``, never ``"5"``.

Put it after the field's constraints, ``Annotated[int, Field(ge=0), JSON_INTEGER]``, so
that they still reach the contract.
"""


def _declare_contract_required(schema: JsonDict, model: type[BaseModel]) -> None:
    # The stub builds every response with every field (a forgotten field is a type
    # error here), but the contract promises only what the real API is known to send:
    # a response model names those fields in CONTRACT_REQUIRED (docs/api/decisions.md,
    # "Tolerant reader").
    required = getattr(model, "CONTRACT_REQUIRED", None)
    if required is None:
        return
    names = sorted(required)
    unknown = set(names) - set(model.model_fields)
    if unknown:
        msg = f"{model.__name__}.CONTRACT_REQUIRED names no field {sorted(unknown)}"
        raise TypeError(msg)
    if names:
        schema["required"] = list(names)
    else:
        schema.pop("required", None)


class ApiModel(BaseModel):
    """
    The base of every model: one shared configuration.

    A response model sets ``CONTRACT_REQUIRED`` to the fields the contract requires;
    the stub still sends every field. A model without it (a request body) requires
    what pydantic says it requires.
    """

    model_config = ConfigDict(frozen=True, json_schema_extra=_declare_contract_required)

    CONTRACT_REQUIRED: ClassVar[frozenset[str] | None] = None

    # Unannotated on purpose (so unchecked): a return annotation would replace the
    # model's schema in the contract.
    @model_serializer(mode="wrap")
    @no_type_check
    def _serialize(self, handler: SerializerFunctionWrapHandler):
        serialized: object = handler(self)
        if not sparse_responses.get() or not isinstance(serialized, dict):
            return serialized
        data = cast("dict[str, object]", serialized)
        # Sparse mode (velerian_stub.schemas.sparse): only what the contract requires. Nested
        # models went through here already, so this holds at every depth.
        fields = type(self).model_fields
        required = type(self).CONTRACT_REQUIRED
        if required is None:
            required = frozenset(name for name, info in fields.items() if info.is_required())
        # A field the contract gives a default (not null) means that default when it is
        # absent, so it is left out only when it holds that default.
        return {
            name: value
            for name, value in data.items()
            if name in required or _differs_from_default(fields.get(name), value)
        }


def _differs_from_default(info: FieldInfo | None, value: object) -> bool:
    if info is None or info.is_required() or info.default in (None, PydanticUndefined):
        return False
    return bool(value != info.default)


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

    CONTRACT_REQUIRED = frozenset({"items"})

    items: list[ItemT]
    limit: int
    offset: int
    total: int
