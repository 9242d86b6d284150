"""
File storage for uploaded attachments and exported evidence, beside the database.

Files are written to a temporary name and renamed into place, so a reader never sees
half a file and an interrupted upload leaves the previous bytes intact. A file is
complete before the row that names it commits; :meth:`BlobStore.sweep` deletes, at
start, what a killed process left behind.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import anyio

__all__ = ["BlobStore", "BlobTooLargeError", "StoredBlob"]


class BlobTooLargeError(ValueError):
    """
    A streamed file passed its size limit; nothing of it was kept.

    Args:
        limit: The most bytes the file may have.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredBlob:
    """
    The size and digest of a file just written.

    Attributes:
        size_bytes: How many bytes were written.
        sha256: Their SHA-256 in lower-case hex.
    """

    size_bytes: int
    sha256: str


def _partial_path(target: Path) -> Path:
    # A unique name per writer, so two concurrent uploads never share a partial file.
    return target.with_name(f"{target.name}.{secrets.token_hex(4)}.partial")


class BlobStore:
    """
    A directory of files grouped by kind (``exports``, ``uploads``).

    Args:
        root: The directory; created when missing.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, kind: str, name: str) -> Path:
        """
        Locate one stored file.

        Args:
            kind: The group, for example ``"exports"``.
            name: The file's name within the group (an opaque id).

        Returns:
            Its path, which may not exist yet.
        """
        return self.root / kind / name

    def sweep(self, kind: str, *, keep: Collection[str] | None = None) -> int:
        """
        Delete what a crash left in a group: partial writes, and files nothing refers to.

        Run at start, before any request: a process killed while writing leaves its
        ``.partial`` file, and one killed after writing an export but before its row
        committed leaves a file no row names (never served, but never freed either).
        A file is always complete before its row commits, so no row loses its file.

        Args:
            kind: The group.
            keep: The names that rows refer to; any other file is deleted. ``None``
                deletes only partial writes.

        Returns:
            How many files were deleted.
        """
        folder = self.root / kind
        if not folder.is_dir():
            return 0
        deleted = 0
        for path in folder.iterdir():
            partial = path.name.endswith(".partial")
            if path.is_file() and (partial or (keep is not None and path.name not in keep)):
                path.unlink(missing_ok=True)
                deleted += 1
        return deleted

    def free_bytes(self) -> int:
        """Return the free space of the store's file system, in bytes."""
        return shutil.disk_usage(self.root).free

    def write(self, kind: str, name: str, chunks: Iterable[bytes]) -> StoredBlob:
        """
        Store a file from chunks produced in memory.

        Args:
            kind: The group.
            name: The file's name.
            chunks: The content, in order.

        Returns:
            Its size and digest.
        """
        target = self.path(kind, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = _partial_path(target)
        digest = hashlib.sha256()
        size = 0
        try:
            with partial.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return StoredBlob(size, digest.hexdigest())

    async def write_stream(
        self, kind: str, name: str, chunks: AsyncIterator[bytes], *, max_bytes: int | None = None
    ) -> StoredBlob:
        """
        Store a file from a request body as it arrives, never holding it all in memory.

        Args:
            kind: The group.
            name: The file's name.
            chunks: The body chunks as received.
            max_bytes: The most bytes the file may have; reading stops at the first
                chunk past it. ``None`` is unbounded.

        Returns:
            Its size and digest.

        Raises:
            BlobTooLargeError: The chunks passed ``max_bytes``; the partial file is
                removed and an earlier file of that name is left as it was.
        """
        target = self.path(kind, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = _partial_path(target)
        digest = hashlib.sha256()
        size = 0
        try:
            async with await anyio.open_file(partial, "wb") as handle:
                async for chunk in chunks:
                    if max_bytes is not None and size + len(chunk) > max_bytes:
                        raise BlobTooLargeError(max_bytes)
                    await handle.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            await anyio.Path(partial).replace(target)
        finally:
            # A client that disconnects mid-upload leaves no partial file behind.
            with anyio.CancelScope(shield=True):
                await anyio.Path(partial).unlink(missing_ok=True)
        return StoredBlob(size, digest.hexdigest())
