"""Read a planner's real member network from a file, so a simulation can start from it.

Planners write a scenario "for their own network ... optionally their real member
network" (DOMAIN.md, "Who uses netsim and for what"). This module turns such a file into
plain arrays the model can build from; it never runs the model and draws no random numbers.

Two formats are accepted:

- a CSV edge list (``.csv``/``.txt``) with a header naming ``source`` and ``target``, plus
  an optional nodes CSV with ``id`` and, optionally, ``organisation`` (or ``organization``),
  ``role`` and ``engagement``;
- GraphML (``.graphml``/``.xml``), read with :func:`networkx.read_graphml` (an XML parser, no
  code execution), whose node attributes follow the same rules as the nodes CSV.

A networkx graph handed over in Python (``netsim.run(network=graph)``) goes through the
GraphML reader's own conversion (:meth:`MemberNetwork.from_graph`), so its node attributes
follow the same rules too. Node ids are kept as given: text from a file (a CSV cell or a
GraphML id is text, so ``007`` stays ``'007'``), a graph's own node objects (ints stay ints).

Ties are undirected: planners record who works with whom, not who called whom, so reversed
and repeated ties are merged. Every problem is reported as :class:`NetworkFileError` with a
one-line message that names the file, the line or node, the field and what is allowed, so a
planner can fix the file without reading a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol
from xml.etree import ElementTree

import numpy as np

from netsim.errors import NetsimError

_CSV_SUFFIXES = (".csv", ".txt")
_GRAPHML_SUFFIXES = (".graphml", ".xml")
_ALLOWED_SUFFIXES = "allowed: .csv, .txt (edge list) or .graphml, .xml (GraphML)"

_ROLE_CODES: dict[str, int] = {"member": 0, "leader": 1, "champion": 2}
_ROLE_ALLOWED = "allowed: member, leader, champion (case-insensitive; empty means member)"
_ENGAGEMENT_ALLOWED = "allowed: a number from 0 to 1 (empty or NaN means missing)"
_ORGANISATION_KEYS = ("organisation", "organization")
_MAX_SHOWN = 60  # longest value echoed back in a message, in characters


class NetworkFileError(NetsimError, ValueError):
    """Raised for any problem with a network file.

    ``str(err)`` is one line naming the file, the line (CSV) or node id (GraphML) where
    possible, the field, and what is allowed. Line breaks in the text are escaped so the
    message stays on one line even when it quotes a multi-line value.
    """

    def __init__(self, message: str) -> None:
        one_line = message.replace("\r", "\\r").replace("\n", "\\n")
        super().__init__(one_line)


@dataclass(frozen=True, eq=False)
class MemberNetwork:
    """A member network read from a file or a graph: who is in it, who is tied to whom, and
    attributes.

    Member index ``i`` corresponds to ``node_ids[i]``. Arrays are read-only. Equality is
    identity (``eq=False``) because element-wise array comparison has no single truth value.
    """

    node_ids: tuple[Hashable, ...]
    """Node ids as given, in order of first appearance (nodes file, then edges; a graph's
    node order): text from a file, a networkx graph's own node objects. Results and exported
    networks name members by them."""
    edges: np.ndarray
    """Shape (E, 2) int64; rows (i, j) with i < j, unique, sorted, no self-loops."""
    organisation: np.ndarray | None
    """Shape (N,) int64 codes into ``organisation_names``; -1 where unknown; None if absent."""
    organisation_names: tuple[str, ...]
    """Names for codes 0..K-1 in order of first appearance (empty if no organisations)."""
    role: np.ndarray | None
    """Shape (N,) int8: 0 member, 1 leader, 2 champion; None if no role attribute given."""
    engagement: np.ndarray | None
    """Shape (N,) float64 in [0, 1], NaN where missing; None if no engagement attribute given."""

    def __post_init__(self) -> None:
        """Check shapes and dtypes, because the model indexes these arrays without checks."""
        n = len(self.node_ids)
        if self.edges.dtype != np.int64 or self.edges.ndim != 2 or self.edges.shape[1] != 2:
            raise ValueError(
                f"edges: shape {self.edges.shape} {self.edges.dtype}; allowed: (E, 2) int64"
            )
        if self.edges.size and (self.edges.min() < 0 or self.edges.max() >= n):
            raise ValueError(f"edges: node index out of range; allowed: 0 to {n - 1}")
        for name, arr, dtype in (
            ("organisation", self.organisation, np.int64),
            ("role", self.role, np.int8),
            ("engagement", self.engagement, np.float64),
        ):
            if arr is not None and (arr.shape != (n,) or arr.dtype != dtype):
                raise ValueError(
                    f"{name}: shape {arr.shape} {arr.dtype}; allowed: ({n},) {np.dtype(dtype)}"
                )
        for arr in (self.edges, self.organisation, self.role, self.engagement):
            if arr is not None:
                arr.setflags(write=False)

    @property
    def size(self) -> int:
        """Number of members (nodes), including isolated ones."""
        return len(self.node_ids)

    @classmethod
    def from_graph(cls, graph: Any, source: str = "network") -> MemberNetwork:
        """A networkx graph as a member network, by the GraphML reader's own rules.

        Node ids are kept as given (ints stay ints) and must differ as text, since an
        exported network writes them as text; node attributes ``organisation`` (or
        ``organization``), ``role`` and ``engagement`` mean what they mean in a nodes CSV,
        and any other attribute is ignored; directed graphs and multi-edges become simple
        ties. Raises :class:`NetworkFileError` naming ``source``, the node and the field.
        """
        return _graph_network(graph, source)


def read_member_network(path: str | Path, nodes_path: str | Path | None = None) -> MemberNetwork:
    """Read a planner's member network from a CSV edge list (plus nodes CSV) or GraphML.

    Planners may start a scenario from "their real member network" (DOMAIN.md); this is the
    single entry point for that file. The format is chosen by suffix. Raises
    :class:`NetworkFileError` for every problem with the files.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        return _read_csv_network(path, None if nodes_path is None else Path(nodes_path))
    if suffix in _GRAPHML_SUFFIXES:
        if nodes_path is not None:
            raise NetworkFileError(
                f"{path.name}: nodes_path {_show(nodes_path, None)} cannot be used with GraphML; "
                "allowed: node attributes inside the GraphML file, or a CSV edge list with a "
                "nodes CSV"
            )
        return _read_graphml_network(path)
    raise NetworkFileError(
        f"{path.name}: network file suffix {_show(path.suffix)} is not supported; "
        f"{_ALLOWED_SUFFIXES}"
    )


