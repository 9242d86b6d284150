"""``harness.env_file`` in-process: the marker, the identity, no leftovers on failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from velerian_stub.harness import env_file
from velerian_stub.harness.env_file import (
    EnvFileError,
    read_env_lines,
    remove_env_file,
    write_env_file,
)

pytestmark = pytest.mark.timeout(10)

TEXT = "export VELERIAN_X=1\n"


def test_the_file_is_new_private_and_marked_with_its_writer(tmp_path: Path) -> None:
    path = tmp_path / "velerian.env"
    written = write_env_file(path, TEXT)
    marker = f"# written by velerian-stub pid {os.getpid()}; removed when it stops\n"
    assert path.read_text(encoding="utf-8") == marker + TEXT
    assert read_env_lines(path) == TEXT
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (written.path, written.marker) == (path, marker)
    assert [p.name for p in tmp_path.iterdir()] == ["velerian.env"]  # no temporary left
    assert remove_env_file(written)
    assert not path.exists()


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    # A lone surrogate cannot be encoded: the write fails, and no file of it remains.
    with pytest.raises(UnicodeEncodeError):
        write_env_file(tmp_path / "velerian.env", "export VELERIAN_X=\udcff\n")
    assert list(tmp_path.iterdir()) == []


def test_a_name_taken_after_the_check_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two starts race past the check: the hard link fails where a rename would replace.
    path = tmp_path / "velerian.env"
    path.write_bytes(b"theirs\n")

    def no_check(path: Path) -> None:
        return None

    monkeypatch.setattr(env_file, "check_env_file_path", no_check)
    with pytest.raises(EnvFileError, match="velerian-stub did not write it"):
        write_env_file(path, TEXT)
    assert path.read_bytes() == b"theirs\n"
    assert [p.name for p in tmp_path.iterdir()] == ["velerian.env"]


def test_without_hard_links_the_file_is_created_exclusively(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "velerian.env"
    written = write_env_file(path, TEXT)
    assert read_env_lines(path) == TEXT
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["velerian.env"]
    assert remove_env_file(written)


@pytest.mark.parametrize("how", ["replaced", "rewritten in place", "removed", "made a link"])
def test_remove_leaves_a_file_that_is_no_longer_the_one_written(tmp_path: Path, how: str) -> None:
    path = tmp_path / "velerian.env"
    written = write_env_file(path, TEXT)
    other = tmp_path / "other"
    other.write_bytes(b"someone else's\n")
    if how == "replaced":
        os.replace(other, path)
    elif how == "rewritten in place":
        path.write_bytes(b"someone else's\n")
    elif how == "removed":
        path.unlink()
    else:
        path.unlink()
        path.symlink_to(other)
    assert not remove_env_file(written)
    assert how == "removed" or path.read_bytes() == b"someone else's\n"
