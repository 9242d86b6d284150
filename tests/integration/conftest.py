"""Integration tests: the SDK against a real stub server over loopback."""

from __future__ import annotations

import pytest

from velerian_stub import StubProcess


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def sparse(velerian_stub: StubProcess) -> bool:
    """
    Whether the session's stub answers with only the fields the contract requires.

    Set by ``pytest --velerian-stub-sparse``; a test then expects ``None`` where the
    full stub sends an optional field.
    """
    return velerian_stub.sparse
