"""The ``netsim`` command: a thin layer over :mod:`netsim.api` and :mod:`netsim.results.files`.

Every bad input ends in one line on stderr naming what is wrong and what is
allowed, and exit status 2; never a traceback. A bad input is a
:class:`~netsim.errors.NetsimError`, wherever in a command it is raised: the command
group (:class:`NetsimGroup`) turns it into that line. Any other exception is a bug:
one line on stderr saying so, the traceback saved to a log file, exit status 70.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from netsim.config.outcomes import BY_NAME, RUN_LABELS, UNTIL_SETTLED_CAP
from netsim.config.parameters import (
    FIELD_NAMES,
    GROUPS,
    TIMELINE_ACTIONS,
    ParameterError,
    Parameters,
    TimelineEvent,
    declarations,
    unknown_field_message,
)
from netsim.errors import NetsimError, excerpt
from netsim.numbers import bracketed, estimate, percent, precise, significant
from netsim.present.terminal import Column, Listing, outcome_text, wrap
from netsim.text import printable

if TYPE_CHECKING:  # for annotations only: --help loads neither rich.progress nor batch
    from rich.progress import Progress

    from netsim.batch.sweep import SweepReport

EXIT_BAD_INPUT = 2
EXIT_BUG = 70
"""An internal error (a bug in netsim): EX_SOFTWARE of BSD's sysexits.h, so a script or
batch system can tell a bug from bad input (2) and from a failed check (1)."""

CLICK_EXCEPTION: type[Exception] = next(
    k for k in typer.BadParameter.__mro__ if k.__name__ == "ClickException"
)
"""Click's base of usage errors, found through typer (which vendors its own Click lately)."""
USAGE_ERROR: type[Exception] = next(
    k for k in typer.BadParameter.__mro__ if k.__name__ == "UsageError"
)
"""Click's error for a command line it cannot parse (an unknown option, a bad value)."""
PASS_THROUGH = (typer.Exit, typer.Abort, CLICK_EXCEPTION)
"""Exceptions that are not bugs: fail()'s exit, --help's, Ctrl-C's, usage errors."""

invocation: dict[str, Any] = {}
"""This invocation's command line ("args") and results folder ("folder"), for a bug's log.
The command line runs one command per process (CliRunner: one at a time)."""

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)
"""No emoji codes, ever: a ``:x:`` in a scenario's name stays ``:x:``. Text that came from a
user's file is printed without markup (:func:`say`, :func:`echo`, :func:`show`), and always
through :func:`netsim.text.printable`, so no escape sequence reaches the terminal raw
(issue 14)."""


class UserInputError(NetsimError):
    """A mistake in a command-line option itself: reported in one line, exit status 2."""


def say(message: str) -> None:
    """One line to stderr as written (no markup, no highlighting, wrapped by the terminal),
    control characters shown as escapes."""
    err_console.print(printable(message), markup=False, highlight=False, soft_wrap=True)


def echo(message: str) -> None:
    """One line to stdout, control characters shown as escapes (names and paths a user gave
    may hold them)."""
    typer.echo(printable(message))


def width() -> int:
    """The terminal's width in cells: ``COLUMNS`` if set, else the terminal's, else 80 (as
    read when printing: a resized terminal or a test's ``COLUMNS`` counts)."""
    return max(shutil.get_terminal_size((80, 24)).columns, 20)


def show(listing: Listing) -> None:
    """A table on stdout, laid out for the terminal's width (:mod:`netsim.present.terminal`:
    wrapped on words, or one block per record when narrow; no cell is ever cut)."""
    for line in listing.lines(width()):
        echo(line)


def paragraph(text: str, first: str = "", rest: str = "    ") -> None:
    """Prose on stdout wrapped on words to the terminal's width (a path or a name wider than
    the terminal is the only thing ever cut)."""
    for line in wrap(printable(text), width(), first=first, rest=rest):
        echo(line)


def fail(message: str) -> typer.Exit:
    say(f"netsim: error: {message}")
    return typer.Exit(EXIT_BAD_INPUT)


MemoryLimitOption = Annotated[
    str | None,
    typer.Option(
        help="Memory runs may take (e.g. 30GB, 512MB, 1.5GiB), shared by the workers running "
        "at once; a run estimated above it is refused before it starts (default: "
        "NETSIM_MEMORY_LIMIT, else half of this machine's memory).",
        metavar="SIZE",
        show_default=False,
    ),
]


