"""The recording and comparison behind `nox -s published`, without a stub or 0.1.2."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from check_published_client import compare
from published_client_protocols import Client01, protocol_mismatches
from published_client_shapes import public_methods, record_calls, shape_of


@dataclass
class Page:
    items: list[dict[str, object]]
    limit: int = 0
    offset: int = 0
    total: int | None = None
    raw: dict[str, object] = field(default_factory=dict[str, object])


class RateLimitedError(Exception):
    def __init__(self) -> None:
        super().__init__("429")
        self.status_code = 429
        self.retry_after = 1.0


def test_a_list_shape_holds_every_item_shape_whatever_their_order() -> None:
    draft: dict[str, object] = {"id": "abp_1", "deployed_at": None}
    deployed: dict[str, object] = {"id": "abp_2", "deployed_at": "2026-01-01T00:00:00Z"}
    assert shape_of([draft, deployed]) == shape_of([deployed, draft, deployed])
    assert shape_of([draft, draft]) == {"list": {"object": {"deployed_at": "null", "id": "str"}}}
    assert shape_of([]) == {"list": "empty"}


def test_scalars_models_and_errors_have_their_own_shapes() -> None:
    assert [shape_of(v) for v in (None, True, 1, 1.5, "x")] == [
        "null",
        "bool",
        "int",
        "float",
        "str",
    ]
    page = shape_of(Page(items=[{"id": "aud_1"}], total=None))
    assert page == {
        "model": "Page",
        "fields": {
            "items": {"list": {"object": {"id": "str"}}},
            "limit": "int",
            "offset": "int",
            "total": "null",
            "raw": {"object": {}},
        },
    }
    error = shape_of(RateLimitedError())
    assert error == {
        "error": "RateLimitedError",
        "fields": {"status_code": "int", "retry_after": "float"},
    }


def write(path: Path, shapes: dict[str, object], methods: list[str]) -> Path:
    path.write_text(json.dumps({"methods": methods, "shapes": shapes}))
    return path


def test_a_dict_result_must_match_key_for_key(tmp_path: Path) -> None:
    row: dict[str, object] = {"run_id": "run_1", "prompt_id": "run_1"}
    left = write(tmp_path / "a.json", {"invoke_network.succeeded": shape_of(row)}, ["get"])
    right = write(
        tmp_path / "b.json",
        {"invoke_network.succeeded": shape_of({**row, "extra": 1, "prompt_id": None})},
        [],
    )
    unexpected, known = compare(left, right)
    assert known == []
    assert unexpected == [
        "result.invoke_network.succeeded.object.extra: only in ours (int)",
        'result.invoke_network.succeeded.object.prompt_id: 0.1.2 "str" != ours "null"',
        "method get: only in 0.1.2",
    ]


def test_documented_differences_of_typed_results_are_known(tmp_path: Path) -> None:
    published = {"model": "EvidenceExport", "fields": {"expires_at": "str", "format": "str"}}
    ours = {"model": "EvidenceExport", "fields": {"expires_at": {"python": "datetime"}}}
    left = write(tmp_path / "a.json", {"evidence_package": published}, [])
    right = write(tmp_path / "b.json", {"evidence_package": ours}, [])
    unexpected, known = compare(left, right)
    assert unexpected == ["result.evidence_package.fields.format: only in 0.1.2 (str)"]
    assert len(known) == 1
    assert "docs/migration.md, Timestamps" in known[0]


class Client:
    def outer(self) -> int:
        return self.inner() + 1

    def inner(self) -> int:
        return 1

    def rows(self) -> Iterator[int]:
        yield self.inner()
        yield self.inner()

    def _private(self) -> None:
        """Not public, so not counted."""


def test_only_calls_from_outside_the_client_count_as_used() -> None:
    methods = public_methods(Client)
    assert methods == ["inner", "outer", "rows"]
    used = record_calls(Client, methods)
    client = Client()
    assert client.outer() == 2
    assert list(client.rows()) == [1, 1]
    assert used == {"outer", "rows"}
    client.inner()
    assert used == {"inner", "outer", "rows"}


class Drifted:
    def invoke_abp(self, abp_id: str, *, payload: dict[str, object], wait: bool) -> None: ...
    def usage_summary(self, *, verbose: bool = False) -> None: ...
    def get(self, path: str, **kwargs: object) -> None: ...
    def list_audit_log(self, *, action: str | None = None, limit: int = 25) -> None: ...


@pytest.mark.parametrize(
    "expected",
    [
        "list_audit_log(limit): declared limit: 'int' = 50, is limit: 'int' = 25",
        "list_audit_log(offset): no such parameter",
        "invoke_abp(wait): required, not declared",
        "await_run: not a method of Drifted",
    ],
)
def test_the_protocol_is_checked_against_the_real_signatures(expected: str) -> None:
    found = protocol_mismatches(Client01, Drifted)
    assert expected in found
    # `get(path, **kwargs)` takes `params` through **kwargs, as 0.1.2's does.
    assert not [line for line in found if line.startswith("get(")]
