"""The comparison report: one list of blocks, drawn as Markdown and as self-contained HTML,
and the comparison folder it is written into (tables, figures, provenance, report).

Both renderings come from the same blocks, so the two can never disagree;
every piece of text that came from a scenario file is escaped.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from netsim.analysis.intervals import (
    PROPORTION,
    difference_table,
    final_step_means,
    outcome_table,
    parameters_differ,
    step_bands,
)
from netsim.batch import compare
from netsim.batch.compare import BasedOn, ComparisonData, Progress
from netsim.config.outcomes import BY_NAME, OUTCOME_LABELS, Outcome
from netsim.config.scenarios import Scenario
from netsim.model.metrics import STEP_COLUMNS
from netsim.numbers import NO_INTERVAL, measured, measured_interval
from netsim.present import plots
from netsim.results.files import (
    atomic_write,
    atomic_write_text,
    provenance,
    unique_folder,
    write_table,
)
from netsim.text import html_text, markdown_text, printable


@dataclass(frozen=True)
class Span:
    """Inline text; ``style`` is '', 'strong', 'em' or 'code'."""

    text: str
    style: str = ""


Inline = str | Span


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Bullets:
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Image:
    filename: str
    alt: str
    caption: str = ""


Block = Heading | Paragraph | Bullets | Table | Image


def _kind(row: pd.Series) -> str:
    """The outcome's kind for :func:`netsim.numbers.measured` (its declaration's, else by
    how it was summarised)."""
    declared = BY_NAME.get(str(row["outcome"]))
    if declared is not None:
        return declared.kind
    return "flag" if row["kind"] == PROPORTION else "number"


def _estimate_cell(row: pd.Series, total: int) -> str:
    """'85% (64% to 95%)' for shares of runs, '42.3% (38.1% to 46.5%)' for shares, a time
    with how many runs reached it; n when some runs have no value."""
    kind, n = _kind(row), int(row["n"])
    if kind == "weeks" and n == 0:
        return f"no run reached it (0 of {total})"
    text = measured_interval(row["mean"], row["ci_low"], row["ci_high"], kind)
    if kind == "weeks":
        return f"{text}; n = {n} of {total} runs reached it"
    return text if n == total else f"{text}; n = {n} of {total} runs"


def _difference_cell(row: pd.Series, total: int) -> str:
    """'+12 pts (+5 to +19)', '+1.6 pts (-0.4 to +3.5)', '+3.4 (-0.1 to +6.9)'; for a time,
    how many pairs of runs both reached it."""
    kind, n = _kind(row), int(row["n_pairs"])
    if kind == "weeks" and n == 0:
        return f"no pair of runs both reached it (0 of {total})"
    text = measured_interval(
        row["mean_difference"], row["ci_low"], row["ci_high"], kind, difference=True
    )
    if kind == "weeks":
        return f"{text}; n = {n} of {total} pairs both reached it"
    return text if n == total else f"{text}; n = {n} of {total} pairs"


def _label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))


def _lookup(table: pd.DataFrame, scenario: str, outcome: str) -> pd.Series | None:
    hit = table[(table["scenario"] == scenario) & (table["outcome"] == outcome)]
    return None if hit.empty else hit.iloc[0]


def plain_language(
    outcomes: pd.DataFrame, differences: pd.DataFrame, names: dict[str, str]
) -> list[str]:
    """One sentence per scenario on critical mass, fizzle-out and final adoption."""
    order = list(names)
    baseline = order[0]
    lines = []
    for slug in order:
        clauses = []
        for outcome, verb in (
            ("critical_mass_reached", "reaches critical mass in"),
            ("fizzled_out", "fizzles out in"),
        ):
            row = _lookup(outcomes, slug, outcome)
            if row is None or row["n"] == 0:
                continue
            clause = f"{verb} {measured(row['mean'], 'flag')} of runs ({_ci_words(row, 'flag')})"
            clause += _against(outcomes, differences, slug, baseline, names, outcome)
            clauses.append(clause)
        row = _lookup(outcomes, slug, "final_adoption")
        if row is not None and row["n"] > 0:
            clause = (
                f"ends with {_interval_words(row['mean'], row, 'share')} of the eligible "
                "population adopting"
            )
            clause += _against(outcomes, differences, slug, baseline, names, "final_adoption")
            clauses.append(clause)
        subject = names[slug] + (" (the baseline)" if slug == baseline else "")
        if not clauses:
            lines.append(f"{subject}: no successful runs.")
            continue
        body = "; ".join(clauses[:-1]) + ("; and " if len(clauses) > 1 else "") + clauses[-1]
        lines.append(f"{subject} {body}.")
    return lines


def _against(
    outcomes: pd.DataFrame,
    differences: pd.DataFrame,
    slug: str,
    baseline: str,
    names: dict[str, str],
    outcome: str,
) -> str:
    if slug == baseline:
        return ""
    base = _lookup(outcomes, baseline, outcome)
    diff = _lookup(differences, slug, outcome)
    if base is None or diff is None or base["n"] == 0:
        return ""
    kind = "flag" if base["kind"] == PROPORTION else "share"
    text = f" against {measured(base['mean'], kind)} for {names[baseline]}"
    paired = measured(diff["mean_difference"], kind, difference=True)
    return text + f" (paired difference {paired}, {_ci_words(diff, kind, difference=True)})"


def _ci_words(row: pd.Series, kind: str, *, difference: bool = False) -> str:
    """'95% CI 64% to 95%' in the precision policy, or why there is none."""
    if math.isnan(row["ci_low"]) or math.isnan(row["ci_high"]):
        return NO_INTERVAL
    low, high = (
        measured(row[c], kind, difference=difference).removesuffix(" pts")
        for c in ("ci_low", "ci_high")
    )
    return f"95% CI {low} to {high}"


def _interval_words(value: float, row: pd.Series, kind: str) -> str:
    """'85% (95% CI 64% to 95%)': a value with its interval, in the precision policy."""
    return f"{measured(value, kind)} ({_ci_words(row, kind)})"


def _sentence(text: str) -> str:
    """Text ending with a full stop (unless it ends with one already, maybe inside a quote)."""
    text = text.strip()
    return text if text.rstrip("'\"’”)").endswith((".", "!", "?")) else text + "."


def _seed_text(seeds: list[int]) -> str:
    shown = ", ".join(str(s) for s in seeds[:6])
    return shown + (f", … ({len(seeds)} in all)" if len(seeds) > 6 else "")


def report_blocks(
    data: ComparisonData,
    outcomes: pd.DataFrame,
    differences: pd.DataFrame,
    differ: pd.DataFrame,
    origin: dict[str, Any],
) -> list[Block]:
    """The report's content, once, for both renderers."""
    plan, order = data.plan, data.order
    names = {slug: s.name for slug, s in plan.scenarios.items()}
    total = plan.replicates
    baseline = order[0]
    shown = list(dict.fromkeys(outcomes["outcome"]))
    blocks: list[Block] = [
        Heading("Scenario comparison: " + " vs ".join(names.values()), 1),
        Paragraph((f"netsim {origin['netsim_version']}, {origin['created']}.",)),
        Heading("Scenarios"),
    ]
    items = []
    for slug, s in plan.scenarios.items():
        item: list[Inline] = [Span(s.name, "strong"), " (", Span(slug, "code"), ")"]
        if slug == baseline:
            item.append(", the baseline")
        origin_of = plan.based_on.get(slug)
        if origin_of is None:
            item.append(": " + _sentence(s.description or "no description"))
            if s.source:
                item.append(" Source: " + _sentence(s.source))
        else:
            item += _based_on_text(origin_of)
            if s.source:
                item.append(f" Source of {origin_of.name}: " + _sentence(s.source))
        if s.path is not None:
            item += [" File: ", Span(str(s.path), "code"), "."]
        items.append(tuple(item))
    blocks.append(Bullets(tuple(items)))

    steps = sorted({p.steps for p in plan.parameters.values()})
    step_text = ", ".join(str(s) for s in steps) + " weekly steps"
    failed = len(data.failures)
    blocks += [
        Heading("What was run"),
        Paragraph(
            (
                f"{len(order)} scenarios × {total} replicates = {plan.total} runs of {step_text}, "
                f"on common random numbers: replicate r of every scenario uses the same seed, "
                f"derived from base seed {plan.seed} and r (seeds {_seed_text(plan.seeds)}). "
                f"{plan.total - failed} runs succeeded"
                + (f" and {failed} failed (listed below)" if failed else "")
                + f"; {data.seconds:.1f} s on {data.workers} worker"
                + ("s" if data.workers != 1 else "")
                + f". netsim {origin['netsim_version']}, git commit ",
                Span(origin["git_commit"] or "unknown", "code"),
                ".",
            )
        ),
        Heading("Outcomes"),
        Table(
            ("outcome", *names.values()),
            tuple(
                (
                    _label(outcome),
                    *(
                        _estimate_cell(row, total)
                        if (row := _lookup(outcomes, slug, outcome)) is not None
                        else "no successful run"
                        for slug in order
                    ),
                )
                for outcome in shown
            ),
            "outcome: what was measured in each run (defined below). One column per "
            "scenario: for a yes/no outcome the share of runs where it held, with its 95% "
            "Wilson interval in brackets (low to high); otherwise the mean over runs with the "
            "95% t-interval of that mean: the expected value, not the range of single runs "
            "(see the figures for that). Shares of the population in % to one decimal, shares "
            "of runs in whole %, weeks to one decimal, members whole. A time to a level "
            "counts only the runs that reached it: n says how many of the runs did. "
            f"'{NO_INTERVAL}': fewer than two runs had a value.",
        ),
        Paragraph(("What the rows mean (each run's own value, by these rules):",)),
        Bullets(tuple(_definition(BY_NAME[name]) for name in shown if name in BY_NAME)),
        *_step_column_glossary([BY_NAME[name] for name in shown if name in BY_NAME]),
        Heading(f"Differences from {names[baseline]}"),
        Table(
            ("outcome", *(f"{names[s]} − {names[baseline]}" for s in order[1:])),
            tuple(
                (
                    _label(outcome),
                    *(
                        _difference_cell(row, total)
                        if (row := _lookup(differences, slug, outcome)) is not None
                        else "–"
                        for slug in order[1:]
                    ),
                )
                for outcome in dict.fromkeys(differences["outcome"])
            ),
            "outcome: as in the Outcomes table. One column per scenario: its runs minus "
            f"{names[baseline]}'s, run r against run "
            "r (the same seed), averaged over the pairs, with the 95% interval of that mean "
            "difference (low to high). 'pts': percentage points (of runs for yes/no outcomes, "
            "of the population for shares); weeks and members in their own units. A time to "
            "a level is compared only over the pairs where both runs reached it (n). "
            "An interval that excludes 0 marks a difference unlikely to be replicate noise.",
        ),
        Bullets(tuple((line,) for line in plain_language(outcomes, differences, names))),
        Heading("Parameters that differ"),
    ]
    if differ.empty:
        blocks.append(Paragraph(("None: the scenarios have the same parameters.",)))
    else:
        blocks.append(
            Table(
                ("parameter", *names.values()),
                tuple(
                    (str(row["parameter"]), *(str(row[slug]) or "(none)" for slug in order))
                    for _, row in differ.iterrows()
                ),
                "parameter: a model parameter (docs/parameters.md) whose value is not the same "
                "in every scenario; one column per scenario: its value there, as set by the "
                "file or the default; a timeline as week:action:amount. Every other parameter "
                "is the same everywhere.",
            )
        )
    blocks += [
        Heading("Figures"),
        Image(
            "curves.png",
            "Main curves per scenario",
            _curves_caption(
                data, len({p.critical_mass_share for p in plan.parameters.values()}) == 1
            ),
        ),
        Image(
            "wheels.png",
            "5C wheel per scenario",
            "The 5C wheel of effective networks at the last step, mean over runs "
            "(1 = the feature fully present).",
        ),
    ]
    if failed:
        blocks += [
            Heading("Failed runs"),
            Table(
                ("scenario", "replicate", "seed", "error"),
                tuple(
                    (names[row["scenario"]], str(row["replicate"]), str(row["seed"]), row["error"])
                    for _, row in data.failures.iterrows()
                ),
                "scenario, replicate (r) and seed: which run failed; error: what it raised. "
                "Failed runs are left out of every table; their seeds are left out of the "
                "paired differences for that scenario.",
            ),
        ]
    blocks += [
        Heading("How to read the intervals"),
        Paragraph(
            (
                "Each interval is a 95% confidence interval for the mean over runs (the "
                "expected outcome of the scenario as modelled), not the range of single runs. "
                "Means use a t-interval; shares of runs use the Wilson score interval. "
                "Because every scenario ran on the same seeds (common random numbers), "
                "run r of one scenario is paired with run r of the baseline, and the "
                "differences table gives the interval of the paired differences (paired "
                "t-interval; Newcombe's interval for yes/no outcomes). That interval is "
                "usually much narrower than the overlap of two outcome intervals suggests: "
                "judge a difference by its own interval. An interval that excludes 0 means the "
                "difference is unlikely to be replicate noise; it says nothing about whether "
                "the model is right. More replicates narrow every interval.",
            )
        ),
    ]
    return blocks


