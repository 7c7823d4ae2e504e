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
  it falls behind (it does below ``netsim.app.page.BEHIND`` of the setting).

Usage::

    python benchmarks/bench_app.py                    # 500 and 5,000 members, 156 weeks
    python benchmarks/bench_app.py --sizes 500 --weeks 52
    python benchmarks/bench_app.py --json frames.json

Targets: at 500 members >= 10 frames per second (median frame <= 100 ms); at
5,000 members "usable", taken as >= 4 frames per second (median <= 250 ms).
The machine may be shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
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
    console.print(f"load at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
