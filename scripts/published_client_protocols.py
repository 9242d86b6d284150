"""
The surface of the published ``velerian-sdk==0.1.2`` that the calls use, as protocols.

The type checkers resolve ``velerian_sdk`` to this repository's package, so the calls in
``published_client_calls.py`` are typed against these protocols instead, restated from
0.1.2's ``client.py``, ``models.py`` and ``errors.py``. :func:`protocol_mismatches`
checks them against the installed 0.1.2 at run time, so they cannot drift from it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Protocol

from published_client_shapes import public_methods

__all__ = [
    "APIErrorShape",
    "Client01",
    "ExportShape",
    "InvokeResultShape",
    "PageShape",
    "RateLimitShape",
    "ResponseShape",
    "Row",
    "RunTimeoutShape",
    "UsageShape",
    "protocol_mismatches",
]

Row = dict[str, object]


class InvokeResultShape(Protocol):
    """0.1.2 ``InvokeResult``: the verdict of an ABP invoke."""

    invocation_id: str
    outcome: str
    is_allowed: bool
    requires_human: bool
    withheld: bool
    constraint_count: int
    aggregated_conditions: list[object]
    output: Row | None
    approval_id: str | None
    evidence_pack_id: str | None
    evidence_pack_chain_hash: str | None
    raw: Row


class ExportShape(Protocol):
    """0.1.2 ``EvidenceExport``: where to download an export."""

    export_id: str
    artifact_kind: str
    format: str
    s3_key: str
    download_url: str
    expires_at: str
    delivery: str
    raw: Row


class UsageShape(Protocol):
    """0.1.2 ``UsageSummary``."""

    tenant_id: str
    as_of: str
    governed_runs: Row
    evidence_packs: object
    raw: Row


class PageShape(Protocol):
    """0.1.2 ``Page`` of plain ``dict`` rows."""

    items: list[Row]
    limit: int
    offset: int
    total: int | None
    raw: Row

    def __len__(self) -> int: ...


class ResponseShape(Protocol):
    """The ``httpx.Response`` the escape hatch returns."""

    status_code: int

    def json(self) -> Row:
        """The body, parsed."""
        ...


class APIErrorShape(Protocol):
    """0.1.2 ``VelerianAPIError``."""

    status_code: int
    detail: str | None
    body: object


class RateLimitShape(APIErrorShape, Protocol):
    """0.1.2 ``VelerianRateLimitError``."""

    retry_after: float | None


class RunTimeoutShape(Protocol):
    """0.1.2 ``VelerianRunTimeoutError``."""

    run_id: str
    status: str | None
    waited_s: float


class Client01(Protocol):
    """0.1.2 ``VelerianClient``: every public method, with the arguments the calls use."""

    def __enter__(self) -> Client01: ...
    def __exit__(self, *exc: object) -> None: ...

    def close(self) -> None:
        """Close the connections."""

    def request(
        self, method: str, path: str, *, params: Row | None = None, json: object = None
    ) -> ResponseShape:
        """Any request: auth, error mapping and retries; the raw response."""
        ...

    def get(self, path: str, *, params: Row | None = None) -> ResponseShape:
        """A ``GET`` through :meth:`request`."""
        ...

    def post(self, path: str, *, json: object = None) -> ResponseShape:
        """A ``POST`` through :meth:`request`."""
        ...

    def delete(self, path: str) -> ResponseShape:
        """A ``DELETE`` through :meth:`request`."""
        ...

    def invoke_abp(self, abp_id: str, *, payload: Row) -> InvokeResultShape:
        """``POST /api/v2/abps/{abp_id}/invoke``."""
        ...

    def invoke_network(
        self,
        slug: str,
        *,
        prompt_text: str,
        metadata: Row | None = None,
        attachment_ids: list[str] | None = None,
        wait: bool = True,
        poll_interval: float = 3.0,
        run_timeout: float = 900.0,
    ) -> Row:
        """Queue a network run; unless ``wait=False``, wait for it (a 0.1 ``dict``)."""
        ...

    def await_run(
        self, run_id: str, *, poll_interval: float = 3.0, run_timeout: float = 900.0
    ) -> Row:
        """Poll ``GET /api/v2/pack-runs/{run_id}`` until terminal; the row."""
        ...

    def invocation_evidence(
        self, abp_id: str, invocation_id: str, *, format: str | None = None
    ) -> ExportShape:
        """One invocation's evidence export."""
        ...

    def evidence_package(
        self, abp_id: str, *, since: str, format: str | None = None
    ) -> ExportShape:
        """An ABP's evidence package since an instant."""
        ...

    def usage_summary(self) -> UsageShape:
        """``GET /api/v2/usage/summary``."""
        ...

    def list_audit_log(
        self,
        *,
        action: str | None = None,
        resource_kind: str | None = None,
        resource_id: str | None = None,
        actor_user_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> PageShape:
        """One page of audit rows."""
        ...

    def iter_audit_log(self, *, action: str | None = None, page_size: int = 100) -> Iterator[Row]:
        """Every audit row, page after page."""
        ...

    def iter_paginated(
        self,
        path: str,
        *,
        params: Row | None = None,
        page_size: int = 100,
        limit_param: str = "limit",
        offset_param: str = "offset",
        items_key: str = "items",
    ) -> Iterator[Row]:
        """Every row of any offset-paged route, with the parameter names given."""
        ...


def protocol_mismatches(protocol: type, cls: type) -> list[str]:
    """
    Where ``protocol``'s methods are not what ``cls`` really takes.

    Every parameter the protocol declares must exist in the real method with the same
    kind and, where it states one, the same default (or be a keyword the real method
    takes through ``**kwargs``), and every parameter the real method requires must be
    declared, so that the protocol the calls are checked against cannot drift from the
    published code.

    Args:
        protocol: :class:`Client01`.
        cls: The published client class, before :func:`record_calls` wraps it.

    Returns:
        One sentence per mismatch.
    """
    found: list[str] = []
    for name in public_methods(protocol):
        if not hasattr(cls, name):
            found.append(f"{name}: not a method of {cls.__name__}")
            continue
        real = inspect.signature(getattr(cls, name)).parameters
        takes_any_keyword = any(p.kind is p.VAR_KEYWORD for p in real.values())
        declared_names = inspect.signature(getattr(protocol, name)).parameters
        variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        for needed in real.values():
            required = needed.default is needed.empty and needed.kind not in variadic
            if required and needed.name not in declared_names:
                found.append(f"{name}({needed.name}): required, not declared")
        for declared in declared_names.values():
            actual = real.get(declared.name)
            if actual is None:
                if not (takes_any_keyword and declared.kind is declared.KEYWORD_ONLY):
                    found.append(f"{name}({declared.name}): no such parameter")
            elif actual.kind is not declared.kind or (
                declared.default is not declared.empty and actual.default != declared.default
            ):
                found.append(f"{name}({declared.name}): declared {declared}, is {actual}")
    return found
