"""
How requests meet routes: malformed bodies, undeclared methods, unanswered requests.

- :class:`ApiRoute` makes a body that is not UTF-8 JSON a 422 ``json_invalid`` in
  FastAPI's list shape (FastAPI itself answers 400 when the bytes are not UTF-8), and
  so are ``NaN``, ``Infinity`` and numbers too large to hold
  (:func:`~velerian_stub.service.strict_parsing.load_json`).
- :meth:`RouteTable.method_not_allowed` answers 405 with an ``Allow`` header listing the
  methods of *every* route on the path (Starlette names only the first route's).
- :meth:`RouteTable.answers` tells the idempotency layer whether a route will run the
  request, so a 404 or 405 never claims an ``Idempotency-Key``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from velerian_stub.service.strict_parsing import load_json

__all__ = ["ApiRoute", "RouteTable"]


class _JsonBodyRequest(Request):
    """A request whose JSON body is decoded as UTF-8, with every failure a JSON error."""

    async def json(self) -> Any:
        body = await self.body()
        try:
            return load_json(body.decode("utf-8"))
        except UnicodeDecodeError as error:
            # FastAPI turns only JSONDecodeError into its 422; anything else is a 400.
            text = body.decode("utf-8", errors="replace")
            raise json.JSONDecodeError("body is not UTF-8", text, error.start) from error
        except RecursionError as error:
            text = body.decode("utf-8")
            raise json.JSONDecodeError("body is nested too deeply", text, 0) from error


class ApiRoute(APIRoute):
    """
    The route class of every router: a malformed JSON body is a 422, never a 400.

    decisions.md promises the 422 list shape for every bad input; the error is
    ``{"loc": ["body", <position>], "type": "json_invalid"}``, as FastAPI gives for
    text that is not JSON.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler so that it parses bodies with :class:`_JsonBodyRequest`."""
        handle = super().get_route_handler()

        async def handle_json_body(request: Request) -> Response:
            return await handle(_JsonBodyRequest(request.scope, request.receive))

        return handle_json_body


class RouteTable:
    """
    Every route of one app, flat, for the two questions its router cannot answer.

    FastAPI keeps included routers nested (and private); the app factory adds each
    router's routes here as it includes them.
    """

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, routes: Iterable[BaseRoute]) -> None:
        """
        Add routes; anything that is not an HTTP route (a mount, an included router) is skipped.

        Args:
            routes: The routes, for example ``router.routes``.
        """
        self._routes += [route for route in routes if isinstance(route, Route)]

    def allowed_methods(self, scope: Scope) -> list[str]:
        """
        List the methods the routes on a request's path take.

        Args:
            scope: The request's ASGI scope.

        Returns:
            The methods, sorted; empty when no route has this path.
        """
        methods: set[str] = set()
        for route in self._routes:
            if route.methods and route.matches(scope)[0] != Match.NONE:
                methods |= route.methods
        return sorted(methods)

    def answers(self, scope: Scope) -> bool:
        """
        Tell whether some route takes this method on this path.

        Args:
            scope: The request's ASGI scope.

        Returns:
            False for a path no route has (404) or a method none of them takes (405).
        """
        return any(route.matches(scope)[0] == Match.FULL for route in self._routes)

    async def method_not_allowed(self, request: Request, exc: Exception) -> Response:
        """
        Answer 405 with an ``Allow`` header naming every method the path takes.

        The app's handler for status 405, which its router raises for a known path.

        Args:
            request: The request.
            exc: The router's exception.

        Returns:
            ``{"detail": "Method Not Allowed"}`` with ``Allow``.
        """
        del exc
        allow = ", ".join(self.allowed_methods(request.scope))
        return JSONResponse(
            {"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": allow}
        )
