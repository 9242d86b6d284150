"""
Upload a run attachment: register it, send the bytes to the presigned link, finalize.

The bytes stream from the source in chunks (constant memory) to the storage link,
which must be https (see ``_core.transfers.check_link``), without the API key or any of the
client's default headers. A failed send is retried with a fresh stream, since a one-shot
body cannot be replayed by the chain's own retry.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .._core.calls import ApiCall, path_segment
from .._core.errors import VelerianAPIError, VelerianConnectionError, note_attempts
from .._core.progress import ProgressCallback
from .._core.retry import why_no_retry
from .._core.transfers import check_link
from .._core.uploads import Source, UploadSource
from .._models.attachments import Attachment, RegisteredAttachment

if TYPE_CHECKING:
    from .sender import AsyncSender

__all__ = ["upload_attachment"]


async def upload_attachment(
    sender: AsyncSender,
    source: Source,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    progress: ProgressCallback | None = None,
) -> Attachment:
    """
    Upload a file as a run attachment; see ``client.attachments.upload``.

    Args:
        sender: The client's sender.
        source: A path, bytes, or a binary file object.
        filename: The registered name (default: the file's own name).
        content_type: Its media type (default: guessed from the name).
        progress: Told ``(bytes sent, total)`` as chunks go out.

    Returns:
        The finalized attachment, ``status == "ready"``.
    """
    body = UploadSource(source, filename=filename, content_type=content_type)
    try:
        register = ApiCall(
            "POST",
            "run-attachments",
            json={
                "filename": body.filename,
                "content_type": body.content_type,
                "size_bytes": body.size_bytes,
                "sha256": body.sha256,
            },
        )
        registered = await sender.fetch(register, RegisteredAttachment)
        check_link(
            registered.upload_url,
            allow_insecure_http=sender.settings.allow_insecure_http,
            purpose="upload",
        )
        await _send_bytes(sender, registered.upload_url, body, progress)
    finally:
        body.close()
    finalize = ApiCall(
        "POST", f"run-attachments/{path_segment('attachment_id', registered.id)}/finalize"
    )
    return await sender.fetch(finalize, Attachment)


async def _send_bytes(
    sender: AsyncSender, url: str, body: UploadSource, progress: ProgressCallback | None
) -> None:
    attempt = 0
    sent = 0
    started = time.monotonic()
    while True:
        request = sender.build_request(
            "PUT",
            url,
            content=body.achunks(progress),
            headers={"Content-Type": body.content_type, "Content-Length": str(body.size_bytes)},
            authenticate=False,
        )
        try:
            await sender.send(request)
            return
        except (VelerianConnectionError, VelerianAPIError) as exc:
            retryable = isinstance(exc, VelerianConnectionError) or (
                sender.settings.retry.is_retryable_status(exc.status_code)
            )
            attempt += 1
            response = exc.response if isinstance(exc, VelerianAPIError) else None
            policy = sender.settings.retry
            delay = policy.delay_before_retry(attempt, response)
            if isinstance(exc, VelerianConnectionError):
                sent += exc.attempts
                if delay is None:
                    # The chain saw one PUT and wrote "not retried"; this loop made them all.
                    why = why_no_retry(policy, attempt)
                    note_attempts(exc, sent, time.monotonic() - started, why)
            else:
                sent += 1
            if not retryable or delay is None:
                raise
            await sender.sleep(delay)
