"""
The install lines of the README, the stub's README and the docs work for a newcomer.

Neither package is on PyPI (the index has velerian-sdk 0.1.2 only), so a line that
installs either by name installs the old client or fails; and Debian's python3 refuses
``pip install`` outside a virtual environment, so the README makes one first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHELL_BLOCK = re.compile(r"^```(?:bash|console|sh)\n(.*?)^```", re.DOTALL | re.MULTILINE)
PAGES = [ROOT / "README.md", ROOT / "stubs" / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BY_NAME = re.compile(r"pip install\s+(?:-\S+\s+)*[\"']?velerian-(?:sdk|stub)\b")


def shell_lines(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    lines = [line for block in SHELL_BLOCK.findall(text) for line in block.splitlines()]
    return [line for line in lines if not line.lstrip().startswith("#")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_command_installs_a_package_of_this_repository_from_the_index(page: Path) -> None:
    lines = [line for line in shell_lines(page) if BY_NAME.search(line)]
    assert lines == [], "neither package is on PyPI: install from the clone (./, ./stubs)"


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_the_first_commands_make_a_virtual_environment_before_pip(page: str) -> None:
    lines = shell_lines(ROOT / page)
    venv = next(n for n, line in enumerate(lines) if re.search(r"python3 -m venv \S+", line))
    first_pip = next(n for n, line in enumerate(lines) if "pip install" in line)
    assert venv < first_pip
    assert ". .venv/bin/activate" in lines[venv] or ". .venv/bin/activate" in lines[venv + 1]


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md", "stubs/README.md"])
def test_the_page_says_the_index_has_only_0_1_2_and_installs_from_a_path(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    assert re.search(r"(?:not|Neither package is) on PyPI", text)
    if page != "stubs/README.md":
        assert "0.1.2" in text
    assert re.search(r"pip install (?:-e )?\./stubs", text)
