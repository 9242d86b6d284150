"""Every failure reaches the caller as one typed VelerianError with what to do next."""

from __future__ import annotations

import json
from typing import Literal, cast

import httpx
import pydantic
import pytest

from tests.conftest import Harness
from velerian_sdk import (
    VelerianAPIError,
    VelerianAuthError,
    VelerianConflictError,
    VelerianConnectionError,
    VelerianError,
    VelerianForbiddenError,
    VelerianNotFoundError,
    VelerianRateLimitError,
    VelerianResponseValidationError,
    VelerianRunTimeoutError,
    VelerianServerError,
    VelerianTimeoutError,
    VelerianValidationError,
)
from velerian_sdk._core.errors import _readable_detail  # pyright: ignore[reportPrivateUsage]


def answer(status: int, body: object = None, **headers: str) -> httpx.Response:
    if body is None:
        body = {"detail": f"status {status}"}
    return httpx.Response(status, json=body, headers={"x-request-id": "req_1", **headers})


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, VelerianAPIError),
        (401, VelerianAuthError),
        (403, VelerianForbiddenError),
        (404, VelerianNotFoundError),
        (409, VelerianConflictError),
        (410, VelerianAPIError),
        (422, VelerianValidationError),
        (429, VelerianRateLimitError),
        (500, VelerianServerError),
        (501, VelerianServerError),
        (503, VelerianServerError),
    ],
)
def test_status_maps_to_the_0_1_class(
    harness: Harness, status: int, cls: type[VelerianAPIError]
) -> None:
    client = harness.client(lambda r: answer(status), max_retries=0)
    with pytest.raises(cls) as caught:
        harness.run(client.get("plans"))
    error = caught.value
    assert type(error) is cls
    assert isinstance(error, VelerianAPIError)
    assert error.status_code == status
    assert error.detail == f"status {status}"
    assert error.request_id == "req_1"
    assert error.body == {"detail": f"status {status}"}
    assert error.response is not None
    assert error.response.status_code == status
    assert str(error).startswith(f"GET /api/v2/plans -> HTTP {status}: status {status}")
    assert "req_1" in str(error)


def test_hierarchy_is_the_0_1_one() -> None:
    for cls in (
        VelerianAuthError,
        VelerianForbiddenError,
        VelerianNotFoundError,
        VelerianConflictError,
        VelerianValidationError,
        VelerianRateLimitError,
        VelerianServerError,
    ):
        assert issubclass(cls, VelerianAPIError)
    assert issubclass(VelerianAPIError, VelerianError)
    assert issubclass(VelerianTimeoutError, VelerianConnectionError)
    assert issubclass(VelerianConnectionError, VelerianError)
    assert not issubclass(VelerianRunTimeoutError, VelerianAPIError)
    assert issubclass(VelerianResponseValidationError, VelerianError)


def test_0_1_constructors_still_work() -> None:
    error = VelerianRateLimitError(429, "slow", retry_after=3.0, body={"detail": "slow"})
    assert error.retry_after == 3.0
    assert str(error).startswith("HTTP 429: slow")
    plain = VelerianAPIError(418)
    assert plain.detail is None
    assert plain.request_id is None


def test_validation_detail_is_made_readable(harness: Harness) -> None:
    body = {
        "detail": [
            {"loc": ["body", "payload"], "msg": "Field required", "type": "missing"},
            {"loc": ["query", "limit"], "msg": "Input should be <= 500", "type": "le"},
        ]
    }
    client = harness.client(lambda r: answer(422, body))
    with pytest.raises(VelerianValidationError) as caught:
        harness.run(client.post("abps/x/invoke", json={}))
    assert caught.value.detail == (
        "body.payload: Field required; query.limit: Input should be <= 500"
    )
    assert caught.value.body == body