def _based_on_text(origin: BasedOn) -> list[Inline]:
    """': based on X (`x`), with a = 1 (there 2) and b = 3 (there 4).' instead of X's
    description, which the scenario still carries but which describes X."""
    shown = [f"{name} = {mine} (there {theirs})" for name, mine, theirs in origin.changes[:6]]
    more = len(origin.changes) - len(shown)
    if more:
        shown.append(f"{more} more (see Parameters that differ)")
    changes = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1]
    return [
        ": based on ",
        Span(origin.name, "strong"),
        " (",
        Span(origin.slug, "code"),
        f"), with {changes}; the description it carries was written for {origin.name}.",
    ]


def _reading(outcome: Outcome) -> str:
    """How the report summarises the outcome over runs, in words."""
    if outcome.kind == "flag":
        return "yes or no; the share of runs where it held"
    if outcome.kind == "weeks":
        return "weeks; the mean over the runs that reached it"
    if outcome.kind == "share":
        return f"{outcome.unit}, in %; the mean over runs"
    return f"{outcome.unit}; the mean over runs"


def _definition(outcome: Outcome) -> tuple[Inline, ...]:
    """One bullet of 'what the rows mean': label, name, reading, rule and note."""
    text = _sentence(outcome.meaning)
    if outcome.note:
        text += " " + _sentence(outcome.note)
    return (
        Span(outcome.label, "strong"),
        " (",
        Span(outcome.name, "code"),
        f"; {_reading(outcome)}): ",
        text,
    )


