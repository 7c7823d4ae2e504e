"""The architecture's rules that the import contract cannot see (docs/architecture.md):
no function-level imports but the named lazy ones, one list of outcomes, one reader and
writer of sweep folders, public names that resolve from ``netsim``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import netsim
from netsim.config.outcomes import OUTCOMES

SRC = Path(netsim.__file__).resolve().parent

LAZY_IMPORTS = {
    ("analysis/sensitivity.py", "SALib.analyze"),
    ("config/experiments.py", "SALib.sample"),
    ("config/experiments.py", "scipy.stats"),
    ("batch/engines.py", "distributed"),
    ("config/member_network.py", "networkx"),
    ("batch/sweep.py", "fcntl"),
    ("analysis/discovery.py", "ema_workbench.analysis"),
    ("batch/optimise.py", "pymoo.algorithms.moo.nsga2"),
    ("batch/optimise.py", "pymoo.core.evaluator"),
    ("batch/optimise.py", "pymoo.core.problem"),
    ("batch/optimise.py", "pymoo.core.termination"),
    ("batch/optimise.py", "pymoo.problems.static"),
    ("batch/calibration.py", "pyabc"),
    ("batch/calibration.py", "pyabc.population"),
}
"""(file, module) pairs allowed inside functions, each named in docs/architecture.md;
``cli.py`` imports each command's machinery inside the command."""


def sources() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def function_level_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    found.append((inner.lineno, inner.module or ""))
                elif isinstance(inner, ast.Import):
                    found.extend((inner.lineno, alias.name) for alias in inner.names)
    return found


def test_no_function_level_imports_but_the_named_lazy_ones() -> None:
    stray = []
    for path in sources():
        name = path.relative_to(SRC).as_posix()
        if name == "cli.py":
            continue
        for line, module in function_level_imports(path):
            if (name, module) not in LAZY_IMPORTS:
                stray.append(f"{name}:{line} imports {module}")
    assert not stray, "imports inside functions (see docs/architecture.md): " + ", ".join(stray)


def test_the_lazy_imports_allowed_are_all_still_used() -> None:
    used = {
        (path.relative_to(SRC).as_posix(), module)
        for path in sources()
        for _, module in function_level_imports(path)
    }
    assert used >= LAZY_IMPORTS


def test_the_architecture_doc_names_every_lazy_import() -> None:
    doc = (SRC.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    for name, _ in LAZY_IMPORTS:
        assert f"`{name}`" in doc or f"`{name.split('/')[-1]}`" in doc, name


def literal_strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Dict):
        items = node.keys
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = node.elts
    else:
        return set()
    return {i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)}


def test_outcomes_are_listed_only_in_their_declaration() -> None:
    names = {o.name for o in OUTCOMES}
    second_lists = []
    for path in sources():
        name = path.relative_to(SRC).as_posix()
        if name in ("config/outcomes.py", "model/metrics.py"):  # metrics.summarise computes
            continue  # each outcome by its rule; a test below holds it to the declaration
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            listed = literal_strings(node) & names
            if len(listed) >= 3:
                second_lists.append(f"{name}:{node.lineno} lists {sorted(listed)}")
    assert not second_lists, "a second list of outcomes: " + "; ".join(second_lists)


def test_the_outcome_check_finds_a_second_list(tmp_path: Path) -> None:
    tree = ast.parse('LABELS = {"final_adoption": "a", "spread": "b", "fizzled_out": "c"}')
    assert any(literal_strings(node) for node in ast.walk(tree))


SWEEP_FOLDER = "results/sweep_folder.py"
FOLDER_FILES = {"manifest.json", "design.parquet", ".sweep.lock", "netsim-sweep/1"}
PART_FOLDERS = {"runs", "steps"}
FOLDER_PATHS = {"manifest_path", "runs_dir", "steps_dir", "design_path"}
"""A SweepFolder's file paths: only its own methods open them."""
OLD_READERS = {
    "read_manifest",
    "read_runs",
    "read_steps",
    "runs_schema_from_manifest",
    "load_manifest",
    "load_runs",
    "load_design",
    "dedupe_runs",
}


