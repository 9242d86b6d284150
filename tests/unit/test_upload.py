"""Attachment uploads: register, stream the bytes without the key, finalize."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import IO, cast

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness, without_elapsed
from velerian_sdk import (
    AsyncVelerianClient,
    ProgressCallback,
    VelerianArgumentError,
    VelerianClient,
    VelerianConnectionError,
    VelerianForbiddenError,
)
from velerian_sdk._async._upload import upload_attachment as aupload
from velerian_sdk._core.uploads import Source
from velerian_sdk._models.attachments import Attachment
from velerian_sdk._sync._upload import upload_attachment as upload

DATA = bytes(range(256)) * 4000  # ~1 MB, several chunks


class Storage:
    """A fake API + storage host: registers, receives the PUT, finalizes."""

    def __init__(self, put_statuses: list[int] | None = None) -> None:
        self.put_statuses = put_statuses or []
        self.registered: dict[str, object] = {}
        self.received: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        base = {
            "id": "att_1",
            "filename": "claims.csv",
            "content_type": "text/csv",
            "size_bytes": len(DATA),
            "created_at": "2026-11-29T00:00:00Z",
        }
        if request.method == "POST" and request.url.path == "/api/v2/run-attachments":
            self.registered = json.loads(request.content)
            body = {**base, "status": "pending_upload", "upload_url": "https://store.test/u?sig=s"}
            return httpx.Response(201, json=body)
        if request.method == "PUT":
            self.received.append(request.content)
            status = self.put_statuses.pop(0) if self.put_statuses else 200
            return httpx.Response(status, json={"detail": "put"})
        if request.url.path == "/api/v2/run-attachments/att_1/finalize":
            sha = hashlib.sha256(self.received[-1]).hexdigest()
            return httpx.Response(200, json={**base, "status": "ready", "sha256": sha})
        return httpx.Response(404, json={"detail": "no route"})


def run_upload(
    harness: Harness,
    client: VelerianClient | AsyncVelerianClient,
    source: Source,
    *,
    filename: str | None = None,
    progress: ProgressCallback | None = None,
) -> Attachment:
    if isinstance(client, VelerianClient):
        return upload(client._sender, source, filename=filename, progress=progress)  # pyright: ignore[reportPrivateUsage]
    return harness.run(aupload(client._sender, source, filename=filename, progress=progress))  # pyright: ignore[reportPrivateUsage]


def test_bytes_upload_registers_streams_and_finalizes(harness: Harness) -> None:
    storage = Storage()
    client = harness.client(storage)
    seen: list[tuple[int, int | None]] = []
    attachment = run_upload(
        harness,
        client,
        DATA,
        filename="claims.csv",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert attachment.status == "ready"
    assert attachment.sha256 == hashlib.sha256(DATA).hexdigest()
    assert storage.registered == {
        "filename": "claims.csv",
        "content_type": "text/csv",
        "size_bytes": len(DATA),
        "sha256": hashlib.sha256(DATA).hexdigest(),
    }
    assert storage.received == [DATA]
    put = next(r for r in harness.requests if r.method == "PUT")
    assert "authorization" not in put.headers
    assert put.headers["content-length"] == str(len(DATA))
    assert "transfer-encoding" not in put.headers
    assert seen[-1] == (len(DATA), len(DATA))
    posts = [r for r in harness.requests if r.method == "POST"]
    assert all(r.headers["authorization"] == f"Bearer {TEST_KEY}" for r in posts)


def test_path_upload_uses_the_file_name(harness: Harness, tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes(DATA)
    storage = Storage()
    run_upload(harness, harness.client(storage), path)
    assert storage.registered["filename"] == "claims.csv"
    assert storage.received == [DATA]


def test_unseekable_file_object_is_spooled(harness: Harness) -> None:
    class Pipe:
        """Just enough of a pipe: reads once, cannot seek."""

        name = "/tmp/claims.csv"

        def __init__(self) -> None:
            self.inner = io.BytesIO(DATA)

        def seekable(self) -> bool:
            return False

        def read(self, size: int = -1) -> bytes:
            return self.inner.read(size)

    storage = Storage()
    run_upload(harness, harness.client(storage), cast("IO[bytes]", Pipe()))
    assert storage.received == [DATA]
    assert storage.registered["filename"] == "claims.csv"


def test_a_failed_put_is_resent_whole(harness: Harness) -> None:
    storage = Storage(put_statuses=[503, 502])
    run_upload(harness, harness.client(storage), DATA, filename="claims.csv")
    assert storage.received == [DATA, DATA, DATA]
    assert len(harness.sleeps) == 2


def test_a_refused_put_is_not_retried(harness: Harness) -> None:
    storage = Storage(put_statuses=[403])
    with pytest.raises(VelerianForbiddenError):
        run_upload(harness, harness.client(storage), DATA, filename="claims.csv")
    assert len(storage.received) == 1


def test_a_put_that_keeps_failing_says_how_often_it_was_sent(harness: Harness) -> None:
    puts: list[int] = []
    storage = Storage()

    def refuse_puts(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            puts.append(1)
            raise httpx.ConnectError("connection refused")
        return storage(request)

    client = harness.client(refuse_puts, max_retries=2)
    with pytest.raises(VelerianConnectionError) as caught:
        run_upload(harness, client, DATA, filename="claims.csv")
    error = caught.value
    # Before: 3 PUTs, but attempts == 1 and "(1 attempt over N s; not retried: a
    # streamed body cannot be sent twice)", written by the chain about the last PUT alone.
    assert len(puts) == 3
    assert error.attempts == 3
    assert without_elapsed(str(error)).endswith(
        "failed: ConnectError: connection refused (3 attempts over N s; max_retries=2)"
    )
    assert error.elapsed_s is not None


def test_bytes_need_a_filename(harness: Harness) -> None:
    with pytest.raises(VelerianArgumentError, match="filename"):
        run_upload(harness, harness.client(Storage()), DATA)
    assert harness.requests == []


def test_text_mode_files_are_refused(harness: Harness, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    with path.open(encoding="utf-8") as text, pytest.raises(VelerianArgumentError, match="'rb'"):
        run_upload(harness, harness.client(Storage()), text)  # type: ignore[arg-type]
    assert harness.requests == []


def test_missing_path_is_an_argument_error(harness: Harness, tmp_path: Path) -> None:
    with pytest.raises(VelerianArgumentError, match="cannot read"):
        run_upload(harness, harness.client(Storage()), tmp_path / "absent.csv")
