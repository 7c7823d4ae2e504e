"""Fit a scenario's parameters to an observed series: ABC-SMC (pyabc) over netsim runs.

Approximate Bayesian computation by sequential Monte Carlo (Toni et al. 2009; pyabc,
Schälte et al. 2022): each generation proposes parameter values from the last
generation's weighted particles, runs the model (:func:`netsim.api.run`) for each and
keeps those whose series lies within the generation's threshold epsilon of the
observed one (the distance of :class:`netsim.analysis.calibration.SeriesDistance`;
epsilon is the median distance of the previous generation, pyabc's default). The
accepted particles, weighted, approximate the posterior.

Where the simulations run is the sweeps' engine choice (``--workers``,
``--scheduler``: :class:`netsim.batch.engines.EngineChoice`): in this process, on a
pool of local worker processes made as the engines make theirs, or on the Dask
cluster the engine connects to. Posterior-predictive runs go through
:func:`netsim.batch.engines.run_tasks` on that same engine.

Reproducible: particle i of generation t is proposed and simulated with numpy's global
generator (what pyabc draws from) seeded from (seed, t, i), each run's netsim seed is
derived from its proposed values, and the population is the first ``population``
accepted particles in index order. So a fixed seed gives the same posterior on one
worker, on many or on Dask, and a calibration resumed from its database after an
interruption ends where an uninterrupted one does (each generation is run as a
resumption of the last). Only the count of simulations run beyond the last accepted
particle (wasted by parallel batches) depends on the workers.

``python -m netsim.batch.calibration --make-example`` writes the shipped example's
synthetic "observed" series (:func:`make_example`).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd

from netsim import api
from netsim.analysis.calibration import (
    SeriesDistance,
    effective_sample_size,
    posterior_summary,
    predictive_bands,
)
from netsim.batch.engines import (
    DaskEngine,
    Engine,
    EngineChoice,
    LocalEngine,
    RunTask,
    _pool,
    _stop_pool,
    run_tasks,
)
from netsim.config.calibration import WEEK_COLUMN, Calibration, load_base, load_calibration
from netsim.config.parameters import ParameterError, Parameters
from netsim.config.seeding import derive_seed
from netsim.errors import NetsimError
from netsim.model import metrics
from netsim.results.files import atomic_write_text

DATABASE = "abc.db"
"""pyabc's history (SQLite) inside the results folder: what ``--resume`` continues."""
INPUT_COPY = "calibration_input"
"""The calibration file as it was when the folder was started (+ its suffix)."""
FINGERPRINT = "fit.json"
"""What the particles depend on (:func:`fingerprint`): a resume must match it."""
RUN_ID = 1
"""pyabc's id of the one ABC-SMC run a results folder holds."""
MAX_EVALUATIONS_PER_PARTICLE = 1000
"""A generation gives up (and the fit stops) after this many runs per particle wanted:
an acceptance rate under 0.1% means the threshold cannot be met."""
MIN_RATE = 0.02
"""The lowest acceptance rate a parallel batch is sized for (more would waste runs)."""


class CalibrationError(NetsimError, ValueError):
    """A calibration that cannot start or resume as asked (one line naming the folder)."""


def produced_columns() -> tuple[str, ...]:
    """The per-step table's columns an observed series may hold (all but ``step``)."""
    return tuple(c for c in metrics.STEP_COLUMNS if c != "step")


def load(path: str | Path) -> Calibration:
    """Read and validate a calibration file (:func:`netsim.config.calibration.load_calibration`)."""
    return load_calibration(path, produced_columns())


# --- the model pyabc calls ------------------------------------------------------------------


class SeriesModel:
    """pyabc's model: sampled parameter values -> the simulated series at the observed weeks.

    A plain callable that pickles (it runs in workers). A combination of values the model
    refuses (a ParameterError) gives a series of NaN, which the distance puts infinitely
    far: such particles are never accepted (a prior truncated to what the model allows).
    """

    def __init__(self, calibration: Calibration, record: str) -> None:
        self.calibration = calibration
        self.record = record
        self.weeks = calibration.observed.weeks
        self.columns = calibration.observed.columns

    def seed_for(self, sampled: Mapping[str, float]) -> int:
        """The run's seed, from the calibration seed and the sampled values (as sampled)."""
        items = [[name, float(sampled[name])] for name in sorted(self.calibration.names)]
        return derive_seed(self.calibration.seed, "calibration", items)

    def run(self, parameters: Parameters, seed: int) -> dict[str, np.ndarray]:
        return self.series(api.run(parameters, seed=seed, record=self.record).table)

    def series(self, table: pd.DataFrame) -> dict[str, np.ndarray]:
        rows = table.set_index("step").loc[self.weeks]
        return {c: rows[c].to_numpy(float) for c in self.columns}

    def __call__(self, sampled: Mapping[str, float]) -> dict[str, np.ndarray]:
        try:
            parameters = self.calibration.parameters_for(sampled)
        except ParameterError:
            return {c: np.full(self.weeks.size, np.nan) for c in self.columns}
        return self.run(parameters, self.seed_for(sampled))


