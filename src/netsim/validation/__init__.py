"""Validation of netsim's textbook modes against published results.

``run_suite()`` runs every registered case (``CASES``) at a size (``reduced`` or
``full``) and returns one :class:`CaseResult` per case, each a list of
:class:`Check` records: what is compared, the published reference value,
netsim's value, its 95% interval, the tolerance and pass/fail. The tests in
``tests/validation/`` and ``netsim validate-model`` both call this code.
See docs/validation.md for the cases, their sources and tolerances.
"""

from netsim.validation import cases
from netsim.validation.cases import CASES
from netsim.validation.core import SIZES, Case, CaseResult, Check, Checks
from netsim.validation.suite import case_ids_all, run_case, run_suite

__all__ = [
    "CASES",
    "SIZES",
    "Case",
    "CaseResult",
    "Check",
    "Checks",
    "case_ids_all",
    "cases",
    "run_case",
    "run_suite",
]
