"""
Look at the built documentation the way a reader does: in a real browser.

    python scripts/check_docs_site.py SITE_DIR [--screenshots DIR]

Serves the built site on a free loopback port, renders each checked page in headless
Chromium, and fails when a page is empty or broken: the screenshot must not be a blank
canvas, and the rendered DOM must contain the text the page exists to show. The
screenshots are kept so that a person can look at them.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from PIL import Image

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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


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


def main() -> int:
    """Check every page; exit 1 naming each failure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("site", type=Path)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    chromium = find_chromium()
    out: Path = args.screenshots or args.site / "_screenshots"
    out.mkdir(parents=True, exist_ok=True)
    server, base = serve(args.site)
    failures: list[str] = []
    try:
        with tempfile.TemporaryDirectory() as profile:
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
