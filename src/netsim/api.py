"""The Python API: run one simulation and get tables back.

``run(params, seed=..., steps=...)`` is what the CLI, the batch runner and the
browser view call; ``run_one(params, seed)`` is the plain callable for EMA
Workbench, SALib or a notebook loop (a dict of parameters in, a summary out).
Graph first: ``run(network=graph, innovators=[ids])`` starts from a networkx graph (or a
:class:`MemberNetwork`) with the named members holding the idea.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from netsim.config.member_network import MemberNetwork, NetworkFileError, read_member_network
from netsim.config.outcomes import UNTIL_SETTLED_CAP
from netsim.config.parameters import ParameterError, Parameters
from netsim.errors import NetsimError, excerpt
from netsim.model import metrics
from netsim.model.network_model import NetworkModel
from netsim.model.population import MemberIds, check_population_holds
from netsim.numbers import data_size, exact
from netsim.text import printable
from netsim.version import __version__


@dataclass
class RunResult:
    """One run's outputs: the per-step table, the summary, the final network."""

    parameters: Parameters
    seed: int
    table: pd.DataFrame
    summary: dict[str, Any]
    model: NetworkModel

    @cached_property
    def network(self) -> nx.Graph[Any]:
        """The final tie network among members (networkx; built on first use), its nodes
        named by member id: a member network's node ids as given (the people outside it
        ``netsim-<index>``), or without one the person's index 0 to N - 1."""
        return self.model.tie_graph(named=True)

    def export_network(self, path: str | os.PathLike[str], *, everyone: bool = False) -> Path:
        """Write the final network for Gephi or Cytoscape: GraphML (``.graphml``) or GEXF
        (``.gexf``), chosen by the suffix; returns the path written.

        Nodes are members by id (``everyone``: every person of the eligible population,
        ties or not) with their attributes (see :meth:`NetworkModel.tie_graph`: status,
        engagement, trust, reciprocity, role, adoption_week ...); ties carry strength and
        formed_week. Written atomically (a temporary file, then renamed), so a failed write
        leaves no half file. Node ids are written as text (both formats' rule).
        """
        target = Path(path)
        writer = NETWORK_FORMATS.get(target.suffix.lower())
        if writer is None:
            raise ExportError(
                f"{printable(str(target))}: unknown network format "
                f"{printable(target.suffix) or '(no suffix)'}; allowed: "
                + ", ".join(NETWORK_FORMATS)
            )
        graph = self.model.tie_graph(include_non_members=everyone, named=True)
        graph.graph.update(
            {
                "generator": f"netsim {__version__}",
                "seed": self.seed,
                "weeks": self.model.step_count,
            }
        )
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            writer(graph, partial)
            os.replace(partial, target)
        except OSError as err:
            partial.unlink(missing_ok=True)
            raise ExportError(
                f"cannot write {printable(str(target))}: {err.strerror or err}"
            ) from None
        return target


class ExportError(NetsimError, ValueError):
    """A network export that cannot be written (unknown format, unwritable path)."""


def _write_gexf(graph: nx.Graph[Any], path: Path) -> None:
    nx.write_gexf(graph, path)


def _write_graphml(graph: nx.Graph[Any], path: Path) -> None:
    nx.write_graphml(graph, path, named_key_ids=True)


NETWORK_FORMATS: dict[str, Callable[[nx.Graph[Any], Path], None]] = {
    ".graphml": _write_graphml,
    ".gexf": _write_gexf,
}
"""Export suffixes and their networkx writers (Gephi reads both; Cytoscape GraphML)."""


def load_member_network(params: Parameters) -> MemberNetwork | None:
    """Read the scenario's real member network, if it names one.

    Raises ParameterError naming ``network_file`` with the reader's one-line message, or
    ``eligible_population`` if the file names more people than it holds.
    """
    if not params.network_file:
        return None
    try:
        real = read_member_network(params.network_file, params.network_nodes_file or None)
    except NetworkFileError as err:
        raise ParameterError("network_file", str(err)) from None
    check_population_holds(params, real)
    return real


def member_network_of(network: Any) -> MemberNetwork:
    """``network=`` as a MemberNetwork: one as given, a networkx graph converted by the
    GraphML reader's rules (:meth:`MemberNetwork.from_graph`: node ids kept as given,
    attributes ``organisation``, ``role``, ``engagement``); a NetworkFileError naming
    ``network`` and the node for a bad attribute, a ParameterError for anything else."""
    if isinstance(network, MemberNetwork):
        return network
    if isinstance(network, nx.Graph):  # DiGraph, MultiGraph, MultiDiGraph are Graphs too
        return MemberNetwork.from_graph(network, "network")
    raise ParameterError(
        "network",
        f"an object of type {printable(type(network).__name__)} is not a network; allowed: a "
        "networkx graph or a netsim.MemberNetwork",
    )


