"""Reliability tests: a stub with injected faults, and the soak reports in the summary."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.soak_report import published_reports
from tests.reliability.soak_settings import fault_args
from velerian_stub import StubProcess


@pytest.fixture(scope="session")
def faulty_stub() -> Iterator[StubProcess]:
    """One stub for the soaks: 20% 503 before work, 20% 502 after it, a low rate limit."""
    with StubProcess(args=fault_args()) as stub:
        yield stub


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reports = published_reports()
    if reports:
        terminalreporter.section("velerian reliability reports")
        for report in reports:
            terminalreporter.write_line(report.table())
