"""
Page parsing: validating a 1,000-item audit page into models, against ``json.loads``.

Every contender parses the very same bytes. The SDK's contender is the step a list call
runs on a page body (validation straight from bytes into a typed page); ``json.loads``
is the floor that an unvalidated client pays anyway.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable

import httpx
import pydantic

from velerian_sdk import AuditLogEntry
from velerian_sdk._core.requests import BaseClient
from velerian_sdk._models.pages import page_envelope

from .measure import RatioSummary, paired_rounds
from .payloads import audit_items, audit_page
from .report import Table, verdict
from .sizes import Size

__all__ = ["TARGET", "page_parsing_table"]

TARGET = 1.6
BASIS = "json.loads"


class _LeanEntry(pydantic.BaseModel):
    """The same entry with plain types: what the SDK's model choices cost, by difference."""

    id: str
    created_at: str
    action: str
    actor_user_id: str | None = None
    actor_api_key_id: str | None = None
    resource_kind: str
    resource_id: str
    metadata: dict[str, object]
    request_id: str | None = None


def page_parsing_table(size: Size) -> Table:
    """
    Time each way of parsing one page, interleaved, and tabulate cost per item.

    Args:
        size: Items per page, page parses per round, rounds.

    Returns:
        The table.
    """
    count = size.page_items
    body = audit_page(audit_items(count), limit=count, offset=0, total=count)
    response = httpx.Response(200, content=body, request=httpx.Request("GET", "http://x/"))
    items_only = b"[" + b",".join(audit_items(count)) + b"]"
    entries = pydantic.TypeAdapter(list[AuditLogEntry])
    lean = pydantic.TypeAdapter(list[_LeanEntry])
    parse = BaseClient.parse  # the list call's step
    envelope = page_envelope(AuditLogEntry)
    ways: dict[str, Callable[[], object]] = {
        BASIS: lambda: json.loads(body),
        "velerian-sdk: page body -> typed page": lambda: parse(response, envelope),
        "TypeAdapter(list[AuditLogEntry]).validate_json": lambda: entries.validate_json(items_only),
        "plain-typed model (str dates, no Literal)": lambda: lean.validate_json(items_only),
        "json.loads + model_validate per item": lambda: [
            AuditLogEntry.model_validate(item) for item in json.loads(body)["items"]
        ],
    }
    for way in ways.values():
        way()  # build validators before timing
    table = Table(
        f"Parsing one {count:,}-item audit page ({len(body) / 1024:.0f} KiB)",
        ["parser", "us per item", "ratio to json.loads", "target"],
    )
    basis = ways.pop(BASIS)
    basis_seconds: list[float] = []
    rows: list[tuple[str, RatioSummary]] = []
    for name, way in ways.items():
        # Each parser against json.loads alone, so neither follows a third party's work
        # more often than the other (see paired_rounds).
        results = paired_rounds(
            (BASIS, name), (basis, way), rounds=size.rounds, batch=size.parse_batch
        )
        basis_seconds.extend(results.seconds[BASIS])
        rows.append((name, results.summary(name, BASIS)))
    basis_us = statistics.median(basis_seconds) / size.parse_batch * 1e6
    table.add(BASIS, f"{basis_us / count:.2f}", "1.00x", "")
    for name, summary in rows:
        sdk_row = name.startswith("velerian-sdk")
        table.add(
            name,
            f"{summary.per_op_us / count:.2f}",
            summary.ratio_text(),
            f"<= {TARGET}x: {verdict(summary.median, TARGET)}" if sdk_row else "",
        )
    table.notes.append(
        f"Each parser is paired with `json.loads` alone: {size.rounds} rounds of "
        f"{size.parse_batch} parses each, the two alternating parse by parse, each parse "
        "timed; ratio = median of per-round ratios (min-max in brackets)."
    )
    return table
