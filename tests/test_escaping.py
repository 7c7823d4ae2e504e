"""Text from a user's file is escaped for where it goes (issue 14): no escape sequence reaches
the terminal raw, rich markup and emoji codes stay literal, and the Markdown and HTML reports
show hostile names as text (netsim.text, used by the command line and the report renderers).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netsim.cli import app
from netsim.present.compare_report import (
    Bullets,
    Heading,
    Paragraph,
    Span,
    Table,
    render_html,
    render_markdown,
)
from netsim.text import figure_text, html_text, markdown_text, printable

HOSTILE = "$x\x1b[31mRED :x: [bold]b[/bold] <script>alert(1)</script> | *a* _b_ `c`\u202e"
"""A scenario name as YAML's double quotes let one be written (``\\e`` is ESC)."""
YAML_NAME = r'"$x\e[31mRED :x: [bold]b[/bold] <script>alert(1)</script> | *a* _b_ `c`\u202e"'


def make_runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def assert_terminal_safe(text: str) -> None:
    assert "\x1b" not in text and "\u202e" not in text, repr(text)
    assert "\u274c" not in text  # the emoji :x: would have become
    assert ":x:" in text and "[bold]" in text, text


def hostile_scenario(folder: Path, stem: str, extra: str = "") -> Path:
    path = folder / f"{stem}.yaml"
    path.write_text(
        f"name: {YAML_NAME}\nnetwork:\n  eligible_population: 60\n  organisations: 3\n"
        f"steps: 6\n{extra}"
    )
    return path


def test_the_helpers_escape_for_each_medium() -> None:
    assert printable("a\x1b[31mb\x07\x9b\u202ec\nd") == "a\\x1b[31mb\\x07\\x9b\\u202ec\\x0ad"
    assert printable("plain: naïve, 5 %") == "plain: naïve, 5 %"
    assert markdown_text("a|b *c* _d_ `e` <f> [g]\x1b\n h") == (
        "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\<f\\> \\[g\\]\\\\x1b h"
    )
    assert figure_text("$x\x1b") == "\\$x\\x1b"
    assert html_text('<script>"x"</script>\x1b') == (
        "&lt;script&gt;&quot;x&quot;&lt;/script&gt;\\x1b"
    )


def test_validate_prints_a_hostile_name_and_key_literally(tmp_path: Path) -> None:
    good = hostile_scenario(tmp_path, "good")
    bad = hostile_scenario(tmp_path, "bad", extra='"k\\e[31m:x:[bold]": 1\n')
    result = make_runner().invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 2
    assert_terminal_safe(result.stdout)
    assert "x\\x1b[31mRED :x: [bold]b[/bold]" in result.stdout
    assert_terminal_safe(result.stderr)
    assert "bad.yaml: k\\x1b[31m:x:[bold]: unknown key" in result.stderr


def test_run_prints_a_hostile_value_literally(tmp_path: Path) -> None:
    scenario = hostile_scenario(tmp_path, "mine")
    result = make_runner().invoke(
        app,
        [
            "run",
            str(scenario),
            "--set",
            "leadership_style=\x1b[2J:x:[bold]",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
    assert_terminal_safe(result.stderr)
    assert "'\\x1b[2J:x:[bold]' is not allowed" in result.stderr


def test_compare_table_and_reports_show_hostile_names_as_text(tmp_path: Path) -> None:
    first = hostile_scenario(tmp_path, "first")
    second = hostile_scenario(
        tmp_path, "second", extra="leadership:\n  facilitation_capacity: 0.9\n"
    )
    out = tmp_path / "cmp"
    result = make_runner().invoke(
        app,
        [
            "compare",
            str(first),
            str(second),
            "--replicates",
            "2",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert_terminal_safe(result.stdout)
    markdown = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    for written in (markdown, page):
        assert "\x1b" not in written and "\u202e" not in written
        assert "<script>" not in written
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\\<script\\>" in markdown and "\\| \\*a\\* \\_b\\_" in markdown


@pytest.mark.parametrize("render", ["markdown", "html"])
def test_every_report_block_escapes_user_text(render: str) -> None:
    blocks = [
        Heading(HOSTILE, 1),
        Paragraph((HOSTILE, Span(HOSTILE, "strong"), Span(HOSTILE, "code"))),
        Bullets(((HOSTILE,), (Span(HOSTILE, "em"),))),
        Table((HOSTILE, "value"), ((HOSTILE, "1"),), caption=HOSTILE),
    ]
    text = render_markdown(blocks) if render == "markdown" else render_html(blocks, {})
    assert "\x1b" not in text and "\u202e" not in text
    outside_code = re.sub(r"`[^`]*`", "", text)  # a code span shows <script> as text
    assert "<script>" not in outside_code
    if render == "markdown":  # no table cell is split by a name's "|"
        rows = [line for line in text.splitlines() if line.startswith("| ")]
        assert all(line.replace("\\|", "").count("|") == 3 for line in rows), rows
