"""
The typed Python client for the Velerian governed-run and evidence API.

Import everything from here; modules whose names start with ``_`` are private.

Example:
    .. code-block:: python

        from velerian_sdk import VelerianClient

        with VelerianClient() as client:  # VELERIAN_API_KEY from the environment
            result = client.invoke_abp(abp_id, payload={"prompt": "Summarize."})
            print(result.outcome, result.is_allowed)
"""

from ._client_async import AsyncVelerianClient
from ._client_sync import VelerianClient
from ._evidence_chain import ChainBreak, EvidenceVerification, chain_hash, verify_evidence
from ._exceptions import (
    VelerianAPIError,
    VelerianArgumentError,
    VelerianAuthError,
    VelerianConflictError,
    VelerianConnectionError,
    VelerianError,
    VelerianEvidenceError,
    VelerianExportExpiredError,
    VelerianForbiddenError,
    VelerianIntegrityError,
    VelerianNotFoundError,
    VelerianRateLimitError,
    VelerianResponseValidationError,
    VelerianRunTimeoutError,
    VelerianServerError,
    VelerianTimeoutError,
    VelerianValidationError,
)
from ._middleware import Backoff, Middleware, MiddlewareFlow
from ._progress import ProgressCallback, TqdmProgress
from ._retry import RetryPolicy
from ._settings import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven
from ._transfer import DownloadedFile
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "AsyncVelerianClient",
    "Backoff",
    "ChainBreak",
    "DownloadedFile",
    "EvidenceVerification",
    "Middleware",
    "MiddlewareFlow",
    "NotGiven",
    "ProgressCallback",
    "RetryPolicy",
    "TqdmProgress",
    "VelerianAPIError",
    "VelerianArgumentError",
    "VelerianAuthError",
    "VelerianClient",
    "VelerianConflictError",
    "VelerianConnectionError",
    "VelerianError",
    "VelerianEvidenceError",
    "VelerianExportExpiredError",
    "VelerianForbiddenError",
    "VelerianIntegrityError",
    "VelerianNotFoundError",
    "VelerianRateLimitError",
    "VelerianResponseValidationError",
    "VelerianRunTimeoutError",
    "VelerianServerError",
    "VelerianTimeoutError",
    "VelerianValidationError",
    "__version__",
    "chain_hash",
    "verify_evidence",
]
