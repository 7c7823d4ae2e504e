"""Scenario files -> validated :class:`Scenario` objects; the library of presets.

A scenario file (TOML, or YAML) holds only what differs from the defaults,
grouped as a planner thinks::

    name = "Facilitated learning network"
    description = "Distributed leadership with a year of start-up funding."
    source = "[THF] ... the quotation it dramatises"
    extends = "base.toml"          # optional: another scenario file, relative to this one
    steps = 156                    # optional
    replicates = 20                # optional, for comparisons

    [leadership]
    leadership_style = "figurehead"

    [[timeline]]
    step = 26
    action = "leader_leaves"

Group tables are the parameter groups of :mod:`netsim.config.parameters`; keys are
parameter names. Files are data: TOML is parsed with ``tomllib`` and YAML with
``yaml.safe_load``; nothing in them is executed. Every mistake raises
:class:`ScenarioError` whose one-line message names the file, the line where
it can be found, the field and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netsim.config.parameters import (
    FIELD_NAMES,
    GROUPS,
    ParameterError,
    Parameters,
    TimelineEvent,
    spec_of,
)
from netsim.errors import NetsimError, excerpt, suggest

TOP_LEVEL_KEYS = ("name", "description", "source", "extends", "steps", "replicates", "timeline")
PARAMETER_GROUPS = tuple(g for g in GROUPS if g != "timeline")
SUFFIXES = (".toml", ".yaml", ".yml")
MAX_REPLICATES = 100_000
MAX_FILE_BYTES = 1_000_000
MAX_EXTENDS_DEPTH = 32
"""Files an ``extends`` chain may hold (the file itself included)."""
MAX_YAML_DEPTH = 64
"""Nesting a YAML file may have: a scenario is two levels deep, an experiment three."""


class ScenarioError(NetsimError, ValueError):
    """A scenario file is wrong. ``str(err)`` is one line: file, line, field, what is allowed."""

    def __init__(
        self, path: str | Path, message: str, *, line: int | None = None, field: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        where = Path(self.path).name if self.path else "<scenario>"
        if line is not None:
            where += f" line {line}"
        what = f"{field}: " if field else ""
        text = f"{where}: {what}{message}".replace("\n", " ").replace("\r", " ")
        super().__init__(text)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: parameters plus what a planner wrote about it."""

    name: str
    description: str
    parameters: Parameters
    path: Path | None = None
    source: str = ""
    replicates: int = 10
    overrides: dict[str, Any] = field(default_factory=dict)
    """Flat parameter values the file (and what it extends) set, as given."""
    text: str = ""
    """The file's own text (for provenance)."""

    @property
    def slug(self) -> str:
        """A file-name-safe identifier: the file stem, or the name lower-cased."""
        if self.path is not None:
            return self.path.stem
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_") or "scenario"


def default_scenario() -> Scenario:
    """The embedded default scenario: every parameter at its declared default."""
    return Scenario(
        name="default",
        description="netsim's built-in defaults: a facilitated learning network with "
        "start-up funding.",
        parameters=Parameters(),
        source="[THF] Effective networks for improvement (2014)",
    )


