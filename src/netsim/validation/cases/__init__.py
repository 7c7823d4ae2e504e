"""The validation cases; importing this package registers them in report order."""

from netsim.validation.cases import cascades, epidemics
from netsim.validation.core import CASES

ORDER = (
    "newman-er",
    "newman-configuration",
    "sir-infectious-period",
    "si-branching",
    "watts-window",
    "centola-macy",
)
"""Report order: epidemic theory first, then threshold cascades."""

CASES.update({case_id: CASES.pop(case_id) for case_id in ORDER})

__all__ = ["ORDER", "cascades", "epidemics"]