# ---------------------------------------------------------------------------
# shared helpers


def _show(value: object, limit: int | None = _MAX_SHOWN) -> str:
    """Quote a value for a message, shortened so a bad cell cannot flood the error."""
    text = str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return "'" + text.replace("\r", "\\r").replace("\n", "\\n") + "'"


MAX_CSV_BYTES = 2_000_000_000
"""A CSV edge list or nodes file may be up to 2 GB (about 100 million ties)."""
MAX_GRAPHML_BYTES = 200_000_000
"""GraphML up to 200 MB: networkx builds Python objects for every node and edge (about a
kilobyte each), so a larger file belongs in a CSV edge list."""


def _check_readable(path: Path, kind: str) -> None:
    """Fail early with a plain message if the file is missing, a directory or too large
    (the size is checked before anything is read)."""
    try:
        if not path.exists():
            raise NetworkFileError(f"{path.name}: {kind} file {_show(path, None)} does not exist")
        if not path.is_file():
            raise NetworkFileError(
                f"{path.name}: {kind} file {_show(path, None)} is not a regular file"
            )
        size = path.stat().st_size
    except (OSError, RuntimeError) as err:  # RuntimeError: a symlink loop
        raise NetworkFileError(
            f"{path.name}: {kind} file {_show(path, None)} cannot be used ({err})"
        ) from None
    graphml = path.suffix.lower() in _GRAPHML_SUFFIXES
    limit = MAX_GRAPHML_BYTES if graphml else MAX_CSV_BYTES
    if size > limit:
        other = "; allowed: a CSV edge list for larger networks" if graphml else ""
        raise NetworkFileError(
            f"{path.name}: {kind} file is {size:,} bytes, more than the {limit:,} allowed{other}"
        )