def library_dir() -> Path:
    """The shipped scenario library (``scenarios/`` at the top of the source tree)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "scenarios"
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    return Path.cwd() / "scenarios"


def library() -> list[Scenario]:
    """Every scenario in the library, loaded and validated, sorted by file name."""
    return [load_scenario(p) for p in sorted(library_dir().glob("*.toml"))]


def _exists(path: Path) -> bool:
    """Path.exists, but a path the OS refuses (too long, bad bytes, a symlink loop) simply
    does not exist."""
    try:
        return path.exists()
    except (OSError, ValueError, RuntimeError):
        return False


def resolve(name_or_path: str | Path) -> Path:
    """A scenario argument: a path, or the name of a library scenario (with or without .toml)."""
    path = Path(name_or_path)
    if _exists(path):
        return path
    for candidate in (library_dir() / path.name, library_dir() / f"{path.name}.toml"):
        if _exists(candidate):
            return candidate
    known = sorted([DEFAULT_NAME, *(p.stem for p in library_dir().glob("*.toml"))])
    hint = suggest(path.stem, known)
    raise ScenarioError(path, f"no such file or library scenario{hint} (see `netsim scenarios`)")


DEFAULT_NAME = "default"
"""The name that means the embedded default wherever a scenario is named (run, compare,
audit, the label check, the browser view), unless a file of that name exists."""


def named_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario file, a library scenario by name, or ``default`` (the embedded default)."""
    if str(name_or_path) == DEFAULT_NAME and not _exists(Path(name_or_path)):
        return default_scenario()
    return load_scenario(resolve(name_or_path))


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file."""
    path = Path(path)
    merged, meta, text = _load_chain(path, [])
    return _validate(path, merged, meta, text)


LIBRARY_REFERENCE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*(\.toml)?")
"""An ``extends`` value that names a library scenario rather than a path: a bare name with no
folder and no suffix but ``.toml`` (``funding_cliff`` or ``funding_cliff.toml``)."""


def library_reference(value: Any) -> str | None:
    """The library scenario's name an ``extends`` value gives, or None if it is a path.

    Text that is not on disk (an upload) may extend only a library scenario, so whether a
    value is a bare name is decided from the text alone, never by looking at the disk.
    """
    if isinstance(value, str) and LIBRARY_REFERENCE.fullmatch(value.strip()):
        return value.strip().removesuffix(".toml")
    return None


def parse_scenario_text(text: str, path: str | Path = "<scenario>.toml") -> Scenario:
    """Validate scenario text that is not on disk (an upload, a test).

    Its ``extends`` may name a library scenario (``extends = "funding_cliff"``, or the
    ``funding_cliff.toml`` a library file's copy says), or ``default``, looked up in the
    library folder only; a path needs a file on disk to be relative to, so it is refused.
    """
    path = Path(path)
    document = parse_document(path, text)
    lines = LineFinder(text, path.suffix)
    merged: dict[str, Located] = {}
    meta_parent: dict[str, Any] = {}
    if "extends" in document:
        merged, meta_parent = _library_parent(path, document["extends"], lines.of("extends"))
    flat, meta = _flatten(path, document, lines)
    merged.update({k: (v, path, lines) for k, v in flat.items()})
    return _validate(path, merged, {**meta_parent, **meta}, text)


def _library_parent(
    path: Path, reference: Any, line: int | None
) -> tuple[dict[str, Located], dict[str, Any]]:
    """The merged values and meta of the library scenario that text's ``extends`` names."""
    name = library_reference(reference)
    if name is None:
        raise ScenarioError(
            path,
            f"{excerpt(reference)} is not a library scenario's name; text that is not a file "
            'on disk may extend only a library scenario (e.g. "funding_cliff"), a path needs '
            "a file on disk",
            line=line,
            field="extends",
        )
    if name == DEFAULT_NAME:
        return {}, {}
    parent = library_dir() / f"{name}.toml"
    if not _exists(parent):
        known = [DEFAULT_NAME, *(p.stem for p in library_dir().glob("*.toml"))]
        raise ScenarioError(
            path,
            f"{excerpt(reference)}{suggest(name, known, style='aside')} is not a library "
            "scenario (see `netsim scenarios`); text that is not a file on disk may extend "
            "only a library scenario, a path needs a file on disk",
            line=line,
            field="extends",
        )
    merged, meta, _ = _load_chain(parent, [(path, path, line)])
    return merged, meta


# --- reading ----------------------------------------------------------------------


def read_document_text(path: Path) -> str:
    """A scenario or experiment file as text, or a one-line ScenarioError (type, size, UTF-8)."""
    if path.suffix.lower() not in SUFFIXES:
        raise ScenarioError(
            path,
            f"unsupported file type {path.suffix or '(none)'!r}; allowed: " + ", ".join(SUFFIXES),
        )
    if not _exists(path):
        raise ScenarioError(path, "file does not exist")
    if not path.is_file():
        raise ScenarioError(path, "is not a file")
    too_large = f"is larger than {MAX_FILE_BYTES:,} bytes; a scenario is short"
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # checked before anything is read
            raise ScenarioError(path, too_large)
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # a file that grows meanwhile stops here
    except OSError as err:
        raise ScenarioError(path, f"cannot be read: {err.strerror or err}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(path, too_large)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError(path, "is not UTF-8 text", line=line) from None


def parse_document(path: Path, text: str) -> dict[str, Any]:
    """TOML or YAML (by suffix) -> a mapping, safely: nothing in the file is executed."""
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            document = yaml.load(text, Loader=GuardedLoader)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark
            line = mark.line + 1 if mark is not None else None
            problem = err.problem or "invalid YAML"
            raise ScenarioError(path, f"YAML syntax error: {problem}", line=line) from None
        except yaml.YAMLError as err:
            raise ScenarioError(path, f"YAML syntax error: {err}") from None
        except (ValueError, TypeError, RecursionError) as err:
            raise ScenarioError(path, f"YAML could not be read: {err}") from None
        if document is None:
            document = {}
        if not isinstance(document, dict):
            raise ScenarioError(path, "must be a mapping of keys to values at the top level")
        return document
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
        raise ScenarioError(path, f"TOML syntax error: {message}", line=line) from None
    except (ValueError, RecursionError) as err:
        raise ScenarioError(path, f"TOML could not be read: {err}") from None


class GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with three more refusals, so a scenario's YAML means one thing
    and costs little to read: no anchors or aliases (a 'billion laughs' file expands a
    few lines into gigabytes; a scenario never needs them), no key given twice (the safe
    loader keeps the last silently, TOML refuses it), and at most MAX_YAML_DEPTH levels.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (&name, *name) are not allowed; write the value out",
                problem_mark=event.start_mark,
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.MarkedYAMLError(
                    problem=f"nested more than {MAX_YAML_DEPTH} levels deep",
                    problem_mark=event.start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the safe loader reports it
                continue
            if duplicate:
                raise yaml.MarkedYAMLError(
                    problem=f"key {str(key)[:40]!r} is given twice; give each key once",
                    problem_mark=key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


class LineFinder:
    """Best-effort line numbers of keys in the original text (for error messages)."""

    def __init__(self, text: str, suffix: str) -> None:
        self.lines = text.splitlines()
        self.yaml = suffix.lower() in (".yaml", ".yml")

    def of(self, key: str, group: str | None = None) -> int | None:
        start = 0
        if group is not None:
            header = self._find(rf"^\s*\[\s*{re.escape(group)}\s*\]") if not self.yaml else None
            if header is None and self.yaml:
                header = self._find(rf"^{re.escape(group)}\s*:")
            if header is not None:
                start = header
        pattern = rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=:]"
        found = self._find(pattern, start)
        return found + 1 if found is not None else None

    def _find(self, pattern: str, start: int = 0) -> int | None:
        regex = re.compile(pattern)
        for i in range(start, len(self.lines)):
            if regex.search(self.lines[i]):
                return i
        return None

    def timeline_entry(self, index: int) -> int | None:
        marker = r"^\s*\[\[\s*timeline\s*\]\]" if not self.yaml else r"^\s*-\s"
        count = -1
        for i, line in enumerate(self.lines):
            if re.search(marker, line):
                count += 1
                if count == index:
                    return i + 1
        return self.of("timeline")


Located = tuple[Any, Path, LineFinder]


def _load_chain(
    path: Path, chain: list[tuple[Path, Path, int | None]]
) -> tuple[dict[str, Located], dict[str, Any], str]:
    """Load ``path`` and what it extends; ``chain`` is (file, its path as given, extends line)."""
    if len(chain) >= MAX_EXTENDS_DEPTH:
        _, origin, line = chain[-1]
        raise ScenarioError(
            origin,
            f"'extends' chain is longer than {MAX_EXTENDS_DEPTH} files; allowed: at most "
            f"{MAX_EXTENDS_DEPTH} (a scenario extends a library scenario or two)",
            line=line,
            field="extends",
        )
    try:
        resolved = path.resolve()
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop
        raise ScenarioError(path, "is not a usable file path") from None
    if any(resolved == seen for seen, _, _ in chain):
        names = [given.name for _, given, _ in chain] + [path.name]
        _, origin, line = chain[-1]
        raise ScenarioError(
            origin, f"'extends' makes a cycle: {' -> '.join(names)}", line=line, field="extends"
        )
    text = read_document_text(path)
    document = parse_document(path, text)
    lines = LineFinder(text, path.suffix)
    merged: dict[str, Located] = {}
    meta_parent: dict[str, Any] = {}
    if "extends" in document:
        parent_ref = document["extends"]
        line = lines.of("extends")
        if not isinstance(parent_ref, str) or not parent_ref.strip():
            raise ScenarioError(
                path, "must be the path of another scenario file", line=line, field="extends"
            )
        parent = (
            (path.parent / parent_ref) if not Path(parent_ref).is_absolute() else Path(parent_ref)
        )
        if not _exists(parent):
            raise ScenarioError(
                path,
                f"{excerpt(parent_ref)} does not exist (relative to this file)",
                line=line,
                field="extends",
            )
        if parent.is_dir() or parent.suffix.lower() not in SUFFIXES:
            raise ScenarioError(
                path,
                f"{excerpt(parent_ref)} is not a scenario file; allowed: a "
                f"{', '.join(SUFFIXES)} file",
                line=line,
                field="extends",
            )
        merged, meta_parent, _ = _load_chain(parent, [*chain, (resolved, path, line)])
    flat, meta = _flatten(path, document, lines)
    for key, value in flat.items():
        merged[key] = (value, path, lines)
    if "timeline" in flat and "timeline" in merged:
        merged["timeline"] = (flat["timeline"], path, lines)
    return merged, {**meta_parent, **meta}, text


def _flatten(
    path: Path, document: Mapping[str, Any], lines: LineFinder
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Group tables -> flat parameter values; top-level name/description/... -> meta."""
    flat: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for key, value in document.items():
        if not isinstance(key, str):
            raise ScenarioError(path, f"key {excerpt(key)} must be text", line=None)
        line = lines.of(key)
        if key in PARAMETER_GROUPS:
            if not isinstance(value, Mapping):
                raise ScenarioError(
                    path, f"[{key}] must be a table of parameter = value", line=line, field=key
                )
            for name, item in value.items():
                _check_parameter_name(path, key, str(name), lines)
                flat[str(name)] = item
        elif key == "timeline":
            flat["timeline"] = value
        elif key in ("name", "description", "source"):
            if not isinstance(value, str):
                raise ScenarioError(path, "must be text", line=line, field=key)
            meta[key] = value
        elif key == "extends":
            continue
        elif key == "replicates":
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not (1 <= value <= MAX_REPLICATES)
            ):
                raise ScenarioError(
                    path,
                    f"{excerpt(value)} must be a whole number from 1 to {MAX_REPLICATES}",
                    line=line,
                    field=key,
                )
            meta[key] = value
        elif key == "steps":
            flat["steps"] = value
        elif key in FIELD_NAMES:
            group = spec_of(key).group
            raise ScenarioError(path, f"belongs in the [{group}] table", line=line, field=key)
        else:
            allowed = list(TOP_LEVEL_KEYS) + [f"[{g}]" for g in PARAMETER_GROUPS]
            hint = suggest(key, [*TOP_LEVEL_KEYS, *PARAMETER_GROUPS])
            raise ScenarioError(
                path,
                f"unknown key{hint} Allowed at the top: {', '.join(allowed)}",
                line=line,
                field=key,
            )
    return flat, meta


def _check_parameter_name(path: Path, group: str, name: str, lines: LineFinder) -> None:
    line = lines.of(name, group)
    if name not in FIELD_NAMES or name == "timeline":
        in_group = [n for n in FIELD_NAMES if spec_of(n).group == group]
        hint = suggest(name, in_group, fallback=FIELD_NAMES, style="lead")
        raise ScenarioError(
            path,
            f"unknown parameter; {hint}[{group}] takes: {', '.join(in_group)}",
            line=line,
            field=f"[{group}] {name}",
        )
    actual = spec_of(name).group
    if actual != group:
        raise ScenarioError(
            path, f"belongs in [{actual}], not [{group}]", line=line, field=f"[{group}] {name}"
        )


def _validate(path: Path, merged: dict[str, Located], meta: dict[str, Any], text: str) -> Scenario:
    values = {key: located[0] for key, located in merged.items()}
    for key in ("network_file", "network_nodes_file"):
        if key in values and isinstance(values[key], str) and values[key]:
            _, origin, lines = merged[key]
            target = Path(values[key])
            if not target.is_absolute():
                target = origin.parent / target
            if not _exists(target):
                group = spec_of(key).group
                raise ScenarioError(
                    origin,
                    f"{excerpt(values[key])} does not exist (relative to the scenario file)",
                    line=lines.of(key, group),
                    field=f"[{group}] {key}",
                )
            values[key] = str(target)
    if "timeline" in values:
        values["timeline"] = _timeline(merged["timeline"])
    try:
        params = Parameters.from_dict(values)
    except ParameterError as err:
        raise _locate(path, merged, err, values) from None
    except (TypeError, ValueError, OverflowError) as err:
        raise ScenarioError(path, str(err)) from None
    return Scenario(
        name=meta.get("name", path.stem),
        description=meta.get("description", ""),
        parameters=params,
        path=path,
        source=meta.get("source", ""),
        replicates=int(meta.get("replicates", 10)),
        overrides={k: v for k, v in values.items() if k != "timeline"}
        | ({"timeline": [e for e in values["timeline"]]} if "timeline" in values else {}),
        text=text,
    )


def _timeline(located: Located) -> list[Any]:
    value, origin, lines = located
    if not isinstance(value, list):
        raise ScenarioError(
            origin,
            "must be a list of events ([[timeline]] tables with step, action, amount)",
            line=lines.of("timeline"),
            field="timeline",
        )
    events = []
    for index, item in enumerate(value):
        line = lines.timeline_entry(index)
        if not isinstance(item, Mapping):
            raise ScenarioError(
                origin,
                f"entry {index + 1} must be a table with step, action and amount",
                line=line,
                field="timeline",
            )
        try:
            events.append(_event(item))
        except ParameterError as err:
            raise ScenarioError(origin, err.detail, line=line, field=err.field_name) from None
    return events


def _event(item: Mapping[str, Any]) -> Any:

    extra = set(item) - {"step", "action", "amount"}
    if extra:
        raise ParameterError(
            "timeline", f"unknown key {sorted(map(str, extra))[0]!r}; allowed: step, action, amount"
        )
    if "step" not in item or "action" not in item:
        raise ParameterError("timeline", "each event needs 'step' and 'action'")
    return TimelineEvent(**dict(item))


def _locate(
    path: Path, merged: dict[str, Located], err: ParameterError, values: dict[str, Any]
) -> ScenarioError:
    name = err.field_name.split(".")[0]
    if name in merged:
        _, origin, lines = merged[name]
        if name == "timeline":
            steps = values.get("steps", Parameters().steps)
            late = [
                i for i, e in enumerate(values.get("timeline", [])) if getattr(e, "step", 0) > steps
            ]
            line = lines.timeline_entry(late[0]) if late else None
            return ScenarioError(
                origin,
                err.detail,
                line=line or lines.of("timeline") or lines.timeline_entry(0),
                field=err.field_name,
            )
        group = spec_of(name).group if name in FIELD_NAMES else None
        line = lines.of(name, group) if group not in (None, "run") else lines.of(name)
        shown = f"[{group}] {name}" if group and group != "run" else name
        return ScenarioError(origin, err.detail, line=line, field=shown)
    return ScenarioError(path, err.detail, field=err.field_name)
