"""Put the Solara page's front-end files into Solara's asset cache, so the page loads offline.

A Solara server hands the browser its front end (the Vue/Vuetify app, RequireJS,
Font Awesome) from ``/_solara/cdn/<npm package>@<version>/...``, fetching each
file from a public CDN on first use and caching it. Where the server cannot
reach that CDN (CI, a training room without internet), the page stays blank.
This script reads which packages the installed Solara asks for (from its page
template and settings), downloads each with ``npm pack`` from the npm registry
and unpacks it into the cache, once. Run it with the project's Python::

    .venv/bin/python tests/browser/solara_assets.py

Exit status 0 when every package is in place (or was already), 1 otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REFERENCE = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@\d+\.\d+\.\d+)/")


def needed_packages() -> list[str]:
    """``name@version`` of every npm package the installed Solara's page loads."""
    import solara.server
    from solara.server import settings

    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    found = set(REFERENCE.findall(template.read_text(encoding="utf-8")))
    fontawesome = settings.assets.fontawesome_path.strip("/").split("/")[0]
    if "@" in fontawesome:
        found.add(fontawesome)
    return sorted(found)


def cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def install(reference: str, cache: Path) -> None:
    """npm pack ``reference`` and unpack its ``package/`` folder into ``cache/reference``."""
    target = cache / reference
    if (target / "package.json").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed (apt-get install -y npm)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", reference, "--silent", "--pack-destination", tmp],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=300,
        )
        (archive,) = Path(tmp).glob("*.tgz")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        staging = target.with_name(target.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(unpacked / "package"), staging)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)


def main() -> int:
    cache = cache_dir()
    failed = 0
    for reference in needed_packages():
        try:
            install(reference, cache)
            print(f"solara assets: {reference} ok")
        except (OSError, RuntimeError, subprocess.SubprocessError, ValueError) as err:
            failed += 1
            print(f"solara assets: {reference} failed: {err}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
