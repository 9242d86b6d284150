"""
What a hostile server cannot do to a download or an upload.

Server-chosen file names stay in the user's folder, downloads stop at their stated size
and are not inflated, links are never followed over plain http to a remote host, and a
storage host receives only the headers its transfer needs.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness
from velerian_sdk import (
    AsyncVelerianClient,
    VelerianArgumentError,
    VelerianClient,
    VelerianIntegrityError,
    VelerianResponseTooLargeError,
)
from velerian_sdk._async._download import download_export as adownload
from velerian_sdk._async._upload import upload_attachment as aupload
from velerian_sdk._core.calls import ApiCall
from velerian_sdk._core.transfers import DownloadedFile, export_file_name
from velerian_sdk._models.attachments import Attachment
from velerian_sdk._sync._download import download_export as download
from velerian_sdk._sync._upload import upload_attachment as upload

BODY = b'{"format":"velerian.evidence.v1","packs":[]}' * 100
LATER = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Export:
    export_id: str = "exp_1"
    download_url: str = "https://storage.test/exports/exp_1?sig=abc"
    delivery: str = "presigned"
    format: str = "json"
    expires_at: dt.datetime = LATER
    size_bytes: int | None = len(BODY)
    sha256: str | None = hashlib.sha256(BODY).hexdigest()


class Counted(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body of ``size`` bytes in 64 KiB chunks that counts what was pulled from it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pulled = 0

    def _chunks(self) -> Iterator[bytes]:
        while self.pulled < self.size:
            chunk = b"x" * min(65536, self.size - self.pulled)
            self.pulled += len(chunk)
            yield chunk

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks():
            yield chunk


class Streamed(httpx.SyncByteStream, httpx.AsyncByteStream):
    """``body`` in 64 KiB network-sized reads, not read when the response is built."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), 65536):
            yield self.body[start : start + 65536]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def run_download(
    harness: Harness,
    client: VelerianClient | AsyncVelerianClient,
    export: Export,
    to: str | Path | io.BytesIO,
    progress: list[int] | None = None,
) -> DownloadedFile:
    def report(done: int, total: int | None) -> None:
        if progress is not None:
            progress.append(done)

    if isinstance(client, VelerianClient):
        return download(client._sender, export, to, progress=report)  # pyright: ignore[reportPrivateUsage]
    return harness.run(adownload(client._sender, export, to, progress=report))  # pyright: ignore[reportPrivateUsage]


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BODY)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --- Item 3: file names chosen by the server ----------------------------------------


HOSTILE_NAMES = [
    ("../x", "json"),
    ("/tmp/absolute", "json"),
    ("exp_1", "json/../../x"),
    ("..\\windows", "json"),
    ("sub\\dir", "json"),
    ("C:evil", "json"),
    ("a\x00b", "json"),
    ("line\nbreak", "json"),
    (".", "json"),
    ("..", "json"),
    ("", "json"),
    (".hidden", "json"),
    ("exp_1", ""),
    ("exp_1", "js on"),
    ("x" * 300, "json"),
    ("CON", "json"),
    ("nul", "txt"),
    ("exp_é", "json"),
]


@pytest.mark.parametrize(("export_id", "fmt"), HOSTILE_NAMES)
def test_a_server_chosen_name_never_leaves_the_folder(
    harness: Harness, tmp_path: Path, export_id: str, fmt: str
) -> None:
    folder = tmp_path / "a" / "b" / "folder"
    folder.mkdir(parents=True)
    client = harness.client(ok)
    export = Export(export_id=export_id, format=fmt)
    with pytest.raises(VelerianArgumentError, match="not a plain file name"):
        run_download(harness, client, export, folder)
    assert listing(tmp_path) == ["a", "a/b", "a/b/folder"]
    assert harness.requests == []


@pytest.mark.parametrize(
    "name", ["exp_1", "exp_01HZ9K3M2Q", "3f2c9a41-d07e-4b3c-8a6e-1f09b2c4d5e6", "pkg.v2"]
)
def test_plain_names_are_used(name: str) -> None:
    assert export_file_name(name, "jsonl") == f"{name}.jsonl"


def test_a_hostile_name_is_not_checked_when_the_user_names_the_file(
    harness: Harness, tmp_path: Path
) -> None:
    client = harness.client(ok)
    run_download(harness, client, Export(export_id="../x"), tmp_path / "mine.json")
    assert listing(tmp_path) == ["mine.json"]


