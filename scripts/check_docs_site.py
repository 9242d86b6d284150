"""
Look at the built documentation the way a reader does: in a real browser.

    python scripts/check_docs_site.py SITE_DIR [--screenshots DIR]

Fails when the site leaves a reader without something the package exports or shows
them something that should not be there:

- every name in ``velerian_sdk.__all__`` and every namespace of the client
  (``client.abps``, ...) has its entry in the reference;
- no docstring markup is left raw (``.. versionadded::``, ``:class:``);
- no private file is published (``_hooks.py``, ``_screenshots/``, any ``.py``);
- at 1280 px, no code block on any page is wider than its box (cut off behind a
  scroll bar);
- every mermaid diagram is drawn: the page ends up with an ``<svg>`` for each
  ```` ```mermaid ```` block, from the site's own copy of mermaid.js (Chromium is
  kept off every host but loopback, so a CDN cannot stand in for a missing copy);
- the key pages render in headless Chromium, not as a blank canvas, with the text
  they exist to show. Their screenshots are kept (``--screenshots``, by default a
  folder beside the site) so that a person can look at them.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image

import velerian_sdk
from velerian_sdk._core.namespace_property import NamespaceProperty

# (page, texts its rendered DOM must contain, window height): the abps page is tall
# enough to show `client.abps.invoke`, its third method, in the screenshot.
PAGES = [
    ("index.html", ["velerian-sdk", "VelerianClient", "Idempotency-Key"], 1400),
    ("reference/clients/index.html", ["VelerianClient", "with_options", "max_retries"], 1400),
    (
        "reference/namespaces/abps/index.html",
        ["Run a governed invocation", "idempotency_key", "InvokeResult"],
        3600,
    ),
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def find_chromium() -> str:
    """Return the Chromium binary, or exit saying how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("Chromium is not installed: apt-get install chromium")


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``site`` on 127.0.0.1 in a background thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


# Run in each page served to Chromium: lists the code blocks wider than their box.
_MEASURE = b"""<script>
addEventListener("load", () => {
  const cut = [];
  for (const code of document.querySelectorAll("pre > code")) {
    if (code.clientWidth > 0 && code.scrollWidth > code.clientWidth + 1) {
      const lines = code.textContent.split("\\n");
      cut.push(lines.reduce((a, b) => (b.length > a.length ? b : a), ""));
    }
  }
  const out = document.createElement("script");
  out.type = "application/json";
  out.id = "velerian-overflow";
  out.textContent = JSON.stringify(cut);
  document.body.appendChild(out);
});
</script>"""
_OVERFLOW = re.compile(
    r'<script type="application/json" id="velerian-overflow">(.*?)</script>', re.S
)

# Run first in each page served to Chromium: Material draws a diagram into a *closed*
# shadow root, which no script can reach afterwards, so keep a handle on every root;
# and keep the errors of promises nobody awaited (mermaid's syntax errors end there).
_SHADOW_ROOTS = b"""<script>
window.velerianShadowRoots = [];
window.velerianErrors = [];
const velerianAttach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  const root = velerianAttach.call(this, init);
  window.velerianShadowRoots.push([this, root]);
  return root;
};
addEventListener("unhandledrejection", (event) => {
  window.velerianErrors.push(String(event.reason && event.reason.message || event.reason));
});
</script>"""
# Run last: once the page's diagrams are drawn (or 20 s have passed), count them.
_DIAGRAMS = """<script>
addEventListener("load", () => {
  const expected = %d, started = Date.now();
  const report = () => {
    let drawn = 0, failed = 0;
    for (const [host, root] of window.velerianShadowRoots) {
      const svg = host.classList.contains("mermaid") && root.querySelector("svg");
      if (!svg) continue;
      if (svg.getAttribute("aria-roledescription") === "error") failed++; else drawn++;
    }
    if (drawn + failed < expected && !window.velerianErrors.length
        && Date.now() - started < 20000) {
      return setTimeout(report, 100);
    }
    const out = document.createElement("script");
    out.type = "application/json";
    out.id = "velerian-diagrams";
    out.textContent = JSON.stringify(
      {drawn, failed, mermaid: typeof mermaid, errors: window.velerianErrors});
    document.body.appendChild(out);
  };
  report();
});
</script>"""
_DIAGRAM_REPORT = re.compile(
    r'<script type="application/json" id="velerian-diagrams">(.*?)</script>', re.S
)
_MERMAID_BLOCK = re.compile(rb'<pre class="mermaid">')
MERMAID_COPY = "vendor/mermaid.min.js"
# Only loopback resolves: the page gets the site's own mermaid.js or none.
LOOPBACK_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():
            super().do_GET()
            return
        body = path.read_bytes()
        diagrams = (_DIAGRAMS % len(_MERMAID_BLOCK.findall(body))).encode()
        body = body.replace(b"<head>", b"<head>" + _SHADOW_ROOTS, 1)
        body = body.replace(b"</body>", _MEASURE + diagrams + b"</body>", 1)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def render(chromium: str, url: str, shot: Path, profile: Path, height: int) -> str:
    """Screenshot ``url`` into ``shot`` and return its rendered DOM."""
    common = [
        chromium,
        *CHROMIUM_FLAGS,
        f"--window-size=1280,{height}",
        f"--user-data-dir={profile}",
    ]
    subprocess.run(  # noqa: S603 - a fixed command line
        [*common, f"--screenshot={shot}", url], check=True, capture_output=True, timeout=90
    )
    dom = subprocess.run(  # noqa: S603
        [*common, "--dump-dom", url], check=True, capture_output=True, text=True, timeout=90
    )
    return dom.stdout