def _step_column_glossary(outcomes: Sequence[Outcome]) -> list[Block]:
    """The weekly columns the shown rules name (adoption_share, ...), defined once."""
    named = {
        word
        for o in outcomes
        for word in re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", o.meaning)
        if word in STEP_COLUMNS
    }
    if not named:
        return []
    return [
        Paragraph(("The weekly measures these rules name (N is the eligible population):",)),
        Bullets(
            tuple(
                (Span(name, "code"), ": " + _sentence(meaning))
                for name, meaning in STEP_COLUMNS.items()
                if name in named
            )
        ),
    ]


def _curves_caption(data: ComparisonData, one_third: bool) -> str:
    """What curves.png draws, as :func:`netsim.present.plots.compare_curves` drew it."""
    lines = plots.run_lines_drawn(data.steps)
    return (
        "Active share, adoption, mean engagement and mean trust at each week. Per scenario: "
        "the mean over runs (thick line), the middle 50% of runs (darker fan: 25th to 75th "
        "percentile at each week) and the middle 80% (lighter fan: 10th to 90th)"
        + (", and every run as a thin line" if lines else "")
        + ". Where runs split into two groups (some take off, some fade), the mean lies "
        "between them, where no run is: the fans"
        + (" and the thin lines" if lines else "")
        + " show the split."
        + (
            " The dotted line is the seeds' one-third mark (critical_mass_share), a reference, "
            "not the rule of reaches critical mass."
            if one_third
            else ""
        )
    )


