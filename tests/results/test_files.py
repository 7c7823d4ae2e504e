"""Results folders (src/netsim/results/files.py, run_folder.py): files, provenance, atomic
writes, and the run folder read back typed."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netsim
from netsim.api import RunResult
from netsim.config.outcomes import SUMMARY_FIELDS
from netsim.config.parameters import Parameters
from netsim.present import plots
from netsim.results import files as results
from netsim.results.files import atomic_write, atomic_write_text, unique_folder
from netsim.results.run_folder import RunFolder, RunFolderError, read_run, write_run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SEED = 7


@pytest.fixture(scope="module")
def result() -> RunResult:
    params = Parameters(
        eligible_population=150,
        timeline=[{"step": 3, "action": "funding_cut", "amount": 0.0}],
    )
    return netsim.run(params, seed=SEED, steps=4)


@pytest.fixture(scope="module")
def folder(result: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("results") / "nested" / "run"
    returned = write_run(
        result, target, images={"curves.png": plots.run_curves_png(result.table, result.seed)}
    )
    assert returned == target
    return target


def test_write_run_writes_the_four_files_and_nothing_else(folder: Path) -> None:
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["curves.png", "steps.csv", "steps.parquet", "summary.json"]


def test_curves_png_is_a_png(folder: Path) -> None:
    data = (folder / "curves.png").read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    assert len(data) > 1000


def test_read_run_round_trips_the_table_exactly(folder: Path, result: RunResult) -> None:
    table, document = read_run(folder)
    pd.testing.assert_frame_equal(table, result.table, check_exact=True)
    assert len(table) == 5  # steps 0..4
    assert document["summary"]["peak_members"] == result.summary["peak_members"]


def test_steps_csv_holds_the_same_table(folder: Path, result: RunResult) -> None:
    csv = pd.read_csv(folder / "steps.csv")
    assert list(csv.columns) == list(result.table.columns)
    pd.testing.assert_frame_equal(csv, result.table, check_dtype=False, rtol=1e-12)


def test_summary_json_holds_summary_parameters_and_provenance(
    folder: Path, result: RunResult
) -> None:
    document = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert set(document) == {"summary", "parameters", "contacts", "provenance"}
    assert document["contacts"] == result.model.contact_sources  # no file: all generated
    assert document["contacts"]["from_file"] == 0

    summary = document["summary"]
    assert list(summary) == list(SUMMARY_FIELDS)
    for key, value in result.summary.items():
        if isinstance(value, float) and math.isnan(value):
            assert summary[key] is None  # NaN is written as JSON null
        else:
            assert summary[key] == pytest.approx(value)
            assert type(summary[key]) is type(value) or isinstance(value, float)

    params = Parameters.from_dict(document["parameters"])
    assert params == result.parameters
    assert params.eligible_population == 150 and params.steps == 4
    assert params.timeline[0].action == "funding_cut"

    provenance = document["provenance"]
    assert provenance["netsim_version"] == netsim.__version__
    assert provenance["seed"] == SEED
    assert provenance["scenario_text"] is None
    datetime.fromisoformat(provenance["created"])
    commit = provenance["git_commit"]
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}", commit)


def test_summary_json_is_strict_json(folder: Path) -> None:
    text = (folder / "summary.json").read_text(encoding="utf-8")

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-standard JSON constant {constant}")

    json.loads(text, parse_constant=refuse)


def test_json_safe_turns_nan_into_null_and_numpy_scalars_into_python() -> None:
    value = {
        "nan": math.nan,
        "np_nan": np.float64("nan"),
        "scalars": (np.int64(3), np.bool_(True), np.float64(0.5)),
        "nested": [{"x": math.nan}, "text", None],
    }
    safe = results.json_safe(value)
    assert safe == {
        "nan": None,
        "np_nan": None,
        "scalars": [3, True, 0.5],
        "nested": [{"x": None}, "text", None],
    }
    assert type(safe["scalars"][0]) is int and type(safe["scalars"][1]) is bool
    json.dumps(safe, allow_nan=False)


def test_scenario_text_and_no_figure(result: RunResult, tmp_path: Path) -> None:
    write_run(result, tmp_path, scenario_text="steps: 4\n")
    assert not (tmp_path / "curves.png").exists()
    _, document = read_run(tmp_path)
    assert document["provenance"]["scenario_text"] == "steps: 4\n"


def test_rewriting_a_folder_replaces_its_files(result: RunResult, tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text("stale", encoding="utf-8")
    write_run(result, tmp_path)
    _, document = read_run(tmp_path)
    assert document["provenance"]["seed"] == SEED


# ---------------------------------------------------------------------------
# atomic writes


def test_atomic_write_replaces_the_file_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text(encoding="utf-8") == "second"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_atomic_write_writes_to_a_temporary_file_beside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    seen: list[Path] = []

    def writer(tmp: Path) -> None:
        seen.append(tmp)
        assert tmp.parent == target.parent
        assert tmp != target
        assert not target.exists()
        tmp.write_text("done", encoding="utf-8")

    atomic_write(target, writer)
    assert target.read_text(encoding="utf-8") == "done"
    assert not seen[0].exists()


def test_failed_atomic_write_keeps_the_old_file_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.write_text("old content", encoding="utf-8")

    def broken(tmp: Path) -> None:
        tmp.write_text("half a fi", encoding="utf-8")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(target, broken)
    assert target.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_failed_atomic_write_of_a_new_file_leaves_nothing(tmp_path: Path) -> None:
    def broken(tmp: Path) -> None:
        raise OSError("no space left")

    with pytest.raises(OSError, match="no space left"):
        atomic_write(tmp_path / "new.csv", broken)
    assert list(tmp_path.iterdir()) == []


def test_unique_folder_adds_a_suffix_when_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixed = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

    class FrozenClock(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return fixed

    monkeypatch.setattr(results, "datetime", FrozenClock)
    first = unique_folder(tmp_path, "run", "-seed3")
    assert first == tmp_path / "run-20240102-030405-seed3"
    first.mkdir()
    second = unique_folder(tmp_path, "run", "-seed3")
    assert second == tmp_path / "run-20240102-030405-seed3-2"
    second.mkdir()
    assert unique_folder(tmp_path, "run", "-seed3").name == "run-20240102-030405-seed3-3"
    assert unique_folder(tmp_path, "run", "-seed4").name == "run-20240102-030405-seed4"


def test_a_run_folder_reads_back_typed_and_unchanged(folder: Path, result: RunResult) -> None:
    run = RunFolder(folder)
    assert run.exists()
    assert run.document.to_json() == json.loads((folder / "summary.json").read_text())
    assert run.document.provenance.seed == SEED
    assert run.document.parameters["eligible_population"] == 150


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "summary.json: cannot be read"),
        ("[]", "summary.json: is not a JSON object"),
        ('{"summary": {}, "parameters": {}}', "has no 'provenance' object"),
        (
            '{"summary": {}, "parameters": {}, "provenance": {"seed": "7"}}',
            "provenance.seed must be a int",
        ),
    ],
)
def test_a_broken_summary_document_is_a_one_line_error(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "summary.json").write_text(text, encoding="utf-8")
    with pytest.raises(RunFolderError) as err:
        _ = RunFolder(tmp_path).document
    assert expected in str(err.value) and "\n" not in str(err.value)
