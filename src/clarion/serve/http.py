"""``clarion serve``'s HTTP side: the last good build from memory, with live reload.

Every HTML response gets a small script that long-polls ``/__clarion/poll``
with the version and path of its page; the answer comes when what the page
shows changed (:mod:`.live`), and the page reloads. While the last change
does not build, pages carry an overlay with the errors.
"""

from __future__ import annotations

import html
import json
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from .preview import PreviewServer

LIVE_PREFIX = "/__clarion/"


@dataclass(frozen=True)
class Snapshot:
    """What the server shows: the last good build and the current error, if any."""

    version: str
    files: Mapping[str, bytes] = field(default_factory=dict)
    error: str | None = None


def page_key(url_path: str) -> str:
    """The file a URL path names: ``/`` and folders name their ``index.html``."""
    key = url_path.lstrip("/")
    return key + "index.html" if key == "" or key.endswith("/") else key


def shown_page(files: Mapping[str, bytes], key: str) -> bytes | None:
    """What a browser asking for ``key`` is shown: the file, the folder's page
    it is redirected to, or the 404 page."""
    data = files.get(key)
    if data is None:
        data = files.get(f"{key}/index.html")
    return data if data is not None else files.get("404.html")


class PreviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        preview: PreviewServer,
    ):
        self.preview = preview
        super().__init__(address, handler)


_LIVE_JS = b"""(function () {
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : "";
  var path = encodeURIComponent(location.pathname);
  function poll() {
    fetch("/__clarion/poll?since=" + encodeURIComponent(version) + "&path=" + path,
          {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (d.reload) { location.reload(); } else { version = d.version; poll(); }
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"""

_OVERLAY_STYLE = (
    "position:fixed;inset:0;z-index:2147483647;margin:0;padding:2rem;overflow:auto;"
    "background:rgba(30,0,0,.94);color:#fff;"
    "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;"
    "white-space:pre-wrap;cursor:pointer"
)


def inject(page: bytes, snapshot: Snapshot) -> bytes:
    """Add the live-reload script (and the error overlay) to an HTML page."""
    parts = [f'<script src="{LIVE_PREFIX}live.js" data-version="{snapshot.version}"></script>']
    if snapshot.error:
        parts.insert(
            0,
            '<div id="clarion-error-overlay" role="alert" title="Click to hide" '
            f'style="{_OVERLAY_STYLE}" '
            'onclick="this.remove()"><strong>Clarion: the last change does not build. '
            "Showing the last good build until it is fixed.</strong>\n\n"
            f"{html.escape(snapshot.error)}</div>",
        )
    snippet = "\n".join(parts).encode("utf-8")
    lower = page.lower()
    at = lower.rfind(b"</body>")
    if at == -1:
        return page + snippet
    return page[:at] + snippet + b"\n" + page[at:]


_EMPTY_PAGE = (
    b'<!doctype html><html><head><meta charset="utf-8"><title>Clarion</title></head>'
    b"<body></body></html>"
)


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewHTTPServer
    server_version = "clarion-serve"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return  # quiet: the terminal is for builds and reminders

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, *, head: bool) -> None:
        preview = self.server.preview
        url = urlsplit(self.path)
        path = unquote(url.path)
        try:
            if path.startswith(LIVE_PREFIX):
                self._live(path[len(LIVE_PREFIX) :], parse_qs(url.query), head=head)
                return
            snapshot = preview.snapshot
            key = page_key(path)
            data = snapshot.files.get(key)
            status = HTTPStatus.OK
            if data is None and f"{key}/index.html" in snapshot.files:
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", url.path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if data is None:
                status = HTTPStatus.NOT_FOUND
                key = "404.html"
                data = snapshot.files.get(key, _EMPTY_PAGE)
            ctype = mimetypes.guess_type(key)[0] or "application/octet-stream"
            if ctype == "text/html":
                data = inject(data, snapshot)
                preview.live.page_served(page_key(path))
            if ctype.startswith("text/") or ctype in (
                "application/json",
                "application/xml",
                "application/javascript",
            ):
                ctype += "; charset=utf-8"
            self._send(status, ctype, data, head=head)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _live(self, name: str, query: Mapping[str, list[str]], *, head: bool) -> None:
        preview = self.server.preview
        if name == "live.js":
            self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", _LIVE_JS, head=head)
            return
        if name in ("poll", "status"):
            since = query.get("since", [""])[0]
            path = query.get("path", [None])[0]
            snapshot, version, reload = preview.snapshot, preview.snapshot.version, False
            if name == "poll" and since:
                answer = preview.live.wait(since, preview.poll_timeout, path)
                snapshot, version, reload = answer.snapshot, answer.version, answer.reload
            body = json.dumps(
                {
                    "version": version,
                    "reload": reload,
                    "error": snapshot.error,
                    "builds": preview.builds,
                }
            ).encode()
            self._send(HTTPStatus.OK, "application/json", body, head=head)
            return
        self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n", head=head)

    def _send(self, status: HTTPStatus, ctype: str, data: bytes, *, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(data)
