"""Every error pickles to an equal error, and no credential travels with it."""

from __future__ import annotations

import copy
import importlib
import inspect
import multiprocessing
import pickle
import pkgutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import httpx
import pytest

import velerian_sdk
from tests.conftest import TEST_KEY, Harness
from velerian_sdk import (
    VelerianAPIError,
    VelerianArgumentError,
    VelerianAuthError,
    VelerianBatchError,
    VelerianClientClosedError,
    VelerianClientMovedError,
    VelerianConflictError,
    VelerianConnectionError,
    VelerianError,
    VelerianEvidenceError,
    VelerianExportExpiredError,
    VelerianForbiddenError,
    VelerianIntegrityError,
    VelerianNotFoundError,
    VelerianPaginationError,
    VelerianRateLimitError,
    VelerianResponseEncodingError,
    VelerianResponseTooLargeError,
    VelerianResponseValidationError,
    VelerianRunTimeoutError,
    VelerianServerError,
    VelerianTimeoutError,
    VelerianValidationError,
)
from velerian_sdk._core.errors import error_from_response
from velerian_sdk._core.evidence_chain import ChainBreak

MINTED = "vk_live_MINTEDsecret0123456789abcdefghijklmnopqrst"
"""A secret a server minted, as it would sit in a body an error keeps."""
SIGNED = "https://storage.test/exports/e1.json?X-Amz-Signature=SIGNATUREVALUE"


def api_error(status: int, **headers: str) -> VelerianAPIError:
    """The error for a response to a request that carried the key, with a secret in its body."""
    request = httpx.Request(
        "POST",
        "https://api.test/api/v2/api-keys",
        headers={"Authorization": f"Bearer {TEST_KEY}"},
    )
    body = {
        "detail": f"refused; the key was {MINTED}",
        "secret": MINTED,
        "download_url": SIGNED,
        "items": [{"token": MINTED, "id": "key_1"}],
    }
    response = httpx.Response(
        status, json=body, headers={"x-request-id": "req_42", **headers}, request=request
    )
    return error_from_response(response, retry_after=2.0 if status == 429 else None)


EXAMPLES: dict[type[VelerianError], Callable[[], VelerianError]] = {
    VelerianError: lambda: VelerianError("something failed"),
    VelerianArgumentError: lambda: VelerianArgumentError("timeout must be positive"),
    VelerianBatchError: lambda: VelerianBatchError("ABP 'a' is 'draft', not 'deployed'"),
    VelerianClientClosedError: lambda: VelerianClientClosedError("closed"),
    VelerianConnectionError: lambda: VelerianConnectionError(
        "GET https://api.test/api/v2/plans failed", method="GET", url="https://api.test/x"
    ),
    VelerianTimeoutError: lambda: VelerianTimeoutError(
        "timed out", method="POST", url="https://api.test/api/v2/abps/a/invoke"
    ),
    VelerianResponseValidationError: lambda: VelerianResponseValidationError(
        f"POST /api/v2/api-keys answered 201 with a body that is not valid: {MINTED}",
        body=f'{{"secret": "{MINTED}", "id": "key_1", "note": "{MINTED}"}}'.encode(),
        request_id="req_7",
        status_code=201,
        errors=["name: Field required", f"secret: {MINTED}"],
    ),
    VelerianResponseEncodingError: lambda: VelerianResponseEncodingError(
        "GET /api/v2/abps answered with Content-Encoding br, which the SDK does not decode",
        encoding="br",
        method="GET",
        url="https://api.test/api/v2/abps",
    ),
    VelerianResponseTooLargeError: lambda: VelerianResponseTooLargeError(
        "GET /api/v2/abps: the response is larger than max_response_bytes (1024)",
        limit=1024,
        method="GET",
        url="https://api.test/api/v2/abps",
    ),
    VelerianClientMovedError: lambda: VelerianClientMovedError(
        "this client's http_client holds connections made before a fork; build the client "
        "after the fork"
    ),
    VelerianIntegrityError: lambda: VelerianIntegrityError(
        "size mismatch", expected="size 1024", actual="size 12"
    ),
    VelerianExportExpiredError: lambda: VelerianExportExpiredError("exp_1", "2026-01-01T00:00:00Z"),
    VelerianEvidenceError: lambda: VelerianEvidenceError(
        [ChainBreak(index=1, pack_id="pk_2", chain_scope="tenant", reason="hash mismatch")]
    ),
    VelerianRunTimeoutError: lambda: VelerianRunTimeoutError(
        "run_9", status="running", waited_s=12.5
    ),
    VelerianPaginationError: lambda: VelerianPaginationError("page repeated", offset=40),
    VelerianAPIError: lambda: api_error(400),
    VelerianAuthError: lambda: api_error(401),
    VelerianForbiddenError: lambda: api_error(403),
    VelerianNotFoundError: lambda: api_error(404),
    VelerianConflictError: lambda: api_error(409),
    VelerianValidationError: lambda: api_error(422),
    VelerianRateLimitError: lambda: api_error(429, **{"Retry-After": "2"}),
    VelerianServerError: lambda: api_error(503),
}


