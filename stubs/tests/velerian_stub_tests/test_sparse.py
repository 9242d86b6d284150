"""Sparse mode: every /api/ answer carries only what the contract requires, at every depth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from velerian_stub.harness.cli import build_parser, config_from_args

from .support import in_memory, open_api

CONTRACT = Path(__file__).resolve().parents[3] / "docs" / "api" / "openapi.json"


def required_of(name: str) -> set[str]:
    schemas: dict[str, Any] = json.loads(CONTRACT.read_text(encoding="utf-8"))["components"][
        "schemas"
    ]
    return set(schemas[name].get("required", []))


def test_rows_pages_and_nested_objects_keep_only_required_fields() -> None:
    with open_api(in_memory(sparse=True)) as api:
        queued = api.run("sparse please")
        assert set(queued) == required_of("QueuedRun") == {"run_id"}
        run = api.get(f"/api/v2/pack-runs/{queued['run_id']}").json()
        assert set(run) == required_of("Run") == {"id", "status"}
        page = api.get("/api/v2/pack-runs").json()
        assert set(page) == required_of("RunPage")
        assert all(set(item) == {"id", "status"} for item in page["items"])
        invoked = api.invoke({"prompt": "fine"}).json()
        assert set(invoked) == required_of("InvokeResponse")
        usage = api.get("/api/v2/usage/summary").json()
        assert set(usage) <= required_of("TenantUsageSummaryResponse") | {"governed_runs"}


def test_full_mode_and_stub_routes_are_untouched() -> None:
    with open_api(in_memory()) as api:
        run_id = api.run("full")["run_id"]
        assert "prompt_text" in api.get(f"/api/v2/pack-runs/{run_id}").json()
    with open_api(in_memory(sparse=True)) as api:
        rows = api.admin("GET", "/_stub/executions").json()
        assert "total" in rows


def test_the_flag() -> None:
    assert config_from_args(build_parser().parse_args(["--sparse"])).sparse
    assert not config_from_args(build_parser().parse_args([])).sparse


def test_minting_a_key_answers_with_its_secret() -> None:
    with open_api(in_memory(sparse=True)) as api:
        minted = api.post("/api/v2/api-keys", {"name": "sparse", "scopes": ["read"]})
        assert minted.status_code == 201, minted.text
        assert set(minted.json()) == required_of("CreatedApiKey")