def sweep_folder_access(tree: ast.AST) -> list[tuple[int, str]]:
    """Where code names a sweep folder's files itself instead of going through SweepFolder."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text in FOLDER_FILES or text.startswith(("runs/", "steps/", "part-")):
                found.append((node.lineno, f"names {text!r}"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            right = node.right
            if isinstance(right, ast.Constant) and right.value in PART_FOLDERS:
                found.append((node.lineno, f"joins / {right.value!r}"))
        elif isinstance(node, ast.Attribute) and node.attr in FOLDER_PATHS:
            found.append((node.lineno, f"opens .{node.attr}"))
        elif isinstance(node, ast.FunctionDef) and node.name in OLD_READERS:
            found.append((node.lineno, f"defines {node.name}()"))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in ("MANIFEST", "DESIGN_FILE"):
                    found.append((node.lineno, f"declares {target.id}"))
    return found


def test_sweep_folders_are_read_and_written_only_by_their_model() -> None:
    """results/sweep_folder.py is the only code that names a sweep folder's files."""
    second = []
    for path in sources():
        name = path.relative_to(SRC).as_posix()
        if name == SWEEP_FOLDER:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        second += [f"{name}:{line} {what}" for line, what in sweep_folder_access(tree)]
    assert not second, "a second reader of sweep folders: " + "; ".join(second)


def test_the_sweep_folder_check_finds_a_second_reader() -> None:
    snippets = [
        'json.loads((out / "manifest.json").read_text())',
        'pd.read_parquet(out / "runs")',
        'parts = sorted(out.glob("runs/part-*.parquet"))',
        "pd.read_parquet(folder.design_path)",
        "def load_runs(folder): ...",
        'MANIFEST = "manifest.json"',
    ]
    for snippet in snippets:
        assert sweep_folder_access(ast.parse(snippet)), snippet
    assert sweep_folder_access(ast.parse(SRC.joinpath(SWEEP_FOLDER).read_text(encoding="utf-8")))


def test_the_summary_has_exactly_the_declared_outcomes() -> None:
    summary = netsim.run(steps=3).summary
    assert list(summary) == [o.name for o in OUTCOMES]
    kinds = {"share": float, "weeks": float, "count": int, "flag": bool}
    for outcome in OUTCOMES:
        assert type(summary[outcome.name]) is kinds[outcome.kind], outcome.name


@pytest.mark.parametrize("name", sorted(set(netsim.__all__) - {"__version__"}))
def test_every_public_name_resolves_from_netsim(name: str) -> None:
    assert getattr(netsim, name) is not None
    assert name in dir(netsim)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        _ = netsim.nonesuch  # type: ignore[attr-defined]


def test_import_netsim_loads_no_model_and_no_plotting() -> None:
    code = (
        "import sys, netsim\n"
        "heavy = [m for m in ('numba', 'pandas', 'matplotlib', 'netsim.model', 'solara', "
        "'dask', 'SALib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_netsim_help_loads_no_model_and_no_plotting() -> None:
    code = (
        "import sys\n"
        "from netsim import cli\n"
        "heavy = [m for m in ('numba', 'pandas', 'matplotlib', 'netsim.model', 'solara', "
        "'dask', 'SALib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


NUMBERS = "numbers.py"


def number_formatters(tree: ast.AST) -> list[tuple[int, str]]:
    """Module-level functions named as the old number formatters were (methods aside)."""
    found = []
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") in FORMATTER_NAMES:
            found.append((node.lineno, node.name))
    return found


FORMATTER_NAMES = {"fmt", "pct", "num", "signed", "percent", "significant", "number", "interval"}
"""Names the old formatters had (seven of them, two different ``_pct``), now in numbers.py."""


def test_numbers_are_formatted_only_in_netsim_numbers() -> None:
    second = []
    for path in sources():
        name = path.relative_to(SRC).as_posix()
        if name != NUMBERS:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            second += [f"{name}:{line} {what}" for line, what in number_formatters(tree)]
    assert not second, "a second number formatter: " + "; ".join(second)


def test_the_formatter_check_finds_a_second_formatter() -> None:
    assert number_formatters(ast.parse("def _pct(x):\n    return f'{100 * x:.0f}%'"))
    assert number_formatters(ast.parse("def _fmt(x):\n    return str(x)"))
    assert not number_formatters(ast.parse("def tipping_point(runs):\n    return runs"))
