"""Request bodies: refused before sending when JSON cannot carry them, stable bytes otherwise."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pydantic
import pytest

from tests.conftest import Harness
from velerian_sdk import VelerianArgumentError
from velerian_sdk._core.calls import encode_json

ROOT = Path(__file__).resolve().parents[2]


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Line(pydantic.BaseModel):
    sku: str = pydantic.Field(alias="SKU")
    price: decimal.Decimal
    at: dt.datetime


@dataclasses.dataclass
class Point:
    x: int
    y: float


UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("body", "where", "says"),
    [
        ({"score": math.nan}, "body.score", "NaN or Infinity"),
        ({"a": [1, {"b": math.inf}]}, "body.a[1].b", "NaN or Infinity"),
        ({"a": -math.inf}, "body.a", "NaN or Infinity"),
        ({"tags": {"x", "y"}}, "body.tags", "no order"),
        ({"tags": frozenset({"x"})}, "body.tags", "no order"),
        ({"z": 1 + 2j}, "body.z", "complex"),
        ({"blob": b"abc"}, "body.blob", "base64"),
        ({"blob": bytearray(b"abc")}, "body.blob", "base64"),
        ({"at": dt.datetime(2026, 1, 1)}, "body.at", "no timezone"),
        ({"at": dt.time(9, 30)}, "body.at", "no agreed JSON form"),
        ({"for": dt.timedelta(seconds=3)}, "body.for", "no agreed JSON form"),
        ({"n": decimal.Decimal("NaN")}, "body.n", "NaN or Infinity"),
        ({"n": decimal.Decimal("-Infinity")}, "body.n", "NaN or Infinity"),
        ({"m": {1: "one"}}, "body.m", "the key 1 is not text"),
        ({"m": {("a", 1): "x"}}, "body.m", "is not text"),
        ({"p": Path("/tmp/x")}, "body.p", "has no JSON form"),
        ({"o": object()}, "body.o", "has no JSON form"),
        (
            {"line": Line(SKU="a", price=decimal.Decimal(1), at=dt.datetime(2026, 1, 1))},
            "body.line.at",
            "no timezone",
        ),
        ({"pt": Point(1, math.nan)}, "body.pt.y", "NaN or Infinity"),
        ({"c": [Colour.RED, (1, {math.pi, 1.0})]}, "body.c[1][1]", "no order"),
        (math.nan, "body", "NaN or Infinity"),
    ],
)
def test_what_json_cannot_carry_is_refused_with_its_path(
    body: object, where: str, says: str
) -> None:
    with pytest.raises(VelerianArgumentError, match="cannot be sent as JSON") as caught:
        encode_json(body)
    message = str(caught.value)
    assert message.startswith(f"{where} cannot be sent as JSON: ")
    assert says in message


def test_a_body_that_contains_itself_is_refused() -> None:
    body: dict[str, object] = {}
    body["self"] = body
    with pytest.raises(VelerianArgumentError, match="nested too deeply, or contains itself"):
        encode_json(body)


@pytest.mark.parametrize(
    ("body", "sent"),
    [
        (
            {"prompt": "Summarize.", "n": 3, "ok": True, "none": None},
            b'{"prompt":"Summarize.","n":3,"ok":true,"none":null}',
        ),
        ({"x": 0.1, "big": 10**30}, b'{"x":0.1,"big":1000000000000000000000000000000}'),
        ({"price": decimal.Decimal("1.10")}, b'{"price":"1.10"}'),
        ({"at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}, b'{"at":"2026-01-02T03:04:05Z"}'),
        (
            {"at": dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=2)))},
            b'{"at":"2026-01-02T03:04:00+02:00"}',
        ),
        ({"on": dt.date(2026, 1, 2)}, b'{"on":"2026-01-02"}'),
        ({"id": uuid.UUID(int=1)}, b'{"id":"00000000-0000-0000-0000-000000000001"}'),
        ({"pair": (1, "a")}, b'{"pair":[1,"a"]}'),
        ({"c": Colour.RED, "l": Level.HIGH}, b'{"c":"red","l":3}'),
        (
            {
                "line": Line(
                    SKU="a-1", price=decimal.Decimal("2.50"), at=dt.datetime(2026, 1, 1, tzinfo=UTC)
                )
            },
            b'{"line":{"SKU":"a-1","price":"2.50","at":"2026-01-01T00:00:00Z"}}',
        ),
        ({"pt": Point(1, 2.5)}, b'{"pt":{"x":1,"y":2.5}}'),
        ({"text": "caf\u00e9 \u2603"}, '{"text":"caf\u00e9 \u2603"}'.encode()),
    ],
)
def test_what_json_can_carry_is_sent_as_decided(body: object, sent: bytes) -> None:
    assert encode_json(body) == sent


def test_a_plain_body_is_not_copied_and_keeps_its_order() -> None:
    body = {"z": 1, "a": {"y": [1, 2], "b": "x"}}
    assert encode_json(body) == b'{"z":1,"a":{"y":[1,2],"b":"x"}}'


def test_an_invoke_with_nan_is_refused_before_anything_is_sent(harness: Harness) -> None:
    client = harness.client(lambda request: httpx.Response(200, json={}))
    with pytest.raises(VelerianArgumentError) as caught:
        harness.run(client.abps.invoke("abp_1", payload={"items": [{"score": math.nan}]}))
    assert str(caught.value).startswith("body.payload.items[0].score cannot be sent as JSON")
    with pytest.raises(VelerianArgumentError, match=r"body\.tags cannot be sent"):
        harness.run(client.post("things", json={"tags": {"a", "b"}}))
    assert harness.requests == []


ENCODE_IN_A_FRESH_PROCESS = """
import decimal, datetime as dt, uuid
from velerian_sdk import VelerianArgumentError
from velerian_sdk._core.calls import encode_json

names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"]
rich = {
    "payload": {name: [name, len(name), decimal.Decimal("1.10")] for name in names},
    "at": dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc),
    "id": uuid.UUID(int=7),
}
for body in (rich, {"payload": {"tags": set(names)}}):
    try:
        print(encode_json(body).hex())
    except VelerianArgumentError as exc:
        print("refused:", exc)
"""


def test_the_same_body_gives_the_same_bytes_in_every_process() -> None:
    outputs: list[str] = []
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", ENCODE_IN_A_FRESH_PROCESS],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=60,
            check=True,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    rich, with_a_set = outputs[0].splitlines()
    assert bytes.fromhex(rich).startswith(b'{"payload":{"alpha":["alpha",5,"1.10"]')
    assert with_a_set.startswith("refused: body.payload.tags cannot be sent as JSON")