def innovator_indices(names: Iterable[Hashable], ids: MemberIds) -> np.ndarray:
    """The people named by ``innovators=[ids]``, as sorted indices; a ParameterError naming
    ``innovators`` for an id nobody has, or one named twice."""
    found: dict[int, Hashable] = {}
    for name in names:
        index = ids.index_of(name)
        shown = printable(excerpt(name))
        if index is None:
            raise ParameterError(
                "innovators", f"{shown} is not a member id; allowed: {ids.describe()}"
            )
        if index in found:
            raise ParameterError("innovators", f"{shown} is named twice; allowed: each once")
        found[index] = name
    return np.array(sorted(found), dtype=np.int64)


def _innovator_names(innovators: Any) -> list[Hashable] | None:
    """``innovators=``: None or a count (left to the parameter) -> None; ids -> their list."""
    if innovators is None or isinstance(innovators, int | float | np.integer | np.floating):
        return None
    if isinstance(innovators, str | bytes):
        raise ParameterError(
            "innovators",
            f"{printable(excerpt(innovators))} is one id, not a list; allowed: a whole number "
            "(how many) or a list of member ids",
        )
    try:
        return list(innovators)
    except TypeError:
        raise ParameterError(
            "innovators",
            f"an object of type {printable(type(innovators).__name__)} is neither a count nor "
            "ids; allowed: a whole number (how many) or a list of member ids",
        ) from None


def prepared(
    params: Parameters | Mapping[str, Any] | None,
    overrides: Mapping[str, Any],
    network: Any = None,
    innovators: Any = None,
) -> tuple[Parameters, MemberNetwork | None, np.ndarray | None]:
    """What a model is built from: the parameters (overrides applied, memory checked), the
    member network (``network=``, else the scenario's file) and the chosen innovators."""
    names = _innovator_names(innovators)
    params = _parameters(params)
    changes = dict(overrides)
    if innovators is not None and names is None:
        changes["innovators"] = innovators  # a count: the parameter's own rules
    if changes:
        params = params.replace(**changes)
    check_memory(params)
    if network is None:
        real = load_member_network(params)
    elif params.network_file:
        raise ParameterError(
            "network",
            f"cannot be used with network_file {printable(excerpt(params.network_file))}; "
            "allowed: one of them (network= in Python, or network_file in the scenario)",
        )
    else:
        real = member_network_of(network)
        check_population_holds(params, real, "network")
    chosen = None
    if names is not None:
        ids = MemberIds(params.eligible_population, () if real is None else real.node_ids)
        chosen = innovator_indices(names, ids)
    return params, real, chosen


def check_seed(seed: Any) -> None:
    """Refuse a negative seed with a ParameterError naming ``seed`` (numpy's own error,
    "expected non-negative integer", names neither the field nor the value)."""
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed < 0:
        raise ParameterError("seed", f"{seed} must be a whole number >= 0")


PEAK_BYTES_BASE = 270 * 2**20
"""Peak memory of a process running a default-sized model: the interpreter, numpy, numba,
pandas, Mesa and netsim's compiled kernels (measured: 258 MiB for 500 people)."""
PEAK_BYTES_PER_PERSON = 150
"""Member arrays, organisation, tie bookkeeping: bytes per eligible person."""
PEAK_BYTES_PER_CONTACT = 130
"""The contact graph as it is generated and compacted (pair arrays, sorts, CSR): bytes per
person per mean contact."""


def estimated_peak_bytes(params: Parameters) -> int:
    """Peak resident memory (bytes) of one run with ``params``, known before anything is built.

    BASE + PER_PERSON x eligible_population + PER_CONTACT x eligible_population x
    contacts_per_person: the contact graph dominates, and the weeks simulated add nothing
    that shows (50,000 x 100 peaks at the same 870 MiB over 20 weeks and over 156).
    Calibrated on the peak RSS (``ru_maxrss``) of fresh processes, one ``api.run`` each,
    organisations topology unless said; people x contacts: measured / estimated MiB:

    ===================  ========  =========
    500 x 10 (default)   258       271
    50,000 x 10          305       339
    50,000 x 100         870       897
    20,000 x 200         727       769
    200,000 x 50         1,477     1,538   (Erdős–Rényi 1,448, Watts–Strogatz 1,454)
    1,000,000 x 10       1,619     1,653
    100,000 x 0          267       284
    ===================  ========  =========

    So the estimate is 2-11% high, never low; 5,000,000 x 200 comes to about 122 GiB.
    A network file's own pairs are not counted (its reader bounds its size).
    """
    return peak_bytes(params.eligible_population, params.contacts_per_person)


