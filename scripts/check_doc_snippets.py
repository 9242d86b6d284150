"""
Check every Python snippet in README.md, stubs/README.md and docs/: type-check or run them.

    python scripts/check_doc_snippets.py [--keep DIR]   # mypy --strict
    python scripts/check_doc_snippets.py --run          # run against a fresh stub

A Python block is a fenced block (backticks or tildes, at any indent, as in a list
item) whose info string starts with ``python``, ``py`` or ``python3``; attributes
after the word (``title="x.py"``) are allowed. Any other word starting with ``py``
(``pycon``) fails the check rather than being skipped unseen. A block may show another
inside a longer fence (````markdown), which is then not a block of its own.

**Types.** Each Python block becomes the body of its own ``async def`` (so ``await``
and ``async for`` work) in a module that declares the names the guides take as given
(``client``, ``abp_id``, ``result``...). The modules are then checked with the
project's mypy configuration, so a snippet that would not type-check in a user's
strict code base fails the build.

**Runs.** ``--run`` starts a stub server (:class:`velerian_stub.StubProcess`) and runs
each page as a reader would follow it: its blocks in order, in one namespace, with the
``VELERIAN_*`` variables of a fresh tenant (on which two invocations have already
been made) in the environment and a fresh temporary folder as the working directory.
Nothing else is given: a name a block uses must come from that block or an earlier one
on the page. A block that raises fails the check, and so does one whose thread raises
(:func:`threading.excepthook`) or whose event loop reports an exception no one
retrieved (a failed task never awaited, a done callback that raised).

A block the check must treat differently carries an HTML comment on the line before
it (blank lines between are allowed); Markdown renders nothing of it:

- ``<!-- snippet: no-run (why) -->``: not run (still type-checked); the reason is
  required, in words (two at least), and is printed, for example "needs the real API";
- ``<!-- snippet: pytest -->``: a test module; it is written to a file and run with
  pytest (the stub's plugin gives its fixtures).

A marker with another word, a no-run marker without a reason, or a marker that no
block follows, fails the check.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import gc
import inspect
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import traceback
import unittest.mock
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
# An opening fence at any indent (a list item's block is indented), of backticks or
# tildes; its info string's first word names the language.
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
PYTHON = frozenset({"python", "py", "python3"})
"""Info words taken as Python; any other word starting with ``py`` is refused, loudly."""
MARKER = re.compile(r"^\s*<!--\s*snippet:(?P<body>.*?)-->\s*$")
NO_RUN = re.compile(r"^no-run\s*\((?P<reason>.*\S.*)\)$")
BLOCK_SECONDS = 60  # one block; a wait that never ends fails instead of hanging CI
# Short run timings: the guides' runs still go queued -> running -> done, faster.
STUB_ARGS = ["--run-queue-ms", "100", "--run-duration-ms", "300"]


class MarkerError(ValueError):
    """A ``<!-- snippet: ... -->`` marker that the check cannot follow."""


@dataclass(frozen=True)
class Snippet:
    """
    One ```python block of a Markdown page.

    Attributes:
        path: The page.
        line: The line of the block's first line of code (1-based).
        code: The code.
        mode: ``"run"``, ``"no-run"`` or ``"pytest"``.
        reason: Why a ``no-run`` block is not run.
    """

    path: Path
    line: int
    code: str
    mode: str = "run"
    reason: str = ""

    @property
    def where(self) -> str:
        """``page:line``, relative to the repository."""
        return f"{_relative(self.path)}:{self.line}"


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _marker_mode(body: str, where: str) -> tuple[str, str]:
    text = body.strip()
    if text == "pytest":
        return "pytest", ""
    match = NO_RUN.match(text)
    if match:
        reason = match.group("reason").strip()
        if len(reason.split()) < 2:
            raise MarkerError(f"{where}: say why in words, e.g. no-run (needs the real API)")
        return "no-run", reason
    if text.startswith("no-run"):
        raise MarkerError(f"{where}: a no-run marker needs its reason: no-run (why)")
    raise MarkerError(f"{where}: unknown snippet marker {text!r} (no-run (why), or pytest)")


def parse_page(path: Path) -> list[Snippet]:
    """
    The Python blocks of one Markdown page, with their markers.

    Args:
        path: The page.

    Returns:
        The blocks, in order.

    Raises:
        MarkerError: A marker is malformed or no block follows it.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Snippet] = []
    pending: tuple[str, str, str] | None = None  # mode, reason, where
    number = 0
    while number < len(lines):
        line = lines[number]
        number += 1
        marker = MARKER.match(line)
        if marker:
            where = f"{_relative(path)}:{number}"
            pending = (*_marker_mode(marker.group("body"), where), where)
            continue
        fence = FENCE.match(line)
        if fence:
            where = f"{_relative(path)}:{number}"
            python = _is_python(fence.group("info"), where)
            start = number + 1
            body, number = _fenced_body(lines, number, fence)
            if python:
                mode, reason = (pending[0], pending[1]) if pending else ("run", "")
                found.append(Snippet(path, start, "\n".join(body) + "\n", mode, reason))
                pending = None
        if pending is not None and line.strip() and not MARKER.match(line):
            raise MarkerError(f"{pending[2]}: no ```python block follows this marker")
    if pending is not None:
        raise MarkerError(f"{pending[2]}: no ```python block follows this marker")
    return found


