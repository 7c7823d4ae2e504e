"""The documentation in docs/ cannot drift from the code without a test failing.

- every parameter, per-step column and summary field is described in docs/odd.md;
- docs/parameters.md is exactly what docs/generate_parameters.py writes now;
- every constant in odd.md's "Constants in code" table has the value it has in
  the code, and every numeric constant of the model modules (and of the outcome
  declarations: the run labels' weeks and levels) is in that table;
- every relative Markdown link (file and #anchor) between docs resolves;
- docs/README.md lists the docs that exist;
- every seed passage quoted in odd.md as [key] "..." occurs in that seed (when
  the seeds are present beside the project).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import unicodedata
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from netsim.config import outcomes
from netsim.config.parameters import FIELD_NAMES
from netsim.model import metrics

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
ODD = DOCS / "odd.md"
SEEDS = ROOT.parent / "shared" / "seeds"
SEED_FILES = {"deck": "000_", "brief": "001_", "blog": "002_", "THF": "003_", "IJIC": "004_"}

MODEL_MODULES = (
    "population",
    "graphs",
    "state",
    "network",
    "engagement",
    "diffusion",
    "levers",
    "network_model",
    "metrics",
)
"""Modules of netsim.model whose numeric constants shape the dynamics or the measures."""
CONSTANT_MODULES = {
    **{name: f"netsim.model.{name}" for name in MODEL_MODULES},
    "outcomes": "netsim.config.outcomes",
}
"""Where each prefix of a documented constant lives: the model modules, and the outcome
declarations (the run labels' weeks and levels, which metrics.summarise applies)."""

CONSTANT_ROW = re.compile(r"^\|\s*`(\w+)\.([A-Z][A-Z0-9_]*)`\s*\|\s*`([^`]+)`\s*\|", re.M)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
QUOTE = re.compile(r"\[(deck|brief|blog|THF|IJIC)\] \"([^\"]+)\"")


@cache
def odd_text() -> str:
    return ODD.read_text(encoding="utf-8")


def backticked(name: str) -> bool:
    return f"`{name}`" in odd_text()


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_parameters", DOCS / "generate_parameters.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- (a) and (c): everything users see is described ------------------------------------


def test_every_parameter_is_described_in_odd() -> None:
    missing = [name for name in FIELD_NAMES if not backticked(name)]
    assert not missing, f"parameters not mentioned as `name` in docs/odd.md: {missing}"


def test_every_step_column_and_summary_field_is_described_in_odd() -> None:
    missing = [c for c in (*metrics.STEP_COLUMNS, *outcomes.SUMMARY_FIELDS) if not backticked(c)]
    assert not missing, f"columns/summary fields not in docs/odd.md: {missing}"


# --- (b): the parameter table is generated, and up to date ----------------------------


def test_parameters_md_is_up_to_date() -> None:
    expected = load_generator().render()
    actual = (DOCS / "parameters.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/parameters.md is stale: run `python docs/generate_parameters.py` and commit it"
    )


def test_outcomes_md_is_up_to_date() -> None:
    expected = load_generator().render_outcomes()
    actual = (DOCS / "outcomes.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/outcomes.md is stale: run `python docs/generate_parameters.py` and commit it"
    )


def test_parameter_table_has_one_anchored_row_per_parameter() -> None:
    text = (DOCS / "parameters.md").read_text(encoding="utf-8")
    anchors = re.findall(r'<a id="(\w+)"></a>', text)
    assert anchors == list(FIELD_NAMES)


# --- (d): constants documented with a value match the code ----------------------------


def documented_constants() -> dict[tuple[str, str], str]:
    rows = CONSTANT_ROW.findall(odd_text())
    table: dict[tuple[str, str], str] = {}
    for module, name, value in rows:
        assert (module, name) not in table, f"{module}.{name} is listed twice in docs/odd.md"
        table[(module, name)] = value
    return table


def is_numeric_constant(value: Any) -> bool:
    def number(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool)

    if number(value):
        return True
    return isinstance(value, dict) and bool(value) and all(number(v) for v in value.values())


def test_documented_constants_match_the_code() -> None:
    table = documented_constants()
    assert len(table) >= 20, "the 'Constants in code' table in docs/odd.md was not found"
    wrong = []
    for (module_name, name), text in table.items():
        assert module_name in CONSTANT_MODULES, f"{module_name}.{name}: not a model module"
        module = importlib.import_module(CONSTANT_MODULES[module_name])
        assert hasattr(module, name), f"docs/odd.md lists {module_name}.{name}, not in the code"
        actual = getattr(module, name)
        documented = ast.literal_eval(text)
        if actual != documented or type(actual) is not type(documented):
            wrong.append(f"{module_name}.{name}: docs say {text}, code has {actual!r}")
    assert not wrong, "docs/odd.md constants differ from the code:\n" + "\n".join(wrong)


def test_every_numeric_constant_of_the_model_is_documented() -> None:
    table = documented_constants()
    missing = []
    for module_name, path in CONSTANT_MODULES.items():
        module = importlib.import_module(path)
        for name, value in vars(module).items():
            constant = re.fullmatch(r"[A-Z][A-Z0-9_]*", name) and is_numeric_constant(value)
            if constant and (module_name, name) not in table:
                missing.append(f"{module_name}.{name} = {value!r}")
    assert not missing, (
        "constants missing from the 'Constants in code' table of docs/odd.md: " + ", ".join(missing)
    )


# --- (e): links between docs resolve ---------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces to -."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors_of(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found: set[str] = set(re.findall(r'<a (?:id|name)="([^"]+)"', text))
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", text, re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        found.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return found


def doc_files() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


@pytest.mark.parametrize("doc", doc_files(), ids=lambda p: p.name)
def test_markdown_links_resolve(doc: Path) -> None:
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        if not path.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in anchors_of(path):
            broken.append(f"{target} (no such anchor)")
    assert not broken, f"broken links in {doc.name}: {broken}"


def test_docs_readme_links_every_doc_that_exists() -> None:
    readme = (DOCS / "README.md").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    for name in ("odd.md", "parameters.md", "outcomes.md", "findings.md", "validation.md"):
        if (DOCS / name).exists():
            assert name in linked, f"docs/README.md should link {name} (it exists now)"
        else:
            assert name in readme, f"docs/README.md should list {name} as to come"


# --- seed quotations are verbatim ------------------------------------------------------


def normalise(text: str) -> str:
    """Compare text, not typography: quotes, dashes, emphasis and line breaks ignored."""
    text = unicodedata.normalize("NFKC", text)
    for fancy, plain in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-")):
        text = text.replace(fancy, plain)
    text = text.replace("*", "")
    return " ".join(text.split()).casefold()


@cache
def seed_text(key: str) -> str:
    (path,) = SEEDS.glob(SEED_FILES[key] + "*.txt")
    return normalise(path.read_text(encoding="utf-8"))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not beside the project")
def test_seed_quotations_in_odd_are_verbatim() -> None:
    quotes = QUOTE.findall(odd_text())
    assert len(quotes) >= 30
    wrong = []
    for key, quote in quotes:
        source = seed_text(key)
        position = 0
        for fragment in normalise(quote).split("..."):
            fragment = fragment.strip(" .")
            found = source.find(fragment, position)
            if not fragment or found < 0:
                wrong.append(f'[{key}] "{quote}"')
                break
            position = found + len(fragment)
    assert not wrong, "quotations not found verbatim in their seed:\n" + "\n".join(wrong)