def peak_bytes(people: int, contacts: float) -> int:
    """:func:`estimated_peak_bytes` of ``people`` eligible with ``contacts`` each on average."""
    return int(
        PEAK_BYTES_BASE
        + PEAK_BYTES_PER_PERSON * people
        + PEAK_BYTES_PER_CONTACT * people * contacts
    )


MEMORY_LIMIT_ENV = "NETSIM_MEMORY_LIMIT"
"""Environment variable with the memory limit (e.g. ``30GB``); the CLI's ``--memory-limit``
sets it, so local workers started after see it too."""
MEMORY_SHARE = 0.5
"""Without a limit set, runs may take this share of the machine's physical memory."""
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(i?)(b?)\s*$", re.IGNORECASE)
_SIZE_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


class MemoryLimitError(NetsimError, ValueError):
    """A run would need more memory than the limit allows (one line naming the estimate and
    how to raise the limit); or the limit itself is not a size."""


def parse_size(text: str, source: str = "--memory-limit") -> int:
    """``30GB``, ``512M``, ``1.5GiB``, ``2000000000`` as bytes (K/M/G/T: powers of 1000, with
    ``i``: of 1024). MemoryLimitError naming ``source`` if it is not a size above 0."""
    match = _SIZE.match(text)
    value = 0.0
    if match and not (match.group(3) and not match.group(2)):  # "5iB" is no unit
        number, power, binary = match.group(1), match.group(2).lower(), match.group(3)
        value = float(number) * (1024 if binary else 1000) ** _SIZE_POWERS[power]
    if value < 1:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise MemoryLimitError(
            f"{source}: {shown!r} is not a memory size; give e.g. 30GB, 512MB or 1.5GiB"
        )
    return int(value)