WorkersOption = Annotated[
    int | None, typer.Option(help="Local worker processes (default: all cores).")
]
SerialOption = Annotated[
    bool, typer.Option("--serial", help="Run in this process, one run at a time (debugging).")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="Submit to an existing Dask cluster, e.g. tcp://host:8786 (workers need netsim).",
        metavar="ADDRESS",
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", help="Print only the results folder.")]
"""The options every command that runs many runs shares (sweep, calibrate, optimise)."""


def set_memory_limit(limit: str | None) -> None:
    """Make ``--memory-limit`` the limit of this process and of the local workers it starts
    (through NETSIM_MEMORY_LIMIT, which they inherit); checked here, one line if not a size."""
    from netsim import api

    if limit is not None:
        api.parse_size(limit)
        os.environ[api.MEMORY_LIMIT_ENV] = limit


def hide_progress(quiet: bool = False) -> bool:
    """No progress bar with --quiet or off a terminal (where rich's transient bar shows
    nothing but leaves a blank line on stderr, before the one line an error prints)."""
    return quiet or not err_console.is_terminal


def progress_bar(*columns: Any, quiet: bool = False) -> Progress:
    """A transient progress bar on stderr with these columns (rich's default without any),
    hidden with --quiet or off a terminal (:func:`hide_progress`)."""
    from rich.progress import Progress

    return Progress(*columns, console=err_console, transient=True, disable=hide_progress(quiet))


def note_results_folder(folder: Path) -> None:
    """Tell the bug handler this command's results folder: a bug's log goes there once it exists."""
    invocation["folder"] = Path(folder)


def bug_log(err: BaseException, folder: Path | None, args: list[str] | None) -> Path:
    """Write the traceback of ``err`` to a new log file; returns its path.

    In ``folder`` (the command's results folder) if it exists and takes the file, else in
    the temp folder. The log starts with what a bug report needs: version, command, Python.
    """
    import platform  # only for a bug: `netsim --help` stays fast
    import tempfile
    import traceback
    from datetime import UTC, datetime

    from netsim.version import __version__

    command = " ".join(["netsim", *(args if args is not None else sys.argv[1:])])
    text = (
        f"netsim {__version__}: internal error (a bug); please report it with this file\n"
        f"command: {command}\n"
        f"time: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
        f"python: {platform.python_version()} on {platform.platform()}\n\n"
        + "".join(traceback.format_exception(err))
    )
    places = [folder] if folder is not None and folder.is_dir() else []
    for place in [*places, None]:
        try:
            handle, name = tempfile.mkstemp(prefix="netsim-bug-", suffix=".log", dir=place)
        except OSError:
            continue
        with os.fdopen(handle, "w", encoding="utf-8") as log:
            log.write(text)
        return Path(name)
    raise OSError("no folder takes the bug log")  # pragma: no cover - not even the temp folder


def internal_error(err: BaseException, note: str = "") -> typer.Exit:
    """Report a bug in one line on stderr, with the traceback saved to a log; exit status 70."""
    kind = type(err).__qualname__
    if type(err).__module__ not in ("builtins", "__main__"):
        kind = f"{type(err).__module__}.{kind}"
    message = " ".join(str(err).split())
    what = f"{kind}: {message}" if message else kind
    try:
        log = bug_log(err, invocation.get("folder"), invocation.get("args"))
        saved = f"traceback saved to {log}"
    except OSError as log_err:
        saved = f"the traceback could not be saved ({log_err})"
    say(f"netsim: internal error (a bug, please report it): {what}; {saved}{note}")
    return typer.Exit(EXIT_BUG)


NON_BREAKING_HYPHEN = "\u2011"


HelpFormatter: type[Any] = typer.Context.formatter_class
"""The help formatter of typer's own Context (typer bundles its click)."""


class WholeWordFormatter(HelpFormatter):
    """Click's help layout, wrapped at the terminal's width (not capped at 80 columns) and
    never inside a hyphenated word: ``--max-steps`` and ``until-settled`` stay whole.

    Hyphens are swapped for a non-breaking one while the text is laid out (the wrapper
    breaks only at ASCII hyphens and spaces) and swapped back when the help is printed.
    """

    def __init__(self, indent_increment: int = 2, width: int | None = None, **_: Any) -> None:
        columns = width or shutil.get_terminal_size().columns
        super().__init__(indent_increment, width=columns, max_width=max(columns, 50))

    def write_text(self, text: str) -> None:
        super().write_text(text.replace("-", NON_BREAKING_HYPHEN))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        kept = [
            (a.replace("-", NON_BREAKING_HYPHEN), b.replace("-", NON_BREAKING_HYPHEN))
            for a, b in rows
        ]
        super().write_dl(kept, col_max, col_spacing)

    def getvalue(self) -> str:
        return super().getvalue().replace(NON_BREAKING_HYPHEN, "-")


class HelpContext(typer.Context):
    """A command's context whose help is laid out by :class:`WholeWordFormatter`."""

    formatter_class = WholeWordFormatter


class NetsimGroup(TyperGroup):
    """The command group: a NetsimError from any command is one error line and exit status 2;
    any other exception is reported as a bug (:func:`internal_error`). Every command's help
    wraps with the terminal (:class:`HelpContext`)."""

    context_class = HelpContext

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            command.context_class = HelpContext
        return command

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        invocation.clear()  # a new command line
        invocation["args"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except NetsimError as err:
            raise fail(str(err)) from None
        except USAGE_ERROR as err:  # one line like every other error, not a boxed panel
            raise fail(usage_line(err, ctx)) from None
        except PASS_THROUGH:
            raise  # typer/click print (usage errors) and exit themselves
        except BrokenPipeError:
            raise  # `netsim ... | head`: typer's main exits quietly
        except Exception as err:
            raise internal_error(err) from None


def usage_line(err: Exception, ctx: Any) -> str:
    """Click's message for a command line it cannot parse, on one line, with where to look."""
    message = " ".join(str(getattr(err, "format_message", err.__str__)()).split())
    failed = getattr(err, "ctx", None) or ctx
    path = getattr(failed, "command_path", "netsim")
    return f"{message} (options: {path} --help)"


app = typer.Typer(
    name="netsim",
    cls=NetsimGroup,
    help="Simulate how improvement networks grow and how ideas spread through them.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_value(text: str) -> Any:
    """A --set value: true/false, an integer, a number, or text as given.

    Numbers are read as TOML would write them, plus 'nan' and 'inf' (refused by the
    parameter's own check): Python's int() also takes '1_0' as 10 and ' 1 ' as 1, which
    a planner who typed them did not mean, so those stay text and the parameter's check
    names what is allowed.
    """
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if _INTEGER.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text) or text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return float(text)
    return text


def parse_assignments(assignments: list[str]) -> dict[str, Any]:
    """NAME=VALUE pairs from --set, checked against the parameter names.

    Text parameters (choices, file paths) keep the value exactly as typed.
    """
    text_fields = {name for name, kind, _d, _s in declarations() if kind in ("str", str)}
    values: dict[str, Any] = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UserInputError(
                f"--set {excerpt(item)}: expected NAME=VALUE, e.g. --set priorities=3"
            )
        if name == "timeline":
            raise UserInputError("--set timeline: use --event STEP:ACTION[:AMOUNT] instead")
        if name not in FIELD_NAMES:
            raise UserInputError(f"--set {name}: {unknown_field_message(name)}")
        values[name] = raw if name in text_fields else parse_value(raw)
    return values


def parse_event(text: str) -> TimelineEvent:
    """STEP:ACTION[:AMOUNT], e.g. 52:funding_cut:0 or 30:leader_leaves."""
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise UserInputError(
            f"--event {excerpt(text)}: expected STEP:ACTION[:AMOUNT], e.g. 52:funding_cut:0"
        )
    try:
        step = int(parts[0])
    except ValueError:
        raise UserInputError(
            f"--event {excerpt(text)}: step {excerpt(parts[0])} is not a whole number"
        ) from None
    amount = 1.0
    if len(parts) == 3:
        try:
            amount = float(parts[2])
        except ValueError:
            raise UserInputError(
                f"--event {excerpt(text)}: amount {excerpt(parts[2])} is not a number"
            ) from None
    try:
        return TimelineEvent(step=step, action=parts[1], amount=amount)  # type: ignore[arg-type]
    except ParameterError as err:
        raise UserInputError(f"--event {excerpt(text)}: {err}") from None


def parameters_epilog() -> str:
    """The --set help: every parameter, grouped, generated from the declarations."""
    lines = ["Parameters for --set NAME=VALUE (see `netsim parameters` for units and sources):"]
    for group in GROUPS:
        names = [
            f"{name} ({spec.describe_allowed()}; default {default!r})"
            for name, _type, default, spec in declarations()
            if spec.group == group and name != "timeline"
        ]
        if names:
            lines.append(f"{group}: " + "; ".join(names))
    return "\n\n".join(lines)


def load_scenario_arg(scenario: str | None) -> Any:
    """The scenario named on the command line, or the embedded default."""
    from netsim.config.scenarios import default_scenario, named_scenario

    if scenario is None:
        return default_scenario()
    return named_scenario(scenario)


@app.command(epilog=parameters_epilog())
def run(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="Scenario file (TOML/YAML) or library scenario name; default: built-in defaults."
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives identical results.")
    ] = 1,
    steps: Annotated[
        str | None,
        typer.Option(
            help="Weekly steps to simulate (default: the scenario's), or 'until-settled': the "
            "scenario's steps, then on week by week until the run's labels are settled "
            "(see --max-steps).",
            metavar="WEEKS|until-settled",
        ),
    ] = None,
    max_steps: Annotated[
        int | None,
        typer.Option(
            help="With --steps until-settled: stop by this step even if the labels have not "
            f"settled (default: {UNTIL_SETTLED_CAP} x the scenario's steps).",
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", help="Override a parameter: NAME=VALUE (repeatable).", metavar="NAME=VALUE"
        ),
    ] = None,
    event: Annotated[
        list[str] | None,
        typer.Option(
            help="Timeline entry STEP:ACTION[:AMOUNT] (repeatable); actions: "
            + ", ".join(TIMELINE_ACTIONS),
            metavar="STEP:ACTION[:AMOUNT]",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: results/run-<time>-seed<seed>).")
    ] = None,
    results_root: Annotated[
        Path, typer.Option(help="Where default results folders are created.")
    ] = Path("results"),
    figure: Annotated[bool, typer.Option(help="Draw curves.png.")] = True,
    export_network: Annotated[
        list[Path] | None,
        typer.Option(
            help="Also write the final network, with member attributes and adoption week, "
            "for Gephi or Cytoscape: FILE.graphml or FILE.gexf (repeatable).",
            metavar="FILE",
        ),
    ] = None,
    quiet: QuietOption = False,
    memory_limit: MemoryLimitOption = None,
) -> None:
    """Run one simulation (the embedded default scenario unless told otherwise) and write results.

    Writes steps.parquet, steps.csv, summary.json (with parameters, seed, version)
    and curves.png, and prints a short summary.
    """
    from netsim import api
    from netsim.present import plots
    from netsim.results import files as results
    from netsim.results import run_folder

    set_memory_limit(memory_limit)
    for target in export_network or []:  # a bad export name is refused before any work
        if target.suffix.lower() not in api.NETWORK_FORMATS:
            raise UserInputError(
                f"--export-network {printable(str(target))}: unknown network format; "
                f"allowed: {', '.join(api.NETWORK_FORMATS)}"
            )
    chosen = load_scenario_arg(scenario)
    overrides = parse_assignments(set_ or [])
    timeline = tuple(parse_event(e) for e in (event or []))
    if timeline:
        overrides["timeline"] = chosen.parameters.timeline + timeline
    base = chosen.parameters
    until_settled = steps == UNTIL_SETTLED
    weeks = None if steps is None or until_settled else parse_steps(steps)
    if max_steps is not None and not until_settled:
        raise UserInputError("--max-steps applies only with --steps until-settled")
    horizon = base.steps
    cap = None
    if until_settled:
        # the timeline may run to the cap: its events after the horizon still apply
        cap = UNTIL_SETTLED_CAP * horizon if max_steps is None else max_steps
        if cap < horizon:
            raise UserInputError(f"--max-steps {cap} is less than the scenario's steps ({horizon})")
        base = base.with_steps(max(cap, horizon))
    if weeks is not None:
        dropped = base.events_after(weeks)
        if dropped:
            listed = ", ".join(f"{e.step}:{e.action}" for e in dropped)
            say(f"netsim: note: --steps {weeks} ends before these timeline events: {listed}")
        base = base.with_steps(weeks)
    params = base.replace(**overrides)
    api.check_memory(params)  # a run too large for the machine is refused before any work
    api.load_member_network(params)  # a bad network file is reported before any work
    settle = {"until_settled": True, "steps": horizon, "max_steps": cap} if until_settled else {}

    started = time.perf_counter()
    if quiet:
        result = api.run(params, seed=seed, **settle)
    else:
        with progress_bar() as progress:
            task = progress.add_task("simulating", total=cap or params.steps)
            result = api.run(
                params,
                seed=seed,
                on_step=lambda done, total: progress.update(task, completed=done),
                **settle,
            )
    folder = out if out is not None else results.unique_folder(results_root, "run", f"-seed{seed}")
    note_results_folder(folder)
    images = {"curves.png": plots.run_curves_png(result.table, result.seed)} if figure else None
    try:
        run_folder.write_run(result, folder, images=images, scenario_text=chosen.text or None)
    except OSError as err:
        raise fail(f"cannot write results to {folder}: {err.strerror or err}") from None
    exported = [result.export_network(target) for target in export_network or []]
    elapsed = time.perf_counter() - started
    if quiet:
        echo(str(folder))
        return
    print_summary(
        result.summary,
        result.parameters,
        seed,
        elapsed,
        result.model.contact_sources,
        until=(horizon, cap) if cap is not None else None,
    )
    echo(f"results: {folder}")
    for target in exported:
        echo(f"network: {printable(str(target))}")


UNTIL_SETTLED = "until-settled"
"""The value of ``netsim run --steps`` that runs on until the labels are settled."""


def parse_steps(text: str) -> int:
    """--steps WEEKS: a whole number (its range is the steps parameter's to check)."""
    try:
        return int(text)
    except ValueError:
        raise UserInputError(
            f"--steps {excerpt(text)}: expected a whole number of weeks or {UNTIL_SETTLED!r}"
        ) from None


def print_summary(
    summary: dict[str, Any],
    params: Parameters,
    seed: int,
    elapsed: float,
    contacts: dict[str, int],
    until: tuple[int, int] | None = None,
) -> None:
    """The summary table, then each label's rule in words (from the outcome declarations)
    and whether the labels had settled. ``until``: (horizon, cap) of a run until settled."""
    table = Listing(
        f"netsim run: {params.steps} weeks, seed {seed}, {elapsed:.1f}s",
        [
            Column("outcome", whole=True),
            Column("value", whole=True, right=True),
            Column("what it is"),
        ],
    )
    for name, value in summary.items():
        known = BY_NAME.get(name)
        label = known.label if known else name.replace("_", " ")
        table.add_row(label, outcome_text(name, value), known.definition if known else "")
    show(table)
    lines = ["", "The labels' rules in full:"]
    lines += [
        f"  {BY_NAME[name].label}: {BY_NAME[name].meaning}."
        for name in (*RUN_LABELS, "settled")
        if name in summary
    ]
    settled = summary.get("settled")
    if until is not None:
        lines.append(
            f"Ran until settled (at least {until[0]} weeks, at most {until[1]}): "
            + (
                f"settled at week {params.steps}."
                if settled
                else f"not settled by week {params.steps}, the cap."
            )
        )
    elif settled is False:
        lines.append(
            f"The labels were not settled at week {params.steps}: "
            "`netsim run --steps until-settled` goes on until they are."
        )
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        paragraph(line, first=indent, rest=indent + "    ") if line else echo("")
    if params.network_file:
        echo(
            f"contacts: {contacts['from_file']} from {Path(params.network_file).name}, "
            f"{contacts['generated']} generated (acquaintances_beside_file = "
            f"{params.acquaintances_beside_file!r}; leaders' and champions' reach count as "
            "generated)"
        )


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files (and the network files they name); print one line per file;
    exit 2 if any is wrong."""
    from netsim import api
    from netsim.config.scenarios import ScenarioError, load_scenario

    bad = 0
    for path in files:
        try:
            chosen = load_scenario(path)
            api.load_member_network(chosen.parameters)  # what `netsim run` would refuse
        except NetsimError as err:
            bad += 1
            say(f"netsim: error: {err if isinstance(err, ScenarioError) else f'{path}: {err}'}")
            continue
        echo(f"ok: {path} ({chosen.name})")
    if bad:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def scenarios() -> None:
    """List the library of shipped scenarios with one-line descriptions."""
    from netsim.config.scenarios import ScenarioError, library_dir, load_scenario

    table = Listing(
        f"netsim scenarios ({printable(library_dir())})",
        [Column("name", whole=True), Column("title", whole=True), "description"],
    )
    for path in sorted(library_dir().glob("*.toml")):
        try:
            chosen = load_scenario(path)
        except ScenarioError as err:
            table.add_row(printable(path.stem), "(invalid)", printable(err))
            continue
        table.add_row(printable(path.stem), printable(chosen.name), printable(chosen.description))
    show(table)


@app.command()
def parameters(
    group: Annotated[str | None, typer.Option(help="Only this group.")] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print a Markdown table (for docs).")
    ] = False,
) -> None:
    """List every parameter: group, default, allowed values, unit, meaning and source."""
    if group is not None and group not in GROUPS:
        raise fail(f"--group {excerpt(group)} is not a group; allowed: {', '.join(GROUPS)}")
    rows = [
        (
            spec.group,
            name,
            repr(default),
            spec.describe_allowed(),
            spec.unit,
            spec.meaning,
            spec.source,
        )
        for name, _type, default, spec in declarations()
        if group is None or spec.group == group
    ]
    if markdown:
        print("| group | name | default | allowed | unit | meaning | source |")
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
        return
    table = Listing(
        "netsim parameters",
        [
            Column("name", whole=True),
            Column("group", whole=True),
            *("default", "allowed", "unit", "meaning", "source"),
        ],
    )
    for row in rows:
        table.add_row(row[1], row[0], *row[2:])
    show(table)


def main() -> None:
    """Console-script entry point.

    Errors are handled inside the command group (:class:`NetsimGroup`, so that tests
    invoking ``app`` see the same); this catches what escapes it, before a command runs.
    """
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("netsim: interrupted")
        sys.exit(130)
    except Exception as err:  # a bug outside any command (option parsing, start-up)
        raise SystemExit(internal_error(err).exit_code) from None


@app.command()
def compare(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Two or more scenario files (TOML/YAML) or library names; the first is the "
            "baseline.",
            show_default=False,
        ),
    ] = None,
    replicates: Annotated[
        int | None,
        typer.Option(help="Runs per scenario (default: the first scenario's 'replicates')."),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Base seed; replicate r of every scenario uses the same seed.")
    ] = 1,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: all cores).")
    ] = None,
    steps: Annotated[
        int | None, typer.Option(help="Weekly steps for every scenario (default: each its own).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: results/compare-<time>).")
    ] = None,
    quiet: QuietOption = False,
    memory_limit: MemoryLimitOption = None,
) -> None:
    """Compare scenarios on common random numbers: tables, figures and a report with intervals.

    Every scenario runs on the same seeds, so differences are paired. Writes runs.parquet/csv,
    steps.parquet, outcomes.csv, differences.csv, parameters_differ.csv, failed_runs.csv,
    curves.png, wheels.png, comparison.json, report.md and report.html.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from netsim.analysis.intervals import outcome_table
    from netsim.batch import compare as comparison
    from netsim.batch.engines import check_workers
    from netsim.config.outcomes import HEADLINE_OUTCOMES
    from netsim.present import compare_report
    from netsim.results.files import unique_folder

    if replicates is not None and replicates < 1:
        raise fail(f"--replicates must be at least 1; got {replicates}")
    check_workers(workers)
    set_memory_limit(memory_limit)
    plan = comparison.plan_comparison(scenarios or [], replicates, seed, steps)
    folder = out if out is not None else unique_folder(Path("results"), "compare")
    note_results_folder(folder)

    started = time.perf_counter()
    failed: list[str] = []
    with progress_bar(
        TextColumn("comparing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs · {task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        quiet=quiet,
    ) as bar:
        task = bar.add_task("compare", total=plan.total, rate="")

        def advance(done: int, total: int, outcome: Any) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, rate=f"{rate:.1f}/s")
            if not outcome.ok:
                labels = outcome.task.labels
                message = (
                    f"netsim: run failed: {labels['scenario']} replicate {labels['replicate']} "
                    f"(seed {outcome.task.seed}): {outcome.error}"
                )
                failed.append(message)
                say(message)

        data = comparison.run_comparison(plan, workers, advance)
    try:
        compare_report.write_comparison(data, folder)
    except OSError as err:
        raise fail(f"cannot write results to {folder}: {err.strerror or err}") from None
    elapsed = time.perf_counter() - started
    if quiet:
        echo(str(folder))
        return
    outcomes = outcome_table(data.runs, data.order)
    table = Listing(
        f"netsim compare: {plan.total} runs ({len(failed)} failed), {data.workers} "
        f"worker{'s' if data.workers != 1 else ''}, {elapsed:.1f}s",
        [
            Column("outcome", whole=True),
            *(
                Column(printable(plan.scenarios[slug].name), whole=True, right=True)
                for slug in data.order
            ),
        ],
    )
    for outcome in HEADLINE_OUTCOMES:
        rows = outcomes[outcomes["outcome"] == outcome].set_index("scenario")
        if rows.empty:
            continue
        flag = BY_NAME[outcome].kind == "flag"
        cells = []
        for slug in data.order:
            mean = rows.loc[slug, "mean"] if slug in rows.index else float("nan")
            cells.append(f"{percent(mean)} of runs" if flag else f"mean {percent(mean)}")
        table.add_row(BY_NAME[outcome].label, *cells)
    table.add_note(
        "x% of runs: the share of a scenario's runs for which it is true; mean: the average "
        "over its runs (report.html gives each with its 95% interval, and the differences)."
    )
    for outcome in HEADLINE_OUTCOMES:
        table.add_note(f"{BY_NAME[outcome].label}: {BY_NAME[outcome].definition}.")
    show(table)
    echo(f"report: {folder / 'report.html'}")
    echo(f"results: {folder}")


@app.command()
def analyse(
    results_dir: Annotated[
        Path, typer.Argument(help="A `netsim sweep` results folder (with manifest.json and runs/).")
    ],
    outcome: Annotated[
        str | None,
        typer.Option(
            help="Yes/no outcome for the tipping point: critical_mass_reached, fizzled_out or "
            "spread (default: the experiment's [analysis] outcome, else critical_mass_reached)."
        ),
    ] = None,
    parameter: Annotated[
        str | None,
        typer.Option(
            help="Varied parameter for curves and the tipping point (default: the experiment's "
            "[analysis] parameter, else the numeric one along which the outcome changes most)."
        ),
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for the tipping point's interval.")
    ] = 1000,
    figures: Annotated[
        Path | None,
        typer.Option(
            help="Also copy the figures the experiment's [analysis] lists into this folder as "
            "<experiment>_<figure>.png (e.g. results/figures/findings).",
            metavar="DIR",
        ),
    ] = None,
    discover: Annotated[
        str | None,
        typer.Option(
            help="Instead, find the boxes of parameter space where this yes/no outcome "
            "(fizzled_out, critical_mass_reached or spread) is likely (PRIM scenario "
            "discovery), written to RESULTS_DIR/discovery/OUTCOME.",
            metavar="OUTCOME",
        ),
    ] = None,
) -> None:
    """Analyse a sweep: run labels, outcome curves, tipping point, bimodality, phase diagrams
    and sensitivity indices, written to RESULTS_DIR/analysis with report.md and report.html.
    """
    from netsim.present.sweep_report import analyse_folder
    from netsim.results.sweep_folder import SweepFolder

    if discover is not None:
        discover_boxes(results_dir, discover, outcome, parameter, figures)
        return
    if bootstrap < 1:
        raise fail(f"--bootstrap must be at least 1; got {bootstrap}")
    note_results_folder(results_dir / "analysis")
    try:
        folder = analyse_folder(
            results_dir,
            outcome,
            parameter,
            bootstrap=bootstrap,
            figures=figures,
            progress=analysis_stages(),
        )
    except OSError as err:
        raise fail(
            f"cannot write the analysis to {results_dir / 'analysis'}: {err.strerror or err}"
        ) from None
    for gap in SweepFolder(results_dir).step_gaps():
        say(f"netsim: warning: {gap}; `netsim sweep --resume` runs them again")
    echo(f"report: {folder / 'report.html'}")
    echo(f"analysis: {folder}")


def discover_boxes(
    results_dir: Path, outcome: str, other: str | None, parameter: str | None, figures: Path | None
) -> None:
    """``netsim analyse --discover``: scenario discovery instead of the standard analysis."""
    from netsim.config.outcomes import BOOLEAN_OUTCOMES
    from netsim.present.discovery_report import discover_folder

    if outcome not in BOOLEAN_OUTCOMES:
        raise fail(
            f"--discover {outcome!r}: not a yes/no outcome; allowed: {', '.join(BOOLEAN_OUTCOMES)}"
        )
    given = [name for name, v in (("--outcome", other), ("--parameter", parameter)) if v]
    given += ["--figures"] if figures is not None else []
    if given:
        raise fail(f"--discover searches every varied parameter: drop {', '.join(given)}")
    note_results_folder(results_dir / "discovery")
    say(f"netsim: scenario discovery of {outcome} in {results_dir} (PRIM) ...")
    try:
        folder = discover_folder(results_dir, outcome)
    except OSError as err:
        raise fail(
            f"cannot write the discovery to {results_dir / 'discovery'}: {err.strerror or err}"
        ) from None
    echo(f"report: {folder / 'report.html'}")
    echo(f"discovery: {folder}")


@app.command()
def sweep(
    file: Annotated[
        Path, typer.Argument(help="Experiment file (TOML/YAML), e.g. experiments/x.toml.")
    ],
    workers: WorkersOption = None,
    serial: SerialOption = False,
    scheduler: SchedulerOption = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Continue the sweep in --out: skip runs done, retry failed ones."
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Results folder (default: results/sweep-<time>-<experiment>)."),
    ] = None,
    quiet: QuietOption = False,
    flush_runs: Annotated[
        int, typer.Option(help="Write finished runs to disk after this many...")
    ] = 500,
    flush_seconds: Annotated[
        float, typer.Option(help="...or after this many seconds, whichever comes first.")
    ] = 5.0,
    analyse: Annotated[
        bool, typer.Option(help="Analyse the folder afterwards (report, tables, figures).")
    ] = True,
    figures: Annotated[
        Path | None,
        typer.Option(
            help="After the analysis, copy the figures the experiment's [analysis] lists into "
            "this folder as <experiment>_<figure>.png (e.g. results/figures/findings).",
            metavar="DIR",
        ),
    ] = None,
    memory_limit: MemoryLimitOption = None,
) -> None:
    """Run an experiment's design (grid, Latin hypercube, Sobol, Morris or list) with replicates.

    Results stream to OUT/runs/part-*.parquet as runs finish (in Python:
    netsim.results.sweep_folder.SweepFolder(OUT).runs()), with OUT/manifest.json describing
    the design. A failed
    run is recorded and the sweep goes on; Ctrl-C keeps what finished, and --resume
    continues where the sweep stopped.
    """
    from netsim.batch import engines
    from netsim.batch import sweep as sweeping
    from netsim.config.experiments import load_experiment
    from netsim.results.files import unique_folder

    choice = engines.EngineChoice(serial=serial, workers=workers, scheduler=scheduler)
    if flush_runs < 1:
        raise fail(f"--flush-runs must be at least 1; got {flush_runs}")
    if flush_seconds <= 0:
        raise fail(f"--flush-seconds must be above 0; got {flush_seconds:g}")
    if resume and out is None:
        raise fail("--resume needs --out DIR: the folder of the sweep to continue")
    if figures is not None and not analyse:
        raise fail("--figures copies the analysis' figures: drop --no-analyse")
    set_memory_limit(memory_limit)
    folder = out if out is not None else unique_folder(Path("results"), "sweep", f"-{file.stem}")
    experiment = load_experiment(file)
    sweeping.check_folder(experiment, folder, resume=resume)
    note_results_folder(folder)
    try:
        with (
            choice.engine(experiment.total_runs) as engine,
            sweep_progress(experiment.total_runs, quiet) as progress,
        ):
            report = sweeping.run_sweep(
                experiment,
                folder,
                engine=engine,
                resume=resume,
                flush_runs=flush_runs,
                flush_seconds=flush_seconds,
                progress=progress,
            )
    except sweeping.SweepInterrupted as stopped:
        raise interrupted(stopped.report, file) from None
    except OSError as err:
        raise fail(f"{folder}: {err.strerror or err}") from None
    for repair in report.repairs:
        say(f"netsim: note: {repair}")
    if not quiet:
        print_sweep_report(report, engine.describe(), progress.shown)
    if report.all_failed:
        first = " ".join(report.first_errors[0].split()) if report.first_errors else "?"
        say(
            f"netsim: error: every run failed ({report.failed} of {report.done}), the first at "
            f"{first}; every error is in the run table's error column in {folder}"
        )
        raise typer.Exit(1)
    if analyse:
        analyse_swept(folder, figures, quiet)
    echo(str(folder) if quiet else f"results: {folder}")