def test_a_nul_in_the_users_path_is_a_typed_error(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(ok)
    with pytest.raises(VelerianArgumentError, match="cannot write"):
        run_download(harness, client, Export(), str(tmp_path / "a\x00b.json"))
    assert harness.requests == []


def test_a_failed_rename_is_a_typed_error_and_leaves_nothing(
    harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("velerian_sdk._core.transfers.os.replace", refuse)
    client = harness.client(ok)
    with pytest.raises(VelerianArgumentError, match="Permission denied"):
        run_download(harness, client, Export(), tmp_path / "e.json")
    assert listing(tmp_path) == []


# --- Item 4: sizes --------------------------------------------------------------------


def test_a_download_stops_at_its_stated_size(harness: Harness, tmp_path: Path) -> None:
    body = Counted(4 << 20)  # 4 MiB sent, no Content-Length, 1,000 bytes stated

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body)

    client = harness.client(handler)
    progress: list[int] = []
    with pytest.raises(VelerianIntegrityError, match="expected 1000 bytes"):
        run_download(harness, client, Export(size_bytes=1000, sha256=None), tmp_path, progress)
    assert max(progress, default=0) <= 1000
    assert body.pulled <= (256 + 64) * 1024  # one 256 KiB write chunk, not the 4 MiB
    assert listing(tmp_path) == []


def test_a_content_length_over_the_stated_size_fails_before_any_byte(
    harness: Harness, tmp_path: Path
) -> None:
    body = Counted(1 << 20)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body, headers={"Content-Length": str(1 << 20)})

    client = harness.client(handler)
    with pytest.raises(VelerianIntegrityError, match="states 1048576"):
        run_download(harness, client, Export(size_bytes=1000, sha256=None), tmp_path)
    assert body.pulled == 0
    assert listing(tmp_path) == []


def test_downloads_ask_for_the_bytes_uncompressed(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(ok)
    run_download(harness, client, Export(), tmp_path / "e.json")
    assert harness.requests[0].headers["accept-encoding"] == "identity"


def test_a_compressed_download_without_a_size_is_not_inflated_without_bound(
    harness: Harness, tmp_path: Path
) -> None:
    bomb = gzip.compress(b"\0" * (8 << 20), compresslevel=9)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})

    client = harness.client(handler, max_response_bytes=1 << 20)
    progress: list[int] = []
    with pytest.raises(VelerianResponseTooLargeError):
        run_download(harness, client, Export(size_bytes=None, sha256=None), tmp_path, progress)
    assert max(progress, default=0) <= 1 << 20
    assert listing(tmp_path) == []


def test_an_api_response_over_the_cap_fails_on_its_content_length(harness: Harness) -> None:
    body = Counted(2 << 20)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body, headers={"Content-Length": str(2 << 20)})

    client = harness.client(handler, max_response_bytes=1 << 20)
    with pytest.raises(VelerianResponseTooLargeError, match="Content-Length 2097152") as caught:
        harness.run(client.get("plans"))
    assert body.pulled <= 2 * 65536  # stopped after the first read, not at the cap
    assert caught.value.limit == 1 << 20
    assert caught.value.method == "GET"
    assert len(harness.requests) == 1  # not retried: the same call gets the same answer


def test_a_gzip_bomb_stops_at_the_cap(harness: Harness) -> None:
    bomb = gzip.compress(b"\0" * (16 << 20), compresslevel=9)

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))}
        return httpx.Response(200, stream=Streamed(bomb), headers=headers)

    client = harness.client(handler, max_response_bytes=1 << 20)
    with pytest.raises(VelerianResponseTooLargeError, match="decoded"):
        harness.run(client.get("plans"))


def test_a_body_built_in_memory_is_checked_too(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(200, content=b"x" * 5000))
    with pytest.raises(VelerianResponseTooLargeError, match="5000 bytes in memory"):
        harness.run(client.with_options(max_response_bytes=4096).get("plans"))


def test_a_body_without_a_length_stops_at_the_cap(harness: Harness) -> None:
    body = Counted(8 << 20)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body)

    client = harness.client(handler, max_response_bytes=1 << 20)
    with pytest.raises(VelerianResponseTooLargeError):
        harness.run(client.get("plans"))
    assert body.pulled <= (1 << 20) + 65536


def test_a_body_at_the_cap_is_read(harness: Harness) -> None:
    payload = b'"' + b"x" * 4094 + b'"'
    client = harness.client(lambda r: httpx.Response(200, content=payload), max_response_bytes=4096)
    assert harness.run(client.get("plans")).content == payload


def test_with_options_sets_the_cap(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(200, content=b"x" * 5000))
    small = client.with_options(max_response_bytes=4096)
    with pytest.raises(VelerianResponseTooLargeError):
        harness.run(small.get("plans"))
    assert harness.run(client.get("plans")).content == b"x" * 5000
    assert small.with_options(timeout=3.0)._sender.settings.max_response_bytes == 4096  # pyright: ignore[reportPrivateUsage]


