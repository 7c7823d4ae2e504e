"""The validation cases, listed explicitly in report order: epidemic theory first, then
threshold cascades, then the Bass model. Nothing registers itself on import; this dict
is the list."""

from netsim.validation.cases import bass, cascades, epidemics
from netsim.validation.core import Case

CASES: dict[str, Case] = {
    spec.id: spec
    for spec in (
        epidemics.newman_er,
        epidemics.newman_configuration,
        epidemics.sir_infectious_period,
        epidemics.si_branching,
        cascades.watts_window,
        cascades.centola_macy,
        bass.bass_complete_graph,
    )
}
ORDER = tuple(CASES)
"""Report order."""

__all__ = ["CASES", "ORDER", "bass", "cascades", "epidemics"]
