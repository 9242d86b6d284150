"""A newcomer's pages run as written against the stub: the README, the home page, getting started.

`nox -s doc-snippets` runs every page this way; these three are the first a newcomer
copies from, so the suite runs them too.
"""

from __future__ import annotations

import pytest

from tests.unit.test_doc_snippets import ROOT, checker
from velerian_stub.pytest_plugin import StubTenant

PAGES = ["README.md", "docs/index.md", "docs/getting-started.md"]


@pytest.mark.integration
@pytest.mark.parametrize("name", PAGES)
def test_the_page_runs_as_written(velerian_tenant: StubTenant, name: str) -> None:
    path = ROOT / name
    snippets = checker.parse_page(path)
    assert snippets, f"{name} has no Python block"
    assert checker.run_page(path, snippets, velerian_tenant.env) == []