class _Attributes:
    """Collects per-node organisation, role and engagement with the shared validation rules.

    The nodes CSV and GraphML carry the same attributes; one collector keeps their rules
    (allowed roles, engagement range, missing values) identical.
    """

    def __init__(self, has_organisation: bool, has_role: bool, has_engagement: bool) -> None:
        self.has_organisation = has_organisation
        self.has_role = has_role
        self.has_engagement = has_engagement
        self.organisation: list[int] = []
        self.organisation_codes: dict[str, int] = {}
        self.role: list[int] = []
        self.engagement: list[float] = []

    def add(self, where: str, organisation: object, role: object, engagement: object) -> None:
        """Append one node's values; ``None`` or empty text means the value is missing."""
        if self.has_organisation:
            self.organisation.append(self._organisation_code(organisation))
        if self.has_role:
            self.role.append(_parse_role(where, role))
        if self.has_engagement:
            self.engagement.append(_parse_engagement(where, engagement))

    def _organisation_code(self, value: object) -> int:
        """Code by first appearance, so codes are stable for a given file; empty means -1."""
        name = "" if value is None else str(value).strip()
        if not name:
            return -1
        code = self.organisation_codes.get(name)
        if code is None:
            code = self.organisation_codes[name] = len(self.organisation_codes)
        return code

    def arrays(
        self, n: int
    ) -> tuple[np.ndarray | None, tuple[str, ...], np.ndarray | None, np.ndarray | None]:
        """Arrays of length ``n``; nodes seen only in edges get -1, member and NaN."""
        organisation = role = engagement = None
        if self.has_organisation:
            organisation = np.full(n, -1, dtype=np.int64)
            organisation[: len(self.organisation)] = self.organisation
        if self.has_role:
            role = np.zeros(n, dtype=np.int8)
            role[: len(self.role)] = self.role
        if self.has_engagement:
            engagement = np.full(n, np.nan, dtype=np.float64)
            engagement[: len(self.engagement)] = self.engagement
        return organisation, tuple(self.organisation_codes), role, engagement


def _parse_role(where: str, value: object) -> int:
    """Role code from text; empty means an ordinary member (most people hold no role)."""
    if value is None:
        return 0
    if not isinstance(value, str):
        raise NetworkFileError(f"{where}: role {_show(value)} is not text; {_ROLE_ALLOWED}")
    text = value.strip().lower()
    if not text:
        return 0
    code = _ROLE_CODES.get(text)
    if code is None:
        raise NetworkFileError(f"{where}: role {_show(value)} is not allowed; {_ROLE_ALLOWED}")
    return code


def _parse_engagement(where: str, value: object) -> float:
    """Engagement in [0, 1] (DOMAIN.md: per-member engagement in [0,1]); empty/NaN = missing."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise NetworkFileError(
            f"{where}: engagement {_show(value)} is not a number; {_ENGAGEMENT_ALLOWED}"
        )
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if not text:
            return math.nan
        try:
            number = float(text)
        except ValueError:
            raise NetworkFileError(
                f"{where}: engagement {_show(value)} is not a number; {_ENGAGEMENT_ALLOWED}"
            ) from None
    if math.isnan(number):
        return math.nan
    if not 0.0 <= number <= 1.0:
        raise NetworkFileError(
            f"{where}: engagement {_show(value)} is out of range; allowed: a number from 0 to 1"
        )
    return number


def _unique_edges(first: Iterable[int], second: Iterable[int], n: int) -> np.ndarray:
    """Undirected, de-duplicated, lexicographically sorted (i < j) edge rows."""
    a = np.fromiter(first, dtype=np.int64)
    b = np.fromiter(second, dtype=np.int64)
    if a.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    keys = lo * n + hi  # n**2 fits int64 for any network that fits in memory
    keys.sort()  # sort + mask: much faster than np.unique here (1M ties: ~10 ms vs ~800 ms)
    keep = np.empty(keys.size, dtype=bool)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    keys = keys[keep]
    return np.column_stack((keys // n, keys % n)).astype(np.int64, copy=False)


def _build(
    source: str,
    index: dict[str, int] | dict[Hashable, int],
    first: list[int],
    second: list[int],
    attributes: _Attributes,
) -> MemberNetwork:
    """Assemble the result; a network with no members cannot seed a simulation.

    ``source`` names the file (or the argument) in the message."""
    n = len(index)
    if n == 0:
        raise NetworkFileError(
            f"{source}: the network has no members (no ties and no nodes); "
            "allowed: at least one node"
        )
    organisation, organisation_names, role, engagement = attributes.arrays(n)
    return MemberNetwork(
        node_ids=tuple(index),
        edges=_unique_edges(first, second, n),
        organisation=organisation,
        organisation_names=organisation_names,
        role=role,
        engagement=engagement,
    )


# ---------------------------------------------------------------------------
# CSV


class _CsvReader(Protocol):
    """What this module uses of a ``csv.reader``: rows and the current line number."""

    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


def _open_csv(path: Path, kind: str) -> _CsvReader:
    """A csv reader over the whole decoded file (a UTF-8 byte-order mark is dropped).

    The file is decoded in one go so that a bad byte can be reported with its line number;
    the csv module then keeps line numbers exact (``reader.line_num``, line 1 = first line).
    """
    _check_readable(path, kind)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise NetworkFileError(
            f"{path.name}: {kind} file could not be read ({err.strerror or err})"
        ) from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise NetworkFileError(
            f"{path.name} line {line}: holds a NUL byte (binary data); allowed: a UTF-8 "
            "encoded CSV text file"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise NetworkFileError(
            f"{path.name} line {line}: byte 0x{data[err.start]:02x} is not valid UTF-8 text; "
            "allowed: a UTF-8 encoded CSV file (re-save it as UTF-8)"
        ) from None
    return csv.reader(io.StringIO(text, newline=""))


@contextmanager
def _csv_errors(path: Path, reader: _CsvReader) -> Iterator[None]:
    """Turn the csv module's own errors (e.g. an oversized field) into NetworkFileError."""
    try:
        yield
    except csv.Error as err:
        raise NetworkFileError(
            f"{path.name} line {reader.line_num}: not valid CSV ({err}); "
            "allowed: comma-separated values with a header row"
        ) from None


