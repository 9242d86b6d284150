"""Models of network runs (pack runs): queued, polled, revised and shared."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, JsonValue

from velerian_stub.schemas.common import JSON_INTEGER, ApiModel, Page, Timestamp

__all__ = [
    "NetworkInvokeRequest",
    "NetworkRunResult",
    "QueuedRun",
    "ReviseRequest",
    "Run",
    "RunPage",
    "RunShare",
    "RunStatus",
    "ShareRequest",
]

RunStatus = Literal["queued", "running", "succeeded", "failed", "blocked"]


class NetworkInvokeRequest(ApiModel):
    """The body of a network invocation."""

    prompt_text: str = Field(min_length=1)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    attachment_ids: list[str] = Field(default_factory=list)


class QueuedRun(ApiModel):
    """
    The ``202`` answer of an asynchronous network invocation.

    ``run_url`` is the run's browser permalink on the app's origin (``/app/runs/<id>``),
    not an API route; poll ``GET /api/v2/pack-runs/{run_id}``.
    """

    CONTRACT_REQUIRED = frozenset({"run_id"})

    run_id: str
    run_url: str
    status: Literal["queued"]


class NetworkRunResult(ApiModel):
    """The answer of a synchronous network invocation (the 0.1 shape)."""

    slug: str
    run_id: str
    run_url: str
    prompt_id: str
    output_text: str | None
    model_id_used: str
    governance_pass: bool
    governance_reasons: list[str]
    evidence_download_url: str | None


class Run(ApiModel):
    """
    A network run. ``succeeded``, ``failed`` and ``blocked`` are terminal.

    ``poll_after_s`` is the server's hint for when to poll next; null once terminal.
    The row carries no ``run_url``: the browser permalink comes with the queued answer.
    """

    CONTRACT_REQUIRED = frozenset({"id", "status"})

    id: str
    status: RunStatus
    network_slug: str
    prompt_text: str
    metadata: dict[str, JsonValue]
    attachment_ids: list[str]
    output_text: str | None
    governance_pass: bool | None
    governance_reasons: list[str]
    model_id: str | None
    error: str | None
    evidence_download_url: str | None
    evidence_pack_id: str | None
    revision_of: str | None
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
    poll_after_s: float | None


class RunPage(Page[Run]):
    """A page of runs, oldest first."""


class ReviseRequest(ApiModel):
    """The body of a revision: instructions appended to the original prompt."""

    instructions: str = Field(min_length=1)


class ShareRequest(ApiModel):
    """The optional body of a share; the link lives one day unless told otherwise."""

    expires_in_s: Annotated[int, Field(ge=60, le=30 * 24 * 3600), JSON_INTEGER] | None = None


class RunShare(ApiModel):
    """A read-only link to a run that needs no API key."""

    CONTRACT_REQUIRED = frozenset({"share_url"})

    run_id: str
    share_url: str
    expires_at: Timestamp
