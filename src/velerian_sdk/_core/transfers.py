"""
Where downloaded bytes go: written aside, checked, then put in place in one step.

A folder destination gets a file named from the export's id and format, which come
from the server: the name is used only if it is a plain, portable file name, so a
hostile server cannot write outside the folder the user chose. A path destination gets
a temporary file in the same folder, renamed over the target only after the size and
SHA-256 check out, so a failed, interrupted or tampered download leaves nothing behind.
A file-object destination gets a spooled temporary file that is copied in only after
the checks, for the same reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

import httpx

from .errors import (
    VelerianArgumentError,
    VelerianExportExpiredError,
    VelerianIntegrityError,
    with_scrubbed_cause,
)
from .progress import ProgressCallback
from .redaction import fields_repr, redact_url
from .settings import insecure_http

__all__ = [
    "DownloadedFile",
    "check_link",
    "download_plan",
    "export_file_name",
]

Destination = str | os.PathLike[str] | IO[bytes]


class ExportLike(Protocol):
    """What a download needs to know of an evidence export."""

    @property
    def export_id(self) -> str: ...
    @property
    def download_url(self) -> str: ...
    @property
    def delivery(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def expires_at(self) -> dt.datetime: ...
    @property
    def size_bytes(self) -> int | None: ...
    @property
    def sha256(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class DownloadedFile:
    """
    What a download wrote.

    Attributes:
        path: The file written, or ``None`` when the destination was a file object.
        size_bytes: How many bytes.
        sha256: Their SHA-256, lower-case hex.

    .. versionadded:: 0.2.0
    """

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    path: Path | None
    size_bytes: int
    sha256: str


@dataclass(frozen=True, slots=True)
class DownloadPlan:
    """How to fetch one export: where, with or without the key, and what to expect."""

    __repr__ = fields_repr  # the generated repr raises on a half-built object

    url: str
    authenticate: bool
    size_bytes: int | None
    sha256: str | None


def download_plan(
    export: ExportLike, *, allow_insecure_http: bool, now: dt.datetime | None = None
) -> DownloadPlan:
    """
    Decide how to fetch an export, following its delivery rule.

    ``presigned`` links point at storage and are fetched **without** the API key;
    ``stream`` links are API paths fetched **with** it.

    Args:
        export: The export to fetch.
        allow_insecure_http: The client's setting, which decides whether a plain-http
            link to a remote host is used.
        now: The current time, for the expiry check.

    Returns:
        The plan.

    Raises:
        VelerianExportExpiredError: A presigned link that has already expired.
        VelerianArgumentError: An unknown delivery, or a plain-http link.
    """
    if export.delivery not in {"presigned", "stream"}:
        msg = (
            f"export {export.export_id} has delivery {export.delivery!r}; "
            "expected presigned or stream"
        )
        raise VelerianArgumentError(msg)
    check_link(export.download_url, allow_insecure_http=allow_insecure_http, purpose="download")
    presigned = export.delivery == "presigned"
    if presigned and is_expired(export, now=now):
        raise VelerianExportExpiredError(export.export_id, export.expires_at.isoformat())
    return DownloadPlan(export.download_url, not presigned, export.size_bytes, export.sha256)


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_PLAIN_FORMAT = re.compile(r"[A-Za-z0-9]{1,16}")
_MAX_NAME = 200
"""Characters; file systems take 255 bytes, and the temporary name adds a few."""
_WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)]
)


def export_file_name(export_id: str, format: str) -> str:
    """
    Name the file of an export saved into a folder: ``<export_id>.<format>``.

    Both parts come from the server, so the name is checked to be a plain file name on
    every platform: letters, digits, ``_``, ``.`` and ``-`` only, starting with a letter
    or digit (no separators of any platform, no ``..``, no hidden or absolute names, no
    control characters), at most 200 characters, and not a Windows device name.

    Args:
        export_id: The export's id.
        format: Its format (``json``, ``jsonl``).

    Returns:
        The file name.

    Raises:
        VelerianArgumentError: Either part is not plain; nothing has been written.
    """
    name = f"{export_id}.{format}"
    plain = (
        _PLAIN_NAME.fullmatch(export_id) is not None
        and _PLAIN_FORMAT.fullmatch(format) is not None
        and len(name) <= _MAX_NAME
        and export_id.partition(".")[0].lower() not in _WINDOWS_DEVICES
    )
    if not plain:
        msg = (
            f"the server named this export {name!r}, which is not a plain file name and "
            "could point outside the folder: nothing was written. Pass a file path "
            "(e.g. 'evidence.json') instead of a folder."
        )
        raise VelerianArgumentError(msg)
    return name


def is_expired(export: ExportLike, *, now: dt.datetime | None = None) -> bool:
    """
    Tell whether an export's link has expired.

    Args:
        export: The export.
        now: The current time (default: now, UTC).

    Returns:
        True when ``expires_at`` is in the past.
    """
    current = now or dt.datetime.now(dt.timezone.utc)
    expires = export.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.timezone.utc)
    return expires <= current


class Sink:
    """
    One attempt's destination: bytes in, checked, then committed or discarded.

    Args:
        to: A path (a folder gets ``<export_id>.<format>`` inside it) or a binary file.
        export_id: The export's id, for the file name in a folder.
        format: The export's format, for the file name in a folder.
        total: The stated size: progress counts up to it, and no byte beyond it is
            written.
        progress: Told ``(done, total)`` after every chunk.

    Raises:
        VelerianArgumentError: The destination cannot be written, or the server's
            name for the file is not a plain file name.
    """

    def __init__(
        self,
        to: Destination,
        *,
        export_id: str,
        format: str,
        total: int | None,
        progress: ProgressCallback | None,
    ) -> None:
        self._target: Path | None = None
        self._user_file: IO[bytes] | None = None
        if isinstance(to, (str, os.PathLike)):
            target = Path(to)
            if target.is_dir():
                target = target / export_file_name(export_id, format)
            self._target = target
            handle, temp_name = _temporary_beside(target)
            self._temp_path: Path | None = Path(temp_name)
            self._file: IO[bytes] = os.fdopen(handle, "wb")
        else:
            self._user_file = to
            self._temp_path = None
            self._file = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed in finish/discard
        self._hash = hashlib.sha256()
        self._done = 0
        self._total = total
        self._progress = progress

    def write(self, chunk: bytes) -> None:
        """
        Take the next chunk.

        Args:
            chunk: Bytes, in order.

        Raises:
            VelerianIntegrityError: The bytes would pass the stated size; the chunk is
                not written.
            VelerianArgumentError: The file cannot be written (a full disk, say).
        """
        if self._total is not None and self._done + len(chunk) > self._total:
            received = self._done + len(chunk)
            raise VelerianIntegrityError(
                f"expected {self._total} bytes, received at least {received}: the download "
                "stopped there",
                expected=f"size {self._total}",
                actual=f"size >= {received}",
            )
        failure: VelerianArgumentError | None = None
        try:
            self._file.write(chunk)
        except OSError as exc:
            failure = self._unwritable(exc)
        if failure is not None:
            raise failure
        self._hash.update(chunk)
        self._done += len(chunk)
        if self._progress is not None:
            self._progress(self._done, self._total)

    def finish(self, *, size_bytes: int | None, sha256: str | None) -> DownloadedFile:
        """
        Check the bytes against what the server stated, then put them in place.

        Args:
            size_bytes: The stated size, if any.
            sha256: The stated SHA-256, if any.

        Returns:
            What was written.

        Raises:
            VelerianIntegrityError: A mismatch; nothing is left at the destination.
        """
        digest = self._hash.hexdigest()
        try:
            if size_bytes is not None and size_bytes != self._done:
                raise VelerianIntegrityError(
                    f"expected {size_bytes} bytes, received {self._done}",
                    expected=f"size {size_bytes}",
                    actual=f"size {self._done}",
                )
            if sha256 is not None and sha256.lower() != digest:
                raise VelerianIntegrityError(
                    f"the file's SHA-256 is {digest}, the server stated {sha256}",
                    expected=f"sha256 {sha256}",
                    actual=f"sha256 {digest}",
                )
            failure: VelerianArgumentError | None = None
            try:
                self._put_in_place()
            except OSError as exc:
                failure = self._unwritable(exc)
            if failure is not None:
                raise failure
        except BaseException:
            self.discard()
            raise
        return DownloadedFile(self._target, self._done, digest)

    def _put_in_place(self) -> None:
        self._file.flush()
        if self._user_file is not None:
            self._file.seek(0)
            shutil.copyfileobj(self._file, self._user_file)
            self._file.close()
            return
        assert self._target is not None
        assert self._temp_path is not None
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._temp_path, self._target)
        self._temp_path = None

    def _unwritable(self, exc: OSError) -> VelerianArgumentError:
        where = os.fspath(self._target) if self._target is not None else "the file object"
        error = VelerianArgumentError(f"cannot write to {where!r}: {_reason(exc)}")
        return with_scrubbed_cause(error, exc)

    def discard(self) -> None:
        """Drop whatever was written; safe to call more than once."""
        self._file.close()
        if self._temp_path is not None:
            self._temp_path.unlink(missing_ok=True)
            self._temp_path = None


def _temporary_beside(target: Path) -> tuple[int, str]:
    """Create the hidden ``.part`` file the download is written to before it is moved."""
    try:
        return tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        msg = f"cannot write to {os.fspath(target)!r}: {_reason(exc)}"
        failure = with_scrubbed_cause(VelerianArgumentError(msg), exc)
    raise failure


def _reason(exc: OSError | ValueError) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def check_link(link: str, *, allow_insecure_http: bool, purpose: str) -> None:
    """
    Refuse a server-supplied link that would send a transfer over plain http.

    The rule is the base URL's (:func:`~velerian_sdk._core.settings.insecure_http`): https,
    or plain http to a loopback host or with ``allow_insecure_http=True``. A link that
    is a path (``/api/v2/...``) is on the API's own origin and passes.

    Args:
        link: The link, as the server sent it.
        allow_insecure_http: The client's setting.
        purpose: What the link is for, for the message (``"download"``, ``"upload"``).

    Raises:
        VelerianArgumentError: Plain http to a remote host.
    """
    try:
        url = httpx.URL(link)
    except httpx.InvalidURL:
        return  # building the request reports it, without the link's signature
    # Judged on the parsed URL, not the text: ``HTTP://`` is plain http too.
    if insecure_http(url, allow_insecure_http=allow_insecure_http):
        msg = (
            f"the server sent a plain-http {purpose} link ({redact_url(url)}), which would "
            "move the file unencrypted: refused. Ask the API's operator for https links, "
            "or pass allow_insecure_http=True to the client for a trusted private network."
        )
        raise VelerianArgumentError(msg)
