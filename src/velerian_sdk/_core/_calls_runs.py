"""The requests of ``client.runs``, built and checked without I/O."""

from __future__ import annotations

from .calls import ApiCall, check_count, optional_text, page_params, path_segment, required_text

__all__ = ["list_runs", "retrieve_run", "revise_run", "share_run"]


def list_runs(*, status: object, network_slug: object, limit: int, offset: int) -> ApiCall:
    """Build ``GET /api/v2/pack-runs``."""
    return ApiCall(
        "GET",
        "pack-runs",
        params={
            "status": optional_text("status", status),
            "network_slug": optional_text("network_slug", network_slug),
            **page_params(limit, offset),
        },
    )


def retrieve_run(run_id: object) -> ApiCall:
    """Build ``GET /api/v2/pack-runs/{run_id}``."""
    return ApiCall("GET", f"pack-runs/{path_segment('run_id', run_id)}")


def revise_run(run_id: object, *, instructions: object, idempotency_key: str | None) -> ApiCall:
    """Build ``POST /api/v2/pack-runs/{run_id}/revise``."""
    return ApiCall(
        "POST",
        f"pack-runs/{path_segment('run_id', run_id)}/revise",
        json={"instructions": required_text("instructions", instructions)},
        idempotency_key=idempotency_key,
    )


def share_run(run_id: object, *, expires_in_s: int | None, idempotency_key: str | None) -> ApiCall:
    """Build ``POST /api/v2/pack-runs/{run_id}/share``; no body without ``expires_in_s``."""
    body = None
    if expires_in_s is not None:
        body = {"expires_in_s": check_count("expires_in_s", expires_in_s, minimum=1)}
    return ApiCall(
        "POST",
        f"pack-runs/{path_segment('run_id', run_id)}/share",
        json=body,
        idempotency_key=idempotency_key,
    )
