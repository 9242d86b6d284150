"""Evidence exports: presigned and stream delivery, signatures, expiry, formats, since."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from .support import Api, ManualClock

SINCE_EVER = "2000-01-01T00:00:00Z"


def package(api: Api, **params: str) -> dict[str, Any]:
    response = api.get(
        f"/api/v2/abps/{api.abp_id}/evidence-package", params={"since": SINCE_EVER, **params}
    )
    assert response.status_code == 200, response.text
    export: dict[str, Any] = response.json()
    return export


def test_presigned_export_is_served_without_a_key(api: Api) -> None:
    api.invoke({"q": 1})
    export = package(api)
    assert export["delivery"] == "presigned"
    assert export["artifact_kind"] == "evidence_package"
    assert export["format"] == "json"
    assert export["export_id"].startswith("exp_")
    assert export["s3_key"].endswith(f"{export['export_id']}.json")
    url = export["download_url"]
    assert url.startswith(f"{api.stub.base_url}/_storage/exports/{export['export_id']}?expires=")
    assert "&sig=" in url
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].endswith(f'{export["export_id"]}.json"')
    assert int(response.headers["content-length"]) == export["size_bytes"] == len(response.content)
    assert hashlib.sha256(response.content).hexdigest() == export["sha256"]
    assert response.headers["x-request-id"].startswith("req_")


def test_storage_rejects_an_authorization_header(api: Api) -> None:
    url = package(api)["download_url"]
    response = httpx.get(url, headers=api.auth())
    assert response.status_code == 400
    assert "Authorization" in response.json()["detail"]


def forge_signature(url: str) -> str:
    return url.replace("sig=", "sig=00")


def drop_query(url: str) -> str:
    return url.split("?", maxsplit=1)[0]


def extend_expiry(url: str) -> str:
    return url.replace("expires=", "expires=9")


@pytest.mark.parametrize(
    ("mangle", "detail"),
    [
        (forge_signature, "signature"),
        (drop_query, "requires the expires and sig"),
        (extend_expiry, "signature"),
    ],
)
def test_storage_rejects_bad_signatures_with_403(
    api: Api, mangle: Callable[[str], str], detail: str
) -> None:
    response = httpx.get(mangle(package(api)["download_url"]))
    assert response.status_code == 403
    assert detail in response.json()["detail"]


def test_presigned_link_expires(clocked_api: Api, clock: ManualClock) -> None:
    export = clocked_api.get(
        f"/api/v2/abps/{clocked_api.abp_id}/evidence-package", params={"since": SINCE_EVER}
    ).json()
    expires_at = datetime.fromisoformat(export["expires_at"].replace("Z", "+00:00"))
    assert expires_at.timestamp() == pytest.approx(clock.now + 60, abs=1.0)
    assert httpx.get(export["download_url"]).status_code == 200
    clock.advance(61)
    response = httpx.get(export["download_url"])
    assert response.status_code == 403
    assert response.json() == {"detail": "Request has expired"}


def test_stream_delivery_needs_a_key_with_evidence_read(api: Api) -> None:
    api.invoke({"q": 1})
    export = package(api, delivery="stream")
    url = export["download_url"]
    assert url == f"{api.stub.base_url}/api/v2/exports/{export['export_id']}/content"
    assert httpx.get(url).status_code == 401
    runs_only = api.new_user("owner", ["runs:read"])["api_key"]
    forbidden = httpx.get(url, headers=api.auth(runs_only))
    assert forbidden.status_code == 403
    assert "evidence:read" in forbidden.json()["detail"]
    response = httpx.get(url, headers=api.auth())
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == export["sha256"]
    assert int(response.headers["content-length"]) == export["size_bytes"]


def test_stream_export_expires(clocked_api: Api, clock: ManualClock) -> None:
    export = clocked_api.get(
        f"/api/v2/abps/{clocked_api.abp_id}/evidence-package",
        params={"since": SINCE_EVER, "delivery": "stream"},
    ).json()
    clock.advance(61)
    response = httpx.get(export["download_url"], headers=clocked_api.auth())
    assert response.status_code == 404
    assert "expired" in response.json()["detail"]


def test_jsonl_has_one_pack_per_line_in_chain_order(api: Api) -> None:
    for n in range(3):
        api.invoke({"n": n})
    export = package(api, format="jsonl")
    assert export["format"] == "jsonl"
    response = httpx.get(export["download_url"])
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].endswith('.jsonl"')
    lines = response.content.decode().splitlines()
    assert [json.loads(line)["sequence"] for line in lines] == [1, 2, 3]


def test_invocation_evidence_exports_one_pack(api: Api) -> None:
    api.invoke({"first": True})
    second = api.invoke({"second": True}).json()
    path = f"/api/v2/abps/{api.abp_id}/invocations/{second['invocation_id']}/evidence"
    export = api.get(path).json()
    assert export["artifact_kind"] == "invocation_evidence"
    packs = httpx.get(export["download_url"]).json()["packs"]
    assert [p["id"] for p in packs] == [second["evidence_pack_id"]]
    assert packs[0]["chain_hash"] == second["evidence_pack_chain_hash"]
    wrong_abp = f"/api/v2/abps/{api.draft_abp_id}/invocations/{second['invocation_id']}/evidence"
    assert api.get(wrong_abp).status_code == 404


def test_evidence_package_needs_since(api: Api) -> None:
    response = api.get(f"/api/v2/abps/{api.abp_id}/evidence-package")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "since"]
    unknown = api.get("/api/v2/abps/abp_unknown/evidence-package", params={"since": SINCE_EVER})
    assert unknown.status_code == 404


def test_evidence_package_includes_packs_at_or_after_since(api: Api) -> None:
    api.invoke({"n": 1})
    cut = datetime.now(timezone.utc).isoformat()
    second = api.invoke({"n": 2}).json()
    third = api.invoke({"n": 3}).json()
    export = api.get(f"/api/v2/abps/{api.abp_id}/evidence-package", params={"since": cut}).json()
    packs = httpx.get(export["download_url"]).json()["packs"]
    assert [p["id"] for p in packs] == [second["evidence_pack_id"], third["evidence_pack_id"]]
    assert packs[0]["sequence"] == 2
    assert packs[1]["prev_chain_hash"] == packs[0]["chain_hash"]
    none = api.get(
        f"/api/v2/abps/{api.abp_id}/evidence-package", params={"since": "2999-01-01T00:00:00Z"}
    ).json()
    assert httpx.get(none["download_url"]).json()["packs"] == []


@pytest.mark.parametrize("delivery", ["presigned", "stream"])
def test_large_synthetic_export_downloads_intact(api: Api, delivery: str) -> None:
    size = 5 * 1024 * 1024 + 7
    export = api.admin("POST", "/_stub/exports", {"size_bytes": size, "delivery": delivery}).json()
    assert export["size_bytes"] == size
    headers = api.auth() if delivery == "stream" else {}
    digest = hashlib.sha256()
    received = 0
    with httpx.stream("GET", export["download_url"], headers=headers) as response:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == size
        for chunk in response.iter_bytes():
            digest.update(chunk)
            received += len(chunk)
    assert received == size
    assert digest.hexdigest() == export["sha256"]


def test_synthetic_content_is_deterministic(api: Api) -> None:
    first = api.admin("POST", "/_stub/exports", {"size_bytes": 1000}).json()
    second = api.admin("POST", "/_stub/exports", {"size_bytes": 1000}).json()
    assert first["sha256"] == second["sha256"]
    assert first["export_id"] != second["export_id"]


@pytest.mark.parametrize("delivery", ["presigned", "stream"])
def test_downloads_support_range_and_head(api: Api, delivery: str) -> None:
    export = api.admin("POST", "/_stub/exports", {"size_bytes": 1000, "delivery": delivery}).json()
    headers = api.auth() if delivery == "stream" else {}
    whole = httpx.get(export["download_url"], headers=headers).content
    part = httpx.get(export["download_url"], headers={**headers, "Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == "bytes 100-199/1000"
    assert part.content == whole[100:200]
    head = httpx.head(export["download_url"], headers=headers)
    assert head.status_code == 200
    assert head.headers["content-length"] == "1000"
    assert head.content == b""
