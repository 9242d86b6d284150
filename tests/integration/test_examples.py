"""Every script in examples/ runs against the stub and prints what it promises."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from velerian_stub.pytest_plugin import StubTenant

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# (script, arguments, text its output must contain; `{total}` is an optional page total)
CASES: list[tuple[str, list[str], list[str]]] = [
    (
        "quickstart.py",
        [],
        ["verdict: allowed", "verdict: denied", "chain verified: True", "-> succeeded"],
    ),
    ("async_quickstart.py", [], ["-> allowed", "-> denied", "audit page: 3 of {total} entries"]),
    ("api_keys.py", [], ["the new key reads the audit log", "after revoking, the key is refused"]),
    ("network_run.py", [], ["uploaded and finalized", "finished: succeeded"]),
    ("evidence_package.py", [], ["3 packs in 1 chain(s): ok=True"]),
    ("custom_middleware.py", [], ["trace id", "/api/v2/usage/summary"]),
    ("audit_to_csv.py", ["{tmp}/audit.csv"], ["audit entries to"]),
]


@pytest.mark.parametrize(("script", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_example(
    velerian_tenant: StubTenant,
    tmp_path: Path,
    sparse: bool,
    script: str,
    args: list[str],
    expected: list[str],
) -> None:
    env = {**os.environ, **velerian_tenant.env}
    command = [sys.executable, str(EXAMPLES / script), *(a.format(tmp=tmp_path) for a in args)]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for text in expected:
        assert text.format(total="?" if sparse else 3) in done.stdout, done.stdout


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == {c[0] for c in CASES}
