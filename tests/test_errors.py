"""The one error hierarchy (src/netsim/errors.py): every user error is a NetsimError,
one "did you mean" helper for every message that suggests a name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import netsim
from netsim import api
from netsim.analysis.summaries import AnalysisError
from netsim.app.session import PageLimitError, ReplayError
from netsim.batch.audit import AuditError
from netsim.batch.calibration import CalibrationError
from netsim.batch.compare import CompareError
from netsim.batch.engines import EngineError
from netsim.batch.optimise import OptimiseError
from netsim.batch.sweep import SweepError
from netsim.cli import UserInputError
from netsim.config.member_network import NetworkFileError
from netsim.config.parameters import ParameterError
from netsim.config.scenarios import ScenarioError
from netsim.errors import NetsimError, suggest
from netsim.results.policy_store import PolicyStoreError
from netsim.results.run_folder import RunFolderError
from netsim.results.sweep_folder import SweepFolderError

SRC = Path(netsim.__file__).resolve().parent

KINDS = [
    AnalysisError,
    api.ExportError,
    api.MemoryLimitError,
    AuditError,
    CalibrationError,
    CompareError,
    EngineError,
    NetworkFileError,
    OptimiseError,
    PageLimitError,
    ParameterError,
    PolicyStoreError,
    ReplayError,
    RunFolderError,
    ScenarioError,
    SweepError,
    SweepFolderError,
    UserInputError,
]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_every_error_class_is_a_netsim_error(kind: type[Exception]) -> None:
    assert issubclass(kind, NetsimError)


@pytest.mark.parametrize("kind", [k for k in KINDS if k is not UserInputError])
def test_the_library_errors_are_still_value_errors(kind: type[Exception]) -> None:
    """Code written to catch ValueError before the hierarchy existed still catches them."""
    assert issubclass(kind, ValueError)


def test_no_other_error_class_is_defined_in_netsim() -> None:
    """A new error class must be a kind of NetsimError and listed here (or be an exception
    that is not a user's mistake, like SweepInterrupted)."""
    named = {k.__name__ for k in KINDS} | {"NetsimError"}
    found = {
        node.name
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Error")
    }
    assert found == named


def test_the_error_messages_keep_their_shape() -> None:
    err = ParameterError("steps", "-1 is out of range; allowed: 1 to 5200")
    assert isinstance(err, NetsimError)
    assert str(err) == "steps: -1 is out of range; allowed: 1 to 5200"
    assert str(NetworkFileError("a.csv line 2:\nbad")) == "a.csv line 2:\\nbad"


def test_suggest_quotes_the_closest_choice_in_three_places() -> None:
    choices = ["priorities", "funding", "steps"]
    assert suggest("priorites", choices) == "; did you mean 'priorities'?"
    assert suggest("fundin", choices, style="aside") == " (did you mean 'funding'?)"
    assert suggest("stepz", choices, style="lead") == "did you mean 'steps'? "


def test_suggest_says_nothing_when_nothing_is_close() -> None:
    assert suggest("zzz", ["priorities", "funding"]) == ""
    assert suggest("zzz", []) == ""
    assert suggest("x", ["priorities"], style="lead") == ""


def test_suggest_tries_the_fallback_only_when_the_choices_have_nothing_close() -> None:
    assert suggest("fundng", ["steps"], fallback=["funding"]) == "; did you mean 'funding'?"
    assert suggest("step", ["steps"], fallback=["stepx"]) == "; did you mean 'steps'?"


def test_suggest_takes_any_value_as_text() -> None:
    assert suggest(12, ["12a", "b"]) == "; did you mean '12a'?"


def test_did_you_mean_is_written_only_in_errors_py() -> None:
    """One helper (netsim.errors.suggest) makes every "did you mean" in netsim."""
    stray = [
        f"{path.relative_to(SRC).as_posix()}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "errors.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "did you mean" in line.lower() or "get_close_matches" in line
    ]
    assert not stray, stray


def test_errors_py_imports_nothing_from_netsim() -> None:
    """It sits below every layer (pyproject.toml's import contract checks it too)."""
    tree = ast.parse((SRC / "errors.py").read_text(encoding="utf-8"))
    imported = [
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in getattr(node, "names", [])
    ]
    assert not [name for name in imported if name.startswith("netsim")]


@pytest.mark.parametrize("seed", [-1, -(2**40)])
def test_a_negative_seed_is_a_parameter_error_naming_seed(seed: int) -> None:
    """numpy's own "expected non-negative integer" names neither the field nor the value."""
    with pytest.raises(ParameterError, match=rf"^seed: {seed} must be a whole number >= 0$"):
        api.build_model(seed=seed, eligible_population=50)


def test_seed_zero_and_large_seeds_are_allowed() -> None:
    api.check_seed(0)
    api.check_seed(2**64)


def test_excerpt_quotes_short_values_whole_and_cuts_long_ones() -> None:
    from netsim.errors import EXCERPT_CHARACTERS, excerpt

    assert excerpt("hierarchical") == "'hierarchical'"
    long = excerpt("x" * 1000)
    assert len(long) == EXCERPT_CHARACTERS and long.endswith("...") and long.startswith("'xx")