def _header(path: Path, reader: _CsvReader, kind: str) -> dict[str, int]:
    """Column name (lower-case, stripped) -> position, from the first non-blank row."""
    with _csv_errors(path, reader):
        row = next((row for row in reader if row), None)
    if row is None:
        raise NetworkFileError(
            f"{path.name}: {kind} file is empty; allowed: a header row followed by data rows"
        )
    columns: dict[str, int] = {}
    for position, raw in enumerate(row):
        name = raw.strip().lower()
        if name and name in columns:
            raise NetworkFileError(
                f"{path.name} line {reader.line_num}: header column {_show(name)} appears "
                "twice; allowed: each column name once"
            )
        columns[name] = position
    return columns


def _require_columns(
    path: Path, line: int, columns: dict[str, int], required: tuple[str, ...]
) -> None:
    """Refuse a header without the columns the reader needs, listing what was found."""
    missing = [name for name in required if name not in columns]
    if missing:
        found = ", ".join(_show(name) for name in columns if name) or "none"
        needed = ", ".join(_show(name) for name in required)
        raise NetworkFileError(
            f"{path.name} line {line}: header lacks column(s) {', '.join(map(_show, missing))} "
            f"(found: {found}); required: {needed} (case-insensitive)"
        )


def _read_nodes_csv(path: Path) -> tuple[dict[str, int], _Attributes]:
    """Node ids (in file order) and their attributes from the optional nodes CSV."""
    reader = _open_csv(path, "nodes")
    columns = _header(path, reader, "nodes")
    _require_columns(path, reader.line_num, columns, ("id",))
    if all(name in columns for name in _ORGANISATION_KEYS):
        raise NetworkFileError(
            f"{path.name} line {reader.line_num}: header has both 'organisation' and "
            "'organization' columns; allowed: one of them"
        )
    id_col = columns["id"]
    org_col = next((columns[k] for k in _ORGANISATION_KEYS if k in columns), None)
    role_col = columns.get("role")
    eng_col = columns.get("engagement")
    attributes = _Attributes(org_col is not None, role_col is not None, eng_col is not None)
    index: dict[str, int] = {}
    first_line: dict[str, int] = {}

    def cell(row: list[str], col: int | None) -> str | None:
        # Short rows (trailing empty cells dropped by some exporters) count as missing values.
        return row[col] if col is not None and col < len(row) else None

    with _csv_errors(path, reader):
        for row in reader:
            if not row:
                continue
            line = reader.line_num
            where = f"{path.name} line {line}"
            node = (cell(row, id_col) or "").strip()
            if not node:
                raise NetworkFileError(f"{where}: id is empty; allowed: a non-empty node label")
            if node in index:
                raise NetworkFileError(
                    f"{where}: id {_show(node)} is a duplicate (first on line "
                    f"{first_line[node]}); allowed: each id once"
                )
            index[node] = len(index)
            first_line[node] = line
            attributes.add(where, cell(row, org_col), cell(row, role_col), cell(row, eng_col))
    return index, attributes