def _is_python(info: str, where: str) -> bool:
    """Tell whether a fence's info string names Python; refuse a form the check skips."""
    words = info.split()
    language = words[0].lower().lstrip("{.") if words else ""
    if language in PYTHON:
        return True
    if language.startswith("py"):
        raise MarkerError(
            f"{where}: a ```{language} block would be neither run nor type-checked: "
            "write ```python (a console session has no place in the checked guides)"
        )
    return False


def _fenced_body(lines: list[str], number: int, fence: re.Match[str]) -> tuple[list[str], int]:
    """
    The lines of the block whose opening fence is just before ``lines[number]``.

    The block ends at a fence of the same character at least as long (so a ````
    block may show a ``` one), or at the end of the page; the opening fence's indent
    is taken off each line. Returns the lines and the number of the line after it.
    """
    indent = len(fence.group("indent").expandtabs(4))
    char = fence.group("fence")[0]
    closing = re.compile(rf"^[ \t]*{re.escape(char)}{{{len(fence.group('fence'))},}}[ \t]*$")
    body: list[str] = []
    while number < len(lines) and not closing.match(lines[number]):
        text = lines[number].expandtabs(4)
        body.append(text[min(indent, len(text) - len(text.lstrip(" "))) :])
        number += 1
    return body, number + 1


def pages() -> list[Path]:
    """README.md, the stub's README.md and every page under docs/."""
    return [
        ROOT / "README.md",
        ROOT / "stubs" / "README.md",
        *sorted((ROOT / "docs").rglob("*.md")),
    ]


PRELUDE = """\
# The names a block takes from earlier blocks of its page (the run check runs a
# page's blocks in order); declared here, never run.
from __future__ import annotations

from velerian_sdk import *  # noqa: F403
from velerian_sdk import (
    AuditLogEntry,
    DownloadedFile,
    EvidenceExport,
    InvokeResult,
    Page,
    QueuedRun,
    VelerianClient,
)

client: VelerianClient
abp_id: str
result: InvokeResult
package: EvidenceExport
saved: DownloadedFile
page: Page[AuditLogEntry]
queued: QueuedRun
"""


def module_for(path: Path) -> str:
    """One module: the prelude, then each snippet as the body of its own coroutine."""
    parts = [PRELUDE]
    for number, snippet in enumerate(parse_page(path), start=1):
        body = textwrap.indent(snippet.code.rstrip() or "pass", "    ")
        parts.append(f"\n\nasync def snippet_{number}() -> None:  # {path.name}\n{body}\n")
    return "".join(parts)