def every_error_class() -> set[type[VelerianError]]:
    """Every subclass of VelerianError in the SDK, public or not, found by walking it."""
    for info in pkgutil.walk_packages(velerian_sdk.__path__, "velerian_sdk."):
        importlib.import_module(info.name)
    found: set[type[VelerianError]] = set()
    pending: list[type[VelerianError]] = [VelerianError]
    while pending:
        cls = pending.pop()
        if cls.__module__.startswith("velerian_sdk") and cls not in found:
            found.add(cls)
            pending.extend(cls.__subclasses__())
    return found


def fields(error: BaseException) -> dict[str, object]:
    """What two equal errors share: type, message, arguments, every attribute."""
    shown: dict[str, object] = {"type": type(error), "str": str(error), "args": error.args}
    shown.update({name: value for name, value in vars(error).items() if name != "response"})
    return shown


def test_every_error_class_has_an_example() -> None:
    public = {
        value
        for name in velerian_sdk.__all__
        if inspect.isclass(value := getattr(velerian_sdk, name))
        and issubclass(value, VelerianError)
    }
    assert public <= every_error_class()
    # A new error class fails here until it gets an example, and so a pickling test.
    assert set(EXAMPLES) == every_error_class()


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda cls: cls.__name__)
def test_an_error_round_trips_through_pickle(cls: type[VelerianError]) -> None:
    error = EXAMPLES[cls]()
    assert type(error) is cls
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(error, protocol=protocol))
        assert fields(again) == fields(error)
        if isinstance(again, VelerianAPIError):
            assert again.response is None


@pytest.mark.parametrize("cls", list(EXAMPLES), ids=lambda cls: cls.__name__)
def test_no_credential_is_in_the_pickled_bytes(cls: type[VelerianError]) -> None:
    error = EXAMPLES[cls]()
    data = pickle.dumps(error)
    for secret in (TEST_KEY, MINTED, "SIGNATUREVALUE", "Bearer"):
        assert secret.encode() not in data, secret
        assert secret.encode("utf-16-le") not in data, secret


@pytest.mark.parametrize(
    "cls", [VelerianForbiddenError, VelerianNotFoundError, VelerianConflictError]
)
def test_an_api_error_keeps_its_details_after_pickling(cls: type[VelerianAPIError]) -> None:
    error = EXAMPLES[cls]()
    assert isinstance(error, VelerianAPIError)
    assert error.response is not None  # in the process that got it, the response is there
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, cls)
    assert (again.status_code, again.request_id, again.method, again.path) == (
        error.status_code,
        "req_42",
        "POST",
        "/api/v2/api-keys",
    )
    assert again.detail == "refused; the key was vk_live_...qrst"
    assert again.body == {
        "detail": "refused; the key was vk_live_...qrst",
        "secret": "REDACTED",
        "download_url": "https://storage.test/exports/e1.json?REDACTED",
        "items": [{"token": "REDACTED", "id": "key_1"}],
    }
    assert str(again) == str(error)


def test_copies_follow_the_pickling_rule() -> None:
    error = EXAMPLES[VelerianConflictError]()
    for duplicate in (copy.copy(error), copy.deepcopy(error)):
        assert fields(duplicate) == fields(error)
        assert isinstance(duplicate, VelerianConflictError)
        assert duplicate.response is None


def test_the_run_id_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(EXAMPLES[VelerianRunTimeoutError]()))
    assert isinstance(error, VelerianRunTimeoutError)
    assert (error.run_id, error.status, error.waited_s) == ("run_9", "running", 12.5)


def raise_example(name: str) -> None:
    """Run in a worker process: raise the example error of the class called ``name``."""
    by_name = {cls.__name__: make for cls, make in EXAMPLES.items()}
    raise by_name[name]()


def test_each_error_crosses_a_process_pool() -> None:
    names = [cls.__name__ for cls in EXAMPLES]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        futures = {name: pool.submit(raise_example, name) for name in names}
        for name, future in futures.items():
            error = future.exception(timeout=30)
            assert isinstance(error, VelerianError), (name, error)
            assert type(error).__name__ == name
            expected = next(make() for cls, make in EXAMPLES.items() if cls.__name__ == name)
            assert fields(error) == fields(expected)


def test_errors_raised_by_a_client_pickle_without_the_key(harness: Harness) -> None:
    minted = {"name": "ci", "secret": MINTED, "prefix": "vk_live_", "scopes": ["read"]}
    answers = iter(
        [
            httpx.Response(403, json={"detail": "missing scope"}),
            httpx.Response(404, json={"detail": "no such run"}),
            httpx.Response(409, json={"detail": "not deployed"}),
            httpx.Response(201, json=minted),  # no id: not a CreatedApiKey
        ]
    )
    client = harness.client(lambda request: next(answers), max_retries=0)
    caught: list[VelerianError] = []
    for _ in range(3):
        with pytest.raises(VelerianAPIError) as api:
            harness.run(client.get("runs/run_1"))
        caught.append(api.value)
    with pytest.raises(VelerianResponseValidationError) as invalid:
        harness.run(client.api_keys.create(name="ci", scopes=["read"]))
    caught.append(invalid.value)
    assert harness.requests[0].headers["Authorization"] == f"Bearer {TEST_KEY}"
    for error in caught:
        data = pickle.dumps(error)
        assert TEST_KEY.encode() not in data
        assert MINTED.encode() not in data
        assert fields(pickle.loads(data)) == fields(error)
    assert [type(e).__name__ for e in caught] == [
        "VelerianForbiddenError",
        "VelerianNotFoundError",
        "VelerianConflictError",
        "VelerianResponseValidationError",
    ]