def looks_blank(shot: Path) -> str | None:
    """Say why a screenshot looks empty, or ``None`` when it shows a page."""
    image = Image.open(shot)
    try:
        gray: Image.Image = image.convert("L")
        histogram = gray.reduce(8).histogram()
    finally:
        image.close()
    total = sum(histogram)
    background = max(histogram)
    if background / total > 0.985:
        return f"{background / total:.1%} of the screenshot is one shade"
    if sum(1 for count in histogram if count) < 8:
        return "the screenshot has fewer than 8 shades"
    return None


def html_pages(site: Path) -> list[Path]:
    """Every page of the built site, the 404 page aside."""
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def private_files(site: Path) -> list[str]:
    """Published files that are no part of the site: sources, screenshots, hooks."""
    found: list[str] = []
    for path in site.rglob("*"):
        relative = path.relative_to(site)
        theirs = relative.parts[0] == "assets"  # the theme's and mkdocstrings' own files
        if path.suffix == ".py" or (not theirs and any(p.startswith("_") for p in relative.parts)):
            found.append(str(relative))
    return sorted(found)


_RAW_MARKUP = re.compile(
    r"\.\. (?:version\w+|deprecated|code-block)::|:(?:class|meth|func|attr|data|exc|mod|obj):`"
)


def raw_markup(site: Path) -> list[str]:
    """Pages that show docstring markup as text."""
    found: list[str] = []
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        # Code blocks may quote markup on purpose; only prose must not show it.
        prose = re.sub(r"<pre.*?</pre>|<code>.*?</code>", "", text, flags=re.S)
        match = _RAW_MARKUP.search(prose)
        if match:
            found.append(f"{page.relative_to(site)}: {match.group(0)!r}")
    return found


def undocumented(site: Path) -> list[str]:
    """Exported names and client namespaces without their entry in the reference."""
    anchors: set[str] = set()
    text = ""
    for page in html_pages(site):
        content = page.read_text(encoding="utf-8")
        anchors |= {a.rsplit(".", 1)[-1] for a in re.findall(r'id="(velerian_sdk[\w.]*)"', content)}
        text += content
    missing = [
        f"velerian_sdk.{name} has no entry in the reference"
        for name in velerian_sdk.__all__
        if name not in anchors and not (name.startswith("__") and f"velerian_sdk.{name}" in text)
    ]
    clients = (site / "reference" / "clients" / "index.html").read_text(encoding="utf-8")
    for name, namespace in namespaces().items():
        if f"client.{name}" not in clients:
            missing.append(f"client.{name} is not named on the Clients page")
        if namespace not in anchors:
            missing.append(f"client.{name} ({namespace}) has no entry in the reference")
    return missing


