"""Calibration by ABC-SMC: it recovers known parameters, is reproducible, and resumes.

Each fit here is small (a 200-person network over 60 weeks, tens of particles) and runs
in this process (one worker) unless the test is about workers.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from netsim.analysis.calibration import covers
from netsim.batch.calibration import (
    CalibrationError,
    Generation,
    fit,
    load,
    make_example,
    synthetic_series,
)
from netsim.batch.engines import EngineChoice
from netsim.cli import app
from netsim.config.calibration import Calibration, load_base
from netsim.present.calibration_report import FILES

ROOT = Path(__file__).resolve().parents[2]
SERIAL = EngineChoice(serial=True)
BASE = """
seed = {seed}
steps = 60
population = {population}
generations = {generations}
draws = {draws}
observed = "observed.csv"

[set]
eligible_population = 200

[priors]
{priors}
"""
JOIN = "join_rate = { low = 0.05, high = 0.8 }"


def calibration_file(
    folder: Path,
    truth: dict[str, float],
    *,
    priors: str = JOIN,
    seed: int = 1,
    population: int = 40,
    generations: int = 3,
    draws: int = 5,
    truth_seed: int = 7,
) -> Path:
    """A calibration file whose observed series is one run with ``truth``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fit.toml"
    path.write_text(
        BASE.format(
            seed=seed, population=population, generations=generations, draws=draws, priors=priors
        ),
        encoding="utf-8",
    )
    series = synthetic_series(load_base(path), truth, ("members", "adoption_share"), truth_seed)
    series.to_csv(folder / "observed.csv", index=False)
    return path


def posterior_of(calibration: Calibration, out: Path, **kw: object) -> pd.DataFrame:
    return fit(calibration, out, SERIAL, **kw).posterior  # type: ignore[arg-type]


def test_recovers_a_known_join_rate(tmp_path: Path) -> None:
    truth = {"join_rate": 0.3}
    calibration = load(calibration_file(tmp_path, truth, population=50, generations=3))
    result = fit(calibration, tmp_path / "out", SERIAL)
    assert covers(result.summary, truth) == {"join_rate": True}, result.summary
    row = result.summary.iloc[0]
    # and it learnt something: the interval is well inside the prior
    assert row["interval_share_of_prior"] < 0.6
    epsilons = [g.epsilon for g in result.generations]
    assert epsilons == sorted(epsilons, reverse=True) and len(epsilons) == 3
    assert np.isclose(result.posterior["weight"].sum(), 1)


def test_a_fixed_seed_gives_the_same_posterior_twice(tmp_path: Path) -> None:
    calibration = load(calibration_file(tmp_path, {"join_rate": 0.3}, population=20, generations=2))
    first = posterior_of(calibration, tmp_path / "a")
    second = posterior_of(calibration, tmp_path / "b")
    pd.testing.assert_frame_equal(first, second)
    other = posterior_of(dataclasses.replace(calibration, seed=2), tmp_path / "c")
    assert not first.equals(other)


def test_two_workers_and_dask_give_the_posterior_of_one(tmp_path: Path) -> None:
    from distributed import LocalCluster

    calibration = load(calibration_file(tmp_path, {"join_rate": 0.3}, population=20, generations=2))
    serial = posterior_of(calibration, tmp_path / "a")
    parallel = fit(calibration, tmp_path / "b", EngineChoice(workers=2)).posterior
    pd.testing.assert_frame_equal(serial, parallel)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask = fit(calibration, tmp_path / "c", EngineChoice(scheduler=cluster.scheduler_address))
    pd.testing.assert_frame_equal(serial, dask.posterior)
    assert dask.engine.startswith("Dask cluster at")


def test_an_interrupted_calibration_resumes_to_the_same_posterior(tmp_path: Path) -> None:
    calibration = load(calibration_file(tmp_path, {"join_rate": 0.3}, population=20, generations=3))
    straight = posterior_of(calibration, tmp_path / "straight")

    def interrupt(generation: Generation) -> None:
        if generation.index == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(calibration, tmp_path / "cut", SERIAL, on_generation=interrupt)
    seen: list[Generation] = []
    resumed = fit(calibration, tmp_path / "cut", SERIAL, resume=True, on_generation=seen.append)
    assert [(g.index, g.resumed) for g in seen] == [(0, True), (1, True), (2, False)]
    pd.testing.assert_frame_equal(straight, resumed.posterior)


