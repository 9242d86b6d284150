"""
Compressed bodies: what the client asks for, what it inflates, and in how much memory.

API calls accept ``gzip`` and ``deflate`` only, whatever packages are installed; the
client inflates them itself in bounded steps, so a bomb costs the cap plus a step, not
the cap plus a whole inflated network read; ``br``, ``zstd``, stacks of encodings and
corrupt streams are refused with a typed error, before a byte is kept or written.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import importlib
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_KEY, Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    AsyncVelerianClient,
    VelerianClient,
    VelerianNotFoundError,
    VelerianResponseEncodingError,
    VelerianResponseTooLargeError,
)
from velerian_sdk._async._download import download_export as adownload
from velerian_sdk._sync._download import download_export as download

MIB = 1 << 20
CAP = MIB
BOMB = 64 * MIB
"""Inflated size of the bombs: one 64 KiB network read of them inflates to all of it."""
SLACK = MIB // 2
"""What a bounded read may hold beyond the cap: a decoded step and a network read."""
DOC = json.dumps({"items": [{"id": n, "name": f"plan {n}"} for n in range(2000)]}).encode()


class Streamed(httpx.SyncByteStream, httpx.AsyncByteStream):
    """``body`` in network-sized reads, not read when the response is built; counts them."""

    def __init__(self, body: bytes, read_size: int = 65536) -> None:
        self.body = body
        self.read_size = read_size
        self.pulled = 0

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.body), self.read_size):
            chunk = self.body[start : start + self.read_size]
            self.pulled += len(chunk)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def deflated(data: bytes, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return packer.compress(data) + packer.flush()


@functools.cache
def bomb(wbits: int) -> bytes:
    """Zeros that inflate to :data:`BOMB` bytes: gzip (31), zlib (15) or raw deflate (-15)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(MIB)
    return b"".join([packer.compress(zeros) for _ in range(BOMB // MIB)] + [packer.flush()])


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda data: deflated(data, 31),
    "deflate": lambda data: deflated(data, 15),
    "raw deflate": lambda data: deflated(data, -15),
}
HEADER = {"gzip": "gzip", "deflate": "deflate", "raw deflate": "deflate"}


def foreign(encoding: str, data: bytes) -> bytes:
    """``data`` in ``br`` or ``zstd`` if its package is installed, else bytes of that name."""
    module = {"br": "brotli", "zstd": "zstandard"}[encoding]
    try:
        packer = importlib.import_module(module)
    except ImportError:
        return b"\x28\xb5\x2f\xfd" + data if encoding == "zstd" else b"\x8b\x7f\x80" + data
    compressed: bytes = packer.compress(data)
    return compressed


def answer(
    body: bytes, encoding: str | list[str] | None, status: int = 200
) -> tuple[Callable[[httpx.Request], httpx.Response], Streamed]:
    stream = Streamed(body)
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    names = [encoding] if isinstance(encoding, str) else encoding or []
    headers += [("Content-Encoding", name) for name in names]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, stream=stream, headers=headers)

    return handler, stream


def peak_bytes(call: Callable[[], object]) -> int:
    """The most memory Python allocated while ``call`` ran, above where it started."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        start, _ = tracemalloc.get_traced_memory()
        try:
            call()
        finally:
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - start


# --- what is asked for ---------------------------------------------------------------


def test_api_calls_accept_gzip_and_deflate_only(harness: Harness) -> None:
    client = harness.client(s.replies(s.abp()))
    harness.run(client.abps.retrieve("abp_1"))
    assert harness.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("flavour", [VelerianClient, AsyncVelerianClient])
def test_a_client_building_its_own_pool_accepts_gzip_and_deflate_only(
    flavour: type[VelerianClient] | type[AsyncVelerianClient],
) -> None:
    client = flavour(api_key=TEST_KEY, base_url="https://api.test")
    request = client._sender.build_request("GET", "plans")  # pyright: ignore[reportPrivateUsage]
    assert request.headers.get_list("accept-encoding") == ["gzip, deflate"]


# --- what is inflated, and in how much memory ---------------------------------------


@pytest.mark.parametrize("kind", ["gzip", "deflate", "raw deflate"])
def test_a_bomb_stops_at_the_cap_holding_no_more_than_a_step_beyond(
    harness: Harness, kind: str
) -> None:
    body = bomb({"gzip": 31, "deflate": 15, "raw deflate": -15}[kind])
    handler, _ = answer(body, HEADER[kind])
    client = harness.client(handler, max_response_bytes=CAP)
    errors: list[Exception] = []

    def call() -> None:
        try:
            harness.run(client.get("plans"))
        except VelerianResponseTooLargeError as exc:
            errors.append(exc)

    peak = peak_bytes(call)
    assert [type(e) for e in errors] == [VelerianResponseTooLargeError]
    assert peak < CAP + SLACK, f"{peak / MIB:.1f} MiB held for a {CAP / MIB:.0f} MiB cap"
    assert len(harness.requests) == 1


@pytest.mark.parametrize("kind", ["gzip", "deflate", "raw deflate"])
@pytest.mark.parametrize("read_size", [1, 7, 65536])
def test_a_compressed_json_body_parses(harness: Harness, kind: str, read_size: int) -> None:
    wire = ENCODERS[kind](json.dumps(s.abp()).encode())
    stream = Streamed(wire, read_size)
    headers = {"Content-Encoding": HEADER[kind], "Content-Length": str(len(wire))}
    client = harness.client(lambda r: httpx.Response(200, stream=stream, headers=headers))
    assert harness.run(client.abps.retrieve("abp_1")).id == "abp_1"


def test_the_escape_hatch_returns_the_decoded_body_with_headers_that_match(
    harness: Harness,
) -> None:
    wire = gzip.compress(DOC)
    handler, _ = answer(wire, "gzip")
    client = harness.client(handler)
    response = harness.run(client.get("plans"))
    assert response.content == DOC
    assert response.json() == json.loads(DOC)
    assert "content-encoding" not in response.headers
    assert response.read() == DOC
    assert b"".join(response.iter_bytes()) == DOC


def test_the_decoded_length_replaces_the_compressed_one(harness: Harness) -> None:
    wire = gzip.compress(DOC)
    headers = {"Content-Encoding": "gzip", "Content-Length": str(len(wire))}
    client = harness.client(lambda r: httpx.Response(200, stream=Streamed(wire), headers=headers))
    response = harness.run(client.get("plans"))
    assert response.headers["content-length"] == str(len(DOC))


def test_gzip_members_in_a_row_are_one_body(harness: Harness) -> None:
    half = len(DOC) // 2
    handler, _ = answer(gzip.compress(DOC[:half]) + gzip.compress(DOC[half:]), "gzip")
    client = harness.client(handler)
    assert harness.run(client.get("plans")).content == DOC


@pytest.mark.parametrize("encoding", ["identity", "Identity, identity"])
def test_identity_is_no_encoding(harness: Harness, encoding: str) -> None:
    handler, _ = answer(DOC, encoding)
    client = harness.client(handler)
    assert harness.run(client.get("plans")).content == DOC


def test_an_error_body_in_gzip_gives_its_detail(harness: Harness) -> None:
    wire = gzip.compress(json.dumps({"detail": "no such abp"}).encode())
    handler, _ = answer(wire, "gzip", status=404)
    client = harness.client(handler)
    with pytest.raises(VelerianNotFoundError, match="no such abp"):
        harness.run(client.abps.retrieve("abp_1"))


# --- what is refused -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["br", "zstd"])
def test_br_and_zstd_are_refused_unread(harness: Harness, encoding: str) -> None:
    handler, stream = answer(foreign(encoding, DOC), encoding)
    client = harness.client(handler)
    with pytest.raises(VelerianResponseEncodingError, match=encoding) as caught:
        harness.run(client.get("plans"))
    assert caught.value.encoding == encoding
    assert caught.value.method == "GET"
    assert stream.pulled == 0
    assert len(harness.requests) == 1  # not retried: the same call gets the same body


@pytest.mark.parametrize(
    "encoding",
    [["gzip, gzip"], ["gzip", "gzip"], ["deflate, gzip"], ["gzip, br"], ["compress"], ["x-snappy"]],
    ids=["gzip,gzip", "gzip+gzip lines", "deflate,gzip", "gzip,br", "compress", "unknown"],
)
def test_stacked_and_unknown_encodings_are_refused(harness: Harness, encoding: list[str]) -> None:
    handler, stream = answer(gzip.compress(gzip.compress(DOC)), encoding)
    client = harness.client(handler)
    with pytest.raises(VelerianResponseEncodingError, match="does not decode"):
        harness.run(client.get("plans"))
    assert stream.pulled == 0


def test_the_callers_own_accept_encoding_does_not_open_the_door(harness: Harness) -> None:
    handler, _ = answer(foreign("br", DOC), "br")
    client = harness.client(handler)
    with pytest.raises(VelerianResponseEncodingError):
        harness.run(client.get("plans", headers={"Accept-Encoding": "br"}))
    assert harness.requests[0].headers["accept-encoding"] == "br"


GOOD = gzip.compress(DOC)
CORRUPT: dict[str, bytes] = {
    "bad header": b"\x1f\x8b\x09" + GOOD[3:],
    "bad checksum": GOOD[:-8] + bytes(4) + GOOD[-4:],
    "cut short": GOOD[: len(GOOD) // 2],
    "junk after the end": GOOD + b"not gzip at all",
    "not gzip at all": b'{"items": []}',
}


@pytest.mark.parametrize("case", list(CORRUPT))
def test_a_corrupt_gzip_body_is_a_typed_error_not_retried(harness: Harness, case: str) -> None:
    handler, _ = answer(CORRUPT[case], "gzip")
    client = harness.client(handler)
    with pytest.raises(VelerianResponseEncodingError, match="does not decode") as caught:
        harness.run(client.get("plans"))
    assert caught.value.encoding == "gzip"
    assert len(harness.requests) == 1


def test_junk_after_a_deflate_stream_is_refused(harness: Harness) -> None:
    handler, _ = answer(deflated(DOC, 15) + b"more", "deflate")
    client = harness.client(handler)
    with pytest.raises(VelerianResponseEncodingError, match="follow the end"):
        harness.run(client.get("plans"))


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_an_error_response_that_does_not_decode_still_raises_for_its_status(
    harness: Harness, encoding: str
) -> None:
    wire = CORRUPT["cut short"] if encoding == "gzip" else foreign("br", b'{"detail": "x"}')
    handler, _ = answer(wire, encoding, status=404)
    client = harness.client(handler)
    with pytest.raises(VelerianNotFoundError) as caught:
        harness.run(client.abps.retrieve("abp_1"))
    assert caught.value.response is not None
    assert "content-encoding" not in caught.value.response.headers


# --- downloads -----------------------------------------------------------------------

LATER = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Export:
    export_id: str = "exp_1"
    download_url: str = "https://storage.test/exports/exp_1?sig=abc"
    delivery: str = "presigned"
    format: str = "json"
    expires_at: dt.datetime = LATER
    size_bytes: int | None = None
    sha256: str | None = None


def fetch(harness: Harness, client: VelerianClient | AsyncVelerianClient, to: Path) -> object:
    if isinstance(client, VelerianClient):
        return download(client._sender, Export(), to)  # pyright: ignore[reportPrivateUsage]
    return harness.run(adownload(client._sender, Export(), to))  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, gzip"])
def test_a_download_in_a_foreign_encoding_writes_nothing(
    harness: Harness, tmp_path: Path, encoding: str
) -> None:
    handler, stream = answer(foreign("br", DOC), encoding)
    client = harness.client(handler)
    with pytest.raises(VelerianResponseEncodingError):
        fetch(harness, client, tmp_path)
    assert stream.pulled == 0
    assert list(tmp_path.iterdir()) == []


def test_a_gzip_download_lands_decoded(harness: Harness, tmp_path: Path) -> None:
    handler, _ = answer(gzip.compress(DOC), "gzip")
    client = harness.client(handler)
    fetch(harness, client, tmp_path / "e.json")
    assert (tmp_path / "e.json").read_bytes() == DOC


def test_a_corrupt_gzip_download_writes_nothing(harness: Harness, tmp_path: Path) -> None:
    handler, _ = answer(CORRUPT["cut short"], "gzip")
    client = harness.client(handler)
    with pytest.raises(VelerianResponseEncodingError):
        fetch(harness, client, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_gzip_bomb_download_stops_in_bounded_memory(harness: Harness, tmp_path: Path) -> None:
    handler, _ = answer(bomb(31), "gzip")
    client = harness.client(handler, max_response_bytes=CAP)
    errors: list[Exception] = []

    def call() -> None:
        try:
            fetch(harness, client, tmp_path)
        except VelerianResponseTooLargeError as exc:
            errors.append(exc)

    peak = peak_bytes(call)
    assert [type(e) for e in errors] == [VelerianResponseTooLargeError]
    # Nothing is kept, but a raw read, a step and the file's buffers are in hand at once.
    assert peak < 2 * MIB, f"{peak / MIB:.1f} MiB held by a download"
    assert list(tmp_path.iterdir()) == []
