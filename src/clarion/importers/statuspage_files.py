"""Getting a Statuspage page's public API v2 documents: saved in a folder,
or fetched from the page (``--url``)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from ..errors import UsageError

DOCUMENTS = ("components.json", "incidents.json", "scheduled-maintenances.json", "summary.json")


def read_folder(folder: Path) -> dict[str, tuple[str, bytes]]:
    """The API documents saved in ``folder``: name -> (display path, bytes)."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; save the page's api/v2/*.json files in one")
    found = {
        name: (str(folder / name), (folder / name).read_bytes())
        for name in DOCUMENTS
        if (folder / name).is_file()
    }
    if "incidents.json" not in found and "scheduled-maintenances.json" not in found:
        raise UsageError(
            f"{folder}: neither incidents.json nor scheduled-maintenances.json is there; "
            "save them from https://<page>/api/v2/"
        )
    return found


def fetch_page(url: str, timeout: float = 30.0) -> dict[str, tuple[str, bytes]]:
    """The API documents of a live page (``https://status.example.com``)."""
    base = url.rstrip("/")
    if not base.endswith("/api/v2"):
        base += "/api/v2"
    found = {}
    for name in DOCUMENTS:
        address = f"{base}/{name}"
        try:
            with urllib.request.urlopen(address, timeout=timeout) as response:  # noqa: S310
                found[name] = (address, response.read())
        except urllib.error.HTTPError as exc:
            if name == "summary.json" or (
                exc.code == 404 and name == "scheduled-maintenances.json"
            ):
                continue
            raise UsageError(f"{address}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise UsageError(f"{address}: cannot fetch ({exc})") from None
    return found
