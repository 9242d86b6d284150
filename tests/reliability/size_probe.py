"""
Run one hostile-size fault against a client in this process and print what it cost.

``python -m tests.reliability.size_probe FAULT MIB [FLAVOUR [CAP_MIB]]`` runs one fault
over a loopback socket, with the client's own transport, through ``client.get`` (the
``sync`` or ``async`` client; ``max_response_bytes`` of ``CAP_MIB``, 32 by default):

- ``bomb``, ``deflate-bomb``, ``raw-deflate-bomb``: a gzip, zlib-wrapped deflate or raw
  deflate body that inflates to ``MIB`` MiB;
- ``br``, ``zstd``: ``MIB`` MiB of zeros in that encoding (made with ``brotli`` or
  ``zstandard`` when installed, else only labelled so: the client must refuse it
  unread either way);
- ``stacked``: a gzip bomb wrapped in gzip again, labelled ``gzip, gzip``;
- ``corrupt``: a gzip JSON body with its checksum broken;
- ``json``: a gzip body of valid JSON, which must parse;
- ``download``: ``MIB`` MiB served to a download whose export states 1,000 bytes.

Prints one JSON line: the peak RSS above the level before the call, the bytes written
(a download) or kept (``client.get``), and the error raised. The reliability tests run
it in a fresh interpreter, so the peak belongs to that one call.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import importlib
import json
import resource
import socket
import sys
import tempfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from tests.reliability.loopback_servers import Handler, LoopbackServer, read_request
from velerian_sdk import AsyncVelerianClient, VelerianClient, VelerianError

KEY = "vk_live_SIZEPROBEabcdefghijklmnopqrstuvwxyz0123456789"
MIB = 1024 * 1024
STATED = 1000


def gzip_bomb(inflated: int, wbits: int = zlib.MAX_WBITS | 16) -> bytes:
    """A body of zeros that inflates to ``inflated`` bytes: gzip, or the ``wbits`` framing."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(MIB)
    parts = [packer.compress(zeros) for _ in range(inflated // MIB)]
    parts.append(packer.flush())
    return b"".join(parts)


def foreign(encoding: str, inflated: int) -> bytes:
    """Zeros in ``br`` or ``zstd``, or a few bytes only labelled so if the package is absent."""
    try:
        packer = importlib.import_module("brotli" if encoding == "br" else "zstandard")
    except ImportError:
        return b"\x8b\xff\xff\x7f" * 1024
    if encoding == "br":
        packed: bytes = packer.compress(bytes(inflated), quality=1)
    else:
        packed = packer.ZstdCompressor(level=1).compress(bytes(inflated))
    return packed


def encoded_body(fault: str, inflated: int) -> tuple[str, bytes]:
    """The ``Content-Encoding`` and the body on the wire for an encoding fault."""
    if fault == "bomb":
        return "gzip", gzip_bomb(inflated)
    if fault == "deflate-bomb":
        return "deflate", gzip_bomb(inflated, zlib.MAX_WBITS)
    if fault == "raw-deflate-bomb":
        return "deflate", gzip_bomb(inflated, -zlib.MAX_WBITS)
    if fault in ("br", "zstd"):
        return fault, foreign(fault, inflated)
    if fault == "stacked":
        return "gzip, gzip", gzip.compress(gzip_bomb(inflated))
    packed = json.dumps({"items": [{"id": n} for n in range(1000)]}).encode()
    body = gzip.compress(packed)
    if fault == "corrupt":
        return "gzip", body[:-8] + bytes(4) + body[-4:]
    return "gzip", body


def serve_once(head: bytes, body_chunks: list[bytes], repeat: int) -> Handler:
    def handler(connection: socket.socket, stop: threading.Event) -> None:
        if read_request(connection, stop) is None:
            return
        try:
            connection.sendall(head)
            for _ in range(repeat):
                for chunk in body_chunks:
                    if stop.is_set():
                        return
                    connection.sendall(chunk)
        except OSError:
            return  # the client hung up, as it should

    return handler


@dataclass(frozen=True)
class Export:
    export_id: str
    download_url: str
    delivery: str = "presigned"
    format: str = "json"
    expires_at: dt.datetime = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    size_bytes: int | None = STATED
    sha256: str | None = None


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def get_plans(url: str, flavour: str, cap: int) -> str:
    """``client.get("plans")`` with a client of ``flavour``; the body's length, as text."""
    if flavour == "sync":
        with VelerianClient(
            api_key=KEY, base_url=url, max_retries=0, max_response_bytes=cap
        ) as client:
            return str(len(client.get("plans").content))

    async def get() -> str:
        async with AsyncVelerianClient(
            api_key=KEY, base_url=url, max_retries=0, max_response_bytes=cap
        ) as client:
            return str(len((await client.get("plans")).content))

    return asyncio.run(get())


def main(fault: str, mib: int, flavour: str = "sync", cap_mib: int = 32) -> None:
    written = 0
    if fault != "download":
        encoding, body = encoded_body(fault, mib * MIB)
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Encoding: {encoding}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        handler = serve_once(head, [body], 1)
    else:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        handler = serve_once(head, [b"x" * MIB], mib)
    error = ""
    with LoopbackServer(handler, lifetime=60.0) as server, tempfile.TemporaryDirectory() as tmp:
        client = VelerianClient(api_key=KEY, base_url=server.url, max_retries=0)
        before = peak_kib()
        try:
            if fault != "download":
                written = int(get_plans(server.url, flavour, cap_mib * MIB))
            else:
                done: list[int] = [0]

                def progress(count: int, total: int | None) -> None:
                    done[0] = count

                try:
                    client.evidence.download(
                        Export("exp_1", f"{server.url}/_storage/exp_1"),  # type: ignore[arg-type]
                        Path(tmp),
                        progress=progress,
                    )
                finally:
                    written = done[0]
        except VelerianError as exc:
            error = type(exc).__name__
        peak = peak_kib()
        left = sorted(p.name for p in Path(tmp).iterdir())
        client.close()
    print(
        json.dumps(
            {
                "fault": fault,
                "mib": mib,
                "flavour": flavour,
                "cap_mib": cap_mib,
                "rss_before_mb": round(before / 1024, 1),
                "peak_above_mb": round((peak - before) / 1024, 1),
                "written": written,
                "left": left,
                "error": error,
            }
        )
    )


if __name__ == "__main__":
    flavour = sys.argv[3] if len(sys.argv) > 3 else "sync"
    cap_mib = int(sys.argv[4]) if len(sys.argv) > 4 else 32
    main(sys.argv[1], int(sys.argv[2]), flavour, cap_mib)
