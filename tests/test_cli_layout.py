"""Every table the command prints fits the terminal and never cuts a name (issue 16).

Each table-printing command runs at COLUMNS=60, 80 and 120: no line of its output may be
wider than that, and every name it lists (parameters, scenarios, outcomes, validation
cases, levers) must appear whole on one line, as a word of its own (not "eligible_popul…",
not split over two lines). The layout itself is :mod:`netsim.present.terminal`'s; its
own rules are held here too, over random text, with hypothesis.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from netsim.cli import app
from netsim.config.outcomes import HEADLINE_OUTCOMES, OUTCOME_LABELS, SUMMARY_FIELDS
from netsim.config.parameters import GROUPS, declarations
from netsim.config.scenarios import library_dir, load_scenario
from netsim.present.terminal import Column, Listing, cell_width, wrap

WIDTHS = (60, 80, 120)

TINY = """
name = "tiny"
seed = 3
replicates = 1
steps = 3
design = "grid"

[set]
eligible_population = 100

[vary]
founding_core = [5, 20]
"""


def make_runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    return CliRunner()


def printed(
    args: list[str], width: int, folder: Path, monkeypatch: pytest.MonkeyPatch, ok: Iterable[int]
) -> str:
    """stdout of ``netsim ARGS`` at a terminal ``width`` wide, run in ``folder`` (so that
    the results paths it prints are short); every line at most ``width`` cells."""
    monkeypatch.chdir(folder)
    result = make_runner().invoke(app, args, env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code in ok, (result.exit_code, result.stdout, result.stderr)
    for line in result.stdout.splitlines():
        assert cell_width(line) <= width, f"{cell_width(line)} > {width}: {line!r}"
    assert "…" not in result.stdout
    return result.stdout


def assert_whole(names: Iterable[str], text: str) -> None:
    """Each name is on one line, as a word of its own."""
    lines = text.splitlines()
    for name in names:
        word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
        assert any(word.search(line) for line in lines), f"{name!r} not whole in:\n{text}"


@pytest.mark.parametrize("width", WIDTHS)
def test_parameters(width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = printed(["parameters"], width, tmp_path, monkeypatch, ok=[0])
    assert_whole([name for name, *_ in declarations()], text)
    assert_whole(GROUPS, text)
    assert "source" in text  # as its help promises (not only with --markdown)
    assert "Bass 1969" in " ".join(text.split())  # a source, whatever the wrapping


@pytest.mark.parametrize("width", WIDTHS)
def test_scenarios(width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = printed(["scenarios"], width, tmp_path, monkeypatch, ok=[0])
    paths = sorted(library_dir().glob("*.toml"))
    assert_whole([p.stem for p in paths], text)
    assert_whole([load_scenario(p).name for p in paths], text)


@pytest.mark.parametrize("width", WIDTHS)
def test_run(width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["run", "--no-figure", "--steps", "5", "--set", "eligible_population=100"]
    text = printed([*args, "--out", "r"], width, tmp_path, monkeypatch, ok=[0])
    assert_whole([OUTCOME_LABELS[name] for name in SUMMARY_FIELDS], text)


@pytest.mark.parametrize("width", WIDTHS)
def test_compare(width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenarios = ["facilitated_learning_network", "figurehead_stays"]
    args = ["compare", *scenarios, "--replicates", "2", "--steps", "4", "--workers", "1"]
    text = printed([*args, "--out", "c"], width, tmp_path, monkeypatch, ok=[0])
    assert_whole([load_scenario(library_dir() / f"{s}.toml").name for s in scenarios], text)
    assert_whole([OUTCOME_LABELS[o] for o in HEADLINE_OUTCOMES], text)


@pytest.mark.parametrize("width", WIDTHS)
def test_validate_model(width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["validate-model", "--case", "watts-window", "--workers", "1", "--out", "v"]
    text = printed(args, width, tmp_path, monkeypatch, ok=[0, 1])
    assert_whole(["watts-window"], text)


@pytest.mark.parametrize("width", WIDTHS)
def test_audit(width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    levers = ["join_rate", "purpose_clarity"]
    args = ["audit", "--quick", "--bases", "default,usual_suspects", "--levers", ",".join(levers)]
    args += ["--steps", "2", "--seeds", "2", "--workers", "1", "--out", "a"]
    text = printed(args, width, tmp_path, monkeypatch, ok=[0, 1])
    assert_whole([*levers, "on default", "on usual_suspects"], text)


@pytest.mark.parametrize("width", WIDTHS)
def test_sweep(width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    args = ["sweep", "tiny.toml", "--serial", "--no-analyse", "--out", "s"]
    text = printed(args, width, tmp_path, monkeypatch, ok=[0])
    assert "2 runs done (0 failed)" in " ".join(text.split())


# --- the layout's own rules ----------------------------------------------------------------

WORDS = st.text(alphabet="abcdefghij_-/.%漢", min_size=1, max_size=14)
CELLS = st.lists(WORDS, min_size=0, max_size=8).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(WORDS, CELLS, CELLS), min_size=1, max_size=6),
    width=st.integers(min_value=40, max_value=160),
)
def test_a_listing_fits_and_keeps_every_word(rows: list[tuple[str, str, str]], width: int) -> None:
    listing = Listing("a title", [Column("name", whole=True), "first", Column("n", right=True)])
    for row in rows:
        listing.add_row(*row)
    lines = listing.lines(width)
    assert all(cell_width(line) <= width for line in lines), lines
    text = "\n".join(lines)
    for name, first, second in rows:
        assert any(name in line.split() or line.strip() == name for line in lines), name
        for word in [*first.split(), *second.split()]:
            assert word in text.split(), word


@given(
    text=st.lists(st.text(alphabet="abc_-/", min_size=1, max_size=10)).map(" ".join),
    width=st.integers(min_value=14, max_value=80),
)
def test_wrap_breaks_only_between_words(text: str, width: int) -> None:
    lines = wrap(text, width, first="> ", rest="  ")
    assert " ".join(" ".join(lines).replace(">", " ", 1).split()) == " ".join(text.split())
    assert all(cell_width(line) <= width for line in lines)


def test_a_narrow_listing_becomes_one_block_per_record() -> None:
    listing = Listing("t", [Column("name", whole=True), "meaning", "source"])
    listing.add_row("eligible_population", "People eligible to join. " * 6, "[THF] " * 10)
    listing.add_row("founding_core", "Members at step 0.", "")
    assert listing.lines(60) == [
        "t",
        "eligible_population",
        "  meaning: People eligible to join. People eligible to join.",
        "    People eligible to join. People eligible to join. People",
        "    eligible to join. People eligible to join.",
        "  source: [THF] [THF] [THF] [THF] [THF] [THF] [THF] [THF]",
        "    [THF] [THF]",
        "",
        "founding_core",
        "  meaning: Members at step 0.",
    ]
    wide = listing.lines(200)
    assert wide[1].split() == ["name", "meaning", "source"]
    assert wide[3].startswith("eligible_population  People eligible")


COMMANDS = (
    "run",
    "validate",
    "scenarios",
    "parameters",
    "compare",
    "analyse",
    "sweep",
    "app",
    "validate-model",
    "audit",
    "calibrate",
    "optimise",
)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", COMMANDS)
def test_help_wraps_with_the_terminal_and_keeps_words_whole(
    command: str, width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Help fits the terminal, uses its width, shows full defaults, and never breaks a
    hyphenated word (--max-steps) or labels a flag <bool>."""
    text = printed([command, "--help"], width, tmp_path, monkeypatch, ok=(0,))
    lines = text.splitlines()
    assert "<bool>" not in text
    assert "…" not in text  # no default or help cut off
    assert not [line for line in lines if re.search(r"[A-Za-z]-$", line)]  # no word split
    if width > 80 and command in ("run", "sweep", "analyse"):  # the width is used, not 80
        assert max(cell_width(line) for line in lines) > 80


def test_every_command_has_a_help_test() -> None:
    names = [
        c.name or c.callback.__name__.replace("_", "-")  # type: ignore[union-attr]
        for c in app.registered_commands
    ]
    assert sorted(COMMANDS) == sorted(names)
