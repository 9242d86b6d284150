"""The package root is the one public surface, and its __all__ is sorted and complete."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types

import velerian_sdk


def is_class(obj: object) -> bool:
    # On 3.10 a type alias such as Mapping[str, int] passes isinstance(..., type): its
    # origin's __class__ shows through. It is an alias, not a class, on every version.
    return isinstance(obj, type) and not isinstance(obj, types.GenericAlias)


def test_all_is_sorted_and_unique() -> None:
    names = list(velerian_sdk.__all__)
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert len(names) == len(set(names))


def test_all_names_exist() -> None:
    for name in velerian_sdk.__all__:
        assert hasattr(velerian_sdk, name), name


def test_every_public_name_of_private_modules_is_exported() -> None:
    exported = set(velerian_sdk.__all__)
    internal = {
        # Building blocks of the chain, used by the clients but not part of the API.
        "BaseClient",
        "BearerAuth",
        "ClientSettings",
        "DefaultHeadersMiddleware",
        "IdempotencyMiddleware",
        "LoggingMiddleware",
        "RetryMiddleware",
        "ShardedTransport",  # the async client's own transport: pools behind one queue
        "PoolTransport",  # one of its pools, on the asyncio network backend
        "AsyncioBackend",  # that backend: httpcore's network layer on asyncio's streams
        "HttpOptions",  # the checked options of default_http_client
        "SharedPool",  # the pool a client shares with its with_options copies
        "UploadSource",  # the body of an attachment upload
        "BodyDecoder",  # inflates a gzip or deflate body in bounded steps
        # What the namespaces and transfers hold instead of the client, and what they
        # hand it: one call, described but not sent.
        "ApiCall",
        "AsyncHttpSender",
        "AsyncSender",
        "HttpSender",
        "Sender",
        # A response body, and an async attempt, bounded by the call's deadline.
        "AsyncAttemptTimer",
        "AsyncDeadlineStream",
        "AttemptTimer",
        "DeadlineStream",
        # Sans-IO pagination and polling state, and the mixins that give the clients their
        # namespaces and 0.1 methods: reached by users only through pages and clients.
        "AsyncLegacyMethods",
        "AsyncNamespaces",
        "LegacyMethods",
        "NamespaceProperty",
        "Namespaces",
        "PageData",
        "PageWalk",
        "RunPoller",
        # The namespace base and the 0.1 plain-row reader, and two wire shapes that the
        # namespaces turn into public models (walked since the modules moved into
        # subpackages; they were private before too).
        "APIResource",
        "AsyncAPIResource",
        "AsyncRows",
        "PageEnvelope",
        "RegisteredAttachment",
        "Rows",
        # A batch's decisions, journal and workers: reached only through Batch/AsyncBatch.
        "AsyncWorkerPool",
        "BatchJournal",
        "ConcurrencyController",
        "JournalClaim",
        "WorkerPool",
    }
    for info in pkgutil.walk_packages(velerian_sdk.__path__, "velerian_sdk."):
        if info.name == "velerian_sdk._version":
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if is_class(obj) and name not in internal and not name.startswith("_"):
                assert name in exported, f"{info.name}.{name} is public but not exported"


def test_every_exported_name_has_a_docstring() -> None:
    for name in velerian_sdk.__all__:
        obj = getattr(velerian_sdk, name)
        if is_class(obj) or inspect.isfunction(obj):
            assert obj.__doc__, name
