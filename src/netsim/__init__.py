"""netsim: agent-based simulation of how improvement networks grow and how ideas spread.

Quick start::

    import netsim
    result = netsim.run(seed=1)           # the embedded default scenario
    result.table                          # one row per weekly step (pandas)
    result.summary                        # final/peak adoption, critical mass, fizzle-out
    result.network                        # the final tie network (networkx)
    result.export_network("net.graphml")   # for Gephi / Cytoscape (.graphml or .gexf)

    import networkx as nx                 # graph first: your network, your innovators
    result = netsim.run(network=nx.karate_club_graph(), innovators=[0, 33],
                        eligible_population=34, seed=1)

The names below are loaded on first use (PEP 562), so ``import netsim`` stays
quick and a command that never runs a model never loads the compiled kernels.
Where each lives is in docs/architecture.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from netsim.version import __version__

if TYPE_CHECKING:
    from netsim.api import ExportError, RunResult, build_model, run, run_one
    from netsim.batch.sweep import run_sweep
    from netsim.config.experiments import Experiment, load_experiment
    from netsim.config.member_network import MemberNetwork, NetworkFileError, read_member_network
    from netsim.config.outcomes import OUTCOMES, Outcome
    from netsim.config.parameters import ParameterError, Parameters, TimelineEvent
    from netsim.config.scenarios import Scenario, ScenarioError, load_scenario
    from netsim.model.network_model import NetworkModel
    from netsim.present.compare_report import compare_scenarios
    from netsim.present.sweep_report import analyse_folder

_HOMES = {
    "ExportError": "netsim.api",
    "RunResult": "netsim.api",
    "build_model": "netsim.api",
    "run": "netsim.api",
    "run_one": "netsim.api",
    "NetworkModel": "netsim.model.network_model",
    "ParameterError": "netsim.config.parameters",
    "Parameters": "netsim.config.parameters",
    "TimelineEvent": "netsim.config.parameters",
    "OUTCOMES": "netsim.config.outcomes",
    "Outcome": "netsim.config.outcomes",
    "Scenario": "netsim.config.scenarios",
    "ScenarioError": "netsim.config.scenarios",
    "load_scenario": "netsim.config.scenarios",
    "Experiment": "netsim.config.experiments",
    "load_experiment": "netsim.config.experiments",
    "MemberNetwork": "netsim.config.member_network",
    "NetworkFileError": "netsim.config.member_network",
    "read_member_network": "netsim.config.member_network",
    "run_sweep": "netsim.batch.sweep",
    "compare_scenarios": "netsim.present.compare_report",
    "analyse_folder": "netsim.present.sweep_report",
}
"""Public name -> the module that defines it."""

__all__ = [
    "OUTCOMES",
    "Experiment",
    "ExportError",
    "MemberNetwork",
    "NetworkFileError",
    "NetworkModel",
    "Outcome",
    "ParameterError",
    "Parameters",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "TimelineEvent",
    "__version__",
    "analyse_folder",
    "build_model",
    "compare_scenarios",
    "load_experiment",
    "load_scenario",
    "read_member_network",
    "run",
    "run_one",
    "run_sweep",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'netsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
