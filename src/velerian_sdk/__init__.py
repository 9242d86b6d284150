"""
The typed Python client for the Velerian governed-run and evidence API.

Import everything from here; modules whose names start with ``_`` are private.

Example:
    .. code-block:: python

        from velerian_sdk import VelerianClient

        with VelerianClient() as client:  # VELERIAN_API_KEY from the environment
            result = client.abps.invoke(abp_id, payload={"prompt": "Summarize."})
            print(result.outcome, result.is_allowed)
            run = client.networks.invoke("claims-review", prompt_text="Review claim 7.")
            print(run.status, run.output_text)

The resources are namespaces of the clients (``client.abps``, ``client.runs``,
``client.evidence``...); the 0.1 methods (``client.invoke_abp`` and the rest) still
work, and ``docs/migration.md`` maps one to the other.
"""

from typing import TYPE_CHECKING

from ._client_async import AsyncVelerianClient
from ._client_sync import VelerianClient
from ._exceptions import (
    ScrubbedCause,
    VelerianAPIError,
    VelerianArgumentError,
    VelerianAuthError,
    VelerianClientClosedError,
    VelerianClientMovedError,
    VelerianConflictError,
    VelerianConnectionError,
    VelerianError,
    VelerianEvidenceError,
    VelerianExportExpiredError,
    VelerianForbiddenError,
    VelerianIntegrityError,
    VelerianNotFoundError,
    VelerianRateLimitError,
    VelerianResponseEncodingError,
    VelerianResponseTooLargeError,
    VelerianResponseValidationError,
    VelerianRunTimeoutError,
    VelerianServerError,
    VelerianTimeoutError,
    VelerianValidationError,
)
from ._json import JSONObject, JSONValue
from ._middleware import Backoff, Middleware, MiddlewareFlow
from ._retry import RetryPolicy
from ._settings import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    NotGiven,
)
from ._version import __version__

if TYPE_CHECKING:
    from ._batch import BatchItem, BatchOutcome, BatchSummary, VelerianBatchError
    from ._batch_async import AsyncBatch
    from ._batch_dask import run_batch_on_dask
    from ._batch_sync import Batch
    from ._evidence_chain import ChainBreak, EvidenceVerification, chain_hash, verify_evidence
    from ._models.abps import (
        Abp,
        AbpStatus,
        AggregatedCondition,
        ConditionResult,
        InvokeOutcome,
        InvokeResult,
    )
    from ._models.api_keys import ApiKey, ApiKeyScope, CreatedApiKey
    from ._models.approvals import Approval, ApprovalStatus
    from ._models.attachments import Attachment, AttachmentStatus
    from ._models.audit import AuditAction, AuditLogEntry
    from ._models.base import VelerianModel
    from ._models.evidence import ArtifactKind, EvidenceExport, ExportDelivery, ExportFormat
    from ._models.plans import Plan
    from ._models.runs import QueuedRun, Run, RunShare, RunStatus
    from ._models.usage import EvidencePackRow, GovernedRunCounts, UsageAdoption, UsageSummary
    from ._pagination import VelerianPaginationError
    from ._pagination_async import AsyncPage
    from ._pagination_sync import Page
    from ._progress import ProgressCallback, TqdmProgress
    from ._transfer import DownloadedFile

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "Abp",
    "AbpStatus",
    "AggregatedCondition",
    "ApiKey",
    "ApiKeyScope",
    "Approval",
    "ApprovalStatus",
    "ArtifactKind",
    "AsyncBatch",
    "AsyncPage",
    "AsyncVelerianClient",
    "Attachment",
    "AttachmentStatus",
    "AuditAction",
    "AuditLogEntry",
    "Backoff",
    "Batch",
    "BatchItem",
    "BatchOutcome",
    "BatchSummary",
    "ChainBreak",
    "ConditionResult",
    "CreatedApiKey",
    "DownloadedFile",
    "EvidenceExport",
    "EvidencePackRow",
    "EvidenceVerification",
    "ExportDelivery",
    "ExportFormat",
    "GovernedRunCounts",
    "InvokeOutcome",
    "InvokeResult",
    "JSONObject",
    "JSONValue",
    "Middleware",
    "MiddlewareFlow",
    "NotGiven",
    "Page",
    "Plan",
    "ProgressCallback",
    "QueuedRun",
    "RetryPolicy",
    "Run",
    "RunShare",
    "RunStatus",
    "ScrubbedCause",
    "TqdmProgress",
    "UsageAdoption",
    "UsageSummary",
    "VelerianAPIError",
    "VelerianArgumentError",
    "VelerianAuthError",
    "VelerianBatchError",
    "VelerianClient",
    "VelerianClientClosedError",
    "VelerianClientMovedError",
    "VelerianConflictError",
    "VelerianConnectionError",
    "VelerianError",
    "VelerianEvidenceError",
    "VelerianExportExpiredError",
    "VelerianForbiddenError",
    "VelerianIntegrityError",
    "VelerianModel",
    "VelerianNotFoundError",
    "VelerianPaginationError",
    "VelerianRateLimitError",
    "VelerianResponseEncodingError",
    "VelerianResponseTooLargeError",
    "VelerianResponseValidationError",
    "VelerianRunTimeoutError",
    "VelerianServerError",
    "VelerianTimeoutError",
    "VelerianValidationError",
    "__version__",
    "chain_hash",
    "run_batch_on_dask",
    "verify_evidence",
]