def _md_inline(parts: Iterable[Inline]) -> str:
    out = []
    for part in parts:
        if isinstance(part, Span):
            if part.style == "code":
                code = printable(re.sub(r"\s+", " ", part.text)).replace("`", "'")
                out.append("`" + code + "`")
            elif part.style == "strong":
                out.append(f"**{markdown_text(part.text)}**")
            elif part.style == "em":
                out.append(f"*{markdown_text(part.text)}*")
            else:
                out.append(markdown_text(part.text))
        else:
            out.append(markdown_text(part))
    return "".join(out)


def render_markdown(blocks: Sequence[Block]) -> str:
    """The report as Markdown; figures are referenced by file name beside it."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + markdown_text(block.text))
        elif isinstance(block, Paragraph):
            out.append(_md_inline(block.parts))
        elif isinstance(block, Bullets):
            out.append("\n".join("- " + _md_inline(item) for item in block.items))
        elif isinstance(block, Table):
            lines = [
                "| " + " | ".join(markdown_text(h) for h in block.headers) + " |",
                "|" + "|".join(["---"] + ["---:"] * (len(block.headers) - 1)) + "|",
            ]
            lines += ["| " + " | ".join(markdown_text(c) for c in row) + " |" for row in block.rows]
            if block.caption:
                lines += ["", "*" + markdown_text(block.caption) + "*"]
            out.append("\n".join(lines))
        elif isinstance(block, Image):
            text = f"![{markdown_text(block.alt)}]({block.filename})"
            if block.caption:
                text += "\n\n*" + markdown_text(block.caption) + "*"
            out.append(text)
    return "\n\n".join(out) + "\n"


_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top}
th{background:#f3f3f3;text-align:left}td+td{text-align:right;white-space:nowrap}
caption{caption-side:bottom;text-align:left;font-style:italic;font-size:.82rem;padding-top:.3rem}
figure{margin:1rem 0}img{max-width:100%}figcaption{font-style:italic;font-size:.88rem}
code{font-size:.85em;background:#f5f5f5;padding:0 .2em}
"""


