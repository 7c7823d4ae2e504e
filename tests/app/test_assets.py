"""The page's front-end files: which the page needs, that the install brought them, the warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from solara.server import settings
from typer.testing import CliRunner

from netsim.app import assets
from netsim.cli import app

TEMPLATE = """
<script src="{{cdn}}/requirejs@2.3.6/require.js"></script>
{% if vue3 == True %}
  <link href="{{cdn}}/@widgetti/solara-vuetify3-app@5.2.0/dist/main.css">
{% else %}
  <link href="{{ cdn }}/@widgetti/solara-vuetify-app@10.1.1/dist/main.css">
{% endif %}
"""


@pytest.mark.parametrize(
    ("vue3", "app_package"),
    [(False, "@widgetti/solara-vuetify-app@10.1.1"), (True, "@widgetti/solara-vuetify3-app@5.2.0")],
)
def test_the_page_needs_requirejs_and_the_vuetify_app_of_its_vue_major(
    vue3: bool, app_package: str
) -> None:
    assert assets.packages_the_page_needs(TEMPLATE, vue3) == sorted(
        ["requirejs@2.3.6", app_package]
    )


def test_the_install_brought_every_file_the_page_needs() -> None:
    """netsim's own install (solara-assets, ipyvue < 2) leaves nothing for a CDN."""
    missing, folder = assets.missing_front_end()
    assert missing == [], f"missing in {folder}: {missing}"
    assert assets.front_end_warning() is None


def test_a_missing_package_is_named_with_its_folder_and_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings.assets, "proxy_cache_dir", tmp_path)
    missing, folder = assets.missing_front_end()
    assert folder == tmp_path and "requirejs@2.3.6" in missing
    warning = assets.front_end_warning()
    assert warning is not None and "\n" not in warning
    assert "requirejs@2.3.6" in warning and str(tmp_path) in warning
    assert assets.ASSETS_FIX in warning


def test_netsim_app_warns_in_one_line_when_files_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings.assets, "proxy_cache_dir", tmp_path)
    started: list[object] = []
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self: started.append(self))
    result = CliRunner().invoke(app, ["app", "--port", "8799"])
    assert result.exit_code == 0, result.output
    assert started, "the server was not started"
    warnings = [line for line in result.output.splitlines() if "front-end files" in line]
    assert len(warnings) == 1 and warnings[0].startswith("netsim: warning: ")
