"""
Every test has a timeout: one that hangs fails, and the run goes on, instead of hanging CI.

A walk whose loop check is broken, a request nobody cancels or a stub that never answers
must show up as a failed test. pytest-timeout gives each test a default bound from
pyproject.toml; the soaks set longer ones from their size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HANGING = """
import asyncio
import threading
import time


def test_sleeps() -> None:
    time.sleep(30)


def test_awaits_in_an_event_loop() -> None:
    asyncio.run(asyncio.sleep(30))


def test_waits_on_an_event_nobody_sets() -> None:
    threading.Event().wait()


def test_passes() -> None:
    pass
"""


def test_the_project_sets_a_default_timeout(request: pytest.FixtureRequest) -> None:
    config = request.config
    assert config.pluginmanager.hasplugin("timeout")
    assert 0 < float(config.getini("timeout")) <= 120
    assert config.getini("timeout_method") == "signal"


def test_no_test_turns_its_timeout_off(request: pytest.FixtureRequest) -> None:
    unbounded = [
        item.nodeid
        for item in request.session.items
        for mark in item.iter_markers("timeout")
        if not mark.args or mark.args[0] is None or float(mark.args[0]) <= 0
    ]
    assert unbounded == []


def test_a_hanging_test_fails_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "test_hangs.py").write_text(HANGING, encoding="utf-8")
    started = time.monotonic()
    # The project's own configuration, with the bound shortened to keep this test fast.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-o",
            "timeout=0.5",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:velerian_stub",  # not needed here: a faster start
            "-q",
            str(tmp_path / "test_hangs.py"),
        ],
        cwd=tmp_path,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    assert "3 failed, 1 passed" in result.stdout, result.stdout
    for name in ("test_sleeps", "test_awaits_in_an_event_loop", "test_waits_on_an_event"):
        assert f"FAILED test_hangs.py::{name}" in result.stdout, result.stdout
    assert result.stdout.count("Failed: Timeout (>0.5s) from pytest-timeout") >= 3, result.stdout
    # Each hang ends at its bound; none waits out its 30 s.
    assert elapsed < 25
