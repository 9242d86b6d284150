"""The 0.1 result shapes that the compatibility methods rebuild from typed models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.calls import JSONObject

if TYPE_CHECKING:
    from .runs import QueuedRun, Run

__all__ = ["network_result"]


def network_result(slug: str, queued: QueuedRun, run: Run) -> JSONObject:
    """
    Present a finished run in the shape ``invoke_network`` returned in 0.1.

    The run row plus ``slug``, ``run_id``, ``prompt_id`` (a deprecated alias of
    ``run_id``), ``run_url`` and ``model_id_used`` (the row's ``model_id``).

    Args:
        slug: The network invoked.
        queued: The ``202`` answer that queued the run.
        run: The finished run.

    Returns:
        A new ``dict``.
    """
    row = run.raw
    return {
        **row,
        "slug": slug,
        "run_id": queued.run_id,
        "prompt_id": queued.run_id,
        "run_url": queued.run_url,
        "model_id_used": row.get("model_id"),
    }
