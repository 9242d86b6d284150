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
        ("<!-- snippet: no-run (real API) -->\nSome text.\n```python\nx = 1\n```\n", "no ```py"),
        ("<!-- snippet: no-run (real API) -->\n```bash\nls\n```\n", "no ```python"),
        ("<!-- snippet: no-run (x) -->\n```python\nx = 1\n```\n", "say why in words"),
        ("```pycon\n>>> 1\n```\n", "neither run nor type-checked"),
        ("  ```python3-repl\n1\n  ```\n", "neither run nor type-checked"),
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


def test_every_python_fence_is_found_whatever_its_form(tmp_path: Path) -> None:
    path = page(
        tmp_path,
        "1. A step:\n\n   ```python\n   a = 1\n     b = 2\n   ```\n\n"
        "```py\nc = 3\n```\n"
        '```python title="example.py"\nd = 4\n```\n'
        "~~~python\ne = 5\n~~~\n"
        "````markdown\n```python\nnot_code = 0\n```\n````\n"
        "```python\nf = 6\n```\n",
    )
    found = checker.parse_page(path)
    # Before: only the last block was found, so the others were neither run nor typed.
    assert [(s.line, s.code) for s in found] == [
        (4, "a = 1\n  b = 2\n"),
        (9, "c = 3\n"),
        (12, "d = 4\n"),
        (15, "e = 5\n"),
        (23, "f = 6\n"),
    ]
    assert "a = 1" in checker.module_for(path)


def test_the_stub_readme_is_checked() -> None:
    readme = ROOT / "stubs" / "README.md"
    # Before: its blocks used run_my_client and my_clock, and no check read the page.
    assert readme in checker.pages()
    modes = [s.mode for s in checker.parse_page(readme)]
    assert modes == ["run", "pytest"]


THREAD_FAILS = """\
import threading
worker = threading.Thread(target=lambda: 1 / 0)
worker.start()
worker.join()
"""

TASK_FAILS = """\
import asyncio


async def broken() -> None:
    raise RuntimeError("the documented call is broken")


async def main() -> None:
    asyncio.ensure_future(broken())
    await asyncio.sleep(0.01)


asyncio.run(main())
"""

CALLBACK_FAILS = """\
import asyncio

task = asyncio.get_running_loop().create_task(asyncio.sleep(0))
task.add_done_callback(lambda done: 1 / 0)
await task
await asyncio.sleep(0)
"""


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (THREAD_FAILS, "ZeroDivisionError"),
        (TASK_FAILS, "RuntimeError: the documented call is broken"),
        (CALLBACK_FAILS, "ZeroDivisionError"),
    ],
    ids=["thread", "task", "done-callback"],
)
def test_a_block_failing_in_the_background_fails(tmp_path: Path, code: str, expected: str) -> None:
    (snippet,) = checker.parse_page(page(tmp_path, f"```python\n{code}```\n"))
    problem = checker.run_block(snippet, {"__name__": "__main__"})
    # Before: None; the failure was printed and the block passed.
    assert problem is not None
    assert "raised in the background" in problem
    assert expected in problem


def test_background_hooks_are_restored_after_a_block(tmp_path: Path) -> None:
    import asyncio
    import threading

    hook = threading.excepthook
    handler = asyncio.BaseEventLoop.default_exception_handler
    (snippet,) = checker.parse_page(page(tmp_path, "```python\nx = 1\n```\n"))
    assert checker.run_block(snippet, {}) is None
    assert threading.excepthook is hook
    assert asyncio.BaseEventLoop.default_exception_handler is handler
