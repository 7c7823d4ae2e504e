"""Each validation case passes at its reduced size (default run) and full size (slow).

The cases live in ``netsim.validation`` (shared with ``netsim validate-model``);
these tests only run them and assert the verdicts and the shape of the records.
How the statistics work (tolerance critical(df) * SE at alpha = 1e-4, 95% Student-t
intervals, power checks against wrong alternatives) is in
``netsim.validation.stats``; the cases, sources and tolerances in docs/validation.md.
Seeds are fixed inside each case, so every run gives the same numbers.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest

from netsim.validation import CASES, CaseResult, Check, run_case, run_suite, theory
from netsim.validation.cases import ORDER
from netsim.validation.core import Case, Checks

MIN_REPLICATES = 20
"""Every statistical (approx) check rests on at least this many independent graphs."""


@cache
def reduced(case_id: str) -> CaseResult:
    """Each reduced case runs once per test session."""
    return run_case(case_id, "reduced")


def assert_passes(result: CaseResult) -> None:
    assert result.error is None, result.error
    assert result.checks, "a case without checks"
    assert result.passed, result.explain()


# --- reduced (default run) --------------------------------------------------------------


def test_newman_er_reduced() -> None:
    """Newman (2002), Phys. Rev. E 66, 016128: on G(N, 4/N) the one-shot cascade has no
    epidemics and mean size 1 + cT/(1 - cT) below T_c = 1/c, epidemics of size and
    probability S = 1 - exp(-cTS) above it."""
    assert_passes(reduced("newman-er"))


def test_newman_configuration_reduced() -> None:
    """Newman (2002), Phys. Rev. E 66, 016128, eqs. 11-14 (general degrees): on a
    configuration model with geometric degrees (mean 3) T_c = 1/6, not the Poisson 1/3;
    epidemics at T = 0.3 of size 1/3, where the Poisson theory says none."""
    assert_passes(reduced("newman-configuration"))


def test_sir_infectious_period_reduced() -> None:
    """Kenah & Robins (2007), Phys. Rev. E 76, 036113; Miller (2007), Phys. Rev. E 76,
    010101: with recovery gamma < 1 the final size is S(cT), T = beta/(beta + gamma -
    beta gamma), and epidemics start less often than S (0.685 against 0.797)."""
    assert_passes(reduced("sir-infectious-period"))


def test_si_branching_reduced() -> None:
    """Pastor-Satorras et al. (2015), Rev. Mod. Phys. 87, 925; Newman (2002): SI reaches
    exactly the seed's component, and grows early as E[I(t)] = 1 + beta c (r^t - 1)/(r - 1),
    r = 1 + beta (c - 1), not the mean-field (1 + beta c)^t."""
    assert_passes(reduced("si-branching"))


def test_watts_window_reduced() -> None:
    """Watts (2002), PNAS 99:5766, eq. 5 and Fig. 2; Gleeson & Cahalane (2007), Phys. Rev. E
    75, 056103: at phi = 0.18 global cascades from one seed occur inside the window
    z = 1.02..5.76 as often as the extended vulnerable cluster and as large as the
    fixed point says, and none reaches 1% of N outside it."""
    assert_passes(reduced("watts-window"))


def test_centola_macy_reduced() -> None:
    """Centola & Macy (2007), AJS 113:702: rewiring a clustered ring lattice speeds simple
    contagion and slows, then blocks, threshold-2 contagion; lattice fronts are exact."""
    assert_passes(reduced("centola-macy"))


def test_bass_complete_graph_reduced() -> None:
    """Bass (1969), Management Science 15:215: on the complete graph with nobody holding
    the idea at first, the mean adoption curve follows F(t+1) = F(t) + (p + q F(t))(1 - F(t))
    with p = outside_influence and q = N x transmission_probability, within t x SE plus the
    stated gap to the exact expectation of netsim's rule; without p nobody ever adopts."""
    assert_passes(reduced("bass-complete-graph"))


@pytest.mark.parametrize(("n", "p"), [(50, 0.1), (200, 0.03)])
def test_without_imitation_both_bass_theories_are_one_minus_one_minus_p_to_the_t(
    n: int, p: float
) -> None:
    weeks = np.arange(31)
    alone = 1.0 - (1.0 - p) ** weeks
    np.testing.assert_allclose(theory.bass_curve(p, 0.0, 30), alone, rtol=1e-12)
    np.testing.assert_allclose(theory.complete_graph_chain_mean(n, p, 0.0, 30), alone, rtol=1e-9)


