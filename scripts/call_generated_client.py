"""
Call every operation of ``docs/api/openapi.json`` through a client generated from it.

    python scripts/call_generated_client.py [--package NAME]

``nox -s generated`` generates a client with ``openapi-python-client``, installs it and
runs this script, which starts a stub on a free port and drives the generated client
through one story per resource (invoke, export, approve, run, share, attach, mint and
revoke a key...). Every call must answer a status its operation declares as success
with a body the generated code parsed into the declared model (or bytes, or nothing).
The operations are read from the contract, so one that no story calls fails the run:
a new endpoint cannot be skipped silently. Exits 0 only when every operation was called
and every call succeeded.

The generated package exists only in that session's environment, not where ``scripts/``
is type-checked: it is reached by name through :mod:`importlib` in
:class:`GeneratedClient`, which checks each value it takes from it before use.
"""

from __future__ import annotations

import argparse
import enum
import hashlib
import importlib
import inspect
import io
import json
import pkgutil
import sys
import typing
from collections.abc import Callable, Generator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

import httpx

from velerian_stub import StubProcess

__all__ = ["CallFailedError", "GeneratedClient", "Operation", "load_operations", "main"]

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "api" / "openapi.json"
DEFAULT_PACKAGE = "velerian_api_client"  # openapi-python-client's name for "Velerian API"
_BYTES = "bytes"  # a success answer whose body is a file, parsed as the package's File


@dataclass(frozen=True)
class Operation:
    """
    One operation of the contract, as far as calling it needs.

    Args:
        operation_id: Its ``operationId``, the generated module's name.
        secured: Whether it takes the API key (storage links must be sent without it).
        successes: Each 2xx status, with the model its body parses into, ``"bytes"``
            for a file, or ``None`` for no body.
    """

    operation_id: str
    secured: bool
    successes: Mapping[int, str | None]