def interrupted(report: SweepReport, file: Path) -> typer.Exit:
    """Say what an interrupted sweep saved and how to resume it; exit status 130."""
    say(
        f"netsim: interrupted: {report.ok + report.failed} runs saved this session "
        f"({report.skipped + report.ok} of {report.total} done) in {report.out}; resume with: "
        f"netsim sweep {shlex.quote(str(file))} --resume --out {shlex.quote(str(report.out))}"
    )
    return typer.Exit(130)


def print_sweep_report(report: SweepReport, engine: str, errors_shown: int) -> None:
    """What a finished sweep did, and how many of its failures were not printed."""
    if report.failed > errors_shown:
        say(f"netsim: {report.failed - errors_shown} more failed runs; see the error column")
    paragraph(
        f"sweep: {report.done} runs done ({report.failed} failed), {report.skipped} skipped "
        f"(done before), {report.total} in the design, {report.seconds:.1f}s on {engine}"
    )


PLAIN_PROGRESS_SECONDS = 10.0
"""Off a terminal, a sweep's progress line comes at most this often (seconds)."""


class SweepProgressLine:
    """A sweep's progress on stderr (done, rate, time left, failures), with each of the
    first failed runs printed above it as it comes in.

    On a terminal it is a bar; off one (a log file, a cluster job's output) it is a plain
    line when the first run is in, then every ``every`` seconds of the clock ``clock`` and
    when the last run is in, so a log shows the sweep is alive and when it will end.
    """

    def __init__(
        self,
        bar: Progress,
        total: int,
        *,
        plain: bool = False,
        every: float = PLAIN_PROGRESS_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bar = bar
        self.task = bar.add_task("sweep", total=total, rate="", eta="–", failed="")
        self.total = total
        self.shown = 0
        """Failed runs printed so far (the report keeps the first few)."""
        self.plain = plain
        self.every = every
        self.clock = clock
        self.last_line = -math.inf  # the first finished run is said at once: the sweep is on

    def __call__(self, report: SweepReport, outcome: object) -> None:
        eta = "–" if report.eta is None else f"{report.eta:.0f}s"
        self.bar.update(
            self.task,
            completed=report.finished,
            rate=f"{report.rate:.1f}/s",
            eta=eta,
            failed=f"{report.failed} failed",
        )
        for error in report.first_errors[self.shown :]:
            say(f"netsim: run failed: {error}")
        self.shown = len(report.first_errors)
        now = self.clock()
        if self.plain and (report.finished >= self.total or now - self.last_line >= self.every):
            self.last_line = now
            left = "time left unknown" if report.eta is None else f"{report.eta:.0f} s left"
            say(
                f"netsim: sweep: {report.finished} of {self.total} runs "
                f"({report.finished / max(self.total, 1):.0%}), {report.rate:.1f} runs/s, "
                f"{left}, {report.failed} failed"
            )


@contextlib.contextmanager
def sweep_progress(total: int, quiet: bool) -> Iterator[SweepProgressLine]:
    """The progress line for a sweep of ``total`` runs, shown for the block (unless quiet):
    a bar on a terminal, plain lines off one."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

    columns = (
        TextColumn("sweeping"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs · {task.fields[rate]} · ETA {task.fields[eta]} · {task.fields[failed]}"),
    )
    plain = not quiet and hide_progress()
    with progress_bar(*columns, quiet=quiet) as bar:
        yield SweepProgressLine(bar, total, plain=plain)


def analysis_stages(quiet: bool = False) -> Callable[[str], None] | None:
    """A plain line on stderr as each stage of an analysis starts, with the time so far
    (a terminal or not: an analysis takes seconds to a minute; none with --quiet)."""
    if quiet:
        return None
    started = time.perf_counter()

    def stage(name: str) -> None:
        say(f"netsim: analysing: {name} ({time.perf_counter() - started:.0f} s so far)")

    return stage


def analyse_swept(folder: Path, figures: Path | None, quiet: bool) -> None:
    """Analyse a finished sweep's folder; if the analysis fails, say the runs are safe.

    An analysis that refuses (a NetsimError, or a folder's OSError) exits 1; a bug in it
    exits 70 with its log, as any bug does.
    """
    from netsim.present.sweep_report import analyse_folder

    try:
        written = analyse_folder(folder, figures=figures, progress=analysis_stages(quiet))
    except (NetsimError, OSError) as err:  # the runs are safe on disk whatever analysis does
        say(f"netsim: error: analysis failed: {err}; the sweep's results are complete in {folder}")
        raise typer.Exit(1) from None
    except Exception as err:  # a bug in the analysis: say so, and that the runs are safe
        raise internal_error(err, note=f"; the sweep's results are complete in {folder}") from None
    if not quiet:
        echo(f"analysis: {written}")


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(help="Calibration file (TOML/YAML).")],
    out: Annotated[
        Path | None,
        typer.Option(help="Results folder (default: results/calibrate-<time>-<file>)."),
    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the calibration in --out from its database.")
    ] = False,
    quiet: QuietOption = False,
    memory_limit: MemoryLimitOption = None,
) -> None:
    """Fit a scenario's parameters to an observed series by ABC-SMC (pyabc).

    Writes OUT/abc.db (pyabc's database: --resume continues it), posterior.parquet,
    summary.csv/.md (mean, median, 90% credible interval), pairs.png, predictive.png
    (posterior-predictive band over the observed series) and calibration.md/.html.
    A fixed seed gives the same posterior on any number of workers.
    """
    from netsim.batch import calibration as calibrating
    from netsim.batch import engines
    from netsim.present.calibration_report import REPORT_HTML, write_calibration
    from netsim.results.files import unique_folder

    choice = engines.EngineChoice(workers=workers, scheduler=scheduler)
    if resume and out is None:
        raise fail("--resume needs --out DIR: the folder of the calibration to continue")
    set_memory_limit(memory_limit)
    calibration = calibrating.load(file)
    folder = (
        out if out is not None else unique_folder(Path("results"), "calibrate", f"-{file.stem}")
    )
    calibrating.check_folder(calibration, folder, resume)
    note_results_folder(folder)

    def line(g: calibrating.Generation) -> None:
        if not quiet:
            done = "read from the database" if g.resumed else f"{g.seconds:.0f}s elapsed"
            say(
                f"generation {g.index + 1}/{calibration.generations}: epsilon "
                f"{significant(g.epsilon)}, acceptance {percent(g.acceptance_rate)} "
                f"({g.accepted}/{g.evaluations}), {done}"
            )

    try:
        fit = calibrating.fit(calibration, folder, choice, resume=resume, on_generation=line)
        write_calibration(fit)
    except KeyboardInterrupt:
        say(
            f"netsim: interrupted: finished generations are saved in {folder}; resume with: "
            f"netsim calibrate {shlex.quote(str(file))} --resume --out {shlex.quote(str(folder))}"
        )
        raise typer.Exit(130) from None
    except OSError as err:
        raise fail(f"{folder}: {err.strerror or err}") from None
    if quiet:
        echo(str(folder))
        return
    for row in fit.summary.itertuples():
        echo(f"{row.parameter}: {estimate(row.median, row.low, row.high)} (median, 90% interval)")
    echo(f"calibration: {fit.stopped}, {fit.simulations} runs, {fit.seconds:.1f}s on {fit.engine}")
    echo(f"report: {folder / REPORT_HTML}")
    echo(f"results: {folder}")


@app.command("app")
def app_command(
    host: Annotated[
        str,
        typer.Option(help="Address to listen on; 127.0.0.1 keeps the page on this machine."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    scenario: Annotated[
        str | None,
        typer.Option(help="Scenario file or library scenario to start with (default: defaults)."),
    ] = None,
    results_root: Annotated[
        Path, typer.Option(help="Where the page's replay picker looks for results folders.")
    ] = Path("results"),
) -> None:
    """Start the browser view (Solara): play a network live, move knobs, press shocks.

    Serves the page netsim.app.page:Page until Ctrl+C.
    Changing a knob rebuilds the model from week 0; shock buttons act on the running model.
    """
    import ipaddress
    import os
    import socket
    import warnings

    if not 1 <= port <= 65535:
        raise fail(f"--port {port}: must be from 1 to 65535")
    load_scenario_arg(scenario)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as err:
        raise fail(f"--host {excerpt(host)}: cannot be resolved: {err.strerror or err}") from None
    family, _, _, _, address = infos[0]
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as err:
        raise fail(
            f"cannot listen on {host}:{port}: {err.strerror or err}; try another --port"
        ) from None
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        say(
            f"netsim: warning: listening on {host}, beyond this machine: anyone who can reach "
            "it can use the page (there is no login)"
        )

    from netsim.app.assets import front_end_warning

    missing = front_end_warning()
    if missing:
        say(f"netsim: warning: {missing}")
    os.environ["SOLARA_APP"] = "netsim.app.page:Page"
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    os.environ.setdefault("SOLARA_THEME_TITLE", "netsim")
    os.environ["NETSIM_APP_SCENARIO"] = scenario or ""
    os.environ["NETSIM_APP_RESULTS"] = str(results_root)
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    echo(f"netsim app: http://{shown}:{port}/  (Ctrl+C to stop)")
    config = uvicorn.Config(
        "solara.server.starlette:app", host=host, port=port, log_level="warning", access_log=False
    )
    uvicorn.Server(config).run()


@app.command("validate-model")
def validate_model(
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Full size: more replicates and larger graphs (minutes, not seconds)."
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(help="Report folder (default: results/validation-<time>)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes, one case each (default: all cores)."),
    ] = None,
    case: Annotated[
        list[str] | None,
        typer.Option("--case", help="Run only this case (repeatable; default: every case)."),
    ] = None,
) -> None:
    """Check the textbook modes against published results (Newman 2002, Watts 2002,
    Centola & Macy 2007, ...); see docs/validation.md.

    Writes report.md, cases.csv, cases.json (one row per check), summary.json and
    figures/<case>.png; exits 1 if any case fails.
    """
    import os

    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    from netsim.batch.engines import check_workers
    from netsim.results.files import unique_folder
    from netsim.validation import case_ids_all, run_suite
    from netsim.validation.report import write_report

    allowed = case_ids_all()
    chosen = list(dict.fromkeys(case or allowed))
    unknown = [c for c in chosen if c not in allowed]
    if unknown:
        raise fail(
            f"--case {excerpt(unknown[0])} is not a validation case; allowed: {', '.join(allowed)}"
        )
    check_workers(workers)
    size = "full" if full else "reduced"
    n_workers = min(workers or os.cpu_count() or 1, len(chosen))
    folder = out if out is not None else unique_folder(Path("results"), "validation")
    note_results_folder(folder)
    command = "netsim validate-model" + (" --full" if full else "")
    command += "".join(f" --case {c}" for c in chosen) if case else ""

    started = time.perf_counter()
    with progress_bar(
        TextColumn(f"validating ({size})"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("cases · {task.fields[last]}"),
        TimeElapsedColumn(),
    ) as bar:
        task = bar.add_task("validate", total=len(chosen), last="")

        def done(result: Any) -> None:
            verdict = "PASS" if result.passed else "FAIL"
            bar.update(task, advance=1, last=f"{result.case} {verdict}")

        results = run_suite(chosen, size, n_workers, done)  # type: ignore[arg-type]
    try:
        write_report(results, folder, command)
    except OSError as err:
        raise fail(f"cannot write the report to {folder}: {err.strerror or err}") from None

    elapsed = time.perf_counter() - started
    plural = "s" if n_workers != 1 else ""
    table = Listing(
        f"netsim validate-model ({size}): {n_workers} worker{plural}, {elapsed:.1f}s",
        [
            Column("case", whole=True),
            "compared",
            Column("reference", whole=True, right=True),
            Column("netsim", whole=True, right=True),
            Column("95% interval", right=True),
            "rule",
            Column("result", whole=True),
        ],
    )
    for result in results:
        label = result.case
        if result.error:
            first = result.error.splitlines()[0]
            table.add_row(label, printable(f"error: {first}"), "", "", "", "", "FAIL")
            label = ""
        for i, c in enumerate(result.checks):
            table.add_row(
                label,
                c.compared,
                precise(c.reference),
                precise(c.value),
                bracketed(c.ci_low, c.ci_high),
                c.rule(),
                "PASS" if c.passed else "FAIL",
                end_section=i == len(result.checks) - 1,
            )
            label = ""
    show(table)
    failed = [r.case for r in results if not r.passed]
    verdict = f"FAIL: {', '.join(failed)}" if failed else "PASS"
    echo(f"{len(results) - len(failed)} of {len(results)} cases passed: {verdict}")
    echo(f"report: {folder / 'report.md'}")
    if failed:
        raise typer.Exit(1)


@app.command()
def audit(
    out: Annotated[Path, typer.Option(help="Results folder (files in it are replaced).")] = Path(
        "results/audit"
    ),
    seeds: Annotated[
        int | None,
        typer.Option(help="Seeds per setting, shared by low and high (default 20; --quick 10)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: all cores).")
    ] = None,
    bases: Annotated[
        list[str] | None,
        typer.Option(
            "--bases",
            help="Base scenarios: 'default', library names or files (repeatable or "
            "comma-separated; default: default, usual_suspects, facilitated_learning_network).",
        ),
    ] = None,
    levers: Annotated[
        list[str] | None,
        typer.Option(
            "--levers",
            help="Only these levers (repeatable or comma-separated; default: every lever "
            "whose declaration claims a direction).",
        ),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(help="Weekly steps for every base (default: each its own).")
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="Reduced: 10 seeds and 250 eligible people (founders scaled)."
        ),
    ] = False,
    delta: Annotated[
        float,
        typer.Option(help="Step either side of each base value, as a share of it (0.25 = 25%)."),
    ] = 0.25,
    seed: Annotated[int, typer.Option(help="Base seed; replicate r uses the same seed.")] = 1,
    quiet: QuietOption = False,
) -> None:
    """Audit every social-model lever: does it move the main outcomes the way its
    declaration claims?

    Each lever runs a step below and above its value in each base (a choice: each
    alternative its claim names) on the same seeds; the report gives each paired effect
    with its 95% interval and a verdict: acts as claimed, inert or reversed. Writes
    runs.parquet/csv, contrasts.csv, effects.csv, levers.csv, failed_runs.csv, forest.png,
    audit.json, report.md and report.html; exits 1 unless every audited lever acts as
    claimed.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from netsim.analysis.audit import CELL_RULE, LEVER_RULE, all_act
    from netsim.batch import audit as lever_audit
    from netsim.present import audit_report

    def split(values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        return [v.strip() for item in values for v in item.split(",") if v.strip()]

    if seeds is not None and seeds < 2:
        raise fail(f"--seeds must be at least 2; got {seeds}")
    if workers is not None and workers < 1:
        raise fail(f"--workers must be at least 1; got {workers}")
    plan = lever_audit.plan_audit(
        bases=split(bases) or lever_audit.DEFAULT_BASES,
        levers=split(levers),
        seeds=seeds or (lever_audit.QUICK_SEEDS if quick else lever_audit.DEFAULT_SEEDS),
        seed=seed,
        delta=delta,
        steps=steps,
        population=lever_audit.QUICK_POPULATION if quick else None,
    )
    note_results_folder(out)
    started = time.perf_counter()
    with progress_bar(
        TextColumn("auditing levers"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        quiet=quiet,
    ) as bar:
        task = bar.add_task("audit", total=plan.total)

        def advance(done: int, total: int, outcome: Any) -> None:
            bar.update(task, completed=done)
            if not outcome.ok:
                labels = outcome.task.labels
                bar.console.print(
                    printable(
                        f"netsim: run failed: {labels['base']} {labels['arm']} replicate "
                        f"{labels['replicate']} (seed {outcome.task.seed}): {outcome.error}"
                    ),
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )

        data = lever_audit.run_audit(plan, workers=workers, progress=advance)
    try:
        report = audit_report.write_audit(data, out)
    except OSError as err:
        raise fail(f"cannot write results to {out}: {err.strerror or err}") from None
    verdicts = report.verdicts
    if quiet:
        echo(str(out))
    else:
        table = Listing(
            f"netsim audit: {plan.total} runs ({len(data.failures)} failed), "
            f"{data.workers} worker{'s' if data.workers != 1 else ''}, "
            f"{time.perf_counter() - started:.1f}s",
            [
                Column("lever", whole=True),
                Column("verdict", whole=True),
                *(Column(printable(f"on {slug}"), whole=True) for slug in plan.bases),
            ],
        )
        for _, row in verdicts.iterrows():
            cells = [str(row["verdict"])] + [str(row[f"verdict_{s}"]) for s in plan.bases]
            table.add_row(printable(row["lever"]), *map(printable, cells))
        table.add_note("verdict: over every base; on <base>: on that base alone. " + LEVER_RULE)
        table.add_note(CELL_RULE)
        show(table)
        for line in audit_report.summary_lines(verdicts):
            paragraph(line)
        echo(f"report: {out / 'report.html'}")
        echo(f"results: {out}")
    if not all_act(verdicts):
        raise typer.Exit(1)


@app.command()
def optimise(
    file: Annotated[
        Path, typer.Argument(help="Policy-search file (TOML/YAML), e.g. experiments/x.toml.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: results/optimise-<time>-<file>).")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the search in --out; stored runs are reused.")
    ] = False,
    workers: WorkersOption = None,
    serial: SerialOption = False,
    scheduler: SchedulerOption = None,
    quiet: QuietOption = False,
    memory_limit: MemoryLimitOption = None,
) -> None:
    """Search for the cheapest policies (NSGA-II over the file's levers) that meet its target
    over its uncertain conditions, every policy on the same seeds.

    Writes the Pareto front (front.csv, front.md, pareto.png), every evaluated policy
    (policies.csv), the answer (answer.json), each front point as a scenario file for
    `netsim compare` (front/front-NN.yaml), optimise.md and optimise.html; the runs are
    stored in evaluations/, so --resume continues an interrupted search.
    """
    from netsim.batch import engines
    from netsim.batch import optimise as optimising
    from netsim.config.policy_search import load_policy_search
    from netsim.present.optimise_report import write_optimise
    from netsim.results.files import unique_folder

    choice = engines.EngineChoice(serial=serial, workers=workers, scheduler=scheduler)
    if resume and out is None:
        raise fail("--resume needs --out DIR: the folder of the search to continue")
    set_memory_limit(memory_limit)
    search = load_policy_search(file)
    folder = out if out is not None else unique_folder(Path("results"), "optimise", f"-{file.stem}")
    optimising.check_folder(search, folder, resume=resume)
    note_results_folder(folder)
    runs = search.population * search.generations * search.runs_per_policy
    if not quiet:
        say(
            f"netsim optimise: {search.population} policies x {search.generations} generations, "
            f"{search.runs_per_policy} runs each ({len(search.conditions)} conditions x "
            f"{search.replicates} replicates), target {search.target.describe()}"
        )
    progress = None if quiet else (lambda report: say(report.line(search)))
    try:
        with choice.engine(runs) as engine:
            result = optimising.run_search(search, folder, engine, resume=resume, progress=progress)
        write_optimise(result, folder)
    except KeyboardInterrupt:
        command = (
            f"netsim optimise {shlex.quote(str(file))} --resume --out {shlex.quote(str(folder))}"
        )
        say(
            f"netsim: interrupted: the finished runs are stored in {folder}; resume with: {command}"
        )
        raise typer.Exit(130) from None
    except OSError as err:
        raise fail(f"{folder}: {err.strerror or err}") from None
    for failure in result.failures[:5]:
        say(f"netsim: run failed: {failure}")
    if quiet:
        echo(str(folder))
        return
    echo(result.verdict())
    echo(f"report: {folder / 'optimise.html'}")
    echo(f"results: {folder}")
