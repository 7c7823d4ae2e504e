"""The sweep folder's model (src/netsim/results/sweep_folder.py): the manifest parsed once
and typed, one-line errors naming the file and field, and one rule for duplicate rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netsim.batch.engines import SerialEngine
from netsim.batch.sweep import run_sweep
from netsim.config.experiments import load_experiment
from netsim.results.sweep_folder import (
    FORMAT,
    Manifest,
    SweepFolder,
    SweepFolderError,
    first_ok_rows,
    part_name,
)

TINY = """
name = "tiny folder"
description = "four runs, one point failing"
seed = 3
replicates = 2
steps = 6
design = "grid"

[set]
eligible_population = 100

[vary]
founding_core = [10, 150]   # 150 > 100 people: those runs fail

[outputs]
steps = true

[analysis]
parameter = "founding_core"
outcome = "spread"
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> SweepFolder:
    root = tmp_path_factory.mktemp("folder")
    (root / "exp.toml").write_text(TINY, encoding="utf-8")
    report = run_sweep(load_experiment(root / "exp.toml"), root / "out", engine=SerialEngine())
    assert (report.ok, report.failed) == (2, 2)
    return SweepFolder(root / "out")


def test_a_real_manifest_round_trips_byte_for_byte(sweep: SweepFolder) -> None:
    text = sweep.manifest_path.read_text(encoding="utf-8")
    manifest = sweep.manifest
    assert manifest.dumps() == text  # the typed model writes exactly what the sweep wrote
    assert Manifest.from_json(json.loads(text)) == manifest
    assert (manifest.format, manifest.version) == (FORMAT, 1)
    assert manifest.varied_names == ["founding_core"] and manifest.factor("founding_core").levels
    assert manifest.analysis.parameter == "founding_core" and manifest.analysis.outcome == "spread"
    assert manifest.keep_steps and manifest.total_runs == 4 and manifest.points == 2
    assert manifest.provenance.seed == 3
    assert manifest.base_parameters["eligible_population"] == 100


def test_the_folder_reads_runs_steps_and_no_design_for_a_grid(sweep: SweepFolder) -> None:
    runs = sweep.runs()
    assert list(runs.columns) == sweep.manifest.columns.runs
    assert [(p, r) for p, r in zip(runs["point_id"], runs["replicate"], strict=True)] == [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
    ]
    assert list(runs["status"]) == ["ok", "ok", "failed", "failed"]
    steps = sweep.steps()
    assert set(steps["run_id"]) == set(runs["run_id"][:2])
    one = sweep.steps(run_id=runs["run_id"][1])
    assert set(one["run_id"]) == {runs["run_id"][1]} and list(one["step"]) == list(range(7))
    assert sweep.design() is None


def test_an_old_manifest_without_analysis_settings_still_opens(
    sweep: SweepFolder, tmp_path: Path
) -> None:
    data = json.loads(sweep.manifest_path.read_text(encoding="utf-8"))
    del data["analysis"]  # written before experiment files had an [analysis] table
    manifest = Manifest.from_json(data)
    assert manifest.analysis.parameter is None and manifest.analysis.keys == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "manifest.json: cannot be read"),
        ("[1, 2]", "manifest.json: the manifest is not a JSON object"),
        ('{"format": "netsim-sweep/0"}', "format 'netsim-sweep/0' is not 'netsim-sweep/1'"),
        ('{"name": "no format"}', "manifest.json: has no 'format' key"),
    ],
)
def test_a_malformed_manifest_is_a_one_line_error(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    with pytest.raises(SweepFolderError) as err:
        _ = SweepFolder(tmp_path).manifest
    assert expected in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("varied"), "has no 'varied' key"),
        (lambda d: d.pop("base_parameters"), "has no 'base_parameters' key"),
        (lambda d: d.update(replicates="two"), "'replicates' must be a whole number; got 'two'"),
        (lambda d: d.update(replicates=True), "'replicates' must be a whole number"),
        (lambda d: d.update(design=None), "'design' must be set (not null)"),
        (lambda d: d["outputs"].pop("steps"), "has no outputs.'steps' key"),
        (lambda d: d["varied"][0].update(kind="many"), "varied[0].'kind' must be"),
        (lambda d: d["columns"].update(ids="run_id"), "columns.'ids' must be a list"),
        (lambda d: d["provenance"].update(seed="x"), "provenance.seed must be a int"),
        (lambda d: d.update(analysis={"colour": "red"}), "analysis has an unknown key 'colour'"),
    ],
)
def test_a_missing_or_mistyped_field_is_named(
    sweep: SweepFolder, tmp_path: Path, change, expected: str
) -> None:
    data = json.loads(sweep.manifest_path.read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SweepFolderError) as err:
        _ = SweepFolder(tmp_path).manifest
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'manifest.json'}: ") and "\n" not in message
    assert expected in message


def test_a_folder_that_is_not_a_sweep_says_so(tmp_path: Path) -> None:
    with pytest.raises(SweepFolderError, match="does not exist"):
        _ = SweepFolder(tmp_path / "nowhere").manifest
    with pytest.raises(SweepFolderError, match=r"has no manifest\.json"):
        _ = SweepFolder(tmp_path).manifest
    assert not SweepFolder(tmp_path).exists() and SweepFolder(tmp_path).is_empty()


# --- duplicate rows ---------------------------------------------------------------------------


def test_duplicates_keep_the_first_ok_row_else_the_first_row() -> None:
    runs = pd.DataFrame(
        {
            "run_id": [0, 1, 1, 2, 2, 3, 3, 4, 4],
            "status": ["ok", "failed", "ok", "ok", "failed", "failed", "failed", "ok", "ok"],
            "tag": ["a", "b-failed", "b-ok", "c-ok", "c-failed", "d1", "d2", "e1", "e2"],
        }
    )
    kept = first_ok_rows(runs)
    assert kept["run_id"].tolist() == [0, 1, 2, 3, 4]
    assert kept["tag"].tolist() == ["a", "b-ok", "c-ok", "d1", "e1"]


def test_a_folder_with_a_run_in_two_parts_reads_one_row_by_that_rule(
    sweep: SweepFolder, tmp_path: Path
) -> None:
    """Parts in number order: a retry's ok row beats the old failure; a repeat never wins."""
    folder = SweepFolder(tmp_path / "copy")
    folder.runs_dir.mkdir(parents=True)
    folder.manifest_path.write_bytes(sweep.manifest_path.read_bytes())
    runs = sweep.runs()
    ok, failed = runs.iloc[[0]], runs.iloc[[2]]
    retried = failed.assign(status="ok", error=None)  # the failed run, ok on a retry
    repeat = ok.assign(seconds=99.0)  # the same run written again later
    # part 100000 sorts before part 99999 as text; the folder reads them by number
    for index, part in ((99999, pd.concat([ok, failed])), (100000, pd.concat([retried, repeat]))):
        part.to_parquet(folder.runs_dir / part_name(index), index=False)
    table = folder.runs()
    assert table["run_id"].is_unique and len(table) == 2
    first = table.set_index("run_id")
    assert first.loc[ok["run_id"].item(), "seconds"] == ok["seconds"].item()
    assert first.loc[failed["run_id"].item(), "status"] == "ok"
    assert np.array_equal(table["point_id"], np.sort(table["point_id"]))