def _read_csv_network(path: Path, nodes_path: Path | None) -> MemberNetwork:
    """CSV edge list (plus optional nodes CSV) -> MemberNetwork, in one pass over the rows.

    The loop is kept minimal (one dict lookup per label, checks only on the slow path) so a
    million-tie file reads in about a second.
    """
    if nodes_path is not None:
        if nodes_path.suffix.lower() not in _CSV_SUFFIXES:
            raise NetworkFileError(
                f"{nodes_path.name}: nodes file suffix {_show(nodes_path.suffix)} is not "
                "supported; allowed: .csv, .txt"
            )
        index, attributes = _read_nodes_csv(nodes_path)
    else:
        index, attributes = {}, _Attributes(False, False, False)

    reader = _open_csv(path, "network")
    columns = _header(path, reader, "network")
    _require_columns(path, reader.line_num, columns, ("source", "target"))
    s_col, t_col = columns["source"], columns["target"]
    first: list[int] = []
    second: list[int] = []
    add_first, add_second, lookup = first.append, second.append, index.get
    with _csv_errors(path, reader):
        for row in reader:
            try:
                source = row[s_col].strip()
                target = row[t_col].strip()
            except IndexError:
                if not row:  # blank line
                    continue
                source = row[s_col].strip() if s_col < len(row) else ""
                target = row[t_col].strip() if t_col < len(row) else ""
            if not source or not target or source == target:
                _bad_tie(path, reader.line_num, source, target)
            i = lookup(source)
            if i is None:
                i = index[source] = len(index)
            j = lookup(target)
            if j is None:
                j = index[target] = len(index)
            add_first(i)
            add_second(j)
    return _build(path.name, index, first, second, attributes)


def _bad_tie(path: Path, line: int, source: str, target: str) -> NoReturn:
    """Explain why a CSV row is not a tie between two members."""
    if not source or not target:
        field = "source" if not source else "target"
        raise NetworkFileError(
            f"{path.name} line {line}: {field} is missing or empty; "
            "allowed: a non-empty node label in both source and target"
        )
    raise NetworkFileError(
        f"{path.name} line {line}: source and target are both node {_show(source)} "
        "(a self-loop); allowed: ties between two different members"
    )


# ---------------------------------------------------------------------------
# GraphML


def _check_node_ids(path: Path) -> None:
    """Every GraphML <node> has an id (networkx names one without it 'None', silently).

    A second streaming pass over the file (ElementTree's iterparse, elements freed as it
    goes); the file already parsed as GraphML, so this only looks for the attribute.
    """
    for _event, element in ElementTree.iterparse(path, events=("end",)):
        if element.tag.rsplit("}", 1)[-1] == "node" and "id" not in element.attrib:
            raise NetworkFileError(
                f'{path.name}: a <node> has no id; allowed: <node id="..."> for every member'
            )
        element.clear()


def _read_graphml_network(path: Path) -> MemberNetwork:
    """GraphML -> MemberNetwork; directed graphs and multi-edges become simple ties."""
    import networkx as nx  # imported here: only GraphML users pay for it

    _check_readable(path, "network")
    try:
        graph = nx.read_graphml(path)
    except Exception as err:  # any parser/conversion failure is a problem with the file
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise NetworkFileError(
            f"{path.name}: not readable as GraphML ({detail}); allowed: a valid GraphML file"
        ) from None

    _check_node_ids(path)
    return _graph_network(graph, path.name)


def _check_text_ids(graph: Any, source: str) -> None:
    """Node ids that are not all text must still differ as text (``1`` and ``'1'`` would be
    one node in an exported GraphML or GEXF file)."""
    seen: dict[str, Hashable] = {}
    for node in graph.nodes():
        first = seen.setdefault(str(node), node)
        if first is not node and first != node:
            raise NetworkFileError(
                f"{source}: nodes {first!r} and {node!r} have the same id as text "
                f"({_show(node)}); allowed: ids that differ as text"
            )


def _graph_network(graph: Any, source: str) -> MemberNetwork:
    """A networkx graph (read from GraphML, or handed over) -> MemberNetwork, ids as given.

    ``source`` names the file or argument in messages: ``<source> node '<id>': ...``.
    """
    if not all(isinstance(node, str) for node in graph.nodes()):
        _check_text_ids(graph, source)
    node_data = list(graph.nodes(data=True))
    org_seen = any(key in data for _, data in node_data for key in _ORGANISATION_KEYS)
    role_seen = any("role" in data for _, data in node_data)
    eng_seen = any("engagement" in data for _, data in node_data)
    attributes = _Attributes(org_seen, role_seen, eng_seen)
    index: dict[Hashable, int] = {}
    for node, data in node_data:
        where = f"{source} node {_show(node)}"
        if all(key in data for key in _ORGANISATION_KEYS):
            raise NetworkFileError(
                f"{where}: has both 'organisation' and 'organization'; allowed: one of them"
            )
        organisation = data.get("organisation", data.get("organization"))
        attributes.add(where, organisation, data.get("role"), data.get("engagement"))
        index[node] = len(index)

    first: list[int] = []
    second: list[int] = []
    for u, v in graph.edges():
        if u == v:
            raise NetworkFileError(
                f"{source} node {_show(u)}: has a self-loop (a tie to itself); "
                "allowed: ties between two different members"
            )
        first.append(index[u])
        second.append(index[v])
    return _build(source, index, first, second, attributes)
