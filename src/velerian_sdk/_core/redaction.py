"""
What of a request may be shown in a log line, a repr or an error message.

Everything is redacted unless it is on an allowlist: a header or query parameter the
SDK has never heard of prints as ``REDACTED``. Keys are shown at most as their prefix
and last four characters.

Reprs work on any object of the SDK, finished or half-built. A repr runs wherever a
traceback is rendered with its locals (``pytest --showlocals``, ``rich``, Sentry), and
the object may be one whose constructor raised halfway: there a missing attribute
prints as ``<unset>`` (:func:`attribute`, :func:`fields_repr`) instead of raising a
second error that hides the first.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, cast, overload

import httpx

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "REDACTED",
    "UNSET",
    "attribute",
    "fields_repr",
    "mask_secret",
    "masked_key",
    "redact_body",
    "redact_headers",
    "redact_json",
    "redact_url",
    "scrub_secrets",
    "shown_link",
]


REDACTED = "REDACTED"


SAFE_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "content-type",
        "date",
        "etag",
        "host",
        "idempotency-key",
        "idempotent-replayed",
        "retry-after",
        "retry-after-ms",
        "server",
        "transfer-encoding",
        "user-agent",
        "x-request-id",
    }
)


SAFE_QUERY = frozenset(
    {
        "action",
        "actor_user_id",
        "async",
        "delivery",
        "evidence_limit",
        "evidence_offset",
        "format",
        "limit",
        "network_slug",
        "offset",
        "resource_id",
        "resource_kind",
        "since",
        "status",
        "until",
    }
)


SAFE_BODY_KEYS = frozenset(
    {
        "action",
        "active_abps",
        "active_api_keys",
        "aggregated_conditions",
        "allowed",
        "artifact_kind",
        "as_of",
        "chain_scope",
        "constraint",
        "constraint_count",
        "content_type",
        "current",
        "delivery",
        "denied",
        "detail",
        "evidence_limit",
        "evidence_offset",
        "evidence_pack_s3_key",
        "evidence_retention_days",
        "evidence_total",
        "format",
        "governance_pass",
        "held",
        "is_allowed",
        "items",
        "last_four",
        "limit",
        "loc",
        "monthly_governed_runs",
        "msg",
        "name",
        "network_runs",
        "network_slug",
        "offset",
        "outcome",
        "period_end",
        "period_start",
        "poll_after_s",
        "prefix",
        "price_usd_cents",
        "requires_human",
        "resource_kind",
        "result",
        "revision_of",
        "s3_key",
        "scopes",
        "sequence",
        "sha256",
        "size_bytes",
        "status",
        "total",
        "type",
        "version",
        "withheld",
    }
)
"""
Body keys shown in debug logs; so are ``id`` and keys ending ``_id``, ``_at`` or ``_hash``.

They hold ids, counts, verdicts, names, digests and storage keys: nothing that grants
access or carries what a user sent. Payloads, outputs, prompts, metadata, free-text
messages, file names and every URL (which may carry a signature) stay hidden.
"""


def mask_secret(secret: str) -> str:
    """
    Show a key as its ``vk_live_`` prefix and last four characters, never more.

    Args:
        secret: An API key or minted secret.

    Returns:
        For example ``vk_live_...f3a9``; short or unknown-format values show less.
    """
    if len(secret) < 16:
        return "..."
    prefix = "vk_live_" if secret.startswith("vk_live_") else ""
    return f"{prefix}...{secret[-4:]}"


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """
    Copy headers, replacing every value not on the allowlist.

    Args:
        headers: Header pairs, e.g. ``request.headers.multi_items()``.

    Returns:
        A new dict with lower-cased names.
    """
    return {
        name.lower(): value if name.lower() in SAFE_HEADERS else REDACTED for name, value in headers
    }


def redact_url(url: httpx.URL) -> str:
    """
    Render a URL with user info dropped and unknown query values replaced.

    Args:
        url: The URL to show.

    Returns:
        ``scheme://host[:port]/path[?query]`` safe to log.
    """
    shown = url.copy_with(username=None, password=None, query=None, fragment=None)
    if not url.query:
        return str(shown)
    params = [
        (name, value if name in SAFE_QUERY else REDACTED)
        for name, value in url.params.multi_items()
    ]
    return str(shown.copy_with(params=params))


def redact_json(value: object, *, key: str | None = None) -> object:
    """
    Copy decoded JSON, replacing the value of every key not on the allowlist.

    Ids, timestamps, counts, names, hashes and verdict fields stay readable, and so
    does every ``null`` or empty string; URLs (which may carry signatures) and secrets
    print as ``REDACTED``. What a user or model wrote (payloads, outputs, prompts,
    metadata) and any other object or array under a key not on the allowlist print
    whole as ``REDACTED (3 fields)``: the allowlist judges the API's own fields, never
    the names inside a user's data. Member names are scrubbed like values.
    Anything nested deeper than :data:`MAX_SHOWN_DEPTH` prints as ``REDACTED`` too,
    so a hostile body cannot exhaust the stack of the code that logs it.

    Args:
        value: Decoded JSON.
        key: The key ``value`` sits under, if any.

    Returns:
        The redacted copy.
    """
    return _redact(value, key, MAX_SHOWN_DEPTH)


MAX_SHOWN_DEPTH = 32
"""How many levels of a JSON body a debug log shows."""


USER_CONTENT_KEYS = frozenset(
    {"input", "metadata", "output", "output_text", "payload", "prompt", "prompt_text"}
)
"""
Members that hold what a user or a model wrote: hidden whole, whatever is inside.

