"""netsim: agent-based simulation of how improvement networks grow and how ideas spread.

Quick start::

    import netsim
    result = netsim.run(seed=1)           # the embedded default scenario
    result.table                          # one row per weekly step (pandas)
    result.summary                        # final/peak adoption, critical mass, fizzle-out
    result.network                        # the final tie network (networkx)
"""

from importlib.metadata import PackageNotFoundError, version

from netsim.api import RunResult, build_model, run, run_one
from netsim.model import NetworkModel
from netsim.parameters import ParameterError, Parameters, TimelineEvent

try:
    __version__ = version("netsim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = [
    "NetworkModel",
    "ParameterError",
    "Parameters",
    "RunResult",
    "TimelineEvent",
    "__version__",
    "build_model",
    "run",
    "run_one",
]