def check_types(keep: Path | None) -> int:
    """
    Write one module per page and run mypy --strict on them.

    Args:
        keep: A folder to write the modules to and keep them in.

    Returns:
        mypy's exit status.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        for page in pages():
            if not parse_page(page):
                continue
            name = "doc_" + re.sub(r"\W", "_", str(page.relative_to(ROOT)).removesuffix(".md"))
            target = out / f"{name}.py"
            target.write_text(module_for(page), encoding="utf-8")
            written.append(str(target))
        print(f"checking {len(written)} pages of snippets with mypy --strict")
        done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "mypy",
                "--strict",
                "--config-file",
                str(ROOT / "pyproject.toml"),
                "--disable-error-code",
                "empty-body",
                "--disable-error-code",
                "unused-ignore",
                *written,
            ],
            check=False,
        )
    return done.returncode


@contextlib.contextmanager
def _time_limit(seconds: int) -> Generator[None, None, None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"the block ran for more than {seconds} s")

    if not hasattr(signal, "SIGALRM"):  # Windows: no limit
        yield
        return
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _background_failures() -> Generator[list[str], None, None]:
    """
    Collect the exceptions a block's threads and event loop tasks raise unseen.

    Python prints those and carries on: a thread's through :func:`threading.excepthook`,
    a task's (never awaited, or raised in a done callback) through its loop's exception
    handler, often only when the task is garbage collected. Either fails the block.
    """
    failures: list[str] = []

    def thread_failed(args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "a thread"
        frames = traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
        failures.append(f"in thread {name}:\n" + "".join(frames))

    def loop_failed(loop: asyncio.BaseEventLoop, context: dict[str, object]) -> None:
        error = context.get("exception")
        text = f"in an event loop task: {context.get('message', 'an error')}\n"
        if isinstance(error, BaseException):
            text += "".join(traceback.format_exception(type(error), error, error.__traceback__))
        failures.append(text)

    previous_hook = threading.excepthook
    threading.excepthook = thread_failed
    # Every loop a block makes (asyncio.run, a Runner, a loop_factory) ends up here for
    # what no one awaited, unless the block set a handler of its own.
    with unittest.mock.patch.object(
        asyncio.BaseEventLoop, "default_exception_handler", loop_failed
    ):
        try:
            yield failures
            gc.collect()  # a task that failed unseen is reported when it is collected
        finally:
            threading.excepthook = previous_hook


def run_block(snippet: Snippet, namespace: dict[str, object]) -> str | None:
    """
    Run one block in the page's namespace; top-level ``await`` runs in an event loop.

    Args:
        snippet: The block.
        namespace: The page's globals so far; the block adds to them.

    Returns:
        ``None`` when it ran, else what went wrong: the traceback (its lines point into
        the Markdown page) and what the block printed.
    """
    printed = io.StringIO()
    try:
        tree = ast.parse(snippet.code, filename=str(snippet.path))
        ast.increment_lineno(tree, snippet.line - 1)
        code = compile(tree, str(snippet.path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        with (
            _time_limit(BLOCK_SECONDS),
            contextlib.redirect_stdout(printed),
            contextlib.redirect_stderr(printed),
            _background_failures() as unseen,
        ):
            outcome = eval(code, namespace)  # noqa: S307 - our own documentation's code
            if inspect.iscoroutine(outcome):
                asyncio.run(outcome)
    except BaseException as error:  # a snippet may raise anything: report it
        if isinstance(error, KeyboardInterrupt):
            raise
        # The first frame is this function's eval: the reader needs the page's lines only.
        below = error.__traceback__.tb_next if error.__traceback__ else None
        frames = traceback.format_exception(type(error), error, below)
        return "".join(frames) + _printed(printed)
    if unseen:
        return (
            "an exception was raised in the background:\n" + "\n".join(unseen) + _printed(printed)
        )
    return None


def _printed(printed: io.StringIO) -> str:
    output = printed.getvalue().strip()
    return f"\nit printed:\n{output}" if output else ""


def run_as_pytest(snippet: Snippet, folder: Path) -> str | None:
    """
    Run a block that is a test module with pytest, in ``folder``.

    Args:
        snippet: The block.
        folder: The page's working folder.

    Returns:
        ``None`` when its tests passed, else pytest's report.
    """
    module = folder / f"test_snippet_{snippet.line}.py"
    module.write_text(snippet.code, encoding="utf-8")
    done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", module.name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=BLOCK_SECONDS * 2,
        check=False,
    )
    return None if done.returncode == 0 else done.stdout + done.stderr


def run_page(page: Path, snippets: list[Snippet], env: dict[str, str]) -> list[str]:
    """
    Run a page's blocks in order, in one namespace, in a fresh working folder.

    Args:
        page: The page.
        snippets: Its blocks.
        env: The ``VELERIAN_*`` variables of the page's tenant.

    Returns:
        The failures (at most one: a page stops at its first failing block).
    """
    from velerian_sdk import VelerianClient

    namespace: dict[str, object] = {"__name__": "__main__"}
    saved_env = dict(os.environ)
    saved_cwd = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="doc-snippets-") as folder:
        os.environ.update(env)
        os.chdir(folder)
        try:
            for snippet in snippets:
                if snippet.mode == "no-run":
                    print(f"  {snippet.where}: not run: {snippet.reason}")
                    continue
                if snippet.mode == "pytest":
                    problem = run_as_pytest(snippet, Path(folder))
                else:
                    problem = run_block(snippet, namespace)
                if problem is not None:
                    return [f"{snippet.where}: the block failed\n{problem}"]
                print(f"  {snippet.where}: ran" + (" (pytest)" if snippet.mode == "pytest" else ""))
        finally:
            for value in namespace.values():
                if isinstance(value, VelerianClient):
                    value.close()
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
    return []


def run_all() -> int:
    """
    Start a stub, give each page a fresh tenant, and run every page's blocks.

    Returns:
        ``0`` when every block ran (or says why it cannot), else ``1``.
    """
    from velerian_sdk import VelerianClient
    from velerian_stub import StubProcess
    from velerian_stub.pytest_plugin import create_tenant

    failures: list[str] = []
    blocks = not_run = 0
    with StubProcess(args=STUB_ARGS) as stub:
        for page in pages():
            snippets = parse_page(page)
            if not snippets:
                continue
            print(_relative(page))
            tenant = create_tenant(stub, name=page.stem)
            # A tenant in use, not an empty one: the guides' loops then have items to show.
            with VelerianClient(api_key=tenant.api_key, base_url=tenant.base_url) as client:
                for prompt in ("Summarize the filing.", "Summarize the appendix."):
                    client.abps.invoke(tenant.abp_id, payload={"prompt": prompt})
            failures += run_page(page, snippets, tenant.env)
            blocks += len(snippets)
            not_run += sum(snippet.mode == "no-run" for snippet in snippets)
    print(f"{blocks} blocks: {not_run} marked no-run, {len(failures)} pages failed")
    for failure in failures:
        print(f"\nFAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


def main() -> int:
    """Type-check the snippets, or with ``--run`` run them."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="write the mypy modules here and keep them")
    parser.add_argument("--run", action="store_true", help="run the snippets against a stub")
    args = parser.parse_args()
    try:
        for page in pages():
            parse_page(page)
    except MarkerError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return run_all() if args.run else check_types(args.keep)


if __name__ == "__main__":
    sys.exit(main())
