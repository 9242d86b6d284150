"""The envelope of a list route's body, parsed straight from bytes into a typed page."""

from __future__ import annotations

from typing import Generic, TypeVar, cast

from .base import VelerianModel

__all__ = ["PageEnvelope", "page_envelope"]

ItemT = TypeVar("ItemT")


class PageEnvelope(VelerianModel, Generic[ItemT]):
    """
    ``{"items": [...], "limit": L, "offset": O, "total": T}`` with typed items.

    ``limit``, ``offset`` and ``total`` may be absent; the caller then falls back to
    what it asked for. ``items`` is required.
    """

    items: list[ItemT]
    limit: int | None = None
    offset: int | None = None
    total: int | None = None


_ENVELOPES: dict[object, object] = {}


def page_envelope(item_type: type[ItemT]) -> type[PageEnvelope[ItemT]]:
    """
    Return the envelope model for pages of ``item_type``, built once.

    Args:
        item_type: The model (or ``dict`` type) of one row.

    Returns:
        The parametrised envelope class.
    """
    found = _ENVELOPES.get(item_type)
    if found is None:
        found = _ENVELOPES[item_type] = PageEnvelope.__class_getitem__(item_type)
    return cast("type[PageEnvelope[ItemT]]", found)
