"""The command's output works as written in a shell: export lines, env file, detached start."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

import pytest

from velerian_stub import StubProcess
from velerian_stub.harness.shell_env import format_env_lines, parse_env_line

NAMES = [
    "VELERIAN_BASE_URL",
    "VELERIAN_API_KEY",
    "VELERIAN_ABP_ID",
    "VELERIAN_NETWORK_SLUG",
    "VELERIAN_DRAFT_ABP_ID",
    "VELERIAN_STUB_ADMIN_TOKEN",
]
COMMAND = [sys.executable, "-m", "velerian_stub", "--port", "0", "--db", ":memory:"]
# A child of the shell prints what it was given: only exported variables reach it.
SHOW = f"{sys.executable} -c 'import os; print(sorted(k for k in os.environ if k.startswith(\"VELERIAN_\")))'"  # noqa: E501


@contextmanager
def serving(*flags: str, cwd: Path) -> Generator[list[str], None, None]:
    """Run the command in front; yield the six lines it printed, then its notice; stop it."""
    with subprocess.Popen(
        [*COMMAND, "--log-level", "warning", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        try:
            lines = [proc.stdout.readline().rstrip("\n") for _ in NAMES]
            yield [*lines, proc.stderr.readline() + proc.stderr.readline()]
        finally:
            proc.terminate()
            proc.wait(10)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("VELERIAN_")}


def test_the_printed_lines_export_the_variables_when_pasted_into_a_shell(tmp_path: Path) -> None:
    with serving(cwd=tmp_path) as printed:
        *lines, notice = printed
        assert "until Ctrl+C (this terminal stays with it)\n" in notice
        assert "in another terminal, paste the export lines above\n" in notice
        for line, name in zip(lines, NAMES, strict=True):
            assert re.fullmatch(rf"export {name}=\S+", line), line
        pasted = "\n".join([*lines, SHOW])
        shell = subprocess.run(
            ["sh", "-c", pasted], capture_output=True, text=True, env=clean_env(), check=True
        )
    assert shell.stdout.strip() == str(sorted(NAMES))


def test_the_env_file_is_private_sourceable_and_removed_at_stop(tmp_path: Path) -> None:
    env_file = tmp_path / "velerian.env"
    with serving("--env-file", "velerian.env", cwd=tmp_path) as printed:
        *lines, notice = printed
        assert "in another terminal, . ./velerian.env\n" in notice  # sh needs the ./
        marker, *written = env_file.read_text(encoding="utf-8").splitlines()
        assert re.fullmatch(r"# written by velerian-stub pid \d+; removed when it stops", marker)
        assert written == lines
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # it holds the keys
        shell = subprocess.run(
            ["sh", "-c", f". ./velerian.env && {SHOW}"],
            capture_output=True,
            text=True,
            env=clean_env(),
            cwd=tmp_path,
            check=True,
        )
        assert shell.stdout.strip() == str(sorted(NAMES))
    assert not env_file.exists()  # a stopped stub leaves no stale URL and key behind


def test_background_returns_the_terminal_and_eval_sets_the_variables(tmp_path: Path) -> None:
    # What the docs say to type: eval "$(velerian-stub --background ...)", then a client.
    command = " ".join([*COMMAND, "--background", "--log-file", "stub.log"])
    probe = (
        f"{sys.executable} -c 'import os, httpx; print(httpx.get("
        'os.environ["VELERIAN_BASE_URL"] + "/api/v2/abps/" + os.environ["VELERIAN_ABP_ID"], '
        'headers={"Authorization": "Bearer " + os.environ["VELERIAN_API_KEY"]}).status_code)\''
    )
    started = time.monotonic()
    shell = subprocess.run(
        ["sh", "-c", f'eval "$({command})" && {probe} && echo "pid=$VELERIAN_STUB_PID"'],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    pid_line = re.search(r"pid=(\d+)", shell.stdout)
    try:
        assert shell.returncode == 0, shell.stdout + shell.stderr
        assert shell.stdout.splitlines()[0] == "200"
        assert time.monotonic() - started < 15
        assert 'stop it with: kill "$VELERIAN_STUB_PID"' in shell.stderr
        assert pid_line is not None
    finally:
        if pid_line is not None:
            os.kill(int(pid_line.group(1)), signal.SIGTERM)
    assert pid_line is not None
    pid = int(pid_line.group(1))
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Shutting down" in (tmp_path / "stub.log").read_text(encoding="utf-8")


def test_a_background_start_that_fails_says_why(tmp_path: Path) -> None:
    done = subprocess.run(
        [*COMMAND, "--background", "--fail-before", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0
    assert done.stdout == ""  # nothing for eval to run
    assert "must be between 0 and 1" in done.stderr


def test_log_file_goes_with_background(tmp_path: Path) -> None:
    done = subprocess.run(
        [*COMMAND, "--log-file", "x.log"], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 2
    assert "--log-file goes with --background" in done.stderr


@pytest.mark.parametrize(
    "value", ["plain-value_1", "with space", "it's", 'q"uote$HOME`x`', "vstub_admin_!#%&()*+,;<>?"]
)
def test_values_round_trip_through_the_shell_quoting(value: str) -> None:
    (line,) = format_env_lines({"VELERIAN_X": value}).splitlines()
    assert parse_env_line(line) == ("VELERIAN_X", value)
    shell = subprocess.run(
        ["sh", "-c", f'{line}\nprintf %s "$VELERIAN_X"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout == value


def test_stub_process_reads_a_quoted_admin_token() -> None:
    token = 'vstub_admin_it\'s-$HOME-"quoted"'
    with StubProcess(admin_token=token) as stub:
        assert stub.admin_token == token
