"""Are the page's front-end files on this machine? The check ``netsim app`` makes at start-up.

A Solara server hands the browser its front end (the Vue/Vuetify app, RequireJS,
Font Awesome) from ``/_solara/cdn/<npm package>@<version>/...``. It looks for each
package in its asset folder (``<python prefix>/share/solara/cdn``) and, when one is
not there, fetches it from a public CDN. Without internet (a training room, a
locked-down laptop) a missing package leaves the page blank, with nothing said.

netsim's install fills that folder: it depends on the ``solara-assets`` wheel, which
unpacks the packages into it, and pins ipyvue and ipyvuetify below 2 so that Solara
serves the Vue 2 page whose packages that wheel holds (its Vue 3 app is an older
release than the one Solara's Vue 3 page asks for). This module only reads which
packages the installed Solara's page asks for (from its page template) and checks
that each is in the folder; it fetches nothing. There is no library call for this
check, so it is written here.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import solara.server
from solara.server import settings

ASSETS_FIX = "pip install --force-reinstall 'solara-assets==1.58.2' 'ipyvue<2' 'ipyvuetify<2'"
"""The command that puts the front-end files back (netsim's own pins, pyproject.toml)."""

_REFERENCE = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@\d+\.\d+\.\d+)/")
_VUE_APPS = {True: "@widgetti/solara-vuetify3-app@", False: "@widgetti/solara-vuetify-app@"}


def packages_the_page_needs(template: str, vue3: bool) -> list[str]:
    """``name@version`` of every npm package ``template`` loads, for the Vue major in use.

    The template names both Vuetify apps (one per Vue major, chosen by ``vue3``);
    only the one for the installed ipyvue counts.
    """
    other = _VUE_APPS[not vue3]
    return sorted({ref for ref in _REFERENCE.findall(template) if not ref.startswith(other)})


def missing_front_end() -> tuple[list[str], Path]:
    """The page's packages that are not in Solara's asset folder, and that folder."""
    template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
    needed = packages_the_page_needs(
        template.read_text(encoding="utf-8"), vue3=version("ipyvue").startswith("3")
    )
    fontawesome = settings.assets.fontawesome_path.strip("/").split("/")[0]
    if settings.assets.fontawesome_enabled and "@" in fontawesome:
        needed = sorted({*needed, fontawesome})
    folder = Path(settings.assets.proxy_cache_dir)
    return [name for name in needed if not (folder / name / "package.json").is_file()], folder


def front_end_warning() -> str | None:
    """One line saying what is missing and how to fix it, or None when the page is complete."""
    missing, folder = missing_front_end()
    if not missing:
        return None
    return (
        f"the page's front-end files {', '.join(missing)} are not in {folder}: without "
        f"internet the page stays blank; to fix: {ASSETS_FIX}"
    )
