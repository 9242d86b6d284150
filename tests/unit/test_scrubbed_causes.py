"""An error the SDK raises carries a scrubbed summary of what it caught, never the original."""

from __future__ import annotations

import ast
import json
import pickle
import subprocess
import sys
import traceback
from pathlib import Path

import httpx
import pydantic
import pytest

import velerian_sdk
from velerian_sdk import ScrubbedCause, VelerianArgumentError, VelerianConnectionError
from velerian_sdk._core.errors import with_scrubbed_cause

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(velerian_sdk.__file__).parent
KEY = "vk_live_SCRUBkeyabcdefghijklmnopqrstuvwxyz0123456789"


def raised_inside_handlers(source: str) -> list[str]:
    """``raise <new exception>`` lines written inside a block catching a foreign exception."""
    found: list[str] = []
    for handler in ast.walk(ast.parse(source)):
        if not isinstance(handler, ast.ExceptHandler):
            continue
        caught = ast.unparse(handler.type) if handler.type else "BaseException"
        if all(name.startswith("Velerian") for name in caught.strip("()").split(", ")):
            continue  # one of ours: it holds nothing that must not travel
        pending: list[ast.AST] = list(handler.body)
        while pending:
            node = pending.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(node, ast.Raise) and node.exc is not None:
                reraised = isinstance(node.exc, ast.Name) and node.exc.id == handler.name
                if not reraised:
                    found.append(f"{node.lineno} (except {caught})")
            pending.extend(ast.iter_child_nodes(node))
    return found


def test_no_error_is_raised_inside_the_block_that_caught_its_cause() -> None:
    # Raised there, the caught exception becomes the error's __context__ (`from None`
    # only hides it from a printed traceback), and a pickled chain carries it along.
    found = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in raised_inside_handlers(path.read_text())
    ]
    assert found == []


def test_the_check_finds_a_raise_inside_a_handler() -> None:
    sample = (
        "try:\n    pass\n"
        "except ValueError as exc:\n    if exc:\n        raise KeyError('x') from None\n"
        "except (VelerianError, VelerianArgumentError):\n    raise TypeError('ours')\n"
        "except OSError as exc:\n    raise exc\n"
        "except KeyError:\n    def later():\n        raise TypeError('not now')\n    raise\n"
    )
    assert raised_inside_handlers(sample) == ["5 (except ValueError)"]


def test_a_validation_error_is_summarised_without_its_input() -> None:
    class Key(pydantic.BaseModel):
        id: str
        secret: int

    with pytest.raises(pydantic.ValidationError) as caught:
        Key.model_validate({"secret": "plain-secret-value"})
    error = with_scrubbed_cause(VelerianArgumentError("bad key"), caught.value)
    cause = error.__cause__
    assert isinstance(cause, ScrubbedCause)
    assert cause.type_name == "pydantic_core.ValidationError"
    assert "plain-secret-value" in str(caught.value)
    assert "plain-secret-value" not in str(cause)
    assert cause.detail.startswith("id: Field required; secret: Input should be a valid integer")
    assert error.__suppress_context__


def test_a_transport_error_keeps_its_name_traceback_and_cause_but_not_its_request() -> None:
    request = httpx.Request("GET", "https://api.test/x", headers={"Authorization": f"Bearer {KEY}"})

    def connect() -> None:
        try:
            raise OSError(111, "Connection refused")
        except OSError as exc:
            raise httpx.ConnectError(f"refused for {KEY}", request=request) from exc

    with pytest.raises(httpx.ConnectError) as caught:
        connect()
    cause = with_scrubbed_cause(VelerianConnectionError("failed"), caught.value).__cause__
    assert isinstance(cause, ScrubbedCause)
    assert str(cause) == "httpx.ConnectError: refused for vk_live_...6789"
    assert not any(isinstance(v, httpx.Request) for v in vars(cause).values())
    assert cause.__traceback__ is caught.value.__traceback__
    printed = "".join(traceback.format_exception(cause))
    assert "in connect" in printed
    inner = cause.__cause__
    assert isinstance(inner, ScrubbedCause)
    assert str(inner) == "ConnectionRefusedError: [Errno 111] Connection refused"
    copy = pickle.loads(pickle.dumps(cause))
    assert (type(copy), copy.type_name, copy.detail) == (
        ScrubbedCause,
        cause.type_name,
        cause.detail,
    )


class Hostile(Exception):  # noqa: N818 - named for what it does
    def __str__(self) -> str:
        raise RuntimeError("no message for you")


@pytest.mark.parametrize(
    ("caught", "detail"),
    [
        (Hostile(), "<message could not be read>"),
        (ValueError("x" * 5000), "x" * 1000 + "..."),
        (ValueError("line\r\n\x1b[2Jforged"), "line\\x0d\\x0a\\x1b[2Jforged"),
    ],
)
def test_a_message_is_read_safely(caught: Exception, detail: str) -> None:
    cause = with_scrubbed_cause(VelerianArgumentError("x"), caught).__cause__
    assert isinstance(cause, ScrubbedCause)
    assert cause.detail == detail


def test_a_chain_is_summarised_a_few_levels_deep_and_a_cycle_ends() -> None:
    first = ValueError("first")
    second = ValueError("second")
    first.__cause__ = second
    second.__cause__ = first  # a cycle
    cause = with_scrubbed_cause(VelerianArgumentError("x"), first).__cause__
    depth = 0
    while cause is not None:
        depth += 1
        cause = cause.__cause__
    assert depth == 4


@pytest.mark.timeout(60)
def test_errors_pickled_with_tblib_installed_carry_no_secret() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tests.unit.tblib_errors"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
        check=True,
    )
    reports = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["scenario"] for r in reports] == [
        "connect_error",
        "response_validation",
        "argument_validation",
        "evidence_not_json",
        "loop_moved",
    ]
    for report in reports:
        assert report["error"] is not None, report
        assert not report["key_in_pickle"], report
        assert not report["secret_in_pickle"], report
        assert report["chain"][1:] == ["velerian_sdk.ScrubbedCause"], report
    causes = {r["scenario"]: r["cause"] for r in reports}
    assert causes["connect_error"] == "httpx.ConnectError: connection refused"
    assert causes["response_validation"] == "pydantic_core.ValidationError: id: Field required"
    assert causes["evidence_not_json"].startswith("json.decoder.JSONDecodeError: Expecting")
    assert causes["loop_moved"].startswith("RuntimeError: Event loop is closed")