def test_a_short_plain_text_error_body_is_quoted(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(502, text="Bad gateway"), max_retries=0)
    with pytest.raises(VelerianServerError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.detail == "Bad gateway"
    assert caught.value.body is None


NOT_THE_API = (
    "<!DOCTYPE html>\n<html lang=en>\n<head><title>404 Not Found</title></head>\n<body>"
    "<h1>Not Found</h1><p>The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.</p>" + " " * 133 + "</body>"
)


def test_an_html_error_body_is_described_not_pasted(harness: Harness) -> None:
    html = httpx.Response(404, text=NOT_THE_API, headers={"content-type": "text/html"})
    client = harness.client(lambda r: html, base_url="http://127.0.0.1:8000")
    with pytest.raises(VelerianNotFoundError) as caught:
        harness.run(client.get("plans"))
    message = str(caught.value)
    # Before: the message carried all 364 characters of the page.
    assert "<html" not in message
    assert message == (
        'GET /api/v2/plans -> HTTP 404: a body of 364 bytes (text/html) titled "404 Not Found": '
        "this does not look like the Velerian API; check base_url (http://127.0.0.1:8000/)"
    )
    assert caught.value.body is None


def test_an_html_error_page_from_a_gateway_is_described(harness: Harness) -> None:
    page = httpx.Response(
        502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"}
    )
    client = harness.client(lambda r: page, max_retries=0)
    with pytest.raises(VelerianServerError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.detail == (
        "a body of 24 bytes (text/html), not the API's JSON: a proxy or gateway may have answered"
    )


HOSTILE = "\r\x1b[2K\x1b[32mINFO ok\x1b[0m\x00\x07\x85\u2028\u2029\u200b\U000e0041"
"""What a terminal or log viewer would act on: CR, ANSI, NUL, BEL, NEL, separators, Cf."""


def _shown_controls(text: str) -> list[str]:
    return [hex(ord(c)) for c in text if not c.isprintable()]


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (502, f"Bad gateway{HOSTILE}", {"content-type": "text/plain"}),
        (404, f"<html><title>Gone{HOSTILE}</title></html>", {"content-type": "text/html"}),
        (400, json.dumps({"detail": f"bad{HOSTILE}"}), {"content-type": "application/json"}),
        (422, json.dumps({"detail": [{"loc": [f"x{HOSTILE}"], "msg": f"m{HOSTILE}"}]}), {}),
        (404, '{"detail": "gone"}', {"x-request-id": "rid\x1b[2J\x1b[31m\x7f"}),
    ],
    ids=["plain-text", "title", "json-detail", "validation-detail", "request-id"],
)
def test_server_text_in_a_message_cannot_drive_a_terminal(
    harness: Harness, status: int, body: str, headers: dict[str, str]
) -> None:
    answer = httpx.Response(status, content=body.encode(), headers=headers)
    client = harness.client(lambda r: answer, max_retries=0)
    with pytest.raises(VelerianAPIError) as caught:
        harness.run(client.get("plans"))
    message = str(caught.value)
    # Before: e.g. ['0xd', '0x1b', '0x1b', '0x1b', '0x0', '0x7', '0x85', '0x2028', ...].
    assert _shown_controls(message) == []
    assert "\\x1b[2" in message
    assert len(message) < 600


def test_control_characters_are_escaped_by_code() -> None:
    error = VelerianAPIError(400, _readable_detail(f"a{HOSTILE}z"), request_id="r\r\n1")
    assert error.detail == (
        "a\\x0d\\x1b[2K\\x1b[32mINFO ok\\x1b[0m\\x00\\x07\\x85\\u2028\\u2029\\u200b\\U000e0041z"
    )
    assert error.request_id == "r\\x0d\\x0a1"
    assert _readable_detail("caf\u00e9 \u4e2d \u00a0ok") == "caf\u00e9 \u4e2d \u00a0ok"


def test_a_signature_in_a_title_is_masked_without_its_link(harness: Harness) -> None:
    page = "<html><title>X-Amz-Signature=SECRETSIG&amp;sig=S2 x-goog-signature=G</title></html>"
    answer = httpx.Response(403, text=page, headers={"content-type": "text/html"})
    client = harness.client(lambda r: answer, max_retries=0)
    with pytest.raises(VelerianAPIError) as caught:
        harness.run(client.get("plans"))
    message = str(caught.value)
    # Before: titled "X-Amz-Signature=SECRETSIG&amp;sig=S2 ..." in full.
    assert "SECRETSIG" not in message
    assert "S2" not in message
    assert 'titled "X-Amz-Signature=REDACTED&amp;sig=REDACTED x-goog-signature=REDACTED"' in message


