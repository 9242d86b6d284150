"""The requests of ``client.evidence``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, optional_text, path_segment, timestamp
from .errors import VelerianArgumentError

__all__ = ["evidence_package", "invocation_evidence"]


def invocation_evidence(
    abp_id: object, invocation_id: object, *, format: object, delivery: object
) -> ApiCall:
    """Build ``GET /api/v2/abps/{abp_id}/invocations/{invocation_id}/evidence``."""
    path = (
        f"abps/{path_segment('abp_id', abp_id)}"
        f"/invocations/{path_segment('invocation_id', invocation_id)}/evidence"
    )
    return ApiCall("GET", path, params=_export_params(format, delivery))


def evidence_package(abp_id: object, *, since: object, format: object, delivery: object) -> ApiCall:
    """Build ``GET /api/v2/abps/{abp_id}/evidence-package``; ``since`` is required."""
    since_text = timestamp("since", since)
    if since_text is None:
        msg = "since is required: the package holds the ABP's evidence at or after it"
        raise VelerianArgumentError(msg)
    return ApiCall(
        "GET",
        f"abps/{path_segment('abp_id', abp_id)}/evidence-package",
        params={"since": since_text, **_export_params(format, delivery)},
    )


def _export_params(format: object, delivery: object) -> dict[str, str | None]:
    return {
        "format": optional_text("format", format),
        "delivery": optional_text("delivery", delivery),
    }