def _html_inline(parts: Iterable[Inline]) -> str:
    tags = {"strong": "strong", "em": "em", "code": "code"}
    out = []
    for part in parts:
        if isinstance(part, Span) and part.style in tags:
            tag = tags[part.style]
            out.append(f"<{tag}>{html_text(part.text)}</{tag}>")
        else:
            out.append(html_text(part.text if isinstance(part, Span) else part))
    return "".join(out)


def render_html(blocks: Sequence[Block], images: dict[str, bytes]) -> str:
    """The report as one self-contained HTML page (figures embedded as data URIs)."""
    title = next((b.text for b in blocks if isinstance(b, Heading)), "netsim comparison")
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{html_text(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_html_inline(block.parts)}</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{_html_inline(item)}</li>" for item in block.items)
            body.append(f"<ul>{items}</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{html_text(h)}</th>" for h in block.headers)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html_text(c)}</td>" for c in row) + "</tr>"
                for row in block.rows
            )
            caption = f"<caption>{html_text(block.caption)}</caption>" if block.caption else ""
            body.append(
                f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
            )
        elif isinstance(block, Image):
            data = base64.b64encode(images[block.filename]).decode("ascii")
            caption = (
                f"<figcaption>{html_text(block.caption)}</figcaption>" if block.caption else ""
            )
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'alt="{html_text(block.alt)}">{caption}</figure>'
            )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html_text(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# --- writing a comparison folder -----------------------------------------------------


def compare_scenarios(
    scenarios: Sequence[Scenario | str | Path],
    replicates: int | None = None,
    seed: int = 1,
    workers: int | None = None,
    steps: int | None = None,
    out: Path | str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Plan, run and write a comparison; returns the results folder."""
    plan = compare.plan_comparison(scenarios, replicates, seed, steps)
    data = compare.run_comparison(plan, workers, progress)
    folder = Path(out) if out is not None else unique_folder(Path("results"), "compare")
    return write_comparison(data, folder)


def _csv(table: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: table.to_csv(tmp, index=False))


def _png(fig: Any) -> bytes:
    return plots.figure_png(fig, metadata={"Software": None})


def write_comparison(data: ComparisonData, folder: Path) -> Path:
    """Write tables, figures, provenance and the report into ``folder`` (atomically, per file)."""

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plan, order = data.plan, data.order
    outcomes = outcome_table(data.runs, order)
    differences = difference_table(data.runs, order)
    differ = parameters_differ(plan.parameters)
    write_table(data.runs, folder, "runs")
    atomic_write(folder / "steps.parquet", lambda tmp: data.steps.to_parquet(tmp, index=False))
    _csv(outcomes, folder / "outcomes.csv")
    _csv(differences, folder / "differences.csv")
    _csv(differ, folder / "parameters_differ.csv")
    _csv(data.failures, folder / "failed_runs.csv")

    names = {slug: s.name for slug, s in plan.scenarios.items()}
    shares = {p.critical_mass_share for p in plan.parameters.values()}
    images = {
        "curves.png": _png(
            plots.compare_curves(
                step_bands(data.steps),
                names,
                runs=data.steps,
                critical_mass_share=shares.pop() if len(shares) == 1 else None,
            )
        ),
        "wheels.png": _png(plots.compare_wheel(final_step_means(data.steps), names)),
    }
    for filename, png in images.items():
        atomic_write(folder / filename, partial(Path.write_bytes, data=png))

    origin = provenance(plan.seed)
    document = {
        "provenance": {k: v for k, v in origin.items() if k != "scenario_text"},
        "replicates": plan.replicates,
        "steps": plan.steps,
        "seeds": plan.seeds,
        "workers": data.workers,
        "seconds": round(data.seconds, 3),
        "scenarios": [
            {
                "slug": slug,
                "name": s.name,
                "path": str(s.path) if s.path else None,
                "parameters": plan.parameters[slug].to_dict(),
                "based_on": (
                    None
                    if slug not in plan.based_on
                    else {
                        "name": plan.based_on[slug].name,
                        "slug": plan.based_on[slug].slug,
                        "changed": [c[0] for c in plan.based_on[slug].changes],
                    }
                ),
                "text": s.text,
            }
            for slug, s in plan.scenarios.items()
        ],
    }
    atomic_write_text(
        folder / "comparison.json", json.dumps(document, indent=2, default=str) + "\n"
    )
    blocks = report_blocks(data, outcomes, differences, differ, origin)
    atomic_write_text(folder / "report.md", render_markdown(blocks))
    atomic_write_text(folder / "report.html", render_html(blocks, images))
    return folder
