"""
The one base class of every response model, and the field types they share.

One configuration serves every model: fields the server adds are kept (and reachable
as attributes, in :meth:`VelerianModel.to_dict` and in :attr:`VelerianModel.raw`),
instances are frozen, and validators are built on first use rather than at import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Annotated, ClassVar, TypeAlias

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict
from typing_extensions import Self

from .._core.calls import JSONObject
from .._core.errors import VelerianArgumentError, with_scrubbed_cause
from .._core.requests import RESPONSE_KEY, ResponseInfo

__all__ = ["Timestamp", "VelerianModel"]

_SECRETS_CONTEXT = "reveal_secrets"


def _assume_utc(value: dt.datetime) -> dt.datetime:
    # The API documents every timestamp as UTC; a value without an offset is read as
    # UTC so that callers always get an aware datetime they can compare.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


Timestamp: TypeAlias = Annotated[dt.datetime, AfterValidator(_assume_utc)]
"""A timestamp, always timezone-aware (a value without an offset is taken as UTC)."""


class VelerianModel(BaseModel):
    """
    The base of every response model.

    Models are frozen: a response is a record of what the server said. Fields the
    server sends that this SDK version does not know are kept: read them as
    attributes (``run.new_field``), in :meth:`to_dict` or in :attr:`raw`. Fields the
    API may leave out default to ``None``; to tell "absent" from "null", check
    ``"field" in model.model_fields_set``.

    Enum-like fields (``status``, ``outcome``...) are typed ``Literal[...] | str``: the
    known values are listed for your editor, and a value added by a newer server still
    parses instead of failing.

    The repr is readable and never shows a secret: a minted key's ``secret`` prints as
    ``**********`` and the query string of a URL (where presigned signatures live)
    prints as ``REDACTED``.

    .. versionadded:: 0.2.0
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(
        extra="allow",
        frozen=True,
        defer_build=True,
        protected_namespaces=(),
    )

    @property
    def last_response(self) -> ResponseInfo | None:
        """
        The HTTP response this result came from, or ``None`` for one built by hand.

        Its ``request_id`` is what to quote to support about the call. It is not a
        field: ``model_dump``, equality and hashing leave it out; a copy or a pickle
        keeps it.

        .. versionadded:: 0.2.0
        """
        info = self.__dict__.get(RESPONSE_KEY)
        return info if isinstance(info, ResponseInfo) else None

    def to_dict(self, *, reveal_secrets: bool = False) -> JSONObject:
        """
        Return the model as a JSON-ready ``dict``: every field, plus unknown extras.

        Datetimes become ISO-8601 strings. Fields the server left out appear with
        their default (``None``); use :attr:`raw` for exactly the keys it sent.

        Args:
            reveal_secrets: Include secrets (a minted key's ``secret``) in clear.
                By default they are ``"**********"``.

        Returns:
            A new ``dict`` of JSON values.
        """
        return self.model_dump(
            mode="json", by_alias=True, context={_SECRETS_CONTEXT: reveal_secrets}
        )

    def to_json(self, *, indent: int | None = None, reveal_secrets: bool = False) -> str:
        """
        Return the model as a JSON document (the same content as :meth:`to_dict`).

        Args:
            indent: Indent nested levels by this many spaces; compact by default.
            reveal_secrets: Include secrets in clear (see :meth:`to_dict`).

        Returns:
            The JSON text.
        """
        return self.model_dump_json(
            by_alias=True, indent=indent, context={_SECRETS_CONTEXT: reveal_secrets}
        )

    @property
    def raw(self) -> JSONObject:
        """
        The keys the server sent, as JSON values (as ``.raw`` was in 0.1).

        Unlike :meth:`to_dict`, fields the server left out are not filled in with
        defaults. Secrets stay masked.
        """
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Self:
        """
        Build a model from a ``dict`` of JSON values, as 0.1's ``from_dict`` did.

        Handy for fixtures in your own tests.

        Args:
            data: The JSON object, e.g. a saved response.

        Returns:
            The validated model.

        Raises:
            VelerianArgumentError: ``data`` does not fit the model; the message says
                which fields are wrong.
        """
        try:
            return cls.model_validate(data)
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}"
                for e in exc.errors(include_url=False)[:5]
            )
            msg = f"not a valid {cls.__name__}: {problems}"
            failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
        raise failure

    def __repr_args__(self) -> Iterator[tuple[str | None, object]]:
        for name, value in super().__repr_args__():
            yield name, _shown(value)


def _shown(value: object) -> object:
    # Presigned signatures live in query strings; timestamps read better as ISO text.
    if isinstance(value, str) and value.startswith(("https://", "http://")) and "?" in value:
        return value.split("?", 1)[0] + "?REDACTED"
    if isinstance(value, dt.datetime):
        return _Shown(value.isoformat())
    return value


class _Shown:
    """A value shown in a repr as its text, without quotes (an ISO timestamp)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return getattr(self, "text", "<unset>")
