"""The outcome declarations (src/netsim/config/outcomes.py): one name and one plain
definition each, which every table and report reads."""

from __future__ import annotations

import re

import pytest

from netsim.config.outcomes import OUTCOMES, Outcome
from netsim.present.terminal import outcome_text


def test_each_outcome_has_one_name_of_its_own() -> None:
    labels = [o.label for o in OUTCOMES]
    assert len(set(labels)) == len(labels)
    assert all("_" not in label for label in labels), labels  # names for people


@pytest.mark.parametrize("outcome", OUTCOMES, ids=lambda o: o.name)
def test_each_definition_is_one_plain_line(outcome: Outcome) -> None:
    definition = outcome.definition
    assert definition and "\n" not in definition and len(definition) <= 110, definition
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", definition), "no identifiers: plain words"
    assert not definition.endswith("."), "a phrase: tables and notes add their own stop"
    assert definition != outcome.meaning


def test_values_are_written_with_units_and_yes_or_no() -> None:
    assert outcome_text("final_adoption", 0.912) == "91.2%"
    assert outcome_text("peak_active_share", 0.95) == "95%"
    assert outcome_text("time_to_10pct", 93.0) == "93"
    assert outcome_text("time_to_50pct", float("nan")) == "never"
    assert outcome_text("final_members", 475) == "475"
    assert outcome_text("critical_mass_reached", True) == "yes"
    assert outcome_text("fizzled_out", False) == "no"
