"""The fast path of path_segment gives exactly what the full check and encoding give."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from velerian_sdk import VelerianArgumentError
from velerian_sdk._core.calls import _problem, path_segment  # pyright: ignore[reportPrivateUsage]

ids = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=300)


@given(ids)
def test_every_value_is_encoded_or_refused_as_by_the_full_check(value: str) -> None:
    if _problem(value) is None:
        assert path_segment("abp_id", value) == quote(value, safe="")
    else:
        with pytest.raises(VelerianArgumentError):
            path_segment("abp_id", value)


@pytest.mark.parametrize("value", ["abp_5f2c9a41d07e4b3c8a6e1f09", "a.b", "~x-_", "A" * 256])
def test_unreserved_ids_pass_unchanged(value: str) -> None:
    assert path_segment("abp_id", value) == value


@pytest.mark.parametrize("value", ["", ".", "..", "A" * 257, "a\n", "a/b"])
def test_unreserved_lookalikes_are_still_refused(value: str) -> None:
    with pytest.raises(VelerianArgumentError):
        path_segment("abp_id", value)
