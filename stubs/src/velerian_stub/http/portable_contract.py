"""
The contract in shapes that code generators read as the stub means them.

FastAPI writes two shapes that generated clients misread, so the app's OpenAPI document
is rewritten (in place, idempotently) before it is served or saved:

- An optional request body comes out as ``anyOf: [<model>, null]``. Generators read
  that as "a value that may be null" and send whatever the caller left unset
  (``openapi-python-client`` passes its ``UNSET`` marker to httpx, a ``TypeError``).
  The contract says what the route means instead: the body may be absent
  (``required: false``) and, when sent, is the object.
- A ``HEAD`` answer has no body, yet FastAPI lists its error responses with JSON
  content; a generated client would JSON-parse the empty body. Every response of a
  ``HEAD`` operation is declared with its status, description and headers only.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

__all__ = ["ContractApp", "make_portable"]


def _optional_body_as_absent(operation: dict[str, Any]) -> None:
    body: dict[str, Any] | None = operation.get("requestBody")
    if body is None or body.get("required"):
        return
    content: dict[str, dict[str, Any]] = body.get("content", {})
    for media in content.values():
        schema: dict[str, Any] = media.get("schema", {})
        variants: list[dict[str, Any]] = schema.get("anyOf", [])
        kept = [variant for variant in variants if variant != {"type": "null"}]
        if len(variants) == 2 and len(kept) == 1 and set(kept[0]) == {"$ref"}:
            media["schema"] = dict(kept[0])
            body["required"] = False


def _head_without_bodies(operation: dict[str, Any]) -> None:
    responses: dict[str, dict[str, Any]] = operation.get("responses", {})
    for response in responses.values():
        response.pop("content", None)


def make_portable(spec: dict[str, Any]) -> dict[str, Any]:
    """
    Rewrite the two generator-hostile shapes of a FastAPI document (see the module doc).

    Args:
        spec: The OpenAPI document; changed in place.

    Returns:
        The same document.
    """
    paths: dict[str, dict[str, dict[str, Any]]] = spec.get("paths", {})
    for operations in paths.values():
        for method, operation in operations.items():
            _optional_body_as_absent(operation)
            if method == "head":
                _head_without_bodies(operation)
    return spec


class ContractApp(FastAPI):
    """A FastAPI app whose OpenAPI document is :func:`make_portable`'s."""

    def openapi(self) -> dict[str, Any]:
        """
        Generate (or reuse) the document and make it portable.

        Returns:
            The OpenAPI document, as served at ``/openapi.json``.
        """
        return make_portable(super().openapi())