def test_the_chain_is_bass_to_first_order_and_below_it_beyond() -> None:
    """Independent chances combine to less than their sum: the exact expectation of the
    rule lies below the Bass curve with q = n beta, by a gap that shrinks with q."""
    n, p = 400, 0.01
    gaps = []
    for q in (0.05, 0.1, 0.2):
        bass = theory.bass_curve(p, q, 60)
        chain = theory.complete_graph_chain_mean(n, p, q / n, 60)
        assert chain[1] == pytest.approx(bass[1], abs=1e-12)  # F(1) = p in both
        assert (chain[2:] < bass[2:]).all()
        gaps.append(float(np.max(bass - chain)))
    assert gaps[0] < gaps[1] < gaps[2] < 0.05


def test_the_chain_keeps_nobody_from_adopting_without_outside_influence() -> None:
    assert not theory.complete_graph_chain_mean(100, 0.0, 0.01, 20).any()


# --- the records ------------------------------------------------------------------------


def test_registry_order_and_citations() -> None:
    assert list(CASES) == list(ORDER)
    for spec in CASES.values():
        assert spec.source and spec.compares and spec.title
        assert any(ch.isdigit() for ch in spec.source), f"{spec.id}: cite a year"
        assert spec.function.__doc__, f"{spec.id}: say why and what in the docstring"


@pytest.mark.parametrize("case_id", ORDER)
def test_records_are_complete_and_have_power(case_id: str) -> None:
    """Every case has statistical checks on enough replicates with consistent intervals,
    and at least one check that a wrong alternative or a null difference is rejected."""
    result = reduced(case_id)
    statistical = [c for c in result.checks if c.relation == "approx"]
    # power: a wrong alternative excluded, a difference shown, or an exact prediction
    power = [c for c in result.checks if c.relation in ("excludes", "exceeds", "exact")]
    assert statistical or case_id == "centola-macy"
    assert power, f"{case_id}: no check that could fail for a wrong model"
    for check in result.checks:
        assert check.case == case_id
        assert check.ci_low <= check.value <= check.ci_high or math.isinf(check.value)
        assert check.tolerance >= 0.0
    for check in statistical:
        assert check.replicates >= MIN_REPLICATES, check
        assert check.tolerance > 0.0, check
        # the ALPHA = 1e-4 band is wider than the 95% interval's half-width
        assert check.tolerance > (check.ci_high - check.ci_low) / 2, check


@pytest.mark.parametrize(
    ("relation", "value", "reference", "tolerance", "passed"),
    [
        ("approx", 1.0, 1.05, 0.1, True),
        ("approx", 1.0, 1.2, 0.1, False),
        ("excludes", 1.0, 1.2, 0.1, True),
        ("excludes", 1.0, 1.05, 0.1, False),
        ("below", 0.05, 0.1, 0.0, True),
        ("below", 0.1, 0.1, 0.0, False),
        ("exceeds", 0.3, 0.0, 0.2, True),
        ("exceeds", 0.1, 0.0, 0.2, False),
        ("exact", 3.0, 3.0, 0.0, True),
        ("exact", 3.0, 4.0, 0.0, False),
    ],
)
def test_check_rules(
    relation: str, value: float, reference: float, tolerance: float, passed: bool
) -> None:
    check = Check("c", "x", reference, value, value, value, tolerance, relation, 30)  # type: ignore[arg-type]
    assert check.passed is passed
    assert check.record()["passed"] is passed


def test_a_crashing_case_fails_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(checks: Checks, size: str) -> None:
        raise RuntimeError("no epidemic on any graph")

    monkeypatch.setitem(CASES, "broken", Case("broken", "t", "s 2000", "c", broken))
    result = run_case("broken")
    assert not result.passed
    assert result.error is not None and "no epidemic on any graph" in result.error


def test_workers_do_not_change_the_numbers() -> None:
    """Cases seed their own generators: two worker processes give the serial results."""
    ids = ["newman-configuration", "centola-macy"]
    parallel = run_suite(ids, "reduced", workers=2)
    assert [r.case for r in parallel] == ids
    for result in parallel:
        assert result.checks == reduced(result.case).checks


# --- full size (pytest -m slow) ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("case_id", ORDER)
def test_case_full(case_id: str) -> None:
    """Each case at full size (more replicates, larger graphs, more parameter points);
    sources as in the reduced tests above and in each case's docstring."""
    assert_passes(run_case(case_id, "full"))