def test_rate_limit_error_carries_retry_after(harness: Harness) -> None:
    client = harness.client(lambda r: answer(429, **{"Retry-After": "7"}), max_retries=0)
    with pytest.raises(VelerianRateLimitError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.retry_after == 7.0


def test_run_timeout_error_says_how_to_collect() -> None:
    error = VelerianRunTimeoutError("run_1", status="running", waited_s=900.0)
    assert error.run_id == "run_1"
    assert error.status == "running"
    assert error.waited_s == 900.0
    assert "not cancelled" in str(error)
    assert "run_1" in str(error)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.PoolTimeout("busy"),
        httpx.WriteError("broken pipe"),
        httpx.UnsupportedProtocol("ftp"),
        httpx.DecodingError("bad gzip"),
    ],
)
def test_no_httpx_exception_escapes(harness: Harness, exc: Exception) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    client = harness.client(fail, max_retries=1)
    with pytest.raises(VelerianConnectionError) as caught:
        harness.run(client.get("plans"))
    assert not isinstance(caught.value, httpx.HTTPError)
    if isinstance(exc, httpx.TimeoutException):
        assert isinstance(caught.value, VelerianTimeoutError)


def test_parse_failure_is_a_response_validation_error(harness: Harness) -> None:
    class Plan(pydantic.BaseModel):
        id: str
        price: int

    client = harness.client(lambda r: answer(200, {"id": "p", "price": "lots"}))
    response = harness.run(client.get("plans"))
    with pytest.raises(VelerianResponseValidationError) as caught:
        client._sender.parse(response, Plan)  # pyright: ignore[reportPrivateUsage]
    error = caught.value
    assert error.request_id == "req_1"
    assert error.body == b'{"id":"p","price":"lots"}'
    assert error.errors == [
        "price: Input should be a valid integer, unable to parse string as an integer"
    ]
    assert "GET /api/v2/plans" in str(error)


def test_parse_of_invalid_json_is_a_response_validation_error(harness: Harness) -> None:
    client = harness.client(lambda r: httpx.Response(200, content=b'{"id": '))
    response = harness.run(client.get("plans"))
    with pytest.raises(VelerianResponseValidationError):
        client._sender.parse(response, dict[str, int])  # pyright: ignore[reportPrivateUsage]


# What the body is parsed into, beyond a model class: generic aliases and unions, which
# are no classes (``issubclass`` refuses a union on every version, and a generic alias
# from 3.13 on) and which 3.10 alone calls types.
SHAPES: list[object] = [dict[str, int], list[int], int | None, Literal[1, 7]]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("body", [b"[1]", b'{"a": 1}', b"7", b'{"a": '], ids=repr)
def test_a_body_parses_into_a_generic_alias_or_a_union(
    harness: Harness, shape: object, body: bytes
) -> None:
    client = harness.client(lambda r: httpx.Response(200, content=body))
    response = harness.run(client.get("plans"))
    cast_to = cast("type[object]", shape)
    try:
        expected = pydantic.TypeAdapter(cast_to).validate_json(body)  # the same question
    except pydantic.ValidationError:
        with pytest.raises(VelerianResponseValidationError, match="not a valid"):
            client._sender.parse(response, cast_to)  # pyright: ignore[reportPrivateUsage]
    else:
        assert client._sender.parse(response, cast_to) == expected  # pyright: ignore[reportPrivateUsage]


def test_a_deeply_nested_error_body_is_still_a_typed_error(harness: Harness) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    client = harness.client(
        lambda r: httpx.Response(500, content=deep, headers={"content-type": "application/json"}),
        max_retries=0,
    )
    with pytest.raises(VelerianServerError) as caught:
        harness.run(client.get("plans"))
    assert caught.value.body is None