Inside them a field called ``name`` or ``result`` is the user's, not the API's, so the
allowlist does not apply there. Any other object or array under a key not on the
allowlist is hidden whole as well; these are named so that the rule survives an
addition to :data:`SAFE_BODY_KEYS`.
"""


def _redact(value: object, key: str | None, depth: int) -> object:
    if isinstance(value, (dict, list)) and depth <= 0:
        return REDACTED
    if key is not None and (key in USER_CONTENT_KEYS or not _safe_body_key(key)):
        if isinstance(value, (dict, list)):
            # Only the size shows: a subtree's inner names belong to whoever wrote it.
            size = len(cast("dict[object, object] | list[object]", value))
            unit = "field" if isinstance(value, dict) else "item"
            return f"{REDACTED} ({size} {unit}{'' if size == 1 else 's'})"
        if value is None or value == "":
            # Absent or empty hides nothing; showing it tells "null" from "redacted".
            return value
        return REDACTED
    if isinstance(value, dict):
        # A name is scrubbed like a value: a key can be a member name (``{key: 1}``).
        return {
            _scrub(str(k), 0): _redact(v, str(k), depth - 1)
            for k, v in cast("dict[object, object]", value).items()
        }
    if isinstance(value, list):
        return [_redact(item, key, depth - 1) for item in cast("list[object]", value)]
    # Here the key is on the allowlist, or there is none (a bare value or a list item).
    # A shown string is still scrubbed: a key pasted into a name stays masked.
    return _scrub(value, 0) if isinstance(value, str) else value


def redact_body(content: bytes, content_type: str | None, *, limit: int = 2000) -> str:
    """
    Render a JSON body for a debug log, redacted; other bodies only by their size.

    Args:
        content: The raw body.
        content_type: Its ``Content-Type``.
        limit: The most characters to show.

    Returns:
        The redacted text, cut at ``limit``.
    """
    if not content:
        return "<empty>"
    if content_type is None or "json" not in content_type:
        return f"<{len(content)} bytes of {content_type or 'unknown type'}>"
    try:
        decoded: object = json.loads(content)
    except (ValueError, RecursionError):
        return f"<{len(content)} bytes of invalid JSON>"
    text = json.dumps(redact_json(decoded), ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + "..."


def _safe_body_key(key: str) -> bool:
    return key in SAFE_BODY_KEYS or key == "id" or key.endswith(("_id", "_ids", "_at", "_hash"))


SECRET_KEYS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "authorization",
        "client_secret",
        "password",
        "refresh_token",
        "secret",
        "token",
    }
)
"""JSON members whose value is a credential wherever they appear (a minted key's ``secret``)."""


_KEY_TEXT = r"vk_(?:live|test)_[A-Za-z0-9_\-]{4,}"


_MEMBER_TEXT = r'("(?:' + "|".join(sorted(SECRET_KEYS)) + r')"\s*:\s*")((?:[^"\\]|\\.)*)(")'


_LINK_TEXT = r"(https?://[^\s\"'?#]+\?)[^\s\"'#]*"


# A presigned link's signing parameters, also when quoted without the link around them.
_SIGNED_TEXT = (
    r"((?<![\w-])(?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature"
    r"|x-goog-credential|signature|sig)=)[^&\s\"'<>#;]+"
)


_Patterns = tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]


_BytesPatterns = tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]


@functools.cache
def _text_patterns() -> _Patterns:
    """The key, member, link and signature patterns, compiled on first use: errors are rare."""
    return (
        re.compile(_KEY_TEXT),
        re.compile(_MEMBER_TEXT, re.I),
        re.compile(_LINK_TEXT),
        re.compile(_SIGNED_TEXT, re.I),
    )


