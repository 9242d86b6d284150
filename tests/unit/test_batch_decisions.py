"""The sans-IO half of batches: derived keys, retry decisions, concurrency, the journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from velerian_sdk import BatchItem, VelerianArgumentError, VelerianBatchError
from velerian_sdk._core.batch import (
    ConcurrencyController,
    batch_idempotency_key,
    check_batch_settings,
    failure_kind,
)
from velerian_sdk._core.batch_journal import BatchJournal
from velerian_sdk._core.chain import check_idempotency_key
from velerian_sdk._core.errors import (
    VelerianAPIError,
    VelerianConflictError,
    VelerianConnectionError,
    VelerianNotFoundError,
    VelerianRateLimitError,
    VelerianServerError,
    VelerianTimeoutError,
    VelerianValidationError,
)


def test_a_derived_key_depends_only_on_batch_target_and_item() -> None:
    key = batch_idempotency_key("q3", "abp:a1", "filing-7")
    assert key == batch_idempotency_key("q3", "abp:a1", "filing-7")
    others = {
        batch_idempotency_key("q4", "abp:a1", "filing-7"),
        batch_idempotency_key("q3", "abp:a2", "filing-7"),
        batch_idempotency_key("q3", "abp:a1", "filing-8"),
        # Parts are length-prefixed: moving a character across a boundary changes the key.
        batch_idempotency_key("q3a", "bp:a1", "filing-7"),
    }
    assert key not in others
    assert len(others) == 4


@pytest.mark.parametrize("item_key", ["x", "ü ñ 名前", " spaced ", "\x00\n", "k" * 10_000])
def test_a_derived_key_is_a_valid_idempotency_key_whatever_the_item_key(item_key: str) -> None:
    key = batch_idempotency_key("batch", "abp:a", item_key)
    assert check_idempotency_key(key) == key
    assert key.startswith("vbatch1-")


def test_the_derived_key_scheme_is_stable_across_versions() -> None:
    # A rerun by a newer SDK must send the keys the older one sent.
    assert batch_idempotency_key("b", "abp:a", "k") == (
        "vbatch1-a0c365254a6ed7021aae5b460e4641b3ea40757477dc326e1c9d2a98004e1f57"
    )


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (VelerianRateLimitError(429, "slow down", retry_after=1.0), "rate_limited"),
        (VelerianServerError(502, "bad gateway"), "transient"),
        (VelerianServerError(503, "overloaded"), "transient"),
        (VelerianConnectionError("reset"), "transient"),
        (VelerianTimeoutError("read timeout"), "transient"),
        (VelerianAPIError(408, "request timeout"), "transient"),
        (
            VelerianConflictError(
                409, "a request with this Idempotency-Key is still being processed"
            ),
            "transient",
        ),
        (VelerianConflictError(409, "ABP is not deployed"), "final"),
        (VelerianValidationError(422, "payload: field required"), "final"),
        (VelerianNotFoundError(404, "no such ABP"), "final"),
        (VelerianArgumentError("payload must be a JSON object"), "final"),
    ],
)
def test_failure_kind(error: VelerianAPIError, kind: str) -> None:
    assert failure_kind(error) == kind


def test_concurrency_grows_by_one_per_round_of_successes_up_to_the_ceiling() -> None:
    control = ConcurrencyController(ceiling=6, limit=4)
    for _ in range(4):
        control.on_success()
    assert control.limit == 5
    for _ in range(100):
        control.on_success()
    assert control.limit == 6


def test_a_burst_of_429s_halves_the_limit_once_and_pauses_the_whole_batch() -> None:
    control = ConcurrencyController(ceiling=32, limit=16)
    control.on_rate_limited(100.0, 2.0)
    for _ in range(15):  # the rest of the same burst
        control.on_rate_limited(100.1, 2.0)
    assert control.limit == 8
    assert control.pause_left(101.0) == pytest.approx(1.1)
    assert control.pause_left(102.2) == 0.0
    control.on_rate_limited(103.0, None)  # a new 429 after the pause: halve again
    assert control.limit == 4
    assert control.pause_left(103.0) == 1.0  # no Retry-After: one second
    for round_ in range(10):
        control.on_rate_limited(200.0 + round_ * 2, 1.0)
    assert control.limit == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"batch_id": "", "max_concurrency": 4, "initial_concurrency": None}, "batch_id"),
        ({"batch_id": 7, "max_concurrency": 4, "initial_concurrency": None}, "batch_id"),
        ({"batch_id": "b", "max_concurrency": 0, "initial_concurrency": None}, "at least 1"),
        ({"batch_id": "b", "max_concurrency": True, "initial_concurrency": None}, "an int"),
        ({"batch_id": "b", "max_concurrency": 4, "initial_concurrency": 5}, "between 1 and"),
    ],
)
def test_bad_settings_are_refused_with_what_to_fix(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(VelerianArgumentError, match=message):
        check_batch_settings(
            batch_id=settings["batch_id"],
            max_concurrency=settings["max_concurrency"],
            initial_concurrency=settings["initial_concurrency"],
        )


def test_the_starting_concurrency_is_modest() -> None:
    assert check_batch_settings(batch_id="b", max_concurrency=64, initial_concurrency=None) == (
        "b",
        64,
        4,
    )
    assert check_batch_settings(batch_id="b", max_concurrency=2, initial_concurrency=None)[2] == 2


@pytest.mark.parametrize(
    ("key", "payload"), [("", {}), (7, {}), ("k", ["not", "a", "mapping"]), ("k", None)]
)
def test_a_bad_item_is_refused_when_built(key: object, payload: object) -> None:
    with pytest.raises(VelerianArgumentError, match=r"BatchItem|payload"):
        BatchItem(key, payload)  # type: ignore[arg-type]


def test_the_journal_skips_finished_items_and_replays_unfinished_ones(tmp_path: Path) -> None:
    path = tmp_path / "batch.sqlite"
    first = BatchJournal(path, "b", "abp:a")
    assert first.claim("done-1").action == "send"
    assert first.claim("in-flight-1").action == "send"
    assert first.claim("failed-1").action == "send"
    first.finish("done-1", '{"x": 1}')
    first.fail("failed-1", "HTTP 422")
    assert first.claim("done-1").action == "duplicate"
    first.close()

    third = BatchJournal(path, "b", "abp:a")
    done = third.claim("done-1")
    assert done.action == "done"
    assert done.result == '{"x": 1}'
    assert third.claim("in-flight-1").action == "send"
    assert third.claim("failed-1").action == "send"
    assert third.claim("done-1").action == "duplicate"
    assert third.counts() == {"done": 1, "in_flight": 2}
    third.close()


def test_a_journal_of_another_batch_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "batch.sqlite"
    BatchJournal(path, "b", "abp:a").close()
    with pytest.raises(VelerianBatchError, match="belongs to batch 'b'"):
        BatchJournal(path, "other", "abp:a")
    with pytest.raises(VelerianBatchError, match="belongs to batch 'b'"):
        BatchJournal(path, "b", "abp:z")


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database " * 100, encoding="utf-8")
    with pytest.raises(VelerianBatchError, match="not a batch journal"):
        BatchJournal(path, "b", "abp:a")


def test_a_temporary_journal_is_deleted_when_closed() -> None:
    journal = BatchJournal(None, "b", "abp:a")
    path = journal.path
    assert path.exists()
    journal.close()
    assert not path.exists()


def test_an_item_left_unanswered_past_the_apis_retention_is_not_resent(tmp_path: Path) -> None:
    path = tmp_path / "batch.sqlite"
    first = BatchJournal(path, "b", "abp:a", clock=lambda: 1_000_000.0)
    for key in ("unanswered", "failed", "done"):
        assert first.claim(key).action == "send"
    first.fail("failed", "HTTP 502 after the work")
    first.finish("done", "{}")
    first.close()
    within = BatchJournal(path, "b", "abp:a", clock=lambda: 1_000_000.0 + 23 * 3600)
    assert within.claim("unanswered").action == "send"
    within.close()
    # A rerun a day later: the API's record of the first send (24 h) is gone.
    later = BatchJournal(path, "b", "abp:a", clock=lambda: 1_000_000.0 + 25 * 3600)
    for key in ("unanswered", "failed"):
        expired = later.claim(key)
        assert expired.action == "expired"
        assert expired.first_sent == 1_000_000.0
    assert later.claim("done").action == "done"
    later.close()
