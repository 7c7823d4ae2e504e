"""Take the README's screenshots of the browser view (a tool, not a test).

Starts ``netsim app`` on a free port, steps the opening story (or another scenario)
a few weeks with the page's own step button, and saves what the viewport shows at
each size (in the room layout, ``?layout=room``, unless ``--layout standard``), reduced
to as many colours as keep each under 300 KB::

    .venv/bin/python tests/browser/screenshot.py --sizes 1280x720,1920x1080 \
        --out docs/images/ --weeks 80

With one size, ``--out`` may name the file; with several (or a folder) each is saved
as ``app-<width>x<height>.png`` in it. ``--shock 21:funding_cut`` presses a shock
button so it acts at week 21; ``--full-page`` takes the whole page, not the viewport.

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


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """'1280x720,1920x1080' -> [(1280, 720), (1920, 1080)]."""
    sizes = []
    for item in text.split(","):
        width, _, height = item.strip().lower().partition("x")
        if not (width.isdigit() and height.isdigit()):
            raise argparse.ArgumentTypeError(f"{item!r}: allowed: WIDTHxHEIGHT, e.g. 1280x720")
        sizes.append((int(width), int(height)))
    return sizes


def targets(out: Path, sizes: list[tuple[int, int]]) -> list[Path]:
    """Where each size's screenshot goes: ``out`` itself for one size named as a .png file."""
    if len(sizes) == 1 and out.suffix.lower() == ".png":
        return [out]
    return [out / f"app-{w}x{h}.png" for w, h in sizes]


MAX_BYTES = 300_000
"""A README screenshot's budget."""


def save_small(shot: bytes, path: Path) -> None:
    """Save with the most colours (256 down to 64) that keep the file under MAX_BYTES."""
    image = Image.open(io.BytesIO(shot)).convert("RGB")
    for colours in (256, 192, 128, 96, 64):
        small = image.quantize(colors=colours, method=Image.Quantize.FASTOCTREE)
        buffer = io.BytesIO()
        small.save(buffer, format="PNG", optimize=True)
        if buffer.tell() < MAX_BYTES:
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--sizes", type=parse_sizes, default=None, metavar="WxH,...")
    parser.add_argument("--width", type=int, default=1400, help="without --sizes")
    parser.add_argument("--height", type=int, default=1010, help="without --sizes")
    parser.add_argument("--weeks", type=int, default=80)
    parser.add_argument("--scenario", default=None, help="library scenario or file")
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument(
        "--layout", choices=("room", "standard"), default="room", help="room: ?layout=room"
    )
    parser.add_argument(
        "--shock",
        action="append",
        default=[],
        metavar="WEEK:ACTION",
        help="press a shock button so it acts at WEEK, e.g. 20:funding_cut (repeatable)",
    )
    args = parser.parse_args()
    sizes = args.sizes or [(args.width, args.height)]
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
                width, height = sizes[0]
                page = browser.new_page(viewport={"width": width, "height": height})
                query = "?layout=room" if args.layout == "room" else ""
                page.goto(f"http://127.0.0.1:{port}/{query}")
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
                for (width, height), path in zip(sizes, targets(args.out, sizes), strict=True):
                    page.set_viewport_size({"width": width, "height": height})
                    page.wait_for_timeout(1500)  # the layout settles at the new size
                    save_small(page.screenshot(full_page=args.full_page), path)
                    print(f"{path}: {path.stat().st_size / 1024:.0f} KB, week {args.weeks}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