def _success_kind(response: Mapping[str, object]) -> str | None:
    content = response.get("content")
    if not isinstance(content, dict) or not content:
        return None
    media = typing.cast("dict[str, dict[str, dict[str, str]]]", content)
    if "application/json" in media:
        return media["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return _BYTES


def load_operations(path: Path = CONTRACT) -> dict[str, Operation]:
    """
    Read every operation of the contract.

    Args:
        path: The OpenAPI document.

    Returns:
        The operations by ``operationId``.
    """
    spec = typing.cast("dict[str, object]", json.loads(path.read_text(encoding="utf-8")))
    paths = typing.cast("dict[str, dict[str, dict[str, object]]]", spec["paths"])
    operations: dict[str, Operation] = {}
    for methods in paths.values():
        for operation in methods.values():
            responses = typing.cast("dict[str, dict[str, object]]", operation["responses"])
            operation_id = str(operation["operationId"])
            operations[operation_id] = Operation(
                operation_id=operation_id,
                secured=bool(operation.get("security")),
                successes={
                    int(code): _success_kind(response)
                    for code, response in responses.items()
                    if code.startswith("2")
                },
            )
    return operations


class CallFailedError(Exception):
    """An operation answered something other than a parsed success, or raised."""


@dataclass(frozen=True)
class Answer:
    """What a generated ``sync_detailed`` returned, checked and typed."""

    status: int
    parsed: object
    content: bytes
    headers: httpx.Headers

    def field(self, name: str) -> str:
        """
        Read a text field of the parsed model.

        Args:
            name: The attribute.

        Returns:
            Its value.

        Raises:
            CallFailedError: The model has no such text field.
        """
        value: object = getattr(self.parsed, name, None)
        if not isinstance(value, str):
            raise CallFailedError(f"{type(self.parsed).__name__}.{name} is {value!r}")
        return value


def _callable(owner: object, name: str) -> Callable[..., object]:
    value: object = getattr(owner, name, None)
    if not callable(value):
        raise CallFailedError(f"the generated package has no callable {name} on {owner!r}")
    return value


def _class(owner: object, name: str) -> type:
    value: object = getattr(owner, name, None)
    if not isinstance(value, type):
        raise CallFailedError(f"the generated package has no class {name}")
    return value


def _enum_values(function: Callable[..., object], arguments: dict[str, object]) -> None:
    # Generated code takes enum members for enum parameters (it sends `.value`); the
    # stories pass plain text, converted here through the parameter's own annotation.
    parameters = inspect.signature(function).parameters
    for name, value in arguments.items():
        if not isinstance(value, str) or name not in parameters:
            continue
        for option in typing.get_args(parameters[name].annotation):
            if isinstance(option, type) and issubclass(option, enum.Enum):
                arguments[name] = option(value)


@dataclass
class GeneratedClient:
    """
    The generated package, reached by name, with a record of what was called.

    Args:
        package: The generated package's import name.
        base_url: The stub's origin.
        api_key: The bearer key of secured operations.
    """

    package: str
    base_url: str
    api_key: str
    called: set[str] = field(default_factory=set[str])
    _modules: dict[str, ModuleType] = field(default_factory=dict[str, ModuleType])
    _clients: dict[bool, object] = field(default_factory=dict[bool, object])

    def __post_init__(self) -> None:
        root = importlib.import_module(self.package)
        api = importlib.import_module(f"{self.package}.api")
        for found in pkgutil.walk_packages(api.__path__, prefix=f"{api.__name__}."):
            if not found.ispkg:
                module = importlib.import_module(found.name)
                self._modules[found.name.rsplit(".", 1)[-1]] = module
        self._models = importlib.import_module(f"{self.package}.models")
        self._types = importlib.import_module(f"{self.package}.types")
        # Undeclared statuses raise instead of parsing to None.
        self._clients[True] = _callable(root, "AuthenticatedClient")(
            base_url=self.base_url, token=self.api_key, raise_on_unexpected_status=True
        )
        self._clients[False] = _callable(root, "Client")(
            base_url=self.base_url, raise_on_unexpected_status=True
        )

    @property
    def generated(self) -> set[str]:
        """The operations the generator wrote a module for."""
        return set(self._modules)

    def model(self, name: str, data: Mapping[str, object]) -> object:
        """
        Build a request model of the generated package from its JSON form.

        Args:
            name: The schema's name (the generated class's).
            data: The fields.

        Returns:
            The model.
        """
        return _callable(_class(self._models, name), "from_dict")(dict(data))

    def file(self, content: bytes) -> object:
        """
        Wrap bytes as the generated package's ``File`` body.

        Args:
            content: The bytes.

        Returns:
            The ``File``.
        """
        return _class(self._types, "File")(payload=io.BytesIO(content))

    def call(self, operation: Operation, arguments: Mapping[str, object]) -> Answer:
        """
        Call an operation's ``sync_detailed`` and check its answer.

        Args:
            operation: The contract's operation.
            arguments: Its arguments by the generated function's parameter names.

        Returns:
            The checked answer.

        Raises:
            CallFailedError: The call raised, answered a status that is not one of the
                operation's successes, or its body did not parse into the declared kind.
        """
        self.called.add(operation.operation_id)
        module = self._modules.get(operation.operation_id)
        if module is None:
            raise CallFailedError("the generator wrote no module for it")
        function = _callable(module, "sync_detailed")
        given = dict(arguments)
        _enum_values(function, given)
        try:
            raw = function(client=self._clients[operation.secured], **given)
        except Exception as error:
            raise CallFailedError(f"the generated call raised {error!r}") from error
        answer = _checked(raw)
        if answer.status not in operation.successes:
            body = answer.content[:300].decode("utf-8", "replace")
            raise CallFailedError(f"answered {answer.status}: {body}")
        kind = operation.successes[answer.status]
        if kind is None:
            expected: type = type(None)
        elif kind == _BYTES:
            expected = _class(self._types, "File")
        else:
            expected = _class(self._models, kind)
        if not isinstance(answer.parsed, expected):
            raise CallFailedError(f"parsed {answer.parsed!r}, not a {expected.__name__}")
        return answer


def _checked(raw: object) -> Answer:
    status: object = getattr(raw, "status_code", None)
    content: object = getattr(raw, "content", None)
    headers: object = getattr(raw, "headers", None)
    if not isinstance(status, int) or not isinstance(content, bytes):
        raise CallFailedError(f"returned {raw!r}, not a Response")
    if not isinstance(headers, httpx.Headers):
        raise CallFailedError(f"returned headers {headers!r}, not httpx.Headers")
    parsed: object = getattr(raw, "parsed", None)
    return Answer(status=int(status), parsed=parsed, content=content, headers=headers)


@dataclass(frozen=True)
class Link:
    """A presigned storage link, split into the generated call's arguments."""

    resource_id: str
    expires: str
    sig: str


def split_link(url: str) -> Link:
    """
    Split a presigned link into its resource id and signature parameters.

    Args:
        url: The link, for example ``.../_storage/exports/exp_...?expires=...&sig=...``.

    Returns:
        Its parts.
    """
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return Link(parts.path.rsplit("/", 1)[-1], query["expires"][0], query["sig"][0])


@dataclass
class Driver:
    """The stories' access to the generated client and the stub's seeded data."""

    client: GeneratedClient
    operations: Mapping[str, Operation]
    abp_id: str
    network_slug: str
    failures: dict[str, str] = field(default_factory=dict[str, str])

    def call(self, operation_id: str, arguments: Mapping[str, object]) -> Answer:
        """
        Call one operation; see :meth:`GeneratedClient.call`.

        Args:
            operation_id: The operation.
            arguments: Its arguments.

        Returns:
            The checked answer.

        Raises:
            CallFailedError: As :meth:`GeneratedClient.call`; also recorded in
                :attr:`failures`.
        """
        try:
            return self.client.call(self.operations[operation_id], arguments)
        except CallFailedError as error:
            self.failures[operation_id] = str(error)
            raise

    @contextmanager
    def story(self, name: str) -> Generator[None, None, None]:
        """
        Run one story; a failure ends it (its later calls cannot run) but not the others.

        Args:
            name: The story's name, for the report.

        Yields:
            Nothing.
        """
        try:
            yield
        except CallFailedError as error:
            print(f"story {name}: stopped: {error}")


def evidence_story(driver: Driver) -> None:
    """Invoke an ABP twice; export as jsonl (streamed) and as json (presigned); download."""
    abp = {"abp_id": driver.abp_id}
    driver.call("list_abps", {})
    driver.call("get_abp", abp)
    body = driver.client.model("InvokeRequest", {"payload": {"prompt": "generated client"}})
    invocations = [
        driver.call("invoke_abp", {**abp, "body": body}).field("invocation_id") for _ in range(2)
    ]
    # Several packs, so the jsonl file is several lines: not one JSON document.
    since = datetime(2000, 1, 1, tzinfo=timezone.utc)
    package = driver.call(
        "get_evidence_package",
        {**abp, "since": since, "format_": "jsonl", "delivery": "stream"},
    )
    export_id = package.field("export_id")
    content = driver.call("get_export_content", {"export_id": export_id}).content
    packs = [json.loads(line) for line in content.decode("utf-8").splitlines()]
    if [pack["invocation_id"] for pack in packs][-2:] != invocations:
        raise CallFailedError(f"the jsonl export holds {packs!r}")
    head = driver.call("head_export_content", {"export_id": export_id})
    if head.headers.get("content-length") != str(len(content)):
        raise CallFailedError(f"HEAD says {head.headers.get('content-length')} bytes")
    export = driver.call(
        "get_invocation_evidence", {**abp, "invocation_id": invocations[0], "format_": "json"}
    )
    link = split_link(export.field("download_url"))
    signed = {"export_id": link.resource_id, "expires": link.expires, "sig": link.sig}
    document = json.loads(driver.call("download_presigned_export", signed).content)
    if [pack["invocation_id"] for pack in document["packs"]] != invocations[:1]:
        raise CallFailedError(f"the json export holds {document!r}")
    driver.call("head_presigned_export", signed)


def approvals_story(driver: Driver) -> None:
    """Hold two invocations for approval; approve one and reject the other, without a body."""
    held = driver.client.model("InvokeRequest", {"payload": {"prompt": "REQUIRE_APPROVAL"}})
    approvals = [
        driver.call("invoke_abp", {"abp_id": driver.abp_id, "body": held}).field("approval_id")
        for _ in range(2)
    ]
    driver.call("list_approvals", {})
    driver.call("get_approval", {"approval_id": approvals[0]})
    # No body: the optional body left unset is what generated clients used to break on.
    driver.call("approve_approval", {"approval_id": approvals[0]})
    driver.call("reject_approval", {"approval_id": approvals[1]})


def runs_story(driver: Driver) -> None:
    """Run the network synchronously, read, revise and share the run, read the share."""
    body = driver.client.model(
        "NetworkInvokeRequest",
        {"prompt_text": "generated client", "metadata": {"stub_duration_ms": 0}},
    )
    run_id = driver.call("invoke_network", {"slug": driver.network_slug, "body": body}).field(
        "run_id"
    )
    driver.call("list_runs", {})
    driver.call("get_run", {"run_id": run_id})
    revision = driver.client.model("ReviseRequest", {"instructions": "shorter"})
    driver.call("revise_run", {"run_id": run_id, "body": revision})
    link = split_link(driver.call("share_run", {"run_id": run_id}).field("share_url"))
    shared = {"run_id": link.resource_id, "expires": link.expires, "sig": link.sig}
    driver.call("get_shared_run", shared)


def attachments_story(driver: Driver) -> None:
    """Register an attachment, upload its bytes through the link, finalize, read it."""
    data = b"attached by a generated client\n"
    body = driver.client.model(
        "RegisterAttachmentRequest",
        {
            "filename": "note.txt",
            "content_type": "text/plain",
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    registered = driver.call("register_attachment", {"body": body})
    attachment = {"attachment_id": registered.field("id")}
    link = split_link(registered.field("upload_url"))
    upload = {"body": driver.client.file(data), "expires": link.expires, "sig": link.sig}
    driver.call("upload_attachment_bytes", {"attachment_id": link.resource_id, **upload})
    driver.call("finalize_attachment", attachment)
    driver.call("get_attachment", attachment)


def keys_story(driver: Driver) -> None:
    """List the keys, mint one and revoke it."""
    driver.call("list_api_keys", {})
    body = driver.client.model("CreateApiKeyRequest", {"name": "generated", "scopes": ["read"]})
    key_id = driver.call("create_api_key", {"body": body}).field("id")
    driver.call("revoke_api_key", {"key_id": key_id})


def account_story(driver: Driver) -> None:
    """Read the usage summary, the plans and the audit log."""
    driver.call("get_usage_summary", {})
    driver.call("list_plans", {})
    driver.call("list_audit_log", {})


STORIES: tuple[Callable[[Driver], None], ...] = (
    evidence_story,
    approvals_story,
    runs_story,
    attachments_story,
    keys_story,
    account_story,
)


def main(argv: Sequence[str] | None = None) -> int:
    """
    Start a stub and run every story against it with the generated client.

    Args:
        argv: The arguments; ``sys.argv[1:]`` when ``None``.

    Returns:
        0 when every operation of the contract was called and succeeded, else 1.
    """
    parser = argparse.ArgumentParser(
        prog="python scripts/call_generated_client.py",
        description="Call every contract operation through the generated client.",
    )
    parser.add_argument("--package", default=DEFAULT_PACKAGE, help="default %(default)s")
    args = parser.parse_args(argv)
    operations = load_operations()
    with StubProcess() as stub:
        client = GeneratedClient(args.package, stub.base_url, stub.api_key)
        driver = Driver(client, operations, stub.abp_id, stub.network_slug)
        for story in STORIES:
            with driver.story(story.__name__):
                story(driver)
    contract = set(operations)
    problems = [f"{name}: {reason}" for name, reason in sorted(driver.failures.items())]
    missing = contract - client.generated
    problems += [f"{name}: not generated" for name in sorted(missing)]
    problems += [f"{name}: not called" for name in sorted(contract - client.called - missing)]
    ok = len(contract & client.called) - len(driver.failures)
    print(f"call_generated_client: {ok}/{len(contract)} operations answered a parsed success")
    for problem in problems:
        print(f"  FAILED {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
