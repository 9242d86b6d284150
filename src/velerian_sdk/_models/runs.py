"""Models of network runs (pack runs): queued, polled, revised and shared."""

from __future__ import annotations

from typing import Literal, TypeAlias

from pydantic import Field

from .._core.calls import JSONObject
from .base import Timestamp, VelerianModel

__all__ = ["TERMINAL_RUN_STATUSES", "QueuedRun", "Run", "RunShare", "RunStatus"]

RunStatus: TypeAlias = Literal["queued", "running", "succeeded", "failed", "blocked"] | str
"""
A run's state. ``succeeded``, ``failed`` and ``blocked`` are terminal; ``blocked`` is
a finished governance verdict, not an error. A state added by a newer server still
parses (and is treated as not yet finished).

.. versionadded:: 0.2.0
"""

TERMINAL_RUN_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "blocked"})
"""The statuses after which a run never changes."""


class Run(VelerianModel):
    """
    A network run (``GET /api/v2/pack-runs/{run_id}``).

    Only ``id`` and ``status`` are always present; every other field is ``None`` (or an
    empty collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    id: str
    """The run's id (``run_...``); enough to collect it later, from any process."""
    status: RunStatus
    """``queued``, ``running``, ``succeeded``, ``failed`` or ``blocked``."""
    network_slug: str | None = None
    """The network that runs it."""
    prompt_text: str | None = None
    """The prompt it was given."""
    metadata: JSONObject = Field(default_factory=dict)
    """The caller's metadata."""
    attachment_ids: list[str] = Field(default_factory=list)
    """The attachments it runs against."""
    output_text: str | None = None
    """The output; ``None`` until ``succeeded``."""
    governance_pass: bool | None = None
    """The governance verdict; ``None`` until terminal."""
    governance_reasons: list[str] = Field(default_factory=list)
    """Why governance decided as it did."""
    model_id: str | None = None
    """The model used; ``None`` until running."""
    error: str | None = None
    """What went wrong, for a ``failed`` run."""
    evidence_download_url: str | None = None
    """The evidence link; ``None`` until terminal."""
    evidence_pack_id: str | None = None
    """The evidence pack; ``None`` until terminal."""
    revision_of: str | None = None
    """The run this one revises, if any."""
    created_at: Timestamp | None = None
    """When it was queued."""
    started_at: Timestamp | None = None
    """When it started running."""
    finished_at: Timestamp | None = None
    """When it finished."""
    poll_after_s: float | None = None
    """The server's hint for when to poll next; ``None`` once terminal."""

    @property
    def is_terminal(self) -> bool:
        """Whether the run has finished: ``succeeded``, ``failed`` or ``blocked``."""
        return self.status in TERMINAL_RUN_STATUSES


class QueuedRun(VelerianModel):
    """
    The answer to queueing a network run (``202`` of the network invoke).

    Only ``run_id`` is always present: ``run_url`` is ``None`` when the API leaves it
    out, and ``status`` reads ``queued``. The permalink comes only here: the run row
    (:class:`Run`) carries none.

    .. versionadded:: 0.2.0
    """

    run_id: str
    """The run's id: keep it, the run is billed whether you wait or not."""
    run_url: str | None = None
    """
    The run's browser permalink (its page in the web app, on the app's origin).

    Not an API route.
    """
    status: RunStatus = "queued"
    """``queued``."""


class RunShare(VelerianModel):
    """
    A read-only link to a run that needs no API key.

    Anyone with ``share_url`` can read the run until ``expires_at``: treat it as a
    secret. The repr hides its query string.

    Only ``share_url`` is always present; every other field is ``None`` (or an empty
    collection) when the API leaves it out.

    .. versionadded:: 0.2.0
    """

    share_url: str
    """The link."""
    run_id: str | None = None
    """The shared run."""
    expires_at: Timestamp | None = None
    """When the link stops working."""