# Models and pages load on first use: building pydantic classes costs import time that
# a script using only the client should not pay. So do evidence checks and transfer
# helpers, which plain calls never need.
_LAZY: dict[str, str] = {
    "AsyncBatch": "._batch_async",
    "Batch": "._batch_sync",
    "BatchItem": "._batch",
    "BatchOutcome": "._batch",
    "BatchSummary": "._batch",
    "VelerianBatchError": "._batch",
    "run_batch_on_dask": "._batch_dask",
    "ChainBreak": "._evidence_chain",
    "EvidenceVerification": "._evidence_chain",
    "chain_hash": "._evidence_chain",
    "verify_evidence": "._evidence_chain",
    "ProgressCallback": "._progress",
    "TqdmProgress": "._progress",
    "DownloadedFile": "._transfer",
    "Abp": "._models.abps",
    "AbpStatus": "._models.abps",
    "AggregatedCondition": "._models.abps",
    "ConditionResult": "._models.abps",
    "InvokeOutcome": "._models.abps",
    "InvokeResult": "._models.abps",
    "ApiKey": "._models.api_keys",
    "ApiKeyScope": "._models.api_keys",
    "CreatedApiKey": "._models.api_keys",
    "Approval": "._models.approvals",
    "ApprovalStatus": "._models.approvals",
    "Attachment": "._models.attachments",
    "AttachmentStatus": "._models.attachments",
    "AuditAction": "._models.audit",
    "AuditLogEntry": "._models.audit",
    "VelerianModel": "._models.base",
    "ArtifactKind": "._models.evidence",
    "EvidenceExport": "._models.evidence",
    "ExportDelivery": "._models.evidence",
    "ExportFormat": "._models.evidence",
    "Plan": "._models.plans",
    "QueuedRun": "._models.runs",
    "Run": "._models.runs",
    "RunShare": "._models.runs",
    "RunStatus": "._models.runs",
    "EvidencePackRow": "._models.usage",
    "GovernedRunCounts": "._models.usage",
    "UsageAdoption": "._models.usage",
    "UsageSummary": "._models.usage",
    "VelerianPaginationError": "._pagination",
    "AsyncPage": "._pagination_async",
    "Page": "._pagination_sync",
}

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            msg = f"module {__name__!r} has no attribute {name!r}"
            raise AttributeError(msg)
        import importlib

        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(_LAZY))
