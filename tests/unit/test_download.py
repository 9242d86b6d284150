"""Evidence downloads: delivery rules, expiry, integrity, atomic writes, restarts."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness, without_elapsed
from velerian_sdk import (
    AsyncVelerianClient,
    VelerianClient,
    VelerianConnectionError,
    VelerianExportExpiredError,
    VelerianForbiddenError,
    VelerianIntegrityError,
)
from velerian_sdk._async._download import download_export as adownload
from velerian_sdk._core.transfers import DownloadedFile
from velerian_sdk._sync._download import download_export as download

BODY = b'{"format":"velerian.evidence.v1","packs":[]}' * 1000
LATER = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)


@dataclass
class Export:
    export_id: str = "exp_1"
    download_url: str = "https://storage.test/exports/exp_1?sig=abc"
    delivery: str = "presigned"
    format: str = "json"
    expires_at: dt.datetime = LATER
    size_bytes: int | None = len(BODY)
    sha256: str | None = hashlib.sha256(BODY).hexdigest()


def run_download(
    harness: Harness,
    client: VelerianClient | AsyncVelerianClient,
    export: Export,
    to: str | Path | io.BytesIO,
    progress: list[tuple[int, int | None]] | None = None,
) -> DownloadedFile:
    def report(done: int, total: int | None) -> None:
        if progress is not None:
            progress.append((done, total))

    if isinstance(client, VelerianClient):
        return download(client._sender, export, to, progress=report)  # pyright: ignore[reportPrivateUsage]
    return harness.run(adownload(client._sender, export, to, progress=report))  # pyright: ignore[reportPrivateUsage]


def serve(body: bytes = BODY, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body)

    return handler


def test_presigned_is_fetched_without_the_key(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(serve())
    result = run_download(harness, client, Export(), tmp_path / "e.json")
    assert (tmp_path / "e.json").read_bytes() == BODY
    assert result.size_bytes == len(BODY)
    assert result.sha256 == hashlib.sha256(BODY).hexdigest()
    assert result.path == tmp_path / "e.json"
    assert "authorization" not in harness.requests[0].headers


def test_httpx_own_log_line_shows_the_presigned_link_without_its_signature(
    harness: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    client = harness.client(serve())
    export = Export(download_url="https://storage.test/exports/exp_1?sig=s3cr3t&expires=9")
    run_download(harness, client, export, tmp_path / "e.json")
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("https://storage.test/exports/exp_1?sig=REDACTED" in line for line in lines)
    assert "s3cr3t" not in caplog.text


def test_other_httpx_log_lines_are_left_as_they_were(
    harness: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run_download(harness, harness.client(serve()), Export(), tmp_path / "e.json")
    caplog.set_level(logging.INFO, logger="httpx")
    with httpx.Client(transport=httpx.MockTransport(serve())) as other:
        other.get("https://elsewhere.test/items?page=2")
        other.get("https://storage.test/exports/exp_1")  # the same origin, no query
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("https://elsewhere.test/items?page=2" in line for line in lines)
    assert any(
        line.startswith("HTTP Request: GET https://storage.test/exports/exp_1 ") for line in lines
    )


def test_presigned_on_the_api_origin_still_goes_without_the_key(
    harness: Harness, tmp_path: Path
) -> None:
    client = harness.client(serve())
    export = Export(download_url="https://api.test/_storage/exports/exp_1?sig=abc")
    run_download(harness, client, export, tmp_path / "e.json")
    assert "authorization" not in harness.requests[0].headers


def test_stream_delivery_sends_the_key(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(serve())
    export = Export(delivery="stream", download_url="https://api.test/api/v2/exports/exp_1/content")
    run_download(harness, client, export, tmp_path / "e.json")
    assert harness.requests[0].headers["authorization"] == f"Bearer {TEST_KEY}"


def test_a_folder_destination_gets_the_export_name(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(serve())
    result = run_download(harness, client, Export(), tmp_path)
    assert result.path == tmp_path / "exp_1.json"
    assert (tmp_path / "exp_1.json").read_bytes() == BODY


def test_a_file_object_destination(harness: Harness) -> None:
    client = harness.client(serve())
    sink = io.BytesIO()
    result = run_download(harness, client, Export(), sink)
    assert sink.getvalue() == BODY
    assert result.path is None


def test_progress_counts_up_to_the_total(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(serve())
    seen: list[tuple[int, int | None]] = []
    run_download(harness, client, Export(), tmp_path / "e.json", seen)
    assert seen[-1] == (len(BODY), len(BODY))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_an_expired_link_fails_before_any_request(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(serve())
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    with pytest.raises(VelerianExportExpiredError, match="exp_1") as caught:
        run_download(harness, client, Export(expires_at=past), tmp_path / "e.json")
    assert caught.value.export_id == "exp_1"
    assert harness.requests == []
    assert list(tmp_path.iterdir()) == []


def test_storage_saying_expired_is_the_expired_error(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(serve(b'{"detail": "Request has expired"}', 403))
    with pytest.raises(VelerianExportExpiredError):
        run_download(harness, client, Export(), tmp_path / "e.json")
    assert list(tmp_path.iterdir()) == []


def test_other_403s_stay_forbidden(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(serve(b'{"detail": "missing scope evidence:read"}', 403))
    export = Export(delivery="stream", download_url="https://api.test/api/v2/exports/x/content")
    with pytest.raises(VelerianForbiddenError) as caught:
        run_download(harness, client, export, tmp_path / "e.json")
    assert not isinstance(caught.value, VelerianExportExpiredError)


@pytest.mark.parametrize(
    ("export", "what"),
    [
        (Export(size_bytes=len(BODY) + 1), "size"),
        (Export(sha256="0" * 64), "sha256"),
    ],
)
def test_integrity_mismatch_leaves_nothing(
    harness: Harness, tmp_path: Path, export: Export, what: str
) -> None:
    client = harness.client(serve())
    target = tmp_path / "e.json"
    target.write_bytes(b"previous version")
    with pytest.raises(VelerianIntegrityError) as caught:
        run_download(harness, client, export, target)
    assert caught.value.expected.startswith(what)
    assert target.read_bytes() == b"previous version"
    assert [p.name for p in tmp_path.iterdir()] == ["e.json"]


def test_unstated_size_and_hash_are_not_checked(harness: Harness, tmp_path: Path) -> None:
    client = harness.client(serve())
    result = run_download(harness, client, Export(size_bytes=None, sha256=None), tmp_path)
    assert result.size_bytes == len(BODY)


class Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that delivers some bytes, then loses the connection."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    def __iter__(self) -> Iterator[bytes]:
        yield BODY[:1000]
        if self.fail:
            raise httpx.ReadError("connection reset")
        yield BODY[1000:]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def test_a_broken_body_restarts_and_succeeds(harness: Harness, tmp_path: Path) -> None:
    failures = [True, True, False]
    client = harness.client(lambda r: httpx.Response(200, stream=Broken(failures.pop(0))))
    run_download(harness, client, Export(), tmp_path / "e.json")
    assert (tmp_path / "e.json").read_bytes() == BODY
    assert len(harness.requests) == 3
    assert len(harness.sleeps) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["e.json"]


def test_a_body_that_keeps_breaking_leaves_no_partial_file(
    harness: Harness, tmp_path: Path
) -> None:
    client = harness.client(lambda r: httpx.Response(200, stream=Broken(True)), max_retries=1)
    with pytest.raises(VelerianConnectionError):
        run_download(harness, client, Export(), tmp_path / "e.json")
    assert list(tmp_path.iterdir()) == []
    assert len(harness.requests) == 2


def test_a_body_that_keeps_breaking_says_how_often_it_was_fetched(
    harness: Harness, tmp_path: Path
) -> None:
    client = harness.client(lambda r: httpx.Response(200, stream=Broken(True)), max_retries=2)
    with pytest.raises(VelerianConnectionError) as caught:
        run_download(harness, client, Export(), tmp_path / "e.json")
    error = caught.value
    # Before: 3 GETs broke off, but attempts == 1 and the message said nothing of them.
    assert len(harness.requests) == 3
    assert error.attempts == 3
    assert without_elapsed(str(error)).endswith("(3 attempts over N s; max_retries=2)")


def test_a_refused_restart_counts_the_gets_before_it(harness: Harness, tmp_path: Path) -> None:
    answers: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answers.append(True)
        if len(answers) == 1:
            return httpx.Response(200, stream=Broken(True))
        raise httpx.ConnectError("refused")

    client = harness.client(handler, max_retries=2)
    with pytest.raises(VelerianConnectionError) as caught:
        run_download(harness, client, Export(), tmp_path / "e.json")
    # One GET broke off halfway, then the restart was refused 3 times (the chain's retries).
    assert len(harness.requests) == 4
    assert caught.value.attempts == 4
    assert without_elapsed(str(caught.value)).endswith(
        "refused (4 attempts over N s; max_retries=2)"
    )


def test_an_unwritable_destination_is_reported_before_any_request(harness: Harness) -> None:
    from velerian_sdk import VelerianArgumentError

    client = harness.client(serve())
    with pytest.raises(VelerianArgumentError, match="cannot write"):
        run_download(harness, client, Export(), "/nonexistent-dir/e.json")
    assert harness.requests == []