@functools.cache
def _bytes_patterns() -> _BytesPatterns:
    """:func:`_text_patterns` for bytes."""
    key, member, link, signed = (
        text.encode() for text in (_KEY_TEXT, _MEMBER_TEXT, _LINK_TEXT, _SIGNED_TEXT)
    )
    return (re.compile(key), re.compile(member, re.I), re.compile(link), re.compile(signed, re.I))


@overload
def scrub_secrets(value: str) -> str: ...


@overload
def scrub_secrets(value: bytes) -> bytes: ...


@overload
def scrub_secrets(value: object) -> object: ...


def scrub_secrets(value: object) -> object:
    """
    Copy a value an error keeps, with every credential in it masked.

    An error outlives its call: it is logged, pickled to another process, stored as a
    task result. So what it keeps of a body carries no key: ``vk_live_...`` tokens are
    masked as :func:`mask_secret` does, the values of members such as ``secret`` or
    ``token`` print as ``REDACTED``, and links lose their query (presigned signatures).

    Args:
        value: A body (``bytes``, ``str`` or decoded JSON), a message, or anything else,
            which is returned as is.

    Returns:
        The scrubbed copy; the value itself when there was nothing to scrub.
    """
    return _scrub(value, MAX_SHOWN_DEPTH)


def _scrub(value: object, depth: int) -> object:
    if isinstance(value, str):
        key, member, link, signed = _text_patterns()
        if "://" in value:
            value = link.sub(r"\1REDACTED", value)
        if "=" in value:
            value = signed.sub(r"\1REDACTED", value)
        if '"' in value:
            value = member.sub(rf"\1{REDACTED}\3", value)
        if "vk_" in value:
            value = key.sub(lambda found: mask_secret(found.group()), value)
        return value
    if isinstance(value, bytes):
        key_b, member_b, link_b, signed_b = _bytes_patterns()
        if b"://" in value:
            value = link_b.sub(rb"\1REDACTED", value)
        if b"=" in value:
            value = signed_b.sub(rb"\1REDACTED", value)
        if b'"' in value:
            value = member_b.sub(rb"\1REDACTED\3", value)
        if b"vk_" in value:
            value = key_b.sub(lambda found: mask_secret(found.group().decode()).encode(), value)
        return value
    if isinstance(value, (dict, list, tuple)) and depth <= 0:
        return REDACTED
    if isinstance(value, dict):
        # Names are scrubbed too: a payload echoed back may use a key as a member name.
        return {
            _scrub(key, 0): REDACTED
            if isinstance(key, str) and key.lower() in SECRET_KEYS
            else _scrub(item, depth - 1)
            for key, item in cast("dict[object, object]", value).items()
        }
    if isinstance(value, list):
        return [_scrub(item, depth - 1) for item in cast("list[object]", value)]
    if isinstance(value, tuple):
        return tuple(_scrub(item, depth - 1) for item in cast("tuple[object, ...]", value))
    return value


class _Unset:
    """The value shown for an attribute a half-built object does not have yet."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


UNSET: Final = _Unset()


def attribute(obj: object, name: str) -> object:
    """
    Read an attribute for a repr, or :data:`UNSET` when the object lacks it.

    Args:
        obj: Any object, perhaps half-built.
        name: The attribute.

    Returns:
        Its value, or :data:`UNSET`.
    """
    return getattr(obj, name, UNSET)


def masked_key(value: object) -> object:
    """
    Show an API key as its prefix and last four characters; anything else as it is.

    Args:
        value: A key, or :data:`UNSET`.

    Returns:
        The masked key, or ``value`` unchanged when it is not a ``str``.
    """
    return mask_secret(value) if isinstance(value, str) else value


def shown_link(value: object) -> object:
    """
    Drop the query of a link (presigned signatures live there); anything else as it is.

    Args:
        value: Any value.

    Returns:
        ``https://host/path?REDACTED`` for a link with a query, else ``value``.
    """
    if isinstance(value, str) and value.startswith(("https://", "http://")) and "?" in value:
        return value.split("?", 1)[0] + "?REDACTED"
    return value


def fields_repr(self: object) -> str:
    """
    The repr of a dataclass, as the generated one but safe on a half-built object.

    Fields declared with ``repr=False`` are left out, as by the generated repr; links
    print without their query.

    Args:
        self: A dataclass instance.

    Returns:
        ``Name(field=value, ...)``, with ``<unset>`` for fields not set yet.
    """
    shown = ", ".join(
        f"{field.name}={shown_link(attribute(self, field.name))!r}"
        for field in dataclasses.fields(cast("DataclassInstance", self))
        if field.repr
    )
    return f"{type(self).__qualname__}({shown})"
