"""
The ``--env-file``: written whole and private, never over another file, removed only if ours.

The file holds the API key and the admin token, and its name is the user's choice, so
the stub treats whatever is already there as someone else's: it refuses an existing
path (a project's ``.env``, another stub's file, a link, a directory) instead of
replacing it. The file it writes starts with a marker line naming its process, and
at stop it deletes the file only if that name still leads to the very file it wrote
(same device, inode and marker), so a file put there since is left alone.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "EnvFileError",
    "WrittenEnvFile",
    "check_env_file_path",
    "read_env_lines",
    "remove_env_file",
    "write_env_file",
]

_MARKER = "# written by velerian-stub pid {pid}; removed when it stops\n"
_MARKER_PATTERN = re.compile(r"# written by velerian-stub pid (\d+);")
_MARKER_BYTES = 200  # enough for the marker line, small enough to read any file's head


class EnvFileError(Exception):
    """The ``--env-file`` path cannot be written; the message says what to do instead."""


@dataclass(frozen=True)
class WrittenEnvFile:
    """
    A file :func:`write_env_file` wrote: enough to recognise it at stop.

    Attributes:
        path: The name it was written under.
        device: Its ``st_dev``.
        inode: Its ``st_ino``.
        marker: Its first line, which names the writing process.
    """

    path: Path
    device: int
    inode: int
    marker: str


def _first_line(path: Path) -> str:
    with path.open("rb") as stream:
        head = stream.read(_MARKER_BYTES)
    return head.decode("utf-8", errors="replace").partition("\n")[0] + "\n"


def _writer_pid(path: Path) -> str | None:
    try:
        writer = _MARKER_PATTERN.match(_first_line(path))
    except OSError:  # unreadable: not a file the stub could have written
        return None
    return None if writer is None else writer.group(1)


def _why_taken(path: Path, found: os.stat_result) -> str:
    if stat.S_ISLNK(found.st_mode):
        return f"{path} is a symbolic link; the stub does not write through links: name a new file"
    if stat.S_ISDIR(found.st_mode):
        return f"{path} is a directory: name a file in it, for example {path / 'velerian.env'}"
    if not stat.S_ISREG(found.st_mode):
        return f"{path} is not a regular file: name a new file"
    writer = _writer_pid(path)
    if writer is not None:
        return (
            f"{path} was written by velerian-stub pid {writer}: stop that stub "
            f"(it removes the file), or delete {path} if it is no longer running"
        )
    return (
        f"{path} already exists and velerian-stub did not write it, so it is left alone "
        "(the stub deletes its env file when it stops): name a file that does not exist"
    )


def check_env_file_path(path: Path) -> None:
    """
    Refuse a path the stub must not write: anything already there, or no directory.

    Args:
        path: The ``--env-file`` path.

    Raises:
        EnvFileError: The path exists (the message says whose it looks to be) or its
            directory does not.
        OSError: The path cannot be examined (for example, no permission).
    """
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise EnvFileError(
                f"{path}: there is no directory {path.parent}; create it first"
            ) from None
        return
    raise EnvFileError(_why_taken(path, found))


def _open_private(name: str, flags: int) -> int:
    return os.open(name, flags, 0o600)


def _publish(temp: Path, path: Path, data: bytes) -> os.stat_result:
    # A hard link makes the whole file appear at once, and, unlike a rename, fails
    # if the name was taken since the check.
    try:
        os.link(temp, path)
    except FileExistsError:
        raise EnvFileError(_why_taken(path, os.lstat(path))) from None
    except OSError:
        # A file system without hard links: create the name exclusively and fill it.
        pass
    else:
        return os.stat(temp)
    try:
        with open(path, "xb", opener=_open_private) as out:
            out.write(data)
            return os.fstat(out.fileno())
    except FileExistsError:
        raise EnvFileError(_why_taken(path, os.lstat(path))) from None
    except BaseException:
        path.unlink(missing_ok=True)  # ours: the exclusive create succeeded
        raise


def write_env_file(path: Path, text: str) -> WrittenEnvFile:
    """
    Write a new file of the lines, readable by the owner only (they hold the keys).

    A reader never sees half a file: the text goes to a temporary file with a random
    name beside it (created exclusively, mode 0600), which is then linked to ``path``.
    The first line is a shell comment naming this process. Nothing is left behind
    if writing fails.

    Args:
        path: The file to create; it must not exist.
        text: The lines.

    Returns:
        What :func:`remove_env_file` needs to remove this file and no other.

    Raises:
        EnvFileError: ``path`` exists, is a link or a directory, or its directory is
            missing; nothing was written.
        OSError: The file could not be written; nothing was left behind.
    """
    check_env_file_path(path)
    marker = _MARKER.format(pid=os.getpid())
    data = (marker + text).encode("utf-8")
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    temp = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        written = _publish(temp, path, data)
    finally:
        temp.unlink(missing_ok=True)
    return WrittenEnvFile(path, written.st_dev, written.st_ino, marker)


def read_env_lines(path: Path) -> str:
    """
    The lines of a file :func:`write_env_file` wrote, without its marker line.

    Args:
        path: The file.

    Returns:
        Its ``export`` lines.
    """
    text = path.read_text(encoding="utf-8")
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


def remove_env_file(written: WrittenEnvFile) -> bool:
    """
    Remove the file when the stub stops, if the name still leads to the file it wrote.

    Its URL and keys would point at nothing once the stub has stopped. A file that
    replaced it since (another stub's, the user's) is someone else's and stays.

    Args:
        written: What :func:`write_env_file` returned.

    Returns:
        Whether the file was removed.
    """
    try:
        found = os.lstat(written.path)
        if not stat.S_ISREG(found.st_mode):
            return False
        if (found.st_dev, found.st_ino) != (written.device, written.inode):
            return False
        if _first_line(written.path) != written.marker:
            return False
    except OSError:  # gone, or no longer readable by us: not ours to delete
        return False
    written.path.unlink(missing_ok=True)
    return True