def physical_memory() -> int | None:
    """This machine's physical memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not POSIX, or the name is unknown here
        return None


def memory_limit() -> tuple[int | None, str]:
    """The memory runs may take (bytes; None: no limit) and where that limit comes from.

    NETSIM_MEMORY_LIMIT if set, else MEMORY_SHARE of the machine's physical memory.
    """
    text = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if text:
        return parse_size(text, MEMORY_LIMIT_ENV), f"{MEMORY_LIMIT_ENV}={text}"
    total = physical_memory()
    if total is None:
        return None, "no limit"
    return int(total * MEMORY_SHARE), f"half of this machine's {data_size(total)}"


def check_memory(params: Parameters, *, at_once: int = 1, limit: int | None = None) -> None:
    """Refuse, before anything is allocated, a run whose estimated peak memory
    (:func:`estimated_peak_bytes`) times ``at_once`` (runs that
    share the machine: local workers) is over the limit (``limit``, else
    :func:`memory_limit`). A MemoryLimitError names the estimate and the override.
    """
    source = "the limit given"
    if limit is None:
        limit, source = memory_limit()
    if limit is None:
        return
    one = estimated_peak_bytes(params)
    need = one * max(1, at_once)
    if need <= limit:
        return
    size = (
        f"eligible_population = {params.eligible_population} with contacts_per_person = "
        f"{exact(params.contacts_per_person)}"
    )
    runs = f" x {at_once} runs at once = {data_size(need)}" if at_once > 1 else ""
    raise MemoryLimitError(
        f"{size} needs about {data_size(one)} a run (estimated){runs}, over the memory limit "
        f"of {data_size(limit)} ({source}); raise it with --memory-limit SIZE or "
        f"{MEMORY_LIMIT_ENV}=SIZE (e.g. 30GB){', or use fewer workers' if at_once > 1 else ''}"
    )


def build_model(
    params: Parameters | Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    record: str = "all",
    network: nx.Graph[Any] | MemberNetwork | None = None,
    innovators: int | Iterable[Hashable] | None = None,
    **overrides: Any,
) -> NetworkModel:
    """A ready-to-step model (loads the real network file if the parameters name one).

    ``record`` is ``"all"`` (every per-step metric) or ``"summary"`` (only the
    columns the summary needs: about a quarter faster, same dynamics bit for bit).
    ``network`` and ``innovators``: as in :func:`run`.
    """
    check_seed(seed)
    params, real, chosen = prepared(params, overrides, network, innovators)
    return NetworkModel(
        params, rng=seed, member_network=real, record=record, innovator_indices=chosen
    )


def run(
    params: Parameters | Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    steps: int | None = None,
    record: str = "all",
    on_step: Callable[[int, int], None] | None = None,
    until_settled: bool = False,
    max_steps: int | None = None,
    network: nx.Graph[Any] | MemberNetwork | None = None,
    innovators: int | Iterable[Hashable] | None = None,
    **overrides: Any,
) -> RunResult:
    """Simulate ``steps`` weeks (default: the parameters' own) from ``seed``.

    ``network``: the member network to start from, a networkx graph (any of its graph
    classes: directed graphs and multi-edges become simple ties) or a
    :class:`MemberNetwork`, in place of a ``network_file`` (passing both is an error).
    Its nodes are the founding members, people 0 to its size - 1, named by their node ids
    as given (ints stay ints), and its edges their ties, read by the network-file rules:
    node attributes ``organisation``, ``role`` (member, leader, champion) and
    ``engagement`` (0 to 1) are used, others ignored, and the graph is the whole contact
    network among them. ``eligible_population`` must hold it; the other eligible people
    are prospects named ``netsim-<index>``. Same graph (same node order), parameters and
    seed give an identical table.

    ``innovators``: a whole number is the ``innovators`` parameter (how many hold each
    idea at step 0, drawn: founders first, under hierarchical leadership the leaders); a
    list (or any iterable) of member ids names them instead: exactly those people hold
    every idea at step 0, nobody is drawn, and the parameter is set to their number. Ids
    are the network's node ids (``netsim-<index>`` for people outside it); without a
    network, people are numbered 0 to N - 1. An unknown id is a ParameterError.

    Same parameters and seed give an identical table, whatever else runs. A run whose
    estimated memory is over the limit is refused first (:func:`check_memory`).
    A shorter ``steps`` than the scenario's drops its timeline events after the
    new last step (see :meth:`Parameters.with_steps`). ``record="summary"``
    keeps only the table columns the summary reads (what a sweep without
    per-step tables asks for); the summary is the same either way.
    ``on_step(done, total)`` is called after every week (for progress bars); the
    run is the same with or without it.

    ``until_settled``: take at least ``steps`` weeks (the horizon) and go on, week by
    week, until the run's labels are settled (the summary's ``settled``) or
    ``max_steps`` weeks (default :data:`UNTIL_SETTLED_CAP` x the horizon) have passed;
    the timeline is kept whole, so events after the horizon (up to ``max_steps``)
    still apply and the run never stops before the last of them. The result's
    parameters have ``steps`` set to the weeks taken, so running those parameters
    again gives the same table. ``on_step``'s total is then ``max_steps``.
    """
    if not until_settled:
        if max_steps is not None:
            raise ParameterError("max_steps", "applies only to a run until settled")
        if steps is not None:
            params = _parameters(params).with_steps(steps)
        model = build_model(
            params, seed=seed, record=record, network=network, innovators=innovators, **overrides
        )
        if on_step is None:
            model.run()
        else:
            total = model.params.steps
            for done in range(1, total + 1):
                model.step()
                on_step(done, total)
        ran = model.params
    else:
        model = build_model(
            params, seed=seed, record=record, network=network, innovators=innovators, **overrides
        )
        horizon = model.params.steps if steps is None else steps
        cap = UNTIL_SETTLED_CAP * horizon if max_steps is None else max_steps
        if cap < horizon:
            raise ParameterError(
                "max_steps", f"{cap} is less than the horizon ({horizon} weekly steps)"
            )
        try:
            model.params.with_steps(cap)  # the cap is a number of steps a run may have
        except ParameterError as err:
            raise ParameterError("max_steps", str(err).removeprefix("steps: ")) from None
        progress = None
        if on_step is not None:
            report = on_step

            def progress() -> None:
                report(model.step_count, cap)

        model.run_until_settled(cap, min_steps=horizon, on_step=progress)
        ran = model.params
        if model.step_count != ran.steps:
            ran = ran.with_steps(model.step_count)
    table = model.table()
    return RunResult(
        parameters=ran,
        seed=seed,
        table=table,
        # the summary of the table just built (model.summary() would build it again)
        summary=metrics.summarise(table),
        model=model,
    )


def _parameters(params: Parameters | Mapping[str, Any] | None) -> Parameters:
    if params is None:
        return Parameters()
    if isinstance(params, Parameters):
        return params
    return Parameters.from_dict(params)


def run_one(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Plain callable for experiment tools: a flat dict of parameters and a seed -> summary."""
    return run(params, seed=seed).summary
