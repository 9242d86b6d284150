"""
The web app's run page, the target of a run's ``run_url`` permalink.

The real ``run_url`` opens the run in the browser app, behind its sign-in. The stub
serves a small HTML page there so the link resolves: it needs no API key and shows no
run data (as the app's page before sign-in), only the run's id and where its data is
read through the API. It is not part of the API contract.
"""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from velerian_stub.service.runs import RUN_PAGE_PREFIX

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Run {run_id} - Velerian</title></head>
<body>
<h1>Run {run_id}</h1>
<p>Sign in to the Velerian app to see this run. Through the API, read it at
<code>GET /api/v2/pack-runs/{run_id}</code>.</p>
</body>
</html>
"""


@router.get(RUN_PAGE_PREFIX + "{run_id}", response_class=HTMLResponse)
def run_page_route(run_id: str) -> HTMLResponse:
    """Serve the run's permalink page: its id only, no key needed."""
    return HTMLResponse(_PAGE.format(run_id=html.escape(run_id)))
