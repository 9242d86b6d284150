"""
Check every Python snippet in README.md and docs/: type-check them, or run them.

    python scripts/check_doc_snippets.py [--keep DIR]   # mypy --strict
    python scripts/check_doc_snippets.py --run          # run against a fresh stub

**Types.** Each ```python block becomes the body of its own ``async def`` (so ``await``
and ``async for`` work) in a module that declares the names the guides take as given
(``client``, ``abp_id``, ``result``...). The modules are then checked with the
project's mypy configuration, so a snippet that would not type-check in a user's
strict code base fails the build.

**Runs.** ``--run`` starts a stub server (:class:`velerian_stub.StubProcess`) and runs
each page as a reader would follow it: its blocks in order, in one namespace, with the
``VELERIAN_*`` variables of a fresh tenant (on which two invocations have already
been made) in the environment and a fresh temporary folder as the working directory.
Nothing else is given: a name a block uses must come from that block or an earlier one
on the page. A block that raises fails the check.

A block the check must treat differently carries an HTML comment on the line before
it (blank lines between are allowed); Markdown renders nothing of it:

- ``<!-- snippet: no-run (why) -->``: not run (still type-checked); the reason is
  required and is printed, for example "needs the real API";
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
import inspect
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import traceback
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```python\s*$")
MARKER = re.compile(r"^<!--\s*snippet:(?P<body>.*?)-->\s*$")
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
        return "no-run", match.group("reason").strip()
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
        if FENCE.match(line):
            start = number + 1
            body: list[str] = []
            while number < len(lines) and not lines[number].startswith("```"):
                body.append(lines[number])
                number += 1
            number += 1  # the closing fence
            mode, reason = (pending[0], pending[1]) if pending else ("run", "")
            found.append(Snippet(path, start, "\n".join(body) + "\n", mode, reason))
            pending = None
        elif line.startswith("```"):  # another language's block: skip it whole
            while number < len(lines) and not lines[number].startswith("```"):
                number += 1
            number += 1
        if pending is not None and line.strip() and not MARKER.match(line):
            raise MarkerError(f"{pending[2]}: no ```python block follows this marker")
    if pending is not None:
        raise MarkerError(f"{pending[2]}: no ```python block follows this marker")
    return found


def pages() -> list[Path]:
    """README.md and every page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


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
        output = printed.getvalue().strip()
        return "".join(frames) + (f"\nit printed:\n{output}" if output else "")
    return None


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
