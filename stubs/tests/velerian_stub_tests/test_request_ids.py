"""x-request-id on every response, even on an unplanned 500."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from velerian_stub.http.request_ids import RequestIdMiddleware

from .support import Api

REQUEST_ID = re.compile(r"^req_[0-9a-f]{24}$")


def test_every_kind_of_response_has_a_request_id(api: Api) -> None:
    responses = [
        api.get("/api/v2/abps"),
        api.http.get("/api/v2/abps"),
        api.http.get("/nowhere"),
        api.get("/api/v2/abps", params={"limit": 0}),
        api.get("/api/v2/abps/abp_missing"),
        api.post(f"/api/v2/abps/{api.draft_abp_id}/invoke", {"payload": {}}),
        httpx.get(f"{api.stub.base_url}/_storage/exports/exp_x?expires=1&sig=00"),
        httpx.put(f"{api.stub.base_url}/_storage/uploads/att_x", content=b"x"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 404, 422, 404, 409, 403, 403]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(REQUEST_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)


async def explode(request: Request) -> Response:
    raise RuntimeError("boom")


@pytest.mark.anyio
async def test_unhandled_errors_become_500_with_a_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Installed as the stub app installs it: user middleware, inside Starlette's own
    # error handler, which therefore never sees the exception.
    app = Starlette(routes=[Route("/boom", explode)], middleware=[Middleware(RequestIdMiddleware)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://stub") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert REQUEST_ID.match(response.headers["x-request-id"])
    assert "boom" in caplog.text
