"""Regenerate the pictures of the example site in docs/ from the current theme.

    python3 docs/screenshots.py

Builds the example (site_src/, updates/, comms/) into a temporary folder at
its pinned clock, serves it on 127.0.0.1 and photographs it in Debian's
Chromium (the browser of the browser tests, see tests/browser.py):

- docs/screenshot.png: the status page at 1,000 px (the README's picture);
- docs/screenshot-phone.png: the status page on a 390 px phone screen;
- docs/screenshot-incident.png: an incident with its postmortem.

Needs the test extra (Playwright) and /usr/bin/chromium, as `.ci/run`
installs them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.browser import chromium, missing_tools, serve  # noqa: E402
from tests.conftest import copy_example  # noqa: E402

from clarion.build import build  # noqa: E402
from clarion.config import load_config  # noqa: E402

# (file, page, viewport width and height, device pixel ratio)
SHOTS = [
    ("screenshot.png", "", 1000, 1900, 1),
    ("screenshot-phone.png", "", 390, 844, 2),
    ("screenshot-incident.png", "incidents/2026-10-14-api-and-dashboard-outage/", 1000, 1600, 1),
]


def main() -> int:
    missing = [m for m in missing_tools() if not m.startswith("axe-core")]
    if missing:
        print(f"error: screenshots need {', '.join(missing)}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        root = copy_example(Path(folder) / "example")
        config = load_config(root)
        assert config.now is not None, "the example pins its clock"
        build(config, now=config.now, use_cache=False)
        with serve({"/": root / "public"}) as url, chromium() as browser:
            for name, path, width, height, scale in SHOTS:
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    device_scale_factor=scale,
                    color_scheme="light",
                )
                page = context.new_page()
                page.goto(f"{url}/{path}", wait_until="load")
                page.screenshot(path=str(REPO / "docs" / name))
                context.close()
                print(f"docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
