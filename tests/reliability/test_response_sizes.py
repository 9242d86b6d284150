"""
Hostile sizes over a real socket: a gzip bomb, and a download far past its stated size.

Each fault runs in a fresh interpreter (``size_probe``) so that its peak RSS is the
call's own. Sizes come from ``VELERIAN_SOAK_BOMB_MIB`` and ``VELERIAN_SOAK_OVERSIZE_MIB``
(``nox -s soak`` runs the issue's 512 MiB bomb and 200 MiB download).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import velerian_sdk
from tests.reliability.soak_settings import BOMB_MIB, OVERSIZE_MIB

ROOT = Path(__file__).resolve().parents[2]
BOUNDED_MB = 200
"""Peak RSS above the level before the call: the 32 MiB cap plus one decoded read
(gzip inflates a 64 KiB network read to at most about 64 MiB), with room to spare."""


def probe(fault: str, mib: int) -> dict[str, object]:
    env = dict(os.environ)
    src = str(Path(velerian_sdk.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, str(ROOT)])
    result = subprocess.run(
        [sys.executable, "-m", "tests.reliability.size_probe", fault, str(mib)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


@pytest.mark.timeout(120 + BOMB_MIB // 2)
def test_a_gzip_bomb_is_cut_off_in_bounded_memory() -> None:
    seen = probe("bomb", BOMB_MIB)
    assert seen["error"] == "VelerianResponseTooLargeError", seen
    peak = seen["peak_above_mb"]
    assert isinstance(peak, float)
    assert peak < BOUNDED_MB, seen


@pytest.mark.timeout(120 + OVERSIZE_MIB // 2)
def test_a_download_past_its_stated_size_writes_nothing() -> None:
    seen = probe("download", OVERSIZE_MIB)
    assert seen["error"] == "VelerianIntegrityError", seen
    assert seen["written"] == 0, seen
    assert seen["left"] == [], seen
    peak = seen["peak_above_mb"]
    assert isinstance(peak, float)
    assert peak < BOUNDED_MB, seen
