"""Claims in the parameter declarations: every social-model lever has one, and they mean
directions per audited outcome through each outcome's declared 'better' way."""

from __future__ import annotations

import pytest

from netsim.config.claims import Claim, helps, hurts, prefers, unclaimed
from netsim.config.outcomes import AUDIT_OUTCOMES, BY_NAME
from netsim.config.parameters import Parameters, declarations

SOCIAL_GROUPS = ("network", "members", "leadership", "funding", "purpose", "dynamics")
NOT_LEVERS = {"topology", "network_file", "network_nodes_file", "acquaintances_beside_file"}
"""Network-group parameters that choose a contagion-mode graph or a file, not a lever."""


def test_every_social_lever_carries_a_claim_and_nothing_else_does() -> None:
    for name, _kind, _default, spec in declarations():
        social = spec.group in SOCIAL_GROUPS and name not in NOT_LEVERS
        assert (spec.claims is not None) == social, name


def test_unclaimed_levers_say_why() -> None:
    for name, _kind, _default, spec in declarations():
        if spec.claims is not None and not spec.claims.claimed:
            assert spec.claims.reason, name


def test_choice_claims_are_contrasts_between_its_choices() -> None:
    for name, _kind, _default, spec in declarations():
        claim = spec.claims
        if claim is None or not claim.claimed:
            continue
        if spec.choices is None:
            assert not claim.contrasts, name
            continue
        assert claim.contrasts, f"{name}: a choice is claimed through contrasts"
        for better, worse in claim.contrasts:
            assert better in spec.choices and worse in spec.choices and better != worse, name


def test_audited_outcomes_each_say_which_way_is_better() -> None:
    assert AUDIT_OUTCOMES  # read from the declaration, in its order
    for name in AUDIT_OUTCOMES:
        assert BY_NAME[name].better in ("higher", "lower"), name


def test_helps_and_hurts_are_opposite_directions_on_every_outcome() -> None:
    up, down = helps().directions(), hurts().directions()
    assert set(up) == set(down) == set(AUDIT_OUTCOMES)
    for name in AUDIT_OUTCOMES:
        assert up[name] != down[name]
        assert (up[name] == "up") == (BY_NAME[name].better == "higher")


def test_only_and_but_not_restrict_the_claimed_outcomes() -> None:
    first, second = AUDIT_OUTCOMES[0], AUDIT_OUTCOMES[1]
    assert list(helps(only=(second, first)).directions()) == [first, second]
    assert first not in hurts(but_not=(first,)).directions()
    with pytest.raises(ValueError, match="not an audited outcome"):
        helps(only=("final_members",))


def test_prefers_is_a_claim_about_contrasts() -> None:
    claim = prefers("a", "b", over="c")
    assert claim.contrasts == (("a", "c"), ("b", "c"))
    assert claim.directions() == helps().directions()
    assert "'a' > 'c'" in claim.describe()


def test_a_claim_under_conditions_names_them_in_settings_and_in_words() -> None:
    claim = prefers("a", over="b", where={"lapse_rate": 0.02}, condition="members linger")
    assert claim.where == (("lapse_rate", 0.02),)
    assert claim.describe().endswith(", where members linger")
    assert helps(where={"fatigue": 0.1}, condition="tired").where == (("fatigue", 0.1),)
    for half in ({"where": {"fatigue": 0.1}}, {"condition": "tired"}):
        with pytest.raises(ValueError, match="go together"):
            hurts(**half)  # type: ignore[arg-type]


def test_conditions_name_parameters_with_allowed_values() -> None:
    defaults = Parameters()
    for name, _kind, _default, spec in declarations():
        if spec.claims is not None and spec.claims.where:
            defaults.replace(**dict(spec.claims.where))  # raises if not a valid setting
            assert name not in dict(spec.claims.where), name


def test_an_unclaimed_lever_has_no_directions() -> None:
    claim = unclaimed("a definition")
    assert isinstance(claim, Claim)
    assert not claim.claimed and claim.directions() == {}
    assert claim.describe() == "none: a definition"