def test_a_resume_may_add_generations_but_not_change_the_fit(tmp_path: Path) -> None:
    calibration = load(calibration_file(tmp_path, {"join_rate": 0.3}, population=20, generations=1))
    out = tmp_path / "out"
    fit(calibration, out, SERIAL)
    with pytest.raises(CalibrationError, match="already holds a calibration; add --resume"):
        fit(calibration, out, SERIAL)
    longer = fit(dataclasses.replace(calibration, generations=2), out, SERIAL, resume=True)
    assert [g.index for g in longer.generations] == [0, 1]
    with pytest.raises(CalibrationError, match="different calibration"):
        fit(dataclasses.replace(calibration, population=30), out, SERIAL, resume=True)
    with pytest.raises(CalibrationError, match="found no calibration to continue"):
        fit(calibration, tmp_path / "empty", SERIAL, resume=True)


def test_numpys_global_generator_is_left_as_it_was(tmp_path: Path) -> None:
    calibration = load(calibration_file(tmp_path, {"join_rate": 0.3}, population=10, generations=1))
    np.random.seed(123)
    expected = np.random.random()
    np.random.seed(123)
    fit(calibration, tmp_path / "out", SERIAL)
    assert np.random.random() == expected


def test_the_cli_end_to_end_writes_the_folder(tmp_path: Path) -> None:
    path = calibration_file(tmp_path, {"join_rate": 0.3}, population=15, generations=2, draws=4)
    out = tmp_path / "out"
    runner = CliRunner()
    done = runner.invoke(app, ["calibrate", str(path), "--out", str(out), "--workers", "1"])
    assert done.exit_code == 0, done.output
    assert "generation 1/2: epsilon" in done.output and "generation 2/2" in done.output
    assert "join_rate:" in done.output and "(median, 90% interval)" in done.output
    for name in ("abc.db", "fit.json", "calibration_input.toml", *FILES):
        assert (out / name).is_file(), name
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == ["join_rate", "weight"] and len(posterior) == 15
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["parameter"]) == ["join_rate"]
    assert (summary["low"] <= summary["median"]).all() and (
        summary["median"] <= summary["high"]
    ).all()
    report = (out / "calibration.md").read_text(encoding="utf-8")
    assert "90% credible interval" in report and "4 runs from particles" in report
    assert (out / "calibration.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    again = runner.invoke(app, ["calibrate", str(path), "--out", str(out), "--workers", "1"])
    assert again.exit_code == 2 and "add --resume" in again.output
    resumed = runner.invoke(
        app, ["calibrate", str(path), "--out", str(out), "--workers", "1", "--resume", "--quiet"]
    )
    assert resumed.exit_code == 0, resumed.output
    assert resumed.output.strip().endswith(str(out))


def test_the_cli_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    path = calibration_file(tmp_path, {"join_rate": 0.3})
    path.write_text(
        path.read_text(encoding="utf-8").replace("join_rate", "join_rat"), encoding="utf-8"
    )
    done = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(tmp_path / "o")])
    assert done.exit_code == 2
    assert done.output.count("\n") == 1 and "did you mean 'join_rate'" in done.output


def test_make_example_regenerates_the_shipped_series(tmp_path: Path) -> None:
    for part in ("experiments/calibration/calibrate_example.toml",):
        target = tmp_path / part
        target.parent.mkdir(parents=True)
        target.write_text((ROOT / part).read_text(encoding="utf-8"), encoding="utf-8")
    written = make_example(tmp_path)
    shipped = ROOT / "experiments" / "data" / "observed_example.csv"
    assert written.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


@pytest.mark.slow
def test_recovery_of_ten_synthetic_truths(tmp_path: Path) -> None:
    """For 10 truths of (join_rate, facilitation_capacity) drawn uniformly inside the
    priors, each true value lies inside its 90% credible interval in at least 8."""
    rng = np.random.default_rng(2024)
    priors = (
        "join_rate = { low = 0.1, high = 0.7 }\nfacilitation_capacity = { low = 0.1, high = 0.9 }"
    )
    hits = {"join_rate": 0, "facilitation_capacity": 0}
    for k in range(10):
        truth = {
            "join_rate": float(rng.uniform(0.1, 0.7)),
            "facilitation_capacity": float(rng.uniform(0.1, 0.9)),
        }
        path = calibration_file(
            tmp_path / f"truth{k}",
            truth,
            priors=priors,
            population=100,
            generations=4,
            draws=0,
            truth_seed=100 + k,
        )
        result = fit(load(path), tmp_path / f"truth{k}" / "out", EngineChoice(workers=2))
        for name, inside in covers(result.summary, truth).items():
            hits[name] += inside
    assert all(count >= 8 for count in hits.values()), hits