# --- where particles are simulated -----------------------------------------------------------


def simulate_indexed(simulate_one: bytes | Callable[[], Any], seeds: Sequence[int]) -> list[Any]:
    """pyabc's ``simulate_one`` (propose, run, compare) once per seed, numpy's global
    generator seeded with it first: the particles, in order. What a worker runs."""
    simulate = cloudpickle.loads(simulate_one) if isinstance(simulate_one, bytes) else simulate_one
    particles = []
    for seed in seeds:
        np.random.seed(seed)  # pyabc proposes from numpy's global generator
        particles.append(simulate())
    return particles


class ParticleRunner:
    """Runs batches of indexed particles in this process, on local workers or on Dask."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.workers = 1
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None
        if isinstance(engine, LocalEngine) and engine.workers > 1:
            self.workers = engine.workers
        elif isinstance(engine, DaskEngine):
            self._client = engine.connect()
            self.workers = max(1, sum(self._client.nthreads().values()))

    @property
    def parallel(self) -> bool:
        return self.workers > 1 or self._client is not None

    def run(self, simulate_one: Callable[[], Any], seeds: Iterable[int]) -> Iterator[Any]:
        """The particles of ``seeds``, in order: one by one (and the seeds taken lazily) in
        this process; else in chunks over the workers, all of them."""
        if not self.parallel:
            for seed in seeds:
                yield from simulate_indexed(simulate_one, [seed])
            return
        seeds = list(seeds)
        payload = cloudpickle.dumps(simulate_one)
        size = max(1, math.ceil(len(seeds) / (2 * self.workers)))
        chunks = [seeds[i : i + size] for i in range(0, len(seeds), size)]
        futures: list[Any]
        if self._client is not None:
            futures = [
                self._client.submit(simulate_indexed, payload, chunk, pure=False)
                for chunk in chunks
            ]
        else:
            if self._pool is None:
                self._pool = _pool(self.workers, multiprocessing.get_context("forkserver"))
            futures = [self._pool.submit(simulate_indexed, payload, chunk) for chunk in chunks]
        try:
            for future in futures:
                yield from future.result()
        finally:
            if self._client is not None:
                self._client.cancel(futures)
            else:
                for future in futures:
                    future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            _stop_pool(self._pool)
            self._pool = None


class IndexedSampler:
    """A pyabc sampler (its interface, duck-typed) whose populations do not depend on the
    workers: particle i of generation t is simulated with numpy seeded from (seed, t, i),
    in batches, and the population is the first n accepted by index; the evaluations
    counted are those up to the n-th accepted."""

    def __init__(self, seed: int, runner: ParticleRunner) -> None:
        from pyabc.population import SampleFactory

        self.seed = seed
        self.runner = runner
        self.nr_evaluations_ = 0
        self.sample_factory = SampleFactory(record_rejected=False)
        self.show_progress = False
        self.analysis_id: str | None = None
        self.simulations = 0
        """Runs made, beyond the counted evaluations too (parallel batches overshoot)."""
        self.rate = 0.5
        """The last acceptance rate, for sizing the next generation's first batch."""

    def set_analysis_id(self, analysis_id: str) -> None:
        self.analysis_id = analysis_id

    def check_analysis_variables(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to check: this sampler takes any distance, epsilon and acceptor."""

    def stop(self) -> None:
        """pyabc calls this after every run(); the workers outlive it (closed by the fit)."""

    def _create_empty_sample(self) -> Any:
        return self.sample_factory()

    def batch_size(self, wanted: int) -> int:
        if not self.runner.parallel:
            return wanted * MAX_EVALUATIONS_PER_PARTICLE  # lazy: stops at the n-th accepted
        size = math.ceil(1.1 * wanted / max(self.rate, MIN_RATE))
        return max(2 * self.runner.workers, size)

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        limit = n * MAX_EVALUATIONS_PER_PARTICLE
        particles: list[Any] = []
        accepted = 0
        last = -1
        while accepted < n and len(particles) < limit:
            start = len(particles)
            wanted = n - accepted
            size = min(wanted if all_accepted else self.batch_size(wanted), limit - start)
            seeds = (derive_seed(self.seed, "particle", t, i) for i in range(start, start + size))
            for particle in self.runner.run(simulate_one, seeds):
                particles.append(particle)
                if particle.accepted and accepted < n:
                    accepted += 1
                    last = len(particles) - 1
                    if accepted == n and not self.runner.parallel:
                        break
            if accepted < n and self.runner.parallel:
                self.rate = max(accepted, 1) / len(particles)
        self.simulations += len(particles)
        kept = particles[: last + 1] if accepted == n else particles
        sample = self._create_empty_sample()
        for particle in kept:
            sample.append(particle)
        self.nr_evaluations_ = len(kept)
        if accepted < n:
            sample.ok = False
        else:
            self.rate = n / len(kept)
        return sample


# --- the fit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generation:
    """One finished generation, as the progress lines and the report show it."""

    index: int
    """0-based."""
    epsilon: float
    accepted: int
    evaluations: int
    """Runs up to the last accepted particle (the acceptance rate's denominator)."""
    effective_size: float
    seconds: float
    """Wall-clock seconds since this fit (or resume) started."""
    resumed: bool = False
    """Read from the database, not run now."""

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.evaluations if self.evaluations else math.nan


@dataclass
class Fit:
    """A finished (or stopped) calibration: the posterior and what shows how it was got."""

    calibration: Calibration
    folder: Path
    engine: str
    posterior: pd.DataFrame
    """One row per particle of the last generation: parameter columns (as sampled) and
    ``weight`` (summing to 1)."""
    summary: pd.DataFrame
    """:func:`netsim.analysis.calibration.posterior_summary` of the posterior."""
    generations: list[Generation]
    stopped: str
    """Why the fit stopped (generations done, epsilon reached, acceptance too low)."""
    bands: pd.DataFrame
    """Posterior-predictive bands (column, week, low, median, high)."""
    draws: list[dict[str, np.ndarray]] = field(default_factory=list)
    failed_draws: int = 0
    simulations: int = 0
    """Model runs made by this invocation (not counting a resumed folder's earlier ones)."""
    seconds: float = 0.0
    record: str = "summary"


def _read_generations(history: Any, started: float, resumed: bool) -> list[Generation]:
    table = history.get_all_populations()
    table = table[table["t"] >= 0].sort_values("t")
    found = []
    for row in table.itertuples():
        _, weights = history.get_distribution(m=0, t=int(row.t))
        found.append(
            Generation(
                index=int(row.t),
                epsilon=float(row.epsilon),
                accepted=int(row.particles),
                evaluations=int(row.samples),
                effective_size=effective_sample_size(weights),
                seconds=time.perf_counter() - started,
                resumed=resumed,
            )
        )
    return found


def fingerprint(calibration: Calibration) -> dict[str, Any]:
    """What a fit's particles depend on: the base parameters, priors, observed series,
    distance, seed and population (not the number of generations, min_epsilon or the
    predictive draws, which a resume may change)."""
    observed = calibration.observed
    return json.loads(
        json.dumps(
            {
                "base": calibration.base.to_dict(),
                "priors": [[p.name, p.low, p.high] for p in calibration.priors],
                "weeks": observed.weeks.tolist(),
                "observed": {c: v.tolist() for c, v in observed.values.items()},
                "distance": [
                    calibration.distance.kind,
                    calibration.distance.scale,
                    calibration.distance.weights,
                ],
                "seed": calibration.seed,
                "population": calibration.population,
            },
            default=str,
        )
    )


def check_folder(calibration: Calibration, folder: Path, resume: bool) -> None:
    """A fresh fit needs a folder without a database; a resume one with it, started from a
    calibration that differs at most in generations, min_epsilon and draws
    (CalibrationError otherwise)."""
    database = folder / DATABASE
    if resume:
        if not database.is_file():
            raise CalibrationError(
                f"{folder}: --resume found no calibration to continue ({DATABASE} is missing)"
            )
        key = folder / FINGERPRINT
        if key.is_file() and json.loads(key.read_text(encoding="utf-8")) != fingerprint(
            calibration
        ):
            raise CalibrationError(
                f"{folder}: was started from a different calibration than {calibration.path.name}"
                " (only generations, min_epsilon and draws may change on a resume); resume "
                "with the same file, or use another --out"
            )
    elif database.exists():
        raise CalibrationError(
            f"{folder}: already holds a calibration; add --resume to continue it, or choose "
            "another --out"
        )


def record_mode(calibration: Calibration) -> str:
    """'summary' if the cheaper record mode keeps every fitted column, else 'all'; a pilot
    run of the base scenario (which also reports a base that cannot run before any fit)."""
    pilot = api.run(calibration.base.with_steps(1), seed=calibration.seed, record="summary")
    kept = set(pilot.table.columns)
    return "summary" if set(calibration.observed.columns) <= kept else "all"


def fit(
    calibration: Calibration,
    folder: Path,
    choice: EngineChoice,
    *,
    resume: bool = False,
    on_generation: Callable[[Generation], None] | None = None,
) -> Fit:
    """Run (or resume) the ABC-SMC fit into ``folder``, then the posterior-predictive runs.

    ``on_generation`` is called after each generation (and for each generation a resumed
    folder already holds). numpy's global generator is restored afterwards.
    """
    import pyabc

    check_folder(calibration, folder, resume)
    if choice.workers == 1:
        choice = EngineChoice(serial=True)  # one worker: in this process, no pool
    folder.mkdir(parents=True, exist_ok=True)
    if not resume:
        atomic_write_text(folder / f"{INPUT_COPY}{calibration.path.suffix}", calibration.text)
        atomic_write_text(folder / FINGERPRINT, json.dumps(fingerprint(calibration)) + "\n")
    record = record_mode(calibration)
    started = time.perf_counter()
    state = np.random.get_state()
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.WARNING)  # pyabc's INFO lines: the fit reports its own
    try:
        with choice.engine(calibration.population) as engine:
            runner = ParticleRunner(engine)
            try:
                sampler = IndexedSampler(calibration.seed, runner)
                prior = pyabc.Distribution(
                    **{
                        p.name: pyabc.RV("uniform", p.low, p.high - p.low)
                        for p in calibration.priors
                    }
                )
                model = SeriesModel(calibration, record)
                observed = dict(calibration.observed.values)
                distance = SeriesDistance(calibration.distance, observed)

                def smc() -> Any:
                    return pyabc.ABCSMC(
                        model,
                        prior,
                        distance,
                        population_size=calibration.population,
                        sampler=sampler,
                    )

                database = f"sqlite:///{(folder / DATABASE).resolve()}"
                if not resume:
                    smc().new(database, observed)
                history = smc().load(database, RUN_ID)
                done = _read_generations(history, started, resumed=True)
                if on_generation is not None:
                    for generation in done:
                        on_generation(generation)
                stopped = _stop_reason(calibration, done)
                while not stopped:
                    # each generation resumes the last from the database (a fresh ABCSMC:
                    # pyabc caches its first calibration sample in the object), so an
                    # interrupted fit resumed ends where an uninterrupted one does
                    t = len(done)
                    abc = smc()
                    history = abc.load(database, RUN_ID)
                    np.random.seed(derive_seed(calibration.seed, "generation", t))
                    abc.run(minimum_epsilon=calibration.min_epsilon, max_nr_populations=1)
                    if history.max_t < t:
                        stopped = (
                            f"generation {t + 1} stopped: fewer than 1 in "
                            f"{MAX_EVALUATIONS_PER_PARTICLE} runs came within the threshold"
                        )
                        break
                    latest = _read_generations(history, started, resumed=False)[-1]
                    done.append(latest)
                    if on_generation is not None:
                        on_generation(latest)
                    stopped = _stop_reason(calibration, done)
                if not done:
                    raise CalibrationError(f"{folder}: no generation finished ({stopped})")
                sample, weights = history.get_distribution(m=0, t=history.max_t)
                names = list(calibration.names)
                posterior = sample[names].reset_index(drop=True)
                posterior["weight"] = weights / weights.sum()
                summary = posterior_summary(
                    posterior,
                    posterior["weight"].to_numpy(),
                    {p.name: (p.low, p.high) for p in calibration.priors},
                )
                draws, failed = predictive(calibration, posterior, model, engine)
            finally:
                runner.close()
    finally:
        np.random.set_state(state)
        logger.setLevel(level)
    return Fit(
        calibration=calibration,
        folder=folder,
        engine=engine.describe(),
        posterior=posterior,
        summary=summary,
        generations=done,
        stopped=stopped,
        bands=predictive_bands(calibration.observed.weeks, draws),
        draws=draws,
        failed_draws=failed,
        simulations=sampler.simulations + calibration.draws,
        seconds=time.perf_counter() - started,
        record=record,
    )


def _stop_reason(calibration: Calibration, done: Sequence[Generation]) -> str:
    """Why no further generation is to run ("" while one is)."""
    if done and done[-1].epsilon <= calibration.min_epsilon:
        return f"epsilon {done[-1].epsilon:.4g} reached min_epsilon ({calibration.min_epsilon:g})"
    if len(done) >= calibration.generations:
        return f"{calibration.generations} generations done"
    return ""


def predictive(
    calibration: Calibration, posterior: pd.DataFrame, model: SeriesModel, engine: Engine
) -> tuple[list[dict[str, np.ndarray]], int]:
    """``draws`` runs from posterior particles drawn by weight (each its own seed), on the
    engine: their series at the observed weeks, in draw order, and how many failed."""
    if calibration.draws == 0:
        return [], 0
    rng = np.random.default_rng(derive_seed(calibration.seed, "predictive"))
    picks = rng.choice(len(posterior), size=calibration.draws, p=posterior["weight"].to_numpy())
    tasks = []
    for draw, row in enumerate(picks.tolist()):
        sampled = posterior.iloc[row].to_dict()
        try:
            parameters = calibration.parameters_for(sampled)
        except ParameterError:
            continue
        tasks.append(
            RunTask(
                parameters,
                derive_seed(calibration.seed, "predictive", draw),
                labels={"draw": draw},
                keep_table=True,
            )
        )
    series: dict[int, dict[str, np.ndarray]] = {}
    for outcome in run_tasks(tasks, engine=engine):
        if outcome.ok and outcome.table is not None:
            series[outcome.task.labels["draw"]] = model.series(outcome.table)
    return [series[d] for d in sorted(series)], calibration.draws - len(series)


# --- the shipped example ---------------------------------------------------------------------

EXAMPLE_FILE = Path("experiments") / "calibration" / "calibrate_example.toml"
EXAMPLE_SERIES = Path("experiments") / "data" / "observed_example.csv"
EXAMPLE_TRUTH = {"join_rate": 0.3, "initial_trust": 0.6, "facilitation_capacity": 0.4}
"""The parameter values the example's "observed" series was made with (what the fit should
recover); the rest of its scenario is the calibration file's base."""
EXAMPLE_COLUMNS = ("members", "adoption_share")
EXAMPLE_SEED = 20240601


def synthetic_series(
    base: Parameters, truth: Mapping[str, float], columns: Sequence[str], seed: int
) -> pd.DataFrame:
    """One run of ``base`` with ``truth`` as an observed series: a week column (0 to the
    base's steps) and ``columns`` of the per-step table."""
    table = api.run(base.replace(**dict(truth)), seed=seed, record="all").table
    frame = pd.DataFrame({WEEK_COLUMN: table["step"].to_numpy()})
    for column in columns:
        frame[column] = table[column].to_numpy()
    return frame


def make_example(root: Path = Path()) -> Path:
    """Write the shipped example's "observed" series: one run of the base of
    experiments/calibration/calibrate_example.toml with EXAMPLE_TRUTH (seed EXAMPLE_SEED),
    its EXAMPLE_COLUMNS every week, to experiments/data/observed_example.csv."""
    base = load_base(root / EXAMPLE_FILE)
    frame = synthetic_series(base, EXAMPLE_TRUTH, EXAMPLE_COLUMNS, EXAMPLE_SEED)
    target = root / EXAMPLE_SERIES
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target, index=False, float_format="%.6g")
    return target


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m netsim.batch.calibration --make-example``: regenerate the example series."""
    parser = argparse.ArgumentParser(
        prog="python -m netsim.batch.calibration",
        description="Write the calibration example's synthetic observed series.",
    )
    parser.add_argument("--make-example", action="store_true", required=True)
    parser.add_argument("--root", type=Path, default=Path(), help="the repository's root")
    args = parser.parse_args(argv)
    print(make_example(args.root))


if __name__ == "__main__":
    main()
