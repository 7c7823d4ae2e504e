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
from netsim.batch.compare import ComparisonData, Progress
from netsim.config.outcomes import BY_NAME, OUTCOME_LABELS
from netsim.config.scenarios import Scenario
from netsim.numbers import estimate, percent, share_estimate, signed, significant
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


def _estimate_cell(row: pd.Series, total: int) -> str:
    """'85% (64%–95%)' for proportions, '0.432 (0.381–0.489)' for means; n when incomplete."""
    if row["kind"] == PROPORTION:
        text = share_estimate(row["mean"], row["ci_low"], row["ci_high"])
    elif math.isnan(row["ci_low"]):
        text = significant(row["mean"])
    else:
        text = estimate(row["mean"], row["ci_low"], row["ci_high"])
    if row["n"] != total:
        text += f" [n={row['n']}]"
    return text


def _difference_cell(row: pd.Series, total: int) -> str:
    percent = row["kind"] == PROPORTION
    text = signed(row["mean_difference"], percent)
    if not math.isnan(row["ci_low"]):
        low = signed(row["ci_low"], percent).removesuffix(" pts")
        high = signed(row["ci_high"], percent).removesuffix(" pts")
        text += f" ({low} to {high})"
    if row["n_pairs"] != total:
        text += f" [n={row['n_pairs']}]"
    return text


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
            clause = (
                f"{verb} {percent(row['mean'])} of runs "
                f"(95% CI {percent(row['ci_low'])}–{percent(row['ci_high'])})"
            )
            clause += _against(outcomes, differences, slug, baseline, names, outcome)
            clauses.append(clause)
        row = _lookup(outcomes, slug, "final_adoption")
        if row is not None and row["n"] > 0:
            interval = (
                f" (95% CI {percent(row['ci_low'])}–{percent(row['ci_high'])})"
                if not math.isnan(row["ci_low"])
                else ""
            )
            clause = (
                f"ends with {percent(row['mean'])}{interval} of the eligible population adopting"
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
    text = f" against {percent(base['mean'])} for {names[baseline]}"
    if not math.isnan(diff["ci_low"]):
        text += (
            f" (paired difference {signed(diff['mean_difference'], True)}, 95% CI "
            f"{signed(diff['ci_low'], True).removesuffix(' pts')} to "
            f"{signed(diff['ci_high'], True).removesuffix(' pts')})"
        )
    return text


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
        item.append(": " + _sentence(s.description or "no description"))
        if s.source:
            item.append(" Source: " + _sentence(s.source))
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
                        else "–"
                        for slug in order
                    ),
                )
                for outcome in dict.fromkeys(outcomes["outcome"])
            ),
            "Mean over runs with its 95% interval; shares of runs for yes/no outcomes. "
            "[n=k]: only k runs had a value (e.g. never reached 50% adoption).",
        ),
        Paragraph(("The yes/no outcomes are labels of each run, by these rules:",)),
        Bullets(
            tuple(
                (
                    Span(OUTCOME_LABELS[name], "strong"),
                    " (",
                    Span(name, "code"),
                    "): ",
                    _sentence(BY_NAME[name].meaning),
                )
                for name in dict.fromkeys(outcomes["outcome"])
                if name in BY_NAME and BY_NAME[name].kind == "flag"
            )
        ),
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
            "Mean paired difference (same seeds) with its 95% interval; "
            "'pts' are percentage points of runs.",
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
            )
        )
    blocks += [
        Heading("Figures"),
        Image(
            "curves.png",
            "Main curves per scenario",
            "Active share, adoption, mean engagement and mean trust: the mean over runs "
            "at each week, with a band for the 95% interval of that mean.",
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
