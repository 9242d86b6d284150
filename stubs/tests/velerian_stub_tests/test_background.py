"""``--background``: no keys in the log, other stubs' files untouched, no orphan on Ctrl+C."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from velerian_stub.harness.shell_env import parse_env_line

pytestmark = [
    pytest.mark.timeout(45),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and sh"),
]

COMMAND = [sys.executable, "-m", "velerian_stub", "--db", ":memory:", "--background"]
# Run in the detached server only (the command sets VELERIAN_STUB_DETACHED for it):
# record its pid, then take far longer to start than the test waits.
SLOW_START = """
import os, time
if os.environ.get("VELERIAN_STUB_DETACHED"):
    with open(os.environ["SLOW_START_PID_FILE"], "w") as out:
        out.write(str(os.getpid()))
    time.sleep(30)
"""


def start(*flags: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # umask 022, as most shells have it: a file created without a mode is world-readable.
    line = shlex.join([*COMMAND, *flags])
    return subprocess.run(
        ["sh", "-c", f"umask 022 && exec {line}"],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=30,
        check=False,
    )


def exported(stdout: str) -> dict[str, str]:
    pairs = (parse_env_line(line) for line in stdout.splitlines())
    return dict(pair for pair in pairs if pair is not None)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state != "Z"  # a zombie has exited; its parent may never reap it


def stop(pid: int) -> None:
    if running(pid):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_log_is_private_and_holds_no_keys(tmp_path: Path) -> None:
    # F3: the detached server printed its export lines into a world-readable log.
    done = start("--port", "0", "--log-file", "stub.log", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    env = exported(done.stdout)
    stop(int(env["VELERIAN_STUB_PID"]))
    log = tmp_path / "stub.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text(encoding="utf-8")
    assert "Shutting down" in text  # the server's output does go there
    assert env["VELERIAN_API_KEY"] not in text
    assert env["VELERIAN_STUB_ADMIN_TOKEN"] not in text


def test_a_failed_second_start_leaves_the_first_stub_and_its_file_alone(tmp_path: Path) -> None:
    # F4: a second start on a taken port used to delete the first's env file first.
    first = start("--port", "0", "--env-file", "first.env", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    env = exported(first.stdout)
    pid = int(env["VELERIAN_STUB_PID"])
    try:
        env_file = tmp_path / "first.env"
        written = env_file.read_bytes()
        port = env["VELERIAN_BASE_URL"].rpartition(":")[2]
        second = start("--port", port, "--env-file", "first.env", cwd=tmp_path)
        assert second.returncode != 0
        assert second.stdout == ""  # nothing for eval to run
        assert env_file.exists()
        assert env_file.read_bytes() == written
        assert f"first.env was written by velerian-stub pid {pid}" in second.stderr
        assert running(pid)
    finally:
        stop(pid)
    assert not (tmp_path / "first.env").exists()  # the first stub removed its own file


def test_a_start_on_a_taken_port_says_why_and_writes_nothing(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        done = start("--port", port, "--env-file", "velerian.env", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "the server did not start; velerian-stub.log:" in done.stderr
    assert "Address already in use" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["velerian-stub.log"]


@pytest.mark.timeout(150)  # generous: CI runs it beside another test worker
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_an_interrupted_start_stops_the_server(tmp_path: Path, signum: int) -> None:
    # Ctrl+C (or kill, or a closed terminal) while waiting used to leave the server
    # running, its PID never printed.
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "sitecustomize.py").write_text(SLOW_START, encoding="utf-8")
    pid_file = tmp_path / "server.pid"
    python_path = os.pathsep.join([str(tmp_path / "slow"), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": python_path, "SLOW_START_PID_FILE": str(pid_file)}
    env.pop("VELERIAN_STUB_DETACHED", None)
    # A test run started in the background (nohup, `&` without job control) ignores
    # SIGINT, and an ignored signal stays ignored across exec. A handler does not: while
    # the command starts, give it the one a shell in a terminal would.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        started = subprocess.Popen(
            [*COMMAND, "--port", "0", "--log-file", "stub.log"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=env,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    with started as command:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert command.poll() is None, command.communicate()
            assert time.monotonic() < deadline, "the server never started"
            time.sleep(0.02)
        server = int(pid_file.read_text())
        try:
            time.sleep(0.3)  # the command is past starting the server, and waits for it
            signals = _signal_state(command.pid)
            command.send_signal(signum)
            try:
                stdout, stderr = command.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                command.kill()
                _, stderr = command.communicate()
                pytest.fail(f"the start ignored signal {signum} ({signals}): {stderr}")
            deadline = time.monotonic() + 5
            while running(server) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not running(server), "the server outlived the interrupted start"
            assert stdout == ""
            assert command.returncode in (130, 128 + signum), stderr
        finally:
            if running(server):
                os.kill(server, signal.SIGKILL)


def _signal_state(pid: int) -> str:
    """The signal masks of a process (blocked, ignored, caught), for a failure message."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return "no /proc"
    return ", ".join(
        line.replace("\t", " ") for line in status.splitlines() if line.startswith("Sig")
    )
