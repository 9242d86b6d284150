"""
A local, stateful stand-in for the Velerian v2 API, for tests and demos of velerian-sdk.

Start one in-process with :func:`create_app`, or as a subprocess with
:class:`StubProcess`, or in a background thread with :class:`ThreadedStub`; the
``velerian-stub`` command serves one on a port.
"""

from __future__ import annotations

from velerian_stub.harness.process import StubProcess, StubStartError, start_stub
from velerian_stub.harness.threaded import ThreadedStub
from velerian_stub.http.app import create_app
from velerian_stub.service.config import StubConfig
from velerian_stub.service.context import StubContext, context_of

__all__ = [
    "StubConfig",
    "StubContext",
    "StubProcess",
    "StubStartError",
    "ThreadedStub",
    "context_of",
    "create_app",
    "start_stub",
]
