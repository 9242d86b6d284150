"""The doc-snippet check: how it reads a page's blocks and markers, and how it runs a block."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_doc_snippets", ROOT / "scripts" / "check_doc_snippets.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_doc_snippets", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


checker = load_checker()


def page(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_blocks_and_their_markers(tmp_path: Path) -> None:
    path = page(
        tmp_path,
        "# Title\n\n```python\nx = 1\n```\n\n"
        "<!-- snippet: no-run (needs the real API) -->\n\n```python\ny = 2\n```\n"
        "```bash\necho hi\n```\n"
        "<!-- snippet: pytest -->\n```python\ndef test_x() -> None: ...\n```\n",
    )
    found = checker.parse_page(path)
    assert [(s.line, s.code, s.mode, s.reason) for s in found] == [
        (4, "x = 1\n", "run", ""),
        (10, "y = 2\n", "no-run", "needs the real API"),
        (17, "def test_x() -> None: ...\n", "pytest", ""),
    ]


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("<!-- snippet: no-run -->\n```python\nx = 1\n```\n", "needs its reason"),
        ("<!-- snippet: no-run ( ) -->\n```python\nx = 1\n```\n", "needs its reason"),
        ("<!-- snippet: skip (why) -->\n```python\nx = 1\n```\n", "unknown snippet marker"),
        ("<!-- snippet: no-run (why) -->\nSome text.\n```python\nx = 1\n```\n", "no ```python"),
        ("<!-- snippet: no-run (why) -->\n```bash\nls\n```\n", "no ```python"),
        ("text\n<!-- snippet: pytest -->\n", "no ```python"),
    ],
)
def test_a_marker_the_check_cannot_follow_fails(tmp_path: Path, marker: str, message: str) -> None:
    with pytest.raises(checker.MarkerError, match=message):
        checker.parse_page(page(tmp_path, marker))


def test_every_page_of_the_docs_parses() -> None:
    snippets = [s for p in checker.pages() for s in checker.parse_page(p)]
    assert len(snippets) >= 30
    assert all(s.reason for s in snippets if s.mode == "no-run")


def test_blocks_share_a_namespace_and_may_await(tmp_path: Path) -> None:
    path = page(
        tmp_path,
        "```python\nimport asyncio\nvalue = 2\n```\n\n"
        "```python\nawait asyncio.sleep(0)\nvalue *= 21\n```\n",
    )
    namespace: dict[str, object] = {}
    for snippet in checker.parse_page(path):
        assert checker.run_block(snippet, namespace) is None
    assert namespace["value"] == 42


def test_a_failing_block_names_its_line_in_the_page(tmp_path: Path) -> None:
    path = page(tmp_path, "Text.\n\n```python\nprint('before')\nresult = abp_id\n```\n")
    (snippet,) = checker.parse_page(path)
    problem = checker.run_block(snippet, {})
    assert problem is not None
    assert f'File "{path}", line 5' in problem
    assert "NameError: name 'abp_id' is not defined" in problem
    assert "it printed:\nbefore" in problem
