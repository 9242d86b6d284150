"""Attachments: register, presigned upload (streamed), finalize checks, use in a run."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import httpx

from .support import Api


def register(api: Api, data: bytes, *, sha256: str | None = None) -> dict[str, Any]:
    body: dict[str, object] = {
        "filename": "claim.txt",
        "content_type": "text/plain",
        "size_bytes": len(data),
    }
    if sha256 is not None:
        body["sha256"] = sha256
    response = api.post("/api/v2/run-attachments", body)
    assert response.status_code == 201, response.text
    attachment: dict[str, Any] = response.json()
    return attachment


def test_register_upload_finalize(api: Api) -> None:
    data = b"claim text \xe2\x9c\x93\n" * 100
    attachment = register(api, data, sha256=hashlib.sha256(data).hexdigest())
    assert attachment["status"] == "pending_upload"
    assert attachment["sha256"] is None
    url = attachment["upload_url"]
    assert url.startswith(f"{api.stub.base_url}/_storage/uploads/{attachment['id']}?expires=")
    assert attachment["upload_expires_at"].endswith("Z")
    upload = httpx.put(url, content=data)
    assert upload.status_code == 200
    assert upload.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    uploaded = api.get(f"/api/v2/run-attachments/{attachment['id']}").json()
    assert uploaded["status"] == "uploaded"
    final = api.post(f"/api/v2/run-attachments/{attachment['id']}/finalize")
    assert final.status_code == 200
    ready = final.json()
    assert ready["status"] == "ready"
    assert ready["sha256"] == hashlib.sha256(data).hexdigest()
    assert ready["upload_url"] is None
    assert ready["upload_expires_at"] is None
    again = api.post(f"/api/v2/run-attachments/{attachment['id']}/finalize")
    assert again.json() == ready
    assert httpx.put(url, content=b"late").status_code == 409
    entries = api.get("/api/v2/audit-log", params={"action": "attachment.finalize"}).json()
    assert entries["total"] == 1


def test_upload_rejects_authorization_and_bad_signatures(api: Api) -> None:
    attachment = register(api, b"x")
    url = attachment["upload_url"]
    with_key = httpx.put(url, content=b"x", headers=api.auth())
    assert with_key.status_code == 400
    forged = httpx.put(url.replace("sig=", "sig=ab"), content=b"x")
    assert forged.status_code == 403
    assert api.get(f"/api/v2/run-attachments/{attachment['id']}").json()["status"] == (
        "pending_upload"
    )


def test_finalize_without_bytes_is_409(api: Api) -> None:
    attachment = register(api, b"abc")
    response = api.post(f"/api/v2/run-attachments/{attachment['id']}/finalize")
    assert response.status_code == 409
    assert "no uploaded bytes" in response.json()["detail"]


def test_finalize_checks_size_and_sha256(api: Api) -> None:
    short = register(api, b"four")
    # More than registered is refused at upload (413); fewer is caught at finalize.
    assert httpx.put(short["upload_url"], content=b"three").status_code == 413
    httpx.put(short["upload_url"], content=b"two")
    size = api.post(f"/api/v2/run-attachments/{short['id']}/finalize")
    assert size.status_code == 422
    assert size.json()["detail"][0]["loc"] == ["attachment", "size_bytes"]
    wrong = register(api, b"four", sha256="0" * 64)
    httpx.put(wrong["upload_url"], content=b"four")
    digest = api.post(f"/api/v2/run-attachments/{wrong['id']}/finalize")
    assert digest.status_code == 422
    assert digest.json()["detail"][0]["loc"] == ["attachment", "sha256"]
    # Uploading again before finalize replaces the bytes.
    httpx.put(short["upload_url"], content=b"four")
    fixed = api.post(f"/api/v2/run-attachments/{short['id']}/finalize")
    assert fixed.status_code == 200


def test_large_upload_is_streamed(api: Api) -> None:
    block = bytes(range(256)) * 4096
    count = 8
    digest = hashlib.sha256()
    for _ in range(count):
        digest.update(block)
    attachment = api.post(
        "/api/v2/run-attachments",
        {
            "filename": "big.bin",
            "content_type": "application/octet-stream",
            "size_bytes": len(block) * count,
            "sha256": digest.hexdigest(),
        },
    ).json()

    def chunks() -> Iterator[bytes]:
        for _ in range(count):
            yield block

    assert httpx.put(attachment["upload_url"], content=chunks()).status_code == 200
    final = api.post(f"/api/v2/run-attachments/{attachment['id']}/finalize")
    assert final.status_code == 200
    assert final.json()["sha256"] == digest.hexdigest()


def test_runs_take_ready_attachments_only(api: Api) -> None:
    data = b"evidence"
    ready = register(api, data)
    httpx.put(ready["upload_url"], content=data)
    api.post(f"/api/v2/run-attachments/{ready['id']}/finalize")
    pending = register(api, b"later")
    path = f"/api/agenticx/networks/{api.slug}/invoke?async=true"
    ok = api.post(path, {"prompt_text": "read it", "attachment_ids": [ready["id"]]})
    assert ok.status_code == 202
    run = api.get(f"/api/v2/pack-runs/{ok.json()['run_id']}").json()
    assert run["attachment_ids"] == [ready["id"]]
    not_ready = api.post(path, {"prompt_text": "x", "attachment_ids": [pending["id"]]})
    assert not_ready.status_code == 409
    unknown = api.post(path, {"prompt_text": "x", "attachment_ids": [ready["id"], "att_nope"]})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "attachment_ids", "1"]


def test_register_validates_its_body(api: Api) -> None:
    bad = {"filename": "", "content_type": "text/plain", "size_bytes": -1, "sha256": "XYZ"}
    response = api.post("/api/v2/run-attachments", bad)
    assert response.status_code == 422
    fields = {tuple(issue["loc"]) for issue in response.json()["detail"]}
    assert fields == {("body", "filename"), ("body", "size_bytes"), ("body", "sha256")}
