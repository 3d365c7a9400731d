"""Real Chromium for the pages: a static server on 127.0.0.1 and the browser.

Used by the browser tests (tests/test_browser.py) and by the screenshot
command (docs/screenshots.py). Chromium is Debian's (/usr/bin/chromium),
driven by Playwright; Playwright never downloads a browser of its own.
"""

from __future__ import annotations

import mimetypes
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CLARION_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NODE_MODULES = REPO / "tests/clients/node_modules"
AXE_JS = NODE_MODULES / "axe-core/axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar/build/dist/vnu.jar"
INSTALL_HINT = (
    "run .ci/run, or: apt-get install chromium default-jre-headless; npm ci --prefix tests/clients"
)

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


def missing_tools() -> list[str]:
    """What the browser tests need and this machine lacks (the tests fail on it)."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"Chromium at {CHROMIUM}")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("Python Playwright (the test extra)")
    if not AXE_JS.is_file():
        missing.append(f"axe-core at {AXE_JS.relative_to(REPO)}")
    return missing


class _Handler(BaseHTTPRequestHandler):
    """Serves each mounted folder under its prefix, like a static host: a
    folder's index.html, else the mount's 404.html with status 404."""

    mounts: Mapping[str, Path] = {}

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        for prefix, folder in self.mounts.items():
            if path.startswith(prefix):
                self._serve(folder, path[len(prefix) :])
                return
        self._send(404, b"not mounted", "text/plain")

    def _serve(self, folder: Path, rest: str) -> None:
        target = (folder / rest).resolve()
        if target.is_dir():
            target = target / "index.html"
        if folder.resolve() in target.parents and target.is_file():
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self._send(200, target.read_bytes(), kind)
        elif (folder / "404.html").is_file():
            self._send(404, (folder / "404.html").read_bytes(), "text/html")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        charset = "; charset=utf-8" if kind.startswith("text/") else ""
        self.send_header("Content-Type", kind + charset)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(mounts: Mapping[str, Path]) -> Iterator[str]:
    """Serve ``{"/prefix/": folder}`` on 127.0.0.1 from a thread; yields the
    base URL (``http://127.0.0.1:<port>``)."""
    handler = type("Handler", (_Handler,), {"mounts": dict(mounts)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium (Debian's) for a whole test run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
