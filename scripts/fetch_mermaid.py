"""
Put a pinned, checked copy of mermaid.js where the docs site serves it.

    python scripts/fetch_mermaid.py [--to docs/vendor/mermaid.min.js]

The site's diagrams are drawn in the browser by mermaid.js. mkdocs-material loads it
from a CDN unless a global ``mermaid`` is already defined; a CDN is out of reach in CI
and offline, so the site ships its own copy (``extra_javascript`` in mkdocs.yml). The
copy is not committed: ``npm pack`` fetches the pinned version from the npm registry,
the tarball must match the pinned SHA-512, and ``dist/mermaid.min.js`` is extracted
from it. ``nox -s docs`` runs this before building the site.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "11.17.2"
"""Material 9.8 asks the CDN for mermaid 11; the newest 11.x when pinned."""
INTEGRITY = (
    "sha512-V6K3C8EBdEsPFZXSKMJe6ppQOENxuHARr9GvHX4hh47lAbhM"
    "RD9qf4oEK7LoaRQxULMa80/qt5gHO73aCleBBg=="
)
"""The registry's ``dist.integrity`` of mermaid-11.17.2.tgz (``npm view mermaid@11.17.2``)."""
MEMBER = "package/dist/mermaid.min.js"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TARGET = ROOT / "docs" / "vendor" / "mermaid.min.js"


def integrity_of(tarball: Path) -> str:
    """Return a file's SHA-512 in npm's ``integrity`` notation (``sha512-<base64>``)."""
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def pack(workdir: Path) -> Path:
    """Download the pinned tarball with ``npm pack`` into ``workdir``; return its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is not installed: apt-get install npm (nox -s docs does)")
    subprocess.run(  # noqa: S603 - a fixed command line
        [npm, "pack", f"mermaid@{VERSION}", "--silent", "--pack-destination", str(workdir)],
        check=True,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    return workdir / f"mermaid-{VERSION}.tgz"


def extract(tarball: Path, target: Path) -> None:
    """
    Check ``tarball`` against the pin, then write its ``mermaid.min.js`` to ``target``.

    Raises:
        SystemExit: The tarball is not the pinned one, or lacks the file.
    """
    found = integrity_of(tarball)
    if found != INTEGRITY:
        msg = f"{tarball.name}: integrity {found} is not the pinned {INTEGRITY}"
        raise SystemExit(msg)
    with tarfile.open(tarball, "r:gz") as archive:
        try:
            member = archive.extractfile(MEMBER)
        except KeyError:
            member = None
        if member is None:
            raise SystemExit(f"{tarball.name} has no {MEMBER}")
        script = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.write_bytes(script)
    partial.replace(target)  # a half-written copy is never served


def main() -> int:
    """Fetch, check and extract; print where the copy went."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--to", type=Path, default=DEFAULT_TARGET)
    args = parser.parse_args()
    target: Path = args.to
    with tempfile.TemporaryDirectory() as workdir:
        extract(pack(Path(workdir)), target)
    print(f"mermaid {VERSION} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
