"""
Type-check every Python snippet in README.md and docs/ under mypy --strict.

    python scripts/check_doc_snippets.py [--keep DIR]

Each ```python block becomes the body of its own ``async def`` (so ``await`` and
``async for`` work) in a module that declares the names the guides take as given
(``client``, ``abp_id``, ``result``...). The modules are then checked with the
project's mypy configuration, so a snippet that would not type-check in a user's
strict code base fails the build.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)

PRELUDE = """\
# Names the guides take as given; declared here, never run.
from __future__ import annotations

import datetime as dt
import os
from typing import Any

import httpx

from velerian_sdk import *  # noqa: F403
from velerian_sdk import (
    AsyncVelerianClient,
    Attachment,
    AuditLogEntry,
    DownloadedFile,
    EvidenceExport,
    InvokeResult,
    Page,
    VelerianClient,
)

client: VelerianClient
abp_id: str
slug: str
run_id: str
reader_secret: str
result: InvokeResult
export: EvidenceExport
package: EvidenceExport
attachment: Attachment
saved: DownloadedFile
page: Page[AuditLogEntry]


class _Claim:
    id: str


claim: _Claim


def save_for_later(run_id: str) -> None: ...
def load_checkpoint() -> int: ...
def save_checkpoint(done: int) -> None: ...
def export_entry(entry: AuditLogEntry) -> None: ...
"""


def snippets(path: Path) -> list[str]:
    """The Python blocks of one Markdown file."""
    return [match.group(1) for match in BLOCK.finditer(path.read_text(encoding="utf-8"))]


def module_for(path: Path) -> str:
    """One module: the prelude, then each snippet as the body of its own coroutine."""
    parts = [PRELUDE]
    for number, code in enumerate(snippets(path), start=1):
        body = textwrap.indent(code.rstrip() or "pass", "    ")
        parts.append(f"\n\nasync def snippet_{number}() -> None:  # {path.name}\n{body}\n")
    return "".join(parts)


def main() -> int:
    """Write the modules and run mypy on them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="write the modules here and keep them")
    args = parser.parse_args()
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    with tempfile.TemporaryDirectory() as tmp:
        out: Path = args.keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        for page in pages:
            if not snippets(page):
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


if __name__ == "__main__":
    sys.exit(main())
