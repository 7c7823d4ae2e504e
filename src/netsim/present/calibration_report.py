"""``netsim calibrate``'s results folder: the posterior's tables, figures and report.

Beside pyabc's database (``abc.db``, which ``--resume`` continues) and the calibration
file as it was started (``calibration_input.toml``), :func:`write_calibration` writes,
each file atomically:

- ``posterior.parquet``: the last generation's particles, one column per calibrated
  parameter (as sampled: whole-number parameters before rounding) and ``weight``;
- ``summary.csv`` and ``summary.md``: per parameter the posterior mean, median, 90%
  credible interval (weighted 5% and 95% quantiles) and the prior's range;
- ``generations.csv``: epsilon, acceptance rate and effective sample size per generation;
- ``predictive.csv``: the posterior-predictive 5%, 50% and 95% at each observed week;
- ``pairs.png``: the posterior's pairs plot (weighted histograms on the diagonal,
  particles below it, shaded by weight);
- ``predictive.png``: the posterior-predictive band and median over the observed series;
- ``calibration.md`` and a self-contained ``calibration.html``: the report (the same blocks).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from netsim.analysis.calibration import BAND, CREDIBLE_MASS
from netsim.batch.calibration import DATABASE, FINGERPRINT, INPUT_COPY, Fit
from netsim.numbers import estimate, exact, percent, significant
from netsim.present.compare_report import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Span,
    Table,
    render_html,
    render_markdown,
)
from netsim.present.plots import figure_png, parameter_label, subplots
from netsim.results.files import (
    atomic_write,
    atomic_write_bytes,
    atomic_write_text,
    json_safe,
    provenance,
)
from netsim.text import figure_text

REPORT = "calibration.md"
REPORT_HTML = "calibration.html"
FILES = (
    "posterior.parquet",
    "summary.csv",
    "summary.md",
    "generations.csv",
    "predictive.csv",
    "pairs.png",
    "predictive.png",
    "calibration.json",
    REPORT,
    REPORT_HTML,
)


def generations_table(fit: Fit) -> pd.DataFrame:
    """One row per generation: epsilon, accepted, evaluations, acceptance rate, ESS."""
    return pd.DataFrame(
        [
            {
                "generation": g.index + 1,
                "epsilon": g.epsilon,
                "accepted": g.accepted,
                "evaluations": g.evaluations,
                "acceptance_rate": g.acceptance_rate,
                "effective_sample_size": g.effective_size,
            }
            for g in fit.generations
        ]
    )


def pairs_figure(fit: Fit) -> Figure:
    """The posterior's pairs plot: weighted histograms on the diagonal (prior range on the
    axis), the particles of each pair below it, darker for more weight."""
    names = list(fit.calibration.names)
    priors = {p.name: (p.low, p.high) for p in fit.calibration.priors}
    k = len(names)
    fig, axes = subplots(k, k, figsize=(2.6 * k + 0.6, 2.6 * k + 0.2), squeeze=False)
    weights = fit.posterior["weight"].to_numpy()
    shade = weights / weights.max()
    for i, row in enumerate(names):
        for j, column in enumerate(names):
            ax = axes[i][j]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                ax.hist(
                    fit.posterior[row],
                    bins=20,
                    range=priors[row],
                    weights=weights,
                    color="#1b9e77",
                )
                ax.set_xlim(*priors[row])
                ax.set_yticks([])
            else:
                ax.scatter(
                    fit.posterior[column],
                    fit.posterior[row],
                    s=10,
                    c=shade,
                    cmap="Greens",
                    vmin=0,
                    vmax=1,
                    edgecolors="none",
                )
                ax.set_xlim(*priors[column])
                ax.set_ylim(*priors[row])
            if i == k - 1:
                ax.set_xlabel(figure_text(parameter_label(column)), fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(figure_text(parameter_label(row)), fontsize=8)
            ax.tick_params(labelsize=7)
    fig.suptitle(figure_text(f"posterior: {fit.calibration.name}"), fontsize=10)
    fig.tight_layout()
    return fig


def predictive_figure(fit: Fit) -> Figure:
    """Per fitted column, the posterior-predictive 5-95% band and median against the
    observed series."""
    observed = fit.calibration.observed
    columns = observed.columns
    fig, axes = subplots(len(columns), 1, figsize=(7.5, 2.8 * len(columns) + 0.4), squeeze=False)
    for ax, column in zip(axes[:, 0], columns, strict=True):
        band = fit.bands[fit.bands["column"] == column]
        if not band.empty:
            ax.fill_between(
                band["week"],
                band["low"],
                band["high"],
                color="#1b9e77",
                alpha=0.25,
                label=f"posterior predictive {percent(BAND[0])}-{percent(BAND[2])}",
            )
            ax.plot(band["week"], band["median"], color="#1b9e77", label="predictive median")
        ax.plot(observed.weeks, observed.values[column], color="black", lw=1.2, label="observed")
        ax.set_ylabel(figure_text(column.replace("_", " ")))
        ax.legend(fontsize=8, loc="best")
    axes[-1, 0].set_xlabel("week")
    fig.suptitle(
        figure_text(f"{len(fit.draws)} posterior draws against the observed series"), fontsize=10
    )
    fig.tight_layout()
    return fig


def summary_rows(fit: Fit) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            str(row.parameter),
            significant(row.mean),
            estimate(row.median, row.low, row.high),
            f"{exact(row.prior_low)} to {exact(row.prior_high)}",
            percent(row.interval_share_of_prior),
        )
        for row in fit.summary.itertuples()
    )


SUMMARY_HEADERS = (
    "parameter",
    "posterior mean",
    f"median ({percent(CREDIBLE_MASS)} credible interval)",
    "prior (uniform)",
    "interval / prior range",
)


def report_blocks(fit: Fit) -> list[Block]:
    """The report, as blocks for Markdown and HTML."""
    c = fit.calibration
    last = fit.generations[-1]
    simulated = sum(g.evaluations for g in fit.generations)
    blocks: list[Block] = [
        Heading(f"Calibration: {c.name}", 1),
    ]
    if c.description:
        blocks.append(Paragraph((c.description,)))
    blocks += [
        Paragraph(
            (
                "Approximate Bayesian computation by sequential Monte Carlo (pyabc) fitted ",
                f"{len(c.priors)} parameter{'s' if len(c.priors) > 1 else ''} of ",
                Span(c.scenario.name, "strong"),
                f" to the observed {', '.join(c.observed.columns)} of ",
                Span(c.observed.path.name, "code"),
                f" (weeks {int(c.observed.weeks[0])} to {int(c.observed.weeks[-1])}). ",
                f"{len(fit.generations)} generations of {c.population} particles; "
                f"the last accepted runs within epsilon = {significant(last.epsilon)} "
                f"({percent(last.acceptance_rate)} of its proposals, effective sample size "
                f"{significant(last.effective_size)}); stopped: {fit.stopped}.",
            )
        ),
        Heading("Posterior", 2),
        Table(
            SUMMARY_HEADERS,
            summary_rows(fit),
            caption="Weighted over the last generation's particles. A credible interval "
            "about as wide as the prior means the series says little about that parameter. "
            "Whole-number parameters are summarised as sampled, before rounding.",
        ),
        Image("pairs.png", "pairs plot of the posterior"),
        Heading("Posterior predictive", 2),
        Paragraph(
            (
                f"{len(fit.draws)} runs from particles drawn by weight, each on its own seed"
                + (f" ({fit.failed_draws} failed)" if fit.failed_draws else "")
                + ": their 5-95% band and median against the observed series. An observed "
                "series well inside the band is one the fitted model could have made.",
            )
        ),
        Image("predictive.png", "posterior-predictive band over the observed series"),
        Heading("Generations", 2),
        Table(
            ("generation", "epsilon", "accepted / evaluated", "acceptance", "effective size"),
            tuple(
                (
                    str(g.index + 1),
                    significant(g.epsilon),
                    f"{g.accepted} / {g.evaluations}",
                    percent(g.acceptance_rate),
                    significant(g.effective_size),
                )
                for g in fit.generations
            ),
            caption="epsilon: the distance a run had to come within to be accepted (the "
            "previous generation's median distance). Evaluated: proposals up to the last "
            "one accepted.",
        ),
        Heading("How it was fitted", 2),
        Bullets(
            (
                (
                    "base scenario: ",
                    Span(c.scenario_ref or "the default", "code"),
                    f", {c.base.steps} weeks"
                    + (
                        f", with {', '.join(f'{k} = {v}' for k, v in c.fixed.items())}"
                        if c.fixed
                        else ""
                    ),
                ),
                (
                    f"distance: {c.distance.kind.replace('_', ' ')} of the differences, each "
                    f"column divided by {_scale_words(c.distance.scale)}"
                    + (f"; weights {_pairs(c.distance.weights)}" if c.distance.weights else ""),
                ),
                (
                    f"seed {c.seed}: particle i of generation t is drawn and run from seeds "
                    "derived from (seed, t, i), so the posterior is the same on any number "
                    f"of workers; {simulated:,} proposals counted, {fit.simulations:,} runs made "
                    f"by this invocation on {fit.engine} in {significant(fit.seconds)} s",
                ),
                (f"record mode of each run: {fit.record}",),
            )
        ),
        Heading("Files", 2),
        Bullets(tuple((Span(name, "code"),) for name in (DATABASE, FINGERPRINT, *FILES))),
    ]
    return blocks


def _pairs(values: dict[str, float]) -> str:
    return ", ".join(f"{k} = {exact(v)}" for k, v in values.items())


def _scale_words(scale: str) -> str:
    return {
        "sd": "the observed column's standard deviation",
        "mean": "the observed column's mean",
        "none": "nothing (raw units)",
    }[scale]


def _csv(table: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: table.to_csv(tmp, index=False))


def write_calibration(fit: Fit) -> Path:
    """Write the posterior, tables, figures and report into the fit's folder; its path."""
    folder = fit.folder
    posterior = fit.posterior
    atomic_write(folder / "posterior.parquet", lambda tmp: posterior.to_parquet(tmp, index=False))
    _csv(fit.summary, folder / "summary.csv")
    _csv(generations_table(fit), folder / "generations.csv")
    _csv(fit.bands, folder / "predictive.csv")
    summary_block = [Table(SUMMARY_HEADERS, summary_rows(fit))]
    atomic_write_text(folder / "summary.md", render_markdown(summary_block))
    images = {
        "pairs.png": figure_png(pairs_figure(fit)),
        "predictive.png": figure_png(predictive_figure(fit)),
    }
    for name, png in images.items():
        atomic_write_bytes(folder / name, png)
    document = {
        "provenance": provenance(fit.calibration.seed, fit.calibration.text),
        "calibration": str(fit.calibration.path),
        "input_copy": f"{INPUT_COPY}{fit.calibration.path.suffix}",
        "engine": fit.engine,
        "stopped": fit.stopped,
        "seconds": round(fit.seconds, 3),
        "simulations": fit.simulations,
        "summary": fit.summary.to_dict(orient="records"),
        "generations": generations_table(fit).to_dict(orient="records"),
    }
    atomic_write_text(
        folder / "calibration.json",
        json.dumps(json_safe(document), indent=2, default=str) + "\n",
    )
    blocks = report_blocks(fit)
    atomic_write_text(folder / REPORT, render_markdown(blocks))
    atomic_write_text(folder / REPORT_HTML, render_html(blocks, images))
    return folder
