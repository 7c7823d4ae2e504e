"""The browser view end to end: `netsim app` in a subprocess, driven by headless Chromium.

One journey through the page, as a trainer would take it: pick a scenario,
play, move a knob, press shocks, upload a broken scenario file, click
everything fast, replay a saved run. Screenshots go to ``test-artifacts/``.
Skipped (with the reason) only where Debian's chromium is not installed;
Playwright's own browser download is not used.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("NETSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WEEK = re.compile(r"week (\d+) of (\d+)")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install -y chromium)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"netsim app exited early with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"netsim app did not listen on port {port} within {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """A `netsim app` on a free port, with a small saved run to replay; stopped afterwards."""
    import netsim
    from netsim.results.run_folder import write_run

    work = tmp_path_factory.mktemp("app")
    saved = work / "results" / "short-run"
    write_run(
        netsim.run(netsim.Parameters(eligible_population=150), seed=4, steps=12),
        saved,
    )
    port = free_port()
    netsim_cli = shutil.which("netsim", path=str(Path(sys.executable).parent)) or "netsim"
    log = (work / "server.log").open("wb")
    process = subprocess.Popen(
        [netsim_cli, "app", "--port", str(port), "--results-root", str(work / "results")],
        cwd=work,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process, timeout=30)
        check_front_end(f"http://127.0.0.1:{port}/")
        yield f"http://127.0.0.1:{port}/", saved, work / "server.log"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def check_front_end(url: str) -> None:
    """The page's JavaScript must be served, from the files netsim's install brought."""
    html = urllib.request.urlopen(url, timeout=30).read().decode("utf-8", "replace")
    scripts = re.findall(r"""["'](/_solara/cdn/[^"']+\.js)["']""", html)
    assert scripts, "the Solara page names no front-end script"
    for script in scripts:
        try:
            urllib.request.urlopen(url.rstrip("/") + script, timeout=60).read(1)
        except OSError as err:
            pytest.fail(
                f"the Solara page's front-end file {script} is not available ({err}): "
                "netsim's install should have brought it (solara-assets; see "
                "netsim.app.assets)"
            )


def week_of(page) -> tuple[int, int]:
    match = WEEK.search(page.inner_text(".netsim-week"))
    assert match, page.inner_text(".netsim-week")
    return int(match.group(1)), int(match.group(2))


def wait_week_at_least(page, week: int, timeout: float = 15_000) -> None:
    page.wait_for_function(
        """(week) => {
            const m = /week (\\d+) of/.exec(document.querySelector('.netsim-week')?.textContent);
            return m !== null && parseInt(m[1]) >= week;
        }""",
        arg=week,
        timeout=timeout,
    )


def wait_week(page, week: int, timeout: float = 15_000) -> None:
    page.wait_for_selector(f".netsim-week:text-matches('^week {week} of')", timeout=timeout)


def image_source(page, css: str) -> str:
    return page.eval_on_selector(css, "el => el.src")


def drop_file(page, selector: str, path: Path) -> None:
    """A real drag-and-drop of a file from disk (the drop zone reads it as a user's file)."""
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    data = {"items": [], "files": [str(path)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    cdp.detach()


@contextlib.contextmanager
def open_page(
    url: str, server_log: Path, failure_shot: str, size: tuple[int, int] = (1400, 1000)
) -> Iterator[Any]:
    """The page in chromium at ``size``, at week 0; a screenshot named ``failure_shot`` if the
    body fails, and no traceback in the server's log afterwards."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        page.set_default_timeout(15_000)
        try:
            page.goto(url)
            wait_week(page, 0, timeout=30_000)
            yield page
        except Exception:
            page.screenshot(path=ARTIFACTS / failure_shot)
            raise
        finally:
            browser.close()
    log = server_log.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]


def test_trainer_journey(server: tuple[str, Path, Path], tmp_path: Path) -> None:
    from netsim.config.scenarios import ScenarioError, parse_scenario_text

    url, saved, server_log = server
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "my network"\n[leadership\nleadership_style = "distributed"\n')
    with pytest.raises(ScenarioError) as expected:
        parse_scenario_text(broken.read_text(), broken.name)

    with open_page(url, server_log, "app-failure.png") as page:
        # pick a scenario from the library
        page.click(".netsim-scenario .v-input__slot")
        page.click(".v-menu__content .v-list-item:has-text('Funding cliff')")
        page.wait_for_selector(".netsim-source:has-text('Funding cliff')")
        wait_week(page, 0)

        # play: the counter and the curves advance
        curves_before = image_source(page, ".netsim-curves")
        page.click(".netsim-play")
        wait_week_at_least(page, 6)
        page.wait_for_function(
            "(before) => document.querySelector('.netsim-curves').src !== before",
            arg=curves_before,
        )
        page.click(".netsim-pause")
        page.wait_for_selector(".netsim-play:not([disabled])")
        page.screenshot(path=ARTIFACTS / "app-playing.png")

        # move a knob: the model is rebuilt from week 0 with the new value
        knob = ".netsim-control-facilitation_capacity"
        before = float(re.search(r": ([\d.]+) ", page.inner_text(knob)).group(1))
        thumb = page.locator(f"{knob} [role=slider]")
        thumb.focus()
        thumb.press("ArrowRight")
        page.wait_for_selector(f"{knob}:has-text('capacity: {before + 0.01:g} ')")
        wait_week(page, 0)

        # a shock while playing is applied and marked
        page.click(".netsim-play")
        wait_week_at_least(page, 2)
        page.click(".netsim-act-leader_leaves")
        page.wait_for_selector(".netsim-interventions:has-text('leader leaves')")
        page.wait_for_function(
            "() => /week \\d+: leader leaves/.test("
            "document.querySelector('.netsim-interventions').textContent)"
        )
        page.screenshot(path=ARTIFACTS / "app-shock.png")

        # a broken scenario file: the same one-line message, no traceback
        drop_file(page, ".netsim-upload .solara-file-drop", broken)
        error = page.wait_for_selector(".netsim-error")
        assert str(expected.value) in error.inner_text()
        assert "\n" not in str(expected.value)
        assert "Traceback" not in page.inner_text("body")
        page.screenshot(path=ARTIFACTS / "app-upload-error.png")

        # rapid clicking (still playing): reset during play, many shocks at once, play/pause
        page.wait_for_selector(".netsim-pause:not([disabled])")
        burst = [".netsim-reset", ".netsim-play", ".netsim-reset", ".netsim-play"]
        burst += [
            f".netsim-act-{action}"
            for action in ("funding_cut", "priority_added", "champions_recruited", "event")
        ]
        burst += [".netsim-act-leader_leaves", ".netsim-play", ".netsim-pause", ".netsim-play"]
        for css in burst:  # as fast as the browser sends them, enabled or not
            page.click(css, force=True, no_wait_after=True)
        # the server handles clicks in order: after one more reset, play must work again
        page.click(".netsim-reset")
        wait_week(page, 0)
        page.click(".netsim-play")
        wait_week_at_least(page, 3)
        page.click(".netsim-pause")
        assert "Traceback" not in page.inner_text("body")
        page.screenshot(path=ARTIFACTS / "app-after-rapid-clicks.png")

        # replay a saved run: rebuilt from its parameters and seed, it matches step by step
        page.fill(".netsim-replay-folder input", str(saved))
        page.press(".netsim-replay-folder input", "Enter")
        page.click(".netsim-replay:not([disabled])")
        page.wait_for_selector(".netsim-source:has-text('replay: short-run')")
        page.click(".netsim-play")
        wait_week(page, 12, timeout=20_000)
        note = page.inner_text(".netsim-replay-note")
        assert "matches the saved run so far (week 12)" in note
        page.screenshot(path=ARTIFACTS / "app-replay.png")


def test_the_page_reveals_no_server_file(server: tuple[str, Path, Path], tmp_path: Path) -> None:
    """An upload naming a server file is refused in one line that is the same whether the file
    exists or not and quotes none of it; a replay folder outside the results root is refused."""
    from netsim.app.session import OUTSIDE_ROOT, SERVER_FILE_REFUSAL

    url, saved, server_log = server
    secret = tmp_path / "secrets.csv"
    secret.write_text("source,target\nTOP-SECRET-LINE,b\n")
    uploads = []
    for target in (secret, tmp_path / "no-such-file.csv"):
        upload = tmp_path / f"names-{target.stem}.toml"
        upload.write_text(f'name = "mine"\n[network]\nnetwork_file = "{target}"\n')
        uploads.append(upload)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (saved.parent / "link-out").symlink_to(outside)

    with open_page(url, server_log, "app-refusals-failure.png") as page:
        shown = []
        for upload in uploads:
            drop_file(page, ".netsim-upload .solara-file-drop", upload)
            page.wait_for_selector(f".netsim-error:has-text('{upload.name}')")
            shown.append(page.inner_text(".netsim-error").replace(upload.name, "UPLOAD"))
        assert shown[0] == shown[1], shown
        assert SERVER_FILE_REFUSAL in shown[0]
        body = page.inner_text("body")
        assert "TOP-SECRET-LINE" not in body and str(tmp_path) not in body
        assert page.inner_text(".netsim-source") == "default"  # nothing was loaded

        for folder in (str(outside), str(saved.parent / "link-out"), "/etc"):
            page.fill(".netsim-replay-folder input", folder)
            page.press(".netsim-replay-folder input", "Enter")
            page.wait_for_selector(f"text={OUTSIDE_ROOT}")
            assert page.locator(".netsim-replay:not([disabled])").count() == 0
        page.screenshot(path=ARTIFACTS / "app-refusals.png")


FIGURES = (".netsim-network", ".netsim-wheel", ".netsim-curves")


def boxes(page) -> dict[str, dict[str, float]]:
    return {css: page.locator(css).bounding_box() for css in FIGURES}


FITS = """(selectors) => selectors.every(css => {
    const img = document.querySelector(css);
    if (!img) return false;
    if (img.tagName === "CANVAS" ? !(img.dataset.drawn > 0) : !img.complete || !img.naturalWidth)
        return false;  // the network is a canvas the browser draws, the others are PNGs
    const r = img.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
        && r.right <= window.innerWidth && r.bottom <= window.innerHeight;
})"""
"""True once every figure is drawn and wholly inside the viewport (the layout has settled:
the sidebar's drawer and the app bar go away with an animation)."""


PAINTED = """(css) => {
    const canvas = document.querySelector(css);
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        painted += 1;
        if (data[i + 3] < 200) continue;
        colours.add(`${data[i] >> 5},${data[i + 1] >> 5},${data[i + 2] >> 5}`);
    }
    return {painted, colours: colours.size};
}"""
"""How many pixels of a canvas are painted, and how many distinct strong colours (coarse)."""


def wait_until_figures_fit(page) -> None:
    try:
        page.wait_for_function(FITS, arg=list(FIGURES), timeout=10_000)
    except Exception:
        pytest.fail(f"the figures do not fit the viewport {page.viewport_size}: {boxes(page)}")


def inside(box: dict[str, float], width: int, height: int) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= width
        and box["y"] + box["height"] <= height
        and box["width"] > 0
        and box["height"] > 0
    )


def test_the_room_layout_fits_a_projector(server: tuple[str, Path, Path]) -> None:
    """At 1280x720 (most projectors) the network, the 5C wheel and the curves are all on
    the screen without scrolling, under the opening story's line; the switch turns the
    room layout on from the standard page, and ?layout=room opens with it."""
    url, _saved, server_log = server
    with open_page(url, server_log, "app-room-failure.png", size=(1280, 720)) as page:
        assert page.inner_text(".netsim-story-line").startswith("A facilitated learning")
        assert page.locator(".netsim-upload").count() == 1  # the standard page's sidebar
        page.click(".netsim-room-switch input", force=True)
        page.wait_for_selector(".netsim-room-grid")
        page.wait_for_selector(".netsim-upload", state="detached")  # no sidebar in a room
        wait_until_figures_fit(page)
        for css, box in boxes(page).items():
            assert inside(box, 1280, 720), (css, box)
        assert page.evaluate("document.scrollingElement.scrollHeight") <= 720
        page.click(".netsim-step")
        wait_week(page, 1)
        # the network is drawn in the browser: its canvas holds people and ties, in colour
        drawn = page.evaluate(PAINTED, ".netsim-network")
        assert drawn["painted"] > 2_000 and drawn["colours"] >= 3, drawn
        page.screenshot(path=ARTIFACTS / "app-room-1280x720.png")

    with open_page(url + "?layout=room", server_log, "app-room-wide.png", (1920, 1080)) as page:
        page.wait_for_selector(".netsim-room-grid")
        wait_until_figures_fit(page)
        found = boxes(page)
        for css, box in found.items():
            assert inside(box, 1920, 1080), (css, box)
        # the figures use the width: the curves reach the right edge, the network is tall
        curves, network = found[".netsim-curves"], found[".netsim-network"]
        assert curves["x"] + curves["width"] > 0.95 * 1920
        assert network["height"] > 0.75 * 1080
