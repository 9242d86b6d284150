"""Pages: this page's items, the pages after it, and the checks that stop a runaway walk."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import cast

import httpx
import pytest

from tests.conftest import Harness
from tests.unit import api_samples as s
from velerian_sdk import (
    AsyncPage,
    AsyncVelerianClient,
    Page,
    Plan,
    VelerianArgumentError,
    VelerianClient,
    VelerianPaginationError,
)
from velerian_sdk._core.pagination import (
    PageData,
    PageWalk,
    check_continuation,
    has_more,
    next_offset,
    rows_page,
)

PLANS = [s.plan(f"plan_{n}") for n in range(7)]


def first_page(
    client: VelerianClient | AsyncVelerianClient, *, limit: int = 3, offset: int = 0
) -> Page[Plan] | Awaitable[AsyncPage[Plan]]:
    return client.plans.list(limit=limit, offset=offset)


def ids(items: list[Plan]) -> list[str]:
    return [p.id for p in items]


# -- sans-IO rules ----------------------------------------------------------------


def data(
    items: list[int], *, limit: int = 3, offset: int = 0, total: int | None = None
) -> PageData[int]:
    return PageData(items, limit=limit, offset=offset, total=total)


@pytest.mark.parametrize(
    ("page", "more"),
    [
        (data([1, 2, 3]), True),
        (data([1, 2]), False),  # short page
        (data([]), False),  # empty page
        (data([1, 2, 3], total=3), False),  # reaches total
        (data([4, 5, 6], offset=3, total=7), True),
        (data([1, 2, 3, 4], limit=3), True),  # a server that sends more than asked
    ],
)
def test_has_more(page: PageData[int], more: bool) -> None:
    assert has_more(page) is more


def test_next_offset_follows_the_rows_received_not_the_limit_asked() -> None:
    assert next_offset(data([1, 2], limit=2, offset=10)) == 12


def test_continuation_refuses_a_wrong_offset_and_a_repeated_page() -> None:
    previous = data([1, 2, 3])
    check_continuation(previous, 3, data([4, 5, 6], offset=3))
    with pytest.raises(VelerianPaginationError, match="answered offset 0") as info:
        check_continuation(previous, 3, data([4, 5, 6], offset=0))
    assert info.value.offset == 3
    with pytest.raises(VelerianPaginationError, match="same item"):
        check_continuation(previous, 3, data([1, 2, 3], offset=3))


def test_walk_caps_items_and_refuses_a_page_seen_before() -> None:
    walk = PageWalk(max_items=4)
    assert (list(walk.admit(data([1, 2, 3]))), walk.done) == ([1, 2, 3], False)
    assert (list(walk.admit(data([4, 5, 6], offset=3))), walk.done) == ([4], True)
    cycling = PageWalk()
    cycling.admit(data([1, 2, 3]))
    cycling.admit(data([4, 5, 6], offset=3))
    with pytest.raises(VelerianPaginationError, match="already seen"):
        cycling.admit(data([1, 2, 3], offset=6))
    with pytest.raises(VelerianArgumentError, match="max_items"):
        PageWalk(max_items=-1)


def test_rows_page_reads_prefixed_names() -> None:
    body = s.usage([s.evidence_row(1), s.evidence_row(2)], limit=2, offset=4)
    page = rows_page(
        body,
        items_key="evidence_packs",
        limit_param="evidence_limit",
        offset_param="evidence_offset",
        limit=99,
        offset=4,
    )
    assert (page.limit, page.offset, page.total) == (2, 4, 7)
    assert [row["id"] for row in page.items] == ["evp_1", "evp_2"]
    assert page.raw() is body
    with pytest.raises(VelerianPaginationError, match="not a list of JSON objects"):
        rows_page(
            {"items": [1]},
            items_key="items",
            limit_param="limit",
            offset_param="offset",
            limit=1,
            offset=0,
        )


# -- pages over a client --------------------------------------------------------------


def test_len_and_iteration_cover_this_page(harness: Harness) -> None:
    client = harness.client(s.paged(PLANS))
    page = harness.run(first_page(client))
    assert len(page) == 3
    assert ids(list(page)) == ["plan_0", "plan_1", "plan_2"]
    assert (page.limit, page.offset, page.total) == (3, 0, 7)
    assert page.raw["total"] == 7
    assert page.raw["items"][0]["id"] == "plan_0"  # type: ignore[index,call-overload]
    assert repr(page).endswith("(items=<3 items>, limit=3, offset=0, total=7)")


def test_next_page_until_the_last(harness: Harness) -> None:
    client = harness.client(s.paged(PLANS))
    page = harness.run(first_page(client))
    seen = ids(page.items)
    while page.has_next_page():
        page = harness.run(page.next_page())
        seen += ids(page.items)
    assert seen == [p["id"] for p in PLANS]
    assert page.offset == 6
    with pytest.raises(VelerianPaginationError, match="is the last"):
        harness.run(page.next_page())


@pytest.mark.parametrize("total", [True, False])
def test_iter_all_stops_on_total_or_a_short_page(harness: Harness, total: bool) -> None:
    client = harness.client(s.paged(PLANS, total=total))
    page = harness.run(first_page(client))
    assert ids(s.collect(harness, page.iter_all())) == [p["id"] for p in PLANS]
    assert [r.url.params["offset"] for r in harness.requests] == ["0", "3", "6"]


def test_an_exact_multiple_without_total_ends_on_an_empty_page(harness: Harness) -> None:
    client = harness.client(s.paged(PLANS[:6], total=False))
    page = harness.run(first_page(client))
    assert len(s.collect(harness, page.iter_all())) == 6
    assert [r.url.params["offset"] for r in harness.requests] == ["0", "3", "6"]


def test_total_saves_the_empty_request(harness: Harness) -> None:
    client = harness.client(s.paged(PLANS[:6], total=True))
    page = harness.run(first_page(client))
    assert len(s.collect(harness, page.iter_all())) == 6
    assert len(harness.requests) == 2


def test_max_items_stops_fetching(harness: Harness) -> None:
    client = harness.client(s.paged(PLANS))
    page = harness.run(first_page(client))
    assert ids(s.collect(harness, page.iter_all(max_items=4))) == [
        "plan_0",
        "plan_1",
        "plan_2",
        "plan_3",
    ]
    assert len(harness.requests) == 2
    assert s.collect(harness, page.iter_all(max_items=0)) == []


def test_resume_from_an_offset(harness: Harness) -> None:
    client = harness.client(s.paged(PLANS))
    first = harness.run(first_page(client))
    done = 0
    for done, _plan in enumerate(first, start=1):  # noqa: B007 - "crash" after this page
        pass
    resumed = harness.run(first_page(client, offset=first.offset + done))
    assert ids(s.collect(harness, resumed.iter_all())) == ["plan_3", "plan_4", "plan_5", "plan_6"]
    assert resumed.offset == 3


def test_iter_pages_gives_each_page_with_its_offset(harness: Harness) -> None:
    client = harness.client(s.paged(PLANS))
    page = harness.run(first_page(client))
    pages = s.collect(harness, page.iter_pages())
    assert [(p.offset, len(p)) for p in pages] == [(0, 3), (3, 3), (6, 1)]


def test_a_server_that_ignores_the_offset_is_caught(harness: Harness) -> None:
    def stuck(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=s.page(PLANS[:3], limit=3, offset=0, total=None))

    client = harness.client(s.at_most(10, stuck))
    page = harness.run(first_page(client))
    with pytest.raises(VelerianPaginationError, match="answered offset 0"):
        s.collect(harness, page.iter_all())
    assert len(harness.requests) == 2


def test_a_server_that_repeats_a_page_with_the_right_offset_is_caught(harness: Harness) -> None:
    def repeating(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json=s.page(PLANS[:3], limit=3, offset=offset, total=None))

    client = harness.client(s.at_most(10, repeating))
    page = harness.run(first_page(client))
    with pytest.raises(VelerianPaginationError, match="same item"):
        s.collect(harness, page.iter_all())
    assert [r.url.params["offset"] for r in harness.requests] == ["0", "3"]


@pytest.mark.parametrize("walk", ["iter_all", "iter_pages"])
def test_a_server_that_cycles_pages_is_caught(harness: Harness, walk: str) -> None:
    pages = [PLANS[0:3], PLANS[3:6]]

    def cycling(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(
            200, json=s.page(pages[(offset // 3) % 2], limit=3, offset=offset, total=None)
        )

    client = harness.client(s.at_most(10, cycling))
    page = harness.run(first_page(client))
    with pytest.raises(VelerianPaginationError, match="already seen"):
        s.collect(harness, page.iter_all() if walk == "iter_all" else page.iter_pages())
    assert len(harness.requests) == 3


def test_a_server_that_clamps_the_limit_loses_no_rows(harness: Harness) -> None:
    def clamped(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        chunk = PLANS[offset : offset + 2]
        return httpx.Response(200, json=s.page(chunk, limit=2, offset=offset, total=None))

    client = harness.client(clamped)
    page = harness.run(first_page(client, limit=500))
    assert len(s.collect(harness, page.iter_all())) == 7


def test_missing_limit_and_offset_fall_back_to_the_request(harness: Harness) -> None:
    def bare(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        return httpx.Response(200, json={"items": PLANS[offset : offset + 3]})

    client = harness.client(bare)
    page = harness.run(first_page(client))
    assert (page.limit, page.offset, page.total) == (3, 0, None)
    assert len(s.collect(harness, page.iter_all())) == 7


def test_async_for_walks_every_page() -> None:
    harness = Harness("async")
    try:
        client = harness.client(s.paged(PLANS))
        assert isinstance(client, AsyncVelerianClient)

        async def main() -> list[str]:
            page = await client.plans.list(limit=3)
            return [plan.id async for plan in page]

        assert harness.run(main()) == [p["id"] for p in PLANS]
    finally:
        harness.close()


def test_a_page_built_by_hand_has_no_next_page() -> None:
    page = Page([1, 2, 3], limit=3, offset=0, raw={"items": [1, 2, 3]})
    assert not page.has_next_page()
    assert list(page.iter_all()) == [1, 2, 3]
    assert page.raw == {"items": [1, 2, 3]}
    with pytest.raises(VelerianPaginationError):
        page.next_page()


def test_pages_and_models_have_a_rich_repr_without_secrets() -> None:
    from velerian_sdk import CreatedApiKey, Page

    minted = CreatedApiKey.model_validate(
        {
            "id": "key_1",
            "name": "ci",
            "prefix": "vk_live_",
            "last_four": "abcd",
            "scopes": ["read"],
            "created_at": "2026-01-01T00:00:00Z",
            "secret": "vk_live_SECRETSECRETSECRETSECRETSECRETSECRETabcd",
        }
    )
    page = Page([minted], limit=10, offset=0, total=1)
    fields = dict(page.__rich_repr__())
    assert fields == {"items": [minted], "limit": 10, "offset": 0, "total": 1}
    rich_fields = cast("Callable[[], Iterable[object]]", getattr(minted, "__rich_repr__"))  # noqa: B009
    shown = repr(list(rich_fields()))
    assert "SECRETSECRET" not in shown
    assert "key_1" in shown
