"""
What an attachment upload reads from: a path, bytes, or a binary file, read in chunks.

The size and SHA-256 are computed in one pass before the upload (the API registers them
first), so a source must be readable twice: paths and bytes are; a file object that
cannot seek is first spooled to a temporary file.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from io import BytesIO
from pathlib import Path
from typing import IO, cast

from .errors import VelerianArgumentError, with_scrubbed_cause
from .progress import ProgressCallback

__all__ = ["UploadSource"]

CHUNK_SIZE = 256 * 1024
Source = str | os.PathLike[str] | bytes | IO[bytes]


class UploadSource:
    """
    A re-readable upload body with its name, media type, size and hash.

    Args:
        source: A path, bytes, or a binary file object.
        filename: The name to register; defaults to the path's or file's name.
        content_type: The media type; guessed from the name by default.

    Raises:
        VelerianArgumentError: Unreadable path, a text-mode file, or no name for bytes.
    """

    def __init__(
        self, source: Source, *, filename: str | None = None, content_type: str | None = None
    ) -> None:
        self._owned: IO[bytes] | None = None
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            self._file: IO[bytes] = _opened(path)
            self._owned = self._file
            filename = filename or path.name
        elif isinstance(source, bytes):
            self._file = BytesIO(source)
            if not filename:
                msg = "filename= is required when uploading bytes"
                raise VelerianArgumentError(msg)
        else:
            self._file = _seekable(source)
            if self._file is not source:
                self._owned = self._file
            name = getattr(source, "name", None)
            filename = filename or (Path(name).name if isinstance(name, str) else None)
            if not filename:
                msg = "filename= is required for a file object without a name"
                raise VelerianArgumentError(msg)
        self.filename = filename
        self.content_type = (
            content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        )
        self._start = self._file.tell()
        self.size_bytes, self.sha256 = self._measure()

    def _measure(self) -> tuple[int, str]:
        digest = hashlib.sha256()
        size = 0
        for chunk in self._read_from_start():
            digest.update(chunk)
            size += len(chunk)
        return size, digest.hexdigest()

    def _read_from_start(self) -> Iterator[bytes]:
        self._file.seek(self._start)
        while chunk := self._file.read(CHUNK_SIZE):
            if not isinstance(cast("object", chunk), bytes):
                msg = "the file is open in text mode: open it with 'rb'"
                raise VelerianArgumentError(msg)
            yield chunk

    def chunks(self, progress: ProgressCallback | None = None) -> Iterator[bytes]:
        """
        Read the body from the start, reporting progress.

        Args:
            progress: Told ``(bytes sent, total)`` after each chunk.

        Yields:
            The body in chunks.
        """
        done = 0
        for chunk in self._read_from_start():
            yield chunk
            done += len(chunk)
            if progress is not None:
                progress(done, self.size_bytes)

    async def achunks(self, progress: ProgressCallback | None = None) -> AsyncIterator[bytes]:
        """
        Read the body from the start, for an async request.

        Args:
            progress: Told ``(bytes sent, total)`` after each chunk.

        Yields:
            The body in chunks (read from local storage without awaiting).
        """
        for chunk in self.chunks(progress):
            yield chunk

    def close(self) -> None:
        """Close what this source opened itself (never the caller's file)."""
        if self._owned is not None:
            self._owned.close()


def _seekable(file: IO[bytes]) -> IO[bytes]:
    try:
        if file.seekable():
            return file
    except (AttributeError, OSError):
        pass
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - owned, closed later
    shutil.copyfileobj(file, spool)
    spool.seek(0)
    return spool


def _opened(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        msg = f"cannot read {os.fspath(path)!r}: {exc.strerror}"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    raise failure
