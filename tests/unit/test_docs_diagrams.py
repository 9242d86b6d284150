"""The site's diagrams: a checked local mermaid.js, and a site check that counts them."""

from __future__ import annotations

import io
import sys
import tarfile
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import check_docs_site
import fetch_mermaid

ROOT = Path(__file__).resolve().parents[2]


def tarball(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_the_pinned_tarball_gives_its_mermaid_min_js(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed = tarball(tmp_path / "mermaid.tgz", {fetch_mermaid.MEMBER: b"globalThis.mermaid={}"})
    monkeypatch.setattr(fetch_mermaid, "INTEGRITY", fetch_mermaid.integrity_of(packed))
    target = tmp_path / "vendor" / "mermaid.min.js"
    fetch_mermaid.extract(packed, target)
    assert target.read_bytes() == b"globalThis.mermaid={}"
    assert sorted(p.name for p in target.parent.iterdir()) == ["mermaid.min.js"]


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    packed = tarball(tmp_path / "mermaid.tgz", {fetch_mermaid.MEMBER: b"alert('not mermaid')"})
    target = tmp_path / "vendor" / "mermaid.min.js"
    with pytest.raises(SystemExit, match="is not the pinned"):
        fetch_mermaid.extract(packed, target)
    assert not target.parent.exists()


def test_a_tarball_without_the_script_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed = tarball(tmp_path / "mermaid.tgz", {"package/README.md": b"#"})
    monkeypatch.setattr(fetch_mermaid, "INTEGRITY", fetch_mermaid.integrity_of(packed))
    with pytest.raises(SystemExit, match=r"has no package/dist/mermaid\.min\.js"):
        fetch_mermaid.extract(packed, tmp_path / "mermaid.min.js")


def test_the_site_serves_its_local_copy_of_mermaid_and_draws_mermaid_fences() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "  - vendor/mermaid.min.js" in config
    assert "name: mermaid" in config
    assert fetch_mermaid.DEFAULT_TARGET == ROOT / "docs" / "vendor" / "mermaid.min.js"
    assert "docs/vendor/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def site_with_diagrams(site: Path, *, copy: bool) -> Path:
    page = site / "middleware" / "index.html"
    page.parent.mkdir(parents=True)
    block = '<pre class="mermaid"><code>flowchart LR\n  a --> b</code></pre>'
    page.write_text(f"<html><head></head><body>{block}{block}</body></html>", encoding="utf-8")
    (site / "index.html").write_text("<html><head></head><body></body></html>")
    if copy:
        (site / "vendor").mkdir()
        (site / "vendor" / "mermaid.min.js").write_text("globalThis.mermaid = {};")
    return site


def test_the_site_check_counts_each_pages_diagrams_and_tells_each_page(tmp_path: Path) -> None:
    site = site_with_diagrams(tmp_path / "site", copy=True)
    assert check_docs_site.diagram_pages(site) == {"middleware/index.html": 2}
    server, base = check_docs_site.serve(site)
    try:
        with urllib.request.urlopen(f"{base}/middleware/") as answer:
            served = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    # Before any other script: the roots Material draws into are closed afterwards.
    assert served.index("velerianShadowRoots = []") < served.index("</head>")
    assert "const expected = 2," in served


def test_the_site_check_fails_a_site_without_its_mermaid_copy(tmp_path: Path) -> None:
    site = site_with_diagrams(tmp_path / "site", copy=False)
    failures = check_docs_site.undrawn_diagrams("chromium-is-not-needed", "", site, tmp_path)
    assert len(failures) == 1
    assert "vendor/mermaid.min.js is missing" in failures[0]
    assert "scripts/fetch_mermaid.py" in failures[0]
