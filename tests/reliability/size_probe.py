"""
Run one hostile-size fault against a client in this process and print what it cost.

``python -m tests.reliability.size_probe bomb MIB`` serves a gzip body that inflates to
``MIB`` MiB to ``client.get``; ``... download MIB`` serves ``MIB`` MiB to a download
whose export states 1,000 bytes. Both over a loopback socket, with the client's own
transport. Prints one JSON line: the peak RSS above the level before the call, the
bytes written, and the error raised. The reliability tests run it in a fresh
interpreter, so the peak belongs to that one call.
"""

from __future__ import annotations

import datetime as dt
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
from velerian_sdk import VelerianClient, VelerianError

KEY = "vk_live_SIZEPROBEabcdefghijklmnopqrstuvwxyz0123456789"
MIB = 1024 * 1024
STATED = 1000


def gzip_bomb(inflated: int) -> bytes:
    """A gzip body of zeros that inflates to ``inflated`` bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(MIB)
    parts = [packer.compress(zeros) for _ in range(inflated // MIB)]
    parts.append(packer.flush())
    return b"".join(parts)


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


def main(fault: str, mib: int) -> None:
    written = 0
    if fault == "bomb":
        bomb = gzip_bomb(mib * MIB)
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            f"Content-Length: {len(bomb)}\r\nConnection: close\r\n\r\n"
        ).encode()
        handler = serve_once(head, [bomb], 1)
    else:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        handler = serve_once(head, [b"x" * MIB], mib)
    error = ""
    with LoopbackServer(handler, lifetime=60.0) as server, tempfile.TemporaryDirectory() as tmp:
        client = VelerianClient(api_key=KEY, base_url=server.url, max_retries=0)
        before = peak_kib()
        try:
            if fault == "bomb":
                client.get("plans")
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
                "rss_before_mb": round(before / 1024, 1),
                "peak_above_mb": round((peak - before) / 1024, 1),
                "written": written,
                "left": left,
                "error": error,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
