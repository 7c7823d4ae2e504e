"""Frame time of the browser view (not a test; run it by hand).

One frame is what the page's play loop does per week: ``model.step()``, the
per-step table, the network's per-week codes for the browser's canvas
(``netsim.app.canvas.week_codes``) and the curves and 5C wheel rendered to PNG (while
playing these two are redrawn only every ``SLOW_PICTURES`` seconds).
Measured over a whole default scenario (156 weeks) at each size, after the
ghost run has finished, so nothing else competes for the CPU:

- **frame**: :meth:`netsim.app.session.Session.step` end to end (what playing costs);
- the same work split into its parts, done by hand: model step, ``table()``,
  network codes, and each picture's render + PNG encoding;
- **playback**: the weeks a second :meth:`~netsim.app.session.Session.play` reaches at
  each speed setting (``--speeds``, default 10 and 30), and whether the page would say
  it falls behind (it does below ``netsim.app.page.BEHIND`` of the setting);
- with ``--browser``, the same settings played by the page in Chromium, read off its week
  counter (:func:`browser_playback`).

Usage::

    python benchmarks/bench_app.py                    # 500 and 5,000 members, 156 weeks
    python benchmarks/bench_app.py --sizes 500 --weeks 52
    python benchmarks/bench_app.py --json frames.json
    python benchmarks/bench_app.py --sizes 500 --browser   # + playback in Chromium

Targets: at 500 members >= 10 frames per second (median frame <= 100 ms); at
5,000 members "usable", taken as >= 4 frames per second (median <= 250 ms).
The machine may be shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from netsim import build_model
from netsim.app.canvas import week_codes
from netsim.app.layout import (
    DRAW_LIMIT,
    Figures,
    edges_within,
    sample_people,
)
from netsim.app.page import BEHIND
from netsim.app.session import Session, Source
from netsim.config.parameters import Parameters

TARGET_MS = {500: 100.0, 5_000: 250.0}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def session_frames(params: Parameters, seed: int, weeks: int) -> list[float]:
    """Milliseconds of each Session.step() over ``weeks`` weeks (the play loop's frame)."""
    session = Session()
    session.load(Source("bench", params, seed))
    deadline = time.monotonic() + 120
    while not session.last.ghost and time.monotonic() < deadline:  # let the ghost finish
        time.sleep(0.05)
    times = []
    for _ in range(weeks):
        start = time.perf_counter()
        session.step()
        times.append((time.perf_counter() - start) * 1000)
    session.close()
    return times


def playback_rate(params: Parameters, seed: int, speed: int, weeks: int) -> tuple[float, float]:
    """Weeks a second that Session.play() reaches at ``speed`` over ``weeks`` weeks, and the
    rate the page's frames reported (Frame.achieved) at the end."""
    frames: list[tuple[float, int, float]] = []
    session = Session(publish=lambda f: frames.append((time.monotonic(), f.step, f.achieved)))
    session.load(Source("bench", params, seed))
    deadline = time.monotonic() + 120
    while not session.last.ghost and time.monotonic() < deadline:  # let the ghost finish
        time.sleep(0.05)
    session.set_speed(speed)
    frames.clear()
    session.play()
    deadline = time.monotonic() + 120
    while session.last.step < weeks and session.playing and time.monotonic() < deadline:
        time.sleep(0.01)
    session.close()
    played = [f for f in frames if f[1] > 0]
    if len(played) < 2:
        return 0.0, 0.0
    rate = (played[-1][1] - played[0][1]) / (played[-1][0] - played[0][0])
    # the last frame while still playing (the one at the horizon has stopped: no rate)
    shown = next((achieved for _, _, achieved in reversed(played) if achieved > 0), 0.0)
    return rate, shown


CHROMIUM = Path(os.environ.get("NETSIM_CHROMIUM", "/usr/bin/chromium"))
WEEK = re.compile(r"week (\d+) of")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _week(page: Any) -> int:
    match = WEEK.search(page.inner_text(".netsim-week"))
    return int(match.group(1)) if match else -1


def browser_playback(
    sizes: list[int], speeds: list[int], seconds: float
) -> dict[tuple[int, int], tuple[float, str]]:
    """Weeks a second the page reaches in Chromium (room view, 1280x720), read off the week
    counter over ``seconds`` of play after 1 s of warm-up, and what the page said meanwhile.

    A ``netsim app`` on a free loopback port; the opening story for 500 members, an uploaded
    scenario file (the story's scenario at that size) for any other size.
    """
    from playwright.sync_api import sync_playwright  # only this measurement needs it

    port = _free_port()
    netsim_cli = shutil.which("netsim", path=str(Path(sys.executable).parent)) or "netsim"
    work = Path(tempfile.mkdtemp(prefix="bench-app-"))
    server = subprocess.Popen(
        [netsim_cli, "app", "--port", str(port)],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    found: dict[tuple[int, int], tuple[float, str]] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(60_000)
            deadline = time.monotonic() + 60
            while True:
                try:
                    page.goto(f"http://127.0.0.1:{port}/")
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            page.wait_for_selector(".netsim-week:has-text('week 0 ')")
            for size in sizes:
                if size != 500:  # the opening story has 500 members
                    upload = work / f"size-{size}.toml"
                    upload.write_text(
                        f'name = "{size} members"\n[network]\neligible_population = {size}\n'
                    )
                    if page.locator(".netsim-upload").count() == 0:
                        page.click(".netsim-room-switch input", force=True)
                    box = page.locator(".netsim-upload .solara-file-drop").bounding_box()
                    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                    cdp = page.context.new_cdp_session(page)
                    data = {"items": [], "files": [str(upload)], "dragOperationsMask": 1}
                    for kind in ("dragEnter", "dragOver", "drop"):
                        cdp.send(
                            "Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data}
                        )
                    cdp.detach()
                    page.wait_for_selector(f".netsim-source:has-text('{size} members')")
                if page.locator(".netsim-room-grid").count() == 0:
                    page.click(".netsim-room-switch input", force=True)
                    page.wait_for_selector(".netsim-room-grid")
                for speed in speeds:
                    page.click(".netsim-reset")
                    page.wait_for_selector(".netsim-week:has-text('week 0 ')")
                    thumb = page.locator(".netsim-speed [role=slider]")
                    thumb.focus()
                    page.keyboard.press("Home")
                    for _ in range(speed - 1):
                        page.keyboard.press("ArrowRight")
                    page.click(".netsim-play")
                    time.sleep(1.0)
                    start, began = _week(page), time.monotonic()
                    said = ""
                    while time.monotonic() - began < seconds:
                        time.sleep(0.25)
                        shown = page.locator(".netsim-achieved")
                        if shown.count():
                            said = shown.first.inner_text().split(" (")[0]
                    rate = (_week(page) - start) / (time.monotonic() - began)
                    if page.locator(".netsim-pause").is_enabled():  # not at the last week
                        page.click(".netsim-pause")
                    found[(size, speed)] = (rate, said or "(nothing)")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    return found


def part_frames(params: Parameters, seed: int, weeks: int) -> dict[str, list[float]]:
    """The same frame done by hand, timing each part (milliseconds per week)."""
    model = build_model(params, seed=seed)
    organisation = model.members.organisation
    sample = sample_people(organisation, DRAW_LIMIT)
    sample_edges = edges_within(sample, model.graph.edge_u, model.graph.edge_v, organisation.size)
    figures = Figures()
    figures.reset(params.steps)
    parts: dict[str, list[float]] = {
        k: [] for k in ("model step", "table", "network codes", "curves", "wheel")
    }

    def timed(name: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        out = work()
        parts[name].append((time.perf_counter() - start) * 1000)
        return out

    for _ in range(weeks):
        timed("model step", model.step)
        table = timed("table", model.table)

        timed("network codes", lambda: week_codes(model, sample, sample_edges))
        interventions = tuple(model.interventions)
        timed("curves", lambda t=table, i=interventions: figures._render_curves(t, i))
        timed("wheel", lambda table=table: figures._render_wheel(table))
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5_000])
    parser.add_argument("--weeks", type=int, default=156, help="frames per size (default 156)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write every figure to this JSON file")
    parser.add_argument(
        "--speeds", type=int, nargs="+", default=[10, 30], help="play settings to measure"
    )
    parser.add_argument(
        "--browser",
        action="store_true",
        help="also measure playback in Chromium (room view, 1280x720; needs playwright and "
        f"Debian's chromium at {CHROMIUM})",
    )
    parser.add_argument(
        "--browser-seconds",
        type=float,
        default=3.0,
        help="seconds of play read per setting (1 s of warm-up first; at 30 weeks/s the "
        "156-week story must not end inside the window)",
    )
    args = parser.parse_args()
    console = Console()
    console.print(
        f"netsim browser-view frame time · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} cores · load {os.getloadavg()[0]:.2f} · {args.weeks} weeks · seed "
        f"{args.seed}"
    )
    results: dict[str, Any] = {}
    table = Table(title="frame = step + network codes + curves and wheel PNGs (a paused frame)")
    for column in ("members", "median ms", "p90 ms", "max ms", "frames/s", "target", "ok"):
        table.add_column(column, justify="right")
    parts_table = Table(title="median ms per part (done by hand)")
    part_names = ("model step", "table", "network codes", "curves", "wheel")
    for column in ("members", *part_names, "bytes/frame"):
        parts_table.add_column(column, justify="right")
    play_table = Table(title="playback: weeks/s reached by Session.play() at each setting")
    for column in ("members", "setting", "reached", "share", "page shows"):
        play_table.add_column(column, justify="right")
    for size in args.sizes:
        params = Parameters(eligible_population=size, steps=max(args.weeks, 1))
        frames = session_frames(params, args.seed, args.weeks)
        parts = part_frames(params, args.seed, args.weeks)
        session = Session()
        last = session.load(Source("bench", params, args.seed))
        last = session.step(args.weeks) or last
        session.close()
        png_bytes = len(last.curves_png) + len(last.wheel_png) + len(last.codes) + len(last.ties)
        median = statistics.median(frames)
        target = TARGET_MS.get(size)
        table.add_row(
            f"{size:,}",
            f"{median:.1f}",
            f"{percentile(frames, 90):.1f}",
            f"{max(frames):.1f}",
            f"{1000 / median:.1f}",
            "n/a" if target is None else f"<= {target:.0f} ms",
            "n/a" if target is None else ("PASS" if median <= target else "MISS"),
        )
        parts_table.add_row(
            f"{size:,}",
            *(f"{statistics.median(parts[name]):.2f}" for name in part_names),
            f"{png_bytes / 1024:.0f} KB",
        )
        playback = {}
        for speed in args.speeds:
            rate, shown = playback_rate(params, args.seed, speed, args.weeks)
            playback[str(speed)] = {"reached": rate, "frame_achieved": shown}
            note = f"reaching {shown:.0f}" if 0 < shown < BEHIND * speed else "(nothing)"
            play_table.add_row(f"{size:,}", f"{speed}", f"{rate:.1f}", f"{rate / speed:.0%}", note)
        results[str(size)] = {
            "playback_weeks_per_second": playback,
            "frame_ms": {
                "median": median,
                "p90": percentile(frames, 90),
                "max": max(frames),
            },
            "frames_per_second": 1000 / median,
            "parts_median_ms": {name: statistics.median(parts[name]) for name in part_names},
            "png_bytes_last_frame": png_bytes,
            "drawn_people": int(last.shown),
        }
    console.print(table)
    console.print(parts_table)
    console.print(play_table)
    if args.browser:
        measured = browser_playback(args.sizes, args.speeds, args.browser_seconds)
        browser_table = Table(title="playback in Chromium: weeks/s read off the week counter")
        for column in ("members", "setting", "reached", "page said"):
            browser_table.add_column(column, justify="right")
        for (size, speed), (rate, said) in measured.items():
            browser_table.add_row(f"{size:,}", f"{speed}", f"{rate:.1f}", said)
            results.setdefault(str(size), {}).setdefault("browser_weeks_per_second", {})[
                str(speed)
            ] = {"reached": rate, "page_said": said}
        console.print(browser_table)
    console.print(f"load at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