def namespaces() -> dict[str, str]:
    """The client's namespace attributes and the names of their classes."""
    client = velerian_sdk.VelerianClient(api_key="vk_docs_check", base_url="http://127.0.0.1:9")
    with client:
        found: dict[str, str] = {}
        for name in dir(type(client)):
            if name.startswith("_") or not isinstance(
                getattr(type(client), name, None), NamespaceProperty
            ):
                continue
            found[name] = type(getattr(client, name)).__name__
    if len(found) < 10:
        raise SystemExit(f"found only {sorted(found)} as client namespaces: fix namespaces()")
    return found


def dump_dom(
    chromium: str, url: str, profile: Path, *flags: str, budget_ms: int, timeout: float
) -> str:
    """The DOM of ``url`` at 1280 px, after its scripts ran for up to ``budget_ms``."""
    return subprocess.run(  # noqa: S603 - a fixed command line
        [
            chromium,
            *CHROMIUM_FLAGS,
            *flags,
            "--window-size=1280,900",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    ).stdout


def cut_code(chromium: str, base: str, site: Path, profile: Path) -> list[str]:
    """Code blocks wider than their box at 1280 px, on every page."""
    found: list[str] = []
    for page in html_pages(site):
        relative = page.relative_to(site).as_posix()
        dom = dump_dom(chromium, f"{base}/{relative}", profile, budget_ms=3000, timeout=90)
        report = _OVERFLOW.search(dom)
        if report is None:
            found.append(f"{relative}: the width check did not run")
            continue
        for line in json.loads(report.group(1)):
            found.append(f"{relative}: cut off at 1280 px: {str(line).strip()[:90]!r}")
    return found


def diagram_pages(site: Path) -> dict[str, int]:
    """Pages with mermaid diagrams, and how many each has."""
    found: dict[str, int] = {}
    for page in html_pages(site):
        count = len(_MERMAID_BLOCK.findall(page.read_bytes()))
        if count:
            found[page.relative_to(site).as_posix()] = count
    return found


def undrawn_diagrams(chromium: str, base: str, site: Path, profile: Path) -> list[str]:
    """Diagrams that do not end up drawn as an ``<svg>``, page by page."""
    pages = diagram_pages(site)
    if pages and not (site / MERMAID_COPY).is_file():
        return [
            f"{MERMAID_COPY} is missing, so no diagram is drawn ({', '.join(pages)}): run "
            "`python scripts/fetch_mermaid.py` before building the site (nox -s docs does)"
        ]
    found: list[str] = []
    for relative, expected in pages.items():
        dom = dump_dom(
            chromium, f"{base}/{relative}", profile, LOOPBACK_ONLY, budget_ms=30000, timeout=120
        )
        report = _DIAGRAM_REPORT.search(dom)
        if report is None:
            found.append(f"{relative}: the diagram check did not run")
            continue
        counts = json.loads(report.group(1))
        if counts["drawn"] != expected:
            loaded = "loaded" if counts["mermaid"] == "object" else "not loaded"
            errors = "; ".join(" ".join(str(e).split())[:300] for e in counts["errors"])
            found.append(
                f"{relative}: {counts['drawn']} of {expected} mermaid diagrams drawn "
                f"({counts['failed']} drawn as an error; mermaid.js {loaded})"
                + (f": {errors}" if errors else "")
            )
    return found


def main() -> int:
    """Check every page; exit 1 naming each failure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", type=Path)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    site: Path = args.site
    failures = [f"published: {name}" for name in private_files(site)]
    failures += raw_markup(site) + undocumented(site)
    chromium = find_chromium()
    out: Path = args.screenshots or site.resolve().parent / f"{site.name}-screenshots"
    out.mkdir(parents=True, exist_ok=True)
    server, base = serve(site)
    try:
        with tempfile.TemporaryDirectory() as profile:
            failures += cut_code(chromium, base, site, Path(profile))
            failures += undrawn_diagrams(chromium, base, site, Path(profile))
            for page, texts, height in PAGES:
                shot = out / (page.replace("/", "_").replace(".html", "") + ".png")
                dom = render(chromium, f"{base}/{page}", shot, Path(profile), height)
                missing = [text for text in texts if text not in dom]
                if missing:
                    failures.append(f"{page}: rendered page lacks {missing}")
                blank = looks_blank(shot)
                if blank:
                    failures.append(f"{page}: {blank}")
                print(f"{page}: screenshot {shot}")
    finally:
        server.shutdown()
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
