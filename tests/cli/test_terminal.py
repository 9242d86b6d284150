"""
Progress bars and live status: drawn in a real terminal (tmux), absent when piped.

The stub adds latency to every request, so the download bar and the run's spinner stay
on screen long enough for ``tmux capture-pane`` to see them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from velerian_stub.pytest_plugin import StubTenant

from .conftest import invocation_of, tenant_variables, velerian

RUN = ["networks", "invoke", "--prompt", "Review claim 7.", "--metadata"]
SLOW_RUN = '{"stub_duration_ms": 1500}'
SPINNER_LINE = re.compile(r"run_[0-9a-f]+: (queued|running) +\d:\d\d:\d\d")
BAR_LINE = re.compile(r"exp_[0-9a-f]+ +━+ +\S+/\S+ (bytes|kB)")
DONE = re.compile(r"__exit=(\d+)")


class Tmux:
    """A tmux server of our own (its own socket), to run commands in a real terminal."""

    def __init__(self, socket_name: str) -> None:
        self.socket_name = socket_name
        self.sessions = 0

    def tmux(self, *args: str) -> str:
        command = ["tmux", "-L", self.socket_name, *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True)
        return done.stdout

    def start(self, argv: Sequence[str], *, env: dict[str, str], cwd: Path) -> str:
        """Run ``argv`` in a new 100x30 window; the shell prints ``__exit=N`` after it."""
        self.sessions += 1
        name = f"cli{self.sessions}"
        shell = f"cd {shlex.quote(str(cwd))} && {shlex.join(argv)}; echo __exit=$?; sleep 60"
        exports = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        self.tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "30", *exports, shell)
        return name

    def screen(self, session: str) -> str:
        return self.tmux("capture-pane", "-p", "-t", session)

    def watch(self, session: str, timeout: float = 20.0) -> tuple[list[str], int]:
        """Every screen seen until the command ends, and its exit status."""
        screens: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen(session)
            if not screens or screen != screens[-1]:
                screens.append(screen)
            done = DONE.search(screen)
            if done:
                return screens, int(done.group(1))
            time.sleep(0.05)
        raise AssertionError(f"no __exit= within {timeout}s; last screen:\n{screens[-1]}")


@pytest.fixture(scope="module")
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        message = "tmux is not installed: apt-get install tmux (nox -s tests installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"SKIPPED THE TERMINAL TESTS: {message}")
    server = Tmux(f"velerian-cli-test-{os.getpid()}")
    try:
        yield server
    finally:
        # Only the server on our own socket, which this fixture started.
        subprocess.run(
            ["tmux", "-L", server.socket_name, "kill-server"],
            capture_output=True,
            timeout=10,
            check=False,
        )


def test_a_download_shows_a_progress_bar_on_a_terminal(
    tmux: Tmux, slow_tenant: StubTenant, tmp_path: Path
) -> None:
    invocation = invocation_of(slow_tenant)
    argv = velerian("evidence", "download", slow_tenant.abp_id, invocation, "-o", "ev.json")
    session = tmux.start(argv, env=tenant_variables(slow_tenant), cwd=tmp_path)
    screens, status = tmux.watch(session)
    assert status == 0, screens[-1]
    assert any(BAR_LINE.search(screen) for screen in screens), screens
    final = screens[-1]
    assert "saved ev.json: " in final
    assert not BAR_LINE.search(final)  # the bar goes once the download is done


def test_a_run_shows_its_live_status_on_a_terminal(
    tmux: Tmux, slow_tenant: StubTenant, tmp_path: Path
) -> None:
    argv = velerian(*RUN, SLOW_RUN)
    argv.insert(argv.index("--prompt"), slow_tenant.network_slug)
    session = tmux.start(argv, env=tenant_variables(slow_tenant), cwd=tmp_path)
    screens, status = tmux.watch(session)
    assert status == 0, screens[-1]
    seen = [match.group(1) for screen in screens if (match := SPINNER_LINE.search(screen))]
    assert "running" in seen, screens
    final = screens[-1]
    assert re.search(r"run run_[0-9a-f]+: succeeded", final)
    assert not SPINNER_LINE.search(final)


def test_piped_output_has_no_progress_colour_or_escapes(
    velerian_tenant: StubTenant, tmp_path: Path
) -> None:
    env = {**os.environ, **tenant_variables(velerian_tenant), "TERM": "xterm-256color"}
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        env.pop(name, None)
    invocation = invocation_of(velerian_tenant)
    commands = [
        velerian("evidence", "download", velerian_tenant.abp_id, invocation, "-o", str(tmp_path)),
        velerian("networks", "invoke", velerian_tenant.network_slug, "--prompt", "DENY",
                 "--metadata", '{"stub_duration_ms": 300}'),
    ]  # fmt: skip
    outputs: list[str] = []
    for argv in commands:
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=30, check=False
        )
        assert done.returncode in {0, 13}, done.stderr
        assert done.stderr == ""  # no bar, no spinner
        assert "\x1b" not in done.stdout  # no colour
        assert "━" not in done.stdout
        outputs.append(done.stdout)
    assert outputs[0].startswith(f"saved {tmp_path}/exp_")
    assert outputs[1].splitlines()[0].endswith(": blocked")
