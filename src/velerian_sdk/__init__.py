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
``client.evidence``...), of the types exported here (:class:`Abps`, :class:`AsyncAbps`...)
for annotating your own code; the 0.1 methods (``client.invoke_abp`` and the rest) still
work, and ``docs/migration.md`` maps one to the other.
"""

from typing import TYPE_CHECKING

from ._async.client import AsyncVelerianClient
from ._core.calls import JSONObject, JSONValue
from ._core.chain import Backoff, Middleware, MiddlewareFlow
from ._core.errors import (
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
from ._core.raw import RawResponse, araw_response, raw_response
from ._core.requests import ResponseInfo
from ._core.retry import RetryPolicy
from ._core.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    NotGiven,
)
from ._sync.client import VelerianClient
from ._version import __version__

if TYPE_CHECKING:
    from ._async.abps import AsyncAbps
    from ._async.api_keys import AsyncApiKeys
    from ._async.approvals import AsyncApprovals
    from ._async.attachments import AsyncAttachments
    from ._async.audit import AsyncAudit
    from ._async.batch import AsyncBatch
    from ._async.evidence import AsyncEvidence
    from ._async.networks import AsyncNetworks
    from ._async.pages import AsyncPage
    from ._async.plans import AsyncPlans
    from ._async.runs import AsyncRuns
    from ._async.transport import default_async_http_client
    from ._async.usage import AsyncUsage
    from ._core.batch import BatchItem, BatchOutcome, BatchSummary, VelerianBatchError
    from ._core.evidence_chain import ChainBreak, EvidenceVerification, chain_hash, verify_evidence
    from ._core.pagination import VelerianPaginationError
    from ._core.progress import ProgressCallback, TqdmProgress
    from ._core.tracing import TracingMiddleware
    from ._core.transfers import DownloadedFile
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
    from ._sync.abps import Abps
    from ._sync.api_keys import ApiKeys
    from ._sync.approvals import Approvals
    from ._sync.attachments import Attachments
    from ._sync.audit import Audit
    from ._sync.batch import Batch
    from ._sync.batch_dask import run_batch_on_dask
    from ._sync.evidence import Evidence
    from ._sync.networks import Networks
    from ._sync.pages import Page
    from ._sync.plans import Plans
    from ._sync.runs import Runs
    from ._sync.transport import default_http_client
    from ._sync.usage import Usage

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "Abp",
    "AbpStatus",
    "Abps",
    "AggregatedCondition",
    "ApiKey",
    "ApiKeyScope",
    "ApiKeys",
    "Approval",
    "ApprovalStatus",
    "Approvals",
    "ArtifactKind",
    "AsyncAbps",
    "AsyncApiKeys",
    "AsyncApprovals",
    "AsyncAttachments",
    "AsyncAudit",
    "AsyncBatch",
    "AsyncEvidence",
    "AsyncNetworks",
    "AsyncPage",
    "AsyncPlans",
    "AsyncRuns",
    "AsyncUsage",
    "AsyncVelerianClient",
    "Attachment",
    "AttachmentStatus",
    "Attachments",
    "Audit",
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
    "Evidence",
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
    "Networks",
    "NotGiven",
    "Page",
    "Plan",
    "Plans",
    "ProgressCallback",
    "QueuedRun",
    "RawResponse",
    "ResponseInfo",
    "RetryPolicy",
    "Run",
    "RunShare",
    "RunStatus",
    "Runs",
    "ScrubbedCause",
    "TqdmProgress",
    "TracingMiddleware",
    "Usage",
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
    "araw_response",
    "chain_hash",
    "default_async_http_client",
    "default_http_client",
    "raw_response",
    "run_batch_on_dask",
    "verify_evidence",
]

# Models and pages load on first use: building pydantic classes costs import time that
# a script using only the client should not pay. So do evidence checks, transfer
# helpers and the namespace types (a client imports each on its first use).
_LAZY: dict[str, str] = {
    "ChainBreak": "._core.evidence_chain",
    "EvidenceVerification": "._core.evidence_chain",
    "chain_hash": "._core.evidence_chain",
    "verify_evidence": "._core.evidence_chain",
    "ProgressCallback": "._core.progress",
    "TqdmProgress": "._core.progress",
    "TracingMiddleware": "._core.tracing",
    "DownloadedFile": "._core.transfers",
    "AsyncBatch": "._async.batch",
    "Batch": "._sync.batch",
    "BatchItem": "._core.batch",
    "BatchOutcome": "._core.batch",
    "BatchSummary": "._core.batch",
    "VelerianBatchError": "._core.batch",
    "run_batch_on_dask": "._sync.batch_dask",
    "default_http_client": "._sync.transport",
    "default_async_http_client": "._async.transport",
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
    "VelerianPaginationError": "._core.pagination",
    "AsyncPage": "._async.pages",
    "Page": "._sync.pages",
    "Abps": "._sync.abps",
    "AsyncAbps": "._async.abps",
    "ApiKeys": "._sync.api_keys",
    "AsyncApiKeys": "._async.api_keys",
    "Approvals": "._sync.approvals",
    "AsyncApprovals": "._async.approvals",
    "Attachments": "._sync.attachments",
    "AsyncAttachments": "._async.attachments",
    "Audit": "._sync.audit",
    "AsyncAudit": "._async.audit",
    "Evidence": "._sync.evidence",
    "AsyncEvidence": "._async.evidence",
    "Networks": "._sync.networks",
    "AsyncNetworks": "._async.networks",
    "Plans": "._sync.plans",
    "AsyncPlans": "._async.plans",
    "Runs": "._sync.runs",
    "AsyncRuns": "._async.runs",
    "Usage": "._sync.usage",
    "AsyncUsage": "._async.usage",
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
