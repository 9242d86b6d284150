"""
Stream an evidence export to disk in constant memory, checked and written atomically.

The bytes go through the client's middleware chain like any call (retries before the
body starts, logging, error mapping), with the delivery rule deciding whether the key is
sent. A connection lost halfway through the body restarts the download from the start,
up to the client's ``max_retries``, into a fresh temporary file.

The body is asked for without compression (``Accept-Encoding: identity``) and is never
written past the size the server stated: a ``Content-Length`` above it fails before
the first byte, and the read stops at the first chunk that would pass it. A server
that compresses anyway has its ``gzip`` or ``deflate`` body inflated here in bounded
steps (``_core.bodies``), never by ``httpx``, and cut off at the stated size or,
with no size stated, at the client's ``max_response_bytes`` of decoded bytes; any
other encoding is refused before a byte is written.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx

from .._core.bodies import BodyDecoder, body_decoder, stated_length, too_large
from .._core.errors import (
    VelerianConnectionError,
    VelerianExportExpiredError,
    VelerianForbiddenError,
    VelerianIntegrityError,
    note_attempts,
)
from .._core.progress import ProgressCallback
from .._core.requests import translate_transport_error
from .._core.retry import why_no_retry
from .._core.transfers import (
    Destination,
    DownloadedFile,
    DownloadPlan,
    ExportLike,
    Sink,
    download_plan,
    is_expired,
)

if TYPE_CHECKING:
    from .sender import AsyncSender

__all__ = ["download_export"]

CHUNK_SIZE = 256 * 1024


async def download_export(
    sender: AsyncSender,
    export: ExportLike,
    to: Destination,
    *,
    progress: ProgressCallback | None = None,
) -> DownloadedFile:
    """
    Download ``export`` to ``to``; see ``client.evidence.download``.

    Args:
        sender: The client's sender, whose chain and settings are used.
        export: The export to fetch.
        to: A path, a folder, or a binary file object.
        progress: Told ``(bytes done, bytes total)`` as chunks arrive.

    Returns:
        What was written.
    """
    plan = download_plan(export, allow_insecure_http=sender.settings.allow_insecure_http)
    attempt = 0
    sent = 0
    started = time.monotonic()
    while True:
        sink = Sink(
            to,
            export_id=export.export_id,
            format=export.format,
            total=plan.size_bytes,
            progress=progress,
        )
        try:
            response = await _open(sender, plan, export)
        except BaseException as exc:
            sink.discard()
            if sent and isinstance(exc, VelerianConnectionError):
                # The chain counted only this GET's tries (and said why it stopped them);
                # the earlier ones, whose bodies broke off halfway, count too.
                note_attempts(exc, sent + exc.attempts, time.monotonic() - started, None)
            raise
        sent += 1
        try:
            await _receive(sender, plan, response, sink)
            return sink.finish(size_bytes=plan.size_bytes, sha256=plan.sha256)
        except VelerianConnectionError as exc:
            # The body broke off halfway; the chain only retries until headers arrive.
            sink.discard()
            attempt += 1
            policy = sender.settings.retry
            delay = policy.delay_before_retry(attempt, None)
            if delay is None:
                why = why_no_retry(policy, attempt)
                note_attempts(exc, sent, time.monotonic() - started, why)
                raise
            await sender.sleep(delay)
        except BaseException:
            sink.discard()
            raise


async def _receive(
    sender: AsyncSender, plan: DownloadPlan, response: httpx.Response, sink: Sink
) -> None:
    """Write the body of ``response`` to ``sink``, decoded, within the size limits."""
    failure: VelerianConnectionError | None = None
    try:
        decoder = body_decoder(response)
        limit = _decoded_limit(response, plan, decoder, sender.settings.max_response_bytes)
        decoded = 0
        if response.is_stream_consumed:
            # Built in memory by an in-process transport: httpx decoded it then.
            decoder = None
            arrived = response.aiter_bytes(CHUNK_SIZE)
        else:
            arrived = response.aiter_raw(CHUNK_SIZE)
        async for raw in arrived:
            for chunk in (raw,) if decoder is None else decoder.decode(raw):
                decoded += len(chunk)
                if limit is not None and decoded > limit:
                    raise too_large(response.request, limit, size="compressed, no size stated")
                sink.write(chunk)
        if decoder is not None:
            decoder.finish()
    except httpx.HTTPError as exc:
        failure = translate_transport_error(exc, response.request)
    finally:
        await response.aclose()
    if failure is not None:
        raise failure


def _decoded_limit(
    response: httpx.Response, plan: DownloadPlan, decoder: BodyDecoder | None, max_bytes: int
) -> int | None:
    """Check the stated length; return the cap on decoded bytes beyond the sink's own."""
    encoded = decoder is not None
    stated = None if encoded else stated_length(response)
    if plan.size_bytes is not None:
        if stated is not None and stated > plan.size_bytes:
            raise VelerianIntegrityError(
                f"expected {plan.size_bytes} bytes, the response states {stated}: "
                "nothing was written",
                expected=f"size {plan.size_bytes}",
                actual=f"Content-Length {stated}",
            )
        return None  # the sink stops at the stated size
    if encoded:
        return max_bytes  # compressed although identity was asked for: no unbounded inflation
    return None


async def _open(sender: AsyncSender, plan: DownloadPlan, export: ExportLike) -> httpx.Response:
    request = sender.build_request(
        "GET",
        plan.url,
        headers={"Accept": "*/*", "Accept-Encoding": "identity"},
        stream=True,
        authenticate=plan.authenticate,
    )
    try:
        return await sender.send(request)
    except VelerianForbiddenError as exc:
        expired = is_expired(export) or "expire" in (exc.detail or "").lower()
        if not plan.authenticate and expired:
            raise VelerianExportExpiredError(
                export.export_id, export.expires_at.isoformat()
            ) from exc
        raise