def test_a_streamed_error_body_is_read_only_up_to_the_excerpt(harness: Harness) -> None:
    body = Counted(4 << 20)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, stream=body)

    client = harness.client(handler)
    from velerian_sdk import VelerianAPIError

    with pytest.raises(VelerianAPIError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.response is not None
    assert len(caught.value.response.content) == 64 * 1024
    assert body.pulled <= 2 * 65536


@pytest.mark.parametrize("value", [0, -1, 1023, True, 2.5, "1000000"])
def test_a_bad_cap_is_refused(value: object) -> None:
    with pytest.raises(VelerianArgumentError, match="max_response_bytes"):
        VelerianClient(api_key=TEST_KEY, max_response_bytes=value)  # type: ignore[arg-type]


def test_the_default_cap_is_documented_in_settings() -> None:
    from velerian_sdk import DEFAULT_MAX_RESPONSE_BYTES

    client = VelerianClient(api_key=TEST_KEY)
    assert client._sender.settings.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES == 32 << 20  # pyright: ignore[reportPrivateUsage]
    assert "max_response_bytes=33554432" in repr(client._sender.settings)  # pyright: ignore[reportPrivateUsage]
    client.close()


def test_an_error_keeps_only_an_excerpt_of_its_body(harness: Harness) -> None:
    big = b"<html>" + b"y" * (4 << 20)
    client = harness.client(lambda r: httpx.Response(400, content=big))
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the class is checked below
        harness.run(client.get("plans"))
    error = caught.value
    from velerian_sdk import VelerianAPIError

    assert isinstance(error, VelerianAPIError)
    assert error.response is not None
    assert len(error.response.content) <= 64 * 1024
    assert len(error.detail or "") <= 2000
    assert error.detail is not None
    assert error.detail.startswith(f"a body of {len(big)} bytes (no content-type)")


def test_a_json_error_body_under_the_excerpt_is_parsed(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(409, json={"detail": "not deployed"}))
    from velerian_sdk import VelerianConflictError

    with pytest.raises(VelerianConflictError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.body == {"detail": "not deployed"}
    assert caught.value.detail == "not deployed"


def test_a_validation_error_keeps_only_an_excerpt(harness: Harness) -> None:
    from velerian_sdk import VelerianResponseValidationError

    body = b'{"junk": "' + b"z" * (1 << 20) + b'"}'
    client = harness.client(lambda r: httpx.Response(200, content=body))
    call = ApiCall("GET", "run-attachments/att_1")
    with pytest.raises(VelerianResponseValidationError) as caught:
        harness.run(client._sender.fetch(call, Attachment))  # pyright: ignore[reportPrivateUsage]
    assert 0 < len(caught.value.body) <= 64 * 1024
    assert caught.value.body == body[: 64 * 1024]


# --- Item 5: links over plain http --------------------------------------------------


@pytest.mark.parametrize(
    ("delivery", "link"),
    [
        ("presigned", "http://storage.test/exports/exp_1?sig=abc"),
        ("stream", "http://api.test/api/v2/exports/exp_1/content"),
        ("presigned", "HTTP://storage.test/exports/exp_1?sig=abc"),
        ("presigned", "Http://storage.test:80/exports/exp_1?sig=abc"),
    ],
)
def test_a_plain_http_download_link_is_refused(
    harness: Harness, tmp_path: Path, delivery: str, link: str
) -> None:
    client = harness.client(ok)
    export = Export(delivery=delivery, download_url=link)
    with pytest.raises(VelerianArgumentError, match="plain-http download link") as caught:
        run_download(harness, client, export, tmp_path / "e.json")
    assert "sig=abc" not in str(caught.value)
    assert harness.requests == []
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "link", ["http://127.0.0.1:9/exports/exp_1", "http://localhost/x", "http://[::1]:8/x"]
)
def test_a_loopback_link_over_http_is_used(harness: Harness, tmp_path: Path, link: str) -> None:
    client = harness.client(ok)
    run_download(harness, client, Export(download_url=link), tmp_path / "e.json")
    assert str(harness.requests[0].url) == link


def test_allow_insecure_http_lets_a_remote_http_link_through(
    harness: Harness, tmp_path: Path
) -> None:
    client = harness.client(ok, allow_insecure_http=True)
    link = "http://storage.test/exports/exp_1"
    run_download(harness, client, Export(download_url=link), tmp_path / "e.json")
    assert str(harness.requests[0].url) == link


class Storage:
    """Registers an attachment with ``upload_url``, takes the PUT, finalizes."""

    def __init__(self, upload_url: str) -> None:
        self.upload_url = upload_url
        self.data = b""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        base = {
            "id": "att_1",
            "filename": "claims.csv",
            "content_type": "text/csv",
            "size_bytes": len(BODY),
            "created_at": "2026-11-29T00:00:00Z",
        }
        if request.method == "POST" and request.url.path == "/api/v2/run-attachments":
            pending = {**base, "status": "pending_upload", "upload_url": self.upload_url}
            return httpx.Response(201, json=pending)
        if request.method == "PUT":
            self.data = request.content
            return httpx.Response(200)
        sha = hashlib.sha256(self.data).hexdigest()
        return httpx.Response(200, json={**base, "status": "ready", "sha256": sha})


def run_upload(harness: Harness, client: VelerianClient | AsyncVelerianClient) -> Attachment:
    if isinstance(client, VelerianClient):
        return upload(client._sender, BODY, filename="claims.csv")  # pyright: ignore[reportPrivateUsage]
    return harness.run(aupload(client._sender, BODY, filename="claims.csv"))  # pyright: ignore[reportPrivateUsage]


def test_a_plain_http_upload_link_is_refused(harness: Harness) -> None:
    client = harness.client(Storage("http://store.test/u?sig=s"))
    with pytest.raises(VelerianArgumentError, match="plain-http upload link") as caught:
        run_upload(harness, client)
    assert "sig=s" not in str(caught.value)
    assert [r.method for r in harness.requests] == ["POST"]


def test_an_https_upload_link_is_used(harness: Harness) -> None:
    client = harness.client(Storage("https://store.test/u?sig=s"))
    assert run_upload(harness, client).status == "ready"


# --- Item 8: headers that reach a storage host ----------------------------------------

USER_HEADERS = {"X-Tenant": "acme", "X-Trace": "t-1", "Accept-Language": "fr"}
USER_AGENT = "acme-batch/7"


def test_an_upload_put_carries_only_what_the_transfer_needs(harness: Harness) -> None:
    client = harness.client(
        Storage("https://store.test/u?sig=s"), default_headers=USER_HEADERS, user_agent=USER_AGENT
    )
    run_upload(harness, client)
    register, put, finalize = harness.requests
    assert set(put.headers.keys()) <= {
        "host",
        "content-type",
        "content-length",
        "accept-encoding",
        "connection",
    }
    assert put.headers["content-type"] == "text/csv"
    for api_call in (register, finalize):
        assert api_call.headers["x-tenant"] == "acme"
        assert api_call.headers["user-agent"] == "acme-batch/7"
        assert api_call.headers["authorization"] == f"Bearer {TEST_KEY}"
        assert "idempotency-key" in api_call.headers


def test_a_presigned_download_carries_only_what_the_transfer_needs(
    harness: Harness, tmp_path: Path
) -> None:
    client = harness.client(ok, default_headers=USER_HEADERS, user_agent=USER_AGENT)
    run_download(harness, client, Export(), tmp_path / "e.json")
    (get,) = harness.requests
    assert set(get.headers.keys()) <= {"host", "accept", "accept-encoding", "connection"}


def test_a_stream_download_on_the_api_keeps_the_defaults(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(ok, default_headers=USER_HEADERS, user_agent=USER_AGENT)
    link = "https://api.test/api/v2/exports/exp_1/content"
    run_download(harness, client, Export(delivery="stream", download_url=link), tmp_path / "e")
    (get,) = harness.requests
    assert get.headers["x-tenant"] == "acme"
    assert get.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_an_http_client_s_own_headers_do_not_reach_storage(
    harness: Harness, tmp_path: Path
) -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return ok(request)

    transport = httpx.MockTransport(handler)
    headers = {"X-Injected": "1", "Cookie": "session=abc"}
    client: VelerianClient | AsyncVelerianClient
    if harness.flavour == "sync":
        client = VelerianClient(
            api_key=TEST_KEY,
            base_url="https://api.test",
            http_client=httpx.Client(transport=transport, headers=headers),
        )
    else:
        client = AsyncVelerianClient(
            api_key=TEST_KEY,
            base_url="https://api.test",
            http_client=httpx.AsyncClient(transport=transport, headers=headers),
        )
    run_download(harness, client, replace(Export()), tmp_path / "e.json")
    assert "x-injected" not in seen[0]
    assert "cookie" not in seen[0]


def test_an_explicit_header_to_another_origin_is_kept_but_never_the_key(
    harness: Harness,
) -> None:
    client = harness.client(
        lambda r: httpx.Response(200, json={}), default_headers=USER_HEADERS, user_agent=USER_AGENT
    )
    headers = {"X-Mine": "1", "Authorization": "Bearer mine"}
    harness.run(client.get("https://elsewhere.test/x", headers=headers))
    (sent,) = harness.requests
    assert sent.headers["x-mine"] == "1"
    assert "authorization" not in sent.headers
    assert "x-tenant" not in sent.headers
    assert "user-agent" not in sent.headers
