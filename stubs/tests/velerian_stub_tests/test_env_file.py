"""``--env-file`` writes only a new file, never through a link, and removes only its own."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from velerian_stub.harness.shell_env import parse_env_line

pytestmark = pytest.mark.timeout(30)

COMMAND = [
    *(sys.executable, "-m", "velerian_stub"),
    *("--port", "0", "--db", ":memory:", "--log-level", "warning"),
]
LINES = 6  # the export lines the command prints once it serves
SECRETS = b"DATABASE_URL=postgres://me:hunter2@db/prod\nSTRIPE_KEY=sk_live_123\n"


@contextmanager
def stub(env_file: str, cwd: Path) -> Generator[subprocess.Popen[str], None, None]:
    """Start the command with ``--env-file``; stop it (SIGTERM) on the way out."""
    with subprocess.Popen(
        [*COMMAND, "--env-file", env_file],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    ) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(10)


def serving(proc: subprocess.Popen[str]) -> list[str]:
    """The printed lines once the stub answers requests; fewer if it exited first."""
    assert proc.stdout is not None
    lines = [line for line in (proc.stdout.readline() for _ in range(LINES)) if line]
    if len(lines) == LINES:
        # Answering, it is past its start-up: what happens next is what happens at stop.
        first = parse_env_line(lines[0])
        assert first is not None
        assert first[0] == "VELERIAN_BASE_URL"
        httpx.get(f"{first[1]}/api/v2/abps", timeout=10)
    return lines


def refused(env_file: str, cwd: Path) -> str:
    """Run the command; assert it refused to start (exit 2, nothing printed); its stderr."""
    with stub(env_file, cwd) as proc:
        printed = serving(proc)  # empty at once if it exits; the lines if it serves
        _, stderr = proc.communicate(timeout=20) if not printed else ("", "")
    assert printed == [], "the stub started instead of refusing the path"
    assert proc.returncode == 2, stderr
    assert "argument --env-file" in stderr
    return stderr


def test_an_existing_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    # F1: a project's .env, holding other secrets, must not be replaced, nor deleted later.
    (tmp_path / ".env").write_bytes(SECRETS)
    stderr = refused(".env", tmp_path)
    assert ".env already exists and velerian-stub did not write it" in stderr
    assert "name a file that does not exist" in stderr
    assert (tmp_path / ".env").read_bytes() == SECRETS


@pytest.mark.parametrize("how", ["replaced", "rewritten in place"])
def test_stop_removes_the_file_only_while_it_is_the_one_written(tmp_path: Path, how: str) -> None:
    # F1: at stop, a file that took the name's place (or its contents) is someone else's.
    env_file = tmp_path / "velerian.env"
    with stub("velerian.env", tmp_path) as proc:
        assert len(serving(proc)) == LINES
        if how == "replaced":
            (tmp_path / "mine").write_bytes(SECRETS)
            (tmp_path / "mine").replace(env_file)
        else:
            env_file.write_bytes(SECRETS)
    assert env_file.read_bytes() == SECRETS


def test_a_second_stub_on_the_same_file_is_refused_and_the_first_keeps_it(
    tmp_path: Path,
) -> None:
    # F5: the second used to take the file over; the first's stop then deleted it.
    env_file = tmp_path / "a.env"
    with stub("a.env", tmp_path) as first:
        lines = serving(first)
        assert len(lines) == LINES
        written = env_file.read_text(encoding="utf-8")
        stderr = refused("a.env", tmp_path)
        assert f"a.env was written by velerian-stub pid {first.pid}: stop that stub" in stderr
        assert env_file.read_text(encoding="utf-8") == written
        assert written.splitlines()[1:] == [line.rstrip("\n") for line in lines]
    assert not env_file.exists()  # the first stub removed its own file


def test_a_planted_link_at_a_temporary_name_is_not_followed(tmp_path: Path) -> None:
    # F2: the temporary file used to be .NAME.partial, opened through any link there.
    victim = tmp_path / "victim.txt"
    victim.write_bytes(SECRETS)
    (tmp_path / ".link.env.partial").symlink_to(victim)
    with stub("link.env", tmp_path) as proc:
        assert len(serving(proc)) == LINES
        found = os.lstat(tmp_path / "link.env")
        assert stat.S_ISREG(found.st_mode)
        assert stat.S_IMODE(found.st_mode) == 0o600
        assert victim.read_bytes() == SECRETS
    assert victim.read_bytes() == SECRETS
    assert sorted(p.name for p in tmp_path.iterdir()) == [".link.env.partial", "victim.txt"]


def test_a_link_at_the_env_file_path_is_refused(tmp_path: Path) -> None:
    # F2: the name itself a link: neither written through nor replaced.
    victim = tmp_path / "victim.txt"
    victim.write_bytes(SECRETS)
    (tmp_path / "link.env").symlink_to(victim)
    stderr = refused("link.env", tmp_path)
    assert "link.env is a symbolic link" in stderr
    assert (tmp_path / "link.env").is_symlink()
    assert victim.read_bytes() == SECRETS


def test_a_directory_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    # F6: the keys used to be left in .adir.partial after a traceback.
    (tmp_path / "adir").mkdir()
    stderr = refused("adir", tmp_path)
    assert "adir is a directory: name a file in it, for example adir/velerian.env" in stderr
    assert [p.name for p in tmp_path.iterdir()] == ["adir"]
    assert list((tmp_path / "adir").iterdir()) == []


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    stderr = refused("nowhere/velerian.env", tmp_path)
    assert "there is no directory nowhere; create it first" in stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="no SIGHUP on Windows")
def test_a_closed_terminal_removes_the_file(tmp_path: Path) -> None:
    # A hang-up used to end the process at once, leaving the keys in the file.
    env_file = tmp_path / "hup.env"
    with stub("hup.env", tmp_path) as proc:
        assert len(serving(proc)) == LINES
        assert env_file.exists()
        proc.send_signal(signal.SIGHUP)
        proc.wait(10)
    assert not env_file.exists()


def test_a_stop_right_after_the_lines_removes_the_file(tmp_path: Path) -> None:
    # The SIGTERM handler used to be installed after the lines were printed: a stop
    # in that moment ended the process at once, leaving the keys in the file.
    with stub("velerian.env", tmp_path) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("export VELERIAN_BASE_URL=")
        proc.terminate()
        proc.wait(10)
    assert not (tmp_path / "velerian.env").exists()
