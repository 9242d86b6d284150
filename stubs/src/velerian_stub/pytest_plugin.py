"""
The pytest plugin under its public name, ``velerian_stub.pytest_plugin``.

pytest loads this module through the ``pytest11`` entry point, and tests import
:class:`StubTenant` and :func:`create_tenant` from it. The fixtures are written in
:mod:`velerian_stub.harness.pytest_plugin`; naming them here is what registers them.
"""

from __future__ import annotations

from velerian_stub.harness.pytest_plugin import (
    SPARSE_OPTION,
    StubTenant,
    async_velerian_client,
    create_tenant,
    pytest_addoption,
    velerian_admin_token,
    velerian_client,
    velerian_env,
    velerian_stub,
    velerian_tenant,
)

__all__ = [
    "SPARSE_OPTION",
    "StubTenant",
    "async_velerian_client",
    "create_tenant",
    "pytest_addoption",
    "velerian_admin_token",
    "velerian_client",
    "velerian_env",
    "velerian_stub",
    "velerian_tenant",
]
