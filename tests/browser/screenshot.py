"""Take the README's screenshot of the browser view (a tool, not a test).

Starts ``netsim app`` on a free port, steps the default scenario (or another)
a few weeks with the page's own step button, and saves a screenshot, reduced
to 256 colours so it stays small::

    .venv/bin/python tests/browser/screenshot.py --out results/figures/app.png --weeks 40 \
        --shock 21:funding_cut

Needs Debian's chromium (/usr/bin/chromium); the page's front-end files come with
netsim's install.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_app_browser import (  # a sibling module, not an installed package
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    wait_for_port,
    wait_week,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("results/figures/app.png"))
    parser.add_argument("--weeks", type=int, default=40)
    parser.add_argument("--scenario", default=None, help="library scenario or file")
    parser.add_argument(
        "--shock",
        action="append",
        default=[],
        metavar="WEEK:ACTION",
        help="press a shock button so it acts at WEEK, e.g. 20:funding_cut (repeatable)",
    )
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1010)
    args = parser.parse_args()
    port = free_port()
    netsim_cli = shutil.which("netsim", path=str(Path(sys.executable).parent)) or "netsim"
    command = [netsim_cli, "app", "--port", str(port)]
    if args.scenario:
        command += ["--scenario", args.scenario]
    with tempfile.TemporaryDirectory() as empty:  # no results folders to list
        command += ["--results-root", empty]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, server, timeout=30)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": args.width, "height": args.height})
                page.goto(f"http://127.0.0.1:{port}/")
                wait_week(page, 0, timeout=60_000)
                page.wait_for_selector("text=without your shocks", timeout=60_000)
                shocks: dict[int, list[str]] = {}
                for item in args.shock:
                    week, _, action = item.partition(":")
                    shocks.setdefault(int(week), []).append(action)
                for week in range(1, args.weeks + 1):
                    for action in shocks.get(week, []):
                        page.click(f".netsim-act-{action}")
                        page.wait_for_selector(f".netsim-interventions:has-text('week {week}:')")
                    page.click(".netsim-step")
                    wait_week(page, week)
                page.mouse.move(0, 0)
                shot = page.screenshot(full_page=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    small.save(args.out, format="PNG", optimize=True)
    print(f"{args.out}: {args.out.stat().st_size / 1024:.0f} KB, week {args.weeks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
