"""Parameter declarations and validation (src/netsim/config/parameters.py).

Every parameter is declared once with its spec; these tests check that the
declarations are complete and that every bad value is refused with a
ParameterError that names the field and says what is allowed.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsim.config.parameters import (
    FIELD_NAMES,
    GROUPS,
    TIMELINE_ACTIONS,
    ParameterError,
    Parameters,
    TimelineEvent,
    declarations,
    default_of,
    spec_of,
    unknown_field_message,
)

DECLARATIONS = declarations()
NUMERIC = [(n, t, d, s) for n, t, d, s in DECLARATIONS if t in ("int", "float")]
NUMERIC_NAMES = [n for n, *_ in NUMERIC]
INT_NAMES = [n for n, t, *_ in NUMERIC if t == "int"]
FLOAT_NAMES = [n for n, t, *_ in NUMERIC if t == "float"]
CHOICE_NAMES = [n for n, _t, _d, s in DECLARATIONS if s.choices is not None]


def raises_for(field_name: str, **values: Any) -> ParameterError:
    """Build Parameters(**values), expect a ParameterError on ``field_name``; return it."""
    with pytest.raises(ParameterError) as info:
        Parameters(**values)
    err = info.value
    assert err.field_name == field_name, str(err)
    assert str(err).startswith(f"{field_name}: ")
    return err


def consistent(name: str, value: Any) -> dict[str, Any]:
    """``{name: value}`` plus the changes that keep the cross-field checks satisfied."""
    values: dict[str, Any] = {name: value}
    if name == "eligible_population":
        values["founding_core"] = min(default_of("founding_core"), value)
        values["innovators"] = min(default_of("innovators"), value)
    elif name in ("founding_core", "innovators"):
        others = (default_of("founding_core"), default_of("innovators"))
        values["eligible_population"] = max(2, value, *others)
    elif name == "lapse_below":
        values["passive_below"] = 1.0
    elif name == "passive_below":
        values["lapse_below"] = 0.0
    return values


# ---------------------------------------------------------------------------
# declarations


def test_defaults_construct_and_match_declared_defaults() -> None:
    params = Parameters()
    for name, _type, default, _spec in DECLARATIONS:
        assert getattr(params, name) == default
        assert default_of(name) == default
    assert params.timeline == ()


def test_field_names_and_declarations_agree() -> None:
    assert tuple(f.name for f in dataclasses.fields(Parameters)) == FIELD_NAMES
    assert [n for n, *_ in DECLARATIONS] == list(FIELD_NAMES)
    assert len(set(FIELD_NAMES)) == len(FIELD_NAMES)


@pytest.mark.parametrize("name", FIELD_NAMES)
def test_every_parameter_is_documented(name: str) -> None:
    spec = spec_of(name)
    assert spec.meaning.strip()
    assert spec.unit.strip()
    assert spec.source.strip()
    assert spec.group in GROUPS


@pytest.mark.parametrize("name", NUMERIC_NAMES)
def test_numeric_parameters_have_bounds_around_default(name: str) -> None:
    spec = spec_of(name)
    default = default_of(name)
    assert spec.low is not None and spec.high is not None
    assert spec.low < spec.high
    assert spec.low <= default <= spec.high
    assert spec.choices is None


@pytest.mark.parametrize("name", CHOICE_NAMES)
def test_choice_parameters_default_to_an_allowed_choice(name: str) -> None:
    spec = spec_of(name)
    assert spec.choices
    assert default_of(name) in spec.choices


def test_spec_of_and_default_of_reject_unknown_names_with_suggestion() -> None:
    for lookup in (spec_of, default_of):
        with pytest.raises(ParameterError) as info:
            lookup("eligible_populaton")
        assert info.value.field_name == "eligible_populaton"
        assert "did you mean 'eligible_population'?" in str(info.value)


def test_unknown_field_message_without_close_match_has_no_hint() -> None:
    assert unknown_field_message("zzzzzz") == "is not a parameter"
    assert "did you mean 'rewiring'" in unknown_field_message("rewirng")


def test_parameter_error_is_a_value_error_with_parts() -> None:
    err = ParameterError("steps", "bad")
    assert isinstance(err, ValueError)
    assert err.field_name == "steps"
    assert err.detail == "bad"
    assert str(err) == "steps: bad"


def test_parameters_are_frozen() -> None:
    params = Parameters()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.steps = 3  # type: ignore[misc]


# ---------------------------------------------------------------------------
# single-value validation


@pytest.mark.parametrize("name", NUMERIC_NAMES)
def test_out_of_range_names_field_and_range(name: str) -> None:
    spec = spec_of(name)
    assert spec.low is not None and spec.high is not None
    step = 1 if name in INT_NAMES else 0.5
    for bad in (spec.low - step, spec.high + step):
        bad_value = int(bad) if name in INT_NAMES else bad
        err = raises_for(name, **{name: bad_value})
        assert "out of range" in err.detail
        assert spec.describe_allowed() in err.detail


@pytest.mark.parametrize("name", NUMERIC_NAMES)
@pytest.mark.parametrize("bad", [True, False, "3", None, [1]], ids=repr)
def test_wrong_type_for_a_number_is_refused(name: str, bad: Any) -> None:
    err = raises_for(name, **{name: bad})
    assert "must be a number" in err.detail
    assert spec_of(name).describe_allowed() in err.detail


@pytest.mark.parametrize("name", FLOAT_NAMES)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=repr)
def test_non_finite_float_is_refused(name: str, bad: float) -> None:
    err = raises_for(name, **{name: bad})
    assert "finite" in err.detail
    assert spec_of(name).describe_allowed() in err.detail


@pytest.mark.parametrize("name", INT_NAMES)
@pytest.mark.parametrize("bad", [2.5, math.nan, math.inf], ids=repr)
def test_non_integer_for_int_is_refused(name: str, bad: float) -> None:
    err = raises_for(name, **{name: bad})
    assert "whole number" in err.detail


@pytest.mark.parametrize("name", INT_NAMES)
def test_integral_float_for_int_becomes_int(name: str) -> None:
    value = float(default_of(name))
    params = Parameters(**{name: value})
    assert type(getattr(params, name)) is int
    assert getattr(params, name) == value


@pytest.mark.parametrize("name", FLOAT_NAMES)
def test_int_for_float_becomes_float(name: str) -> None:
    spec = spec_of(name)
    assert spec.high is not None
    value = int(spec.high)
    params = Parameters(**consistent(name, value))
    assert type(getattr(params, name)) is float
    assert getattr(params, name) == value


@pytest.mark.parametrize("name", CHOICE_NAMES)
def test_unknown_choice_suggests_the_closest(name: str) -> None:
    spec = spec_of(name)
    assert spec.choices is not None
    wanted = spec.choices[-1]
    typo = wanted[:-1] + ("x" if wanted[-1] != "x" else "y")
    err = raises_for(name, **{name: typo})
    assert f"did you mean {wanted!r}?" in err.detail
    assert spec.describe_allowed() in err.detail
    assert repr(typo) in err.detail


@pytest.mark.parametrize("name", CHOICE_NAMES)
def test_choice_far_from_any_has_no_suggestion_but_lists_allowed(name: str) -> None:
    err = raises_for(name, **{name: "qqqqqqqqqqqq"})
    assert "did you mean" not in err.detail
    assert spec_of(name).describe_allowed() in err.detail


@pytest.mark.parametrize("name", [n for n, t, *_ in DECLARATIONS if t == "str"])
def test_text_parameters_refuse_non_text(name: str) -> None:
    err = raises_for(name, **{name: 3})
    assert "must be text" in err.detail


@pytest.mark.parametrize("name", CHOICE_NAMES)
def test_every_choice_is_accepted(name: str) -> None:
    choices = spec_of(name).choices
    assert choices is not None
    needs = {"acquaintances_beside_file": {"network_file": "members.csv"}}  # cross-field rule
    for choice in choices:
        assert getattr(Parameters(**{name: choice}, **needs.get(name, {})), name) == choice


# ---------------------------------------------------------------------------
# unknown names


def test_from_dict_rejects_unknown_name_with_suggestion() -> None:
    with pytest.raises(ParameterError) as info:
        Parameters.from_dict({"steps": 3, "eligable_population": 100})
    assert info.value.field_name == "eligable_population"
    assert "is not a parameter" in str(info.value)
    assert "did you mean 'eligible_population'?" in str(info.value)


def test_replace_rejects_unknown_name_with_suggestion() -> None:
    with pytest.raises(ParameterError) as info:
        Parameters().replace(transmision_probability=0.2)
    assert info.value.field_name == "transmision_probability"
    assert "did you mean 'transmission_probability'?" in str(info.value)


def test_replace_changes_only_the_given_fields_and_validates() -> None:
    base = Parameters()
    changed = base.replace(priorities=3, rewiring=0.5)
    assert (changed.priorities, changed.rewiring) == (3, 0.5)
    for name in FIELD_NAMES:
        if name not in ("priorities", "rewiring"):
            assert getattr(changed, name) == getattr(base, name)
    assert base.priorities == default_of("priorities")
    with pytest.raises(ParameterError) as info:
        base.replace(priorities=0)
    assert info.value.field_name == "priorities"


# ---------------------------------------------------------------------------
# consistency between fields


def test_founding_core_above_population_is_refused() -> None:
    err = raises_for("founding_core", eligible_population=150, founding_core=151)
    assert "eligible_population" in err.detail
    assert Parameters(eligible_population=150, founding_core=150).founding_core == 150


def test_innovators_above_population_is_refused() -> None:
    err = raises_for("innovators", eligible_population=10, founding_core=5, innovators=11)
    assert "eligible_population" in err.detail


def test_lapse_below_above_passive_below_is_refused() -> None:
    err = raises_for("lapse_below", passive_below=0.2, lapse_below=0.3)
    assert "passive_below" in err.detail
    assert Parameters(passive_below=0.2, lapse_below=0.2).lapse_below == 0.2


def test_timeline_event_after_last_step_is_refused() -> None:
    err = raises_for("timeline.step", steps=10, timeline=[{"step": 11, "action": "funding_cut"}])
    assert "after the last step" in err.detail
    assert "10" in err.detail
    assert Parameters(steps=10, timeline=[{"step": 10, "action": "funding_cut"}]).timeline


def test_replace_shortening_steps_below_an_event_is_refused() -> None:
    params = Parameters(steps=20, timeline=[{"step": 15, "action": "event", "amount": 0.5}])
    with pytest.raises(ParameterError) as info:
        params.replace(steps=14)
    assert info.value.field_name == "timeline.step"


@pytest.mark.parametrize("step", [0, -3])
def test_timeline_step_below_one_is_refused(step: int) -> None:
    err = raises_for("timeline.step", timeline=[{"step": step, "action": "event"}])
    assert ">= 1" in err.detail


@pytest.mark.parametrize("step", [1.0, "2", True])
def test_timeline_step_must_be_an_int(step: Any) -> None:
    raises_for("timeline.step", timeline=[{"step": step, "action": "event"}])


def test_timeline_bad_action_lists_allowed_actions() -> None:
    err = raises_for("timeline.action", timeline=[{"step": 2, "action": "funding_cutt"}])
    assert "'funding_cutt'" in err.detail
    for action in TIMELINE_ACTIONS:
        assert action in err.detail


@pytest.mark.parametrize("action", ["leader_leaves", "funding_cut", "funding_set", "event"])
def test_share_amount_above_one_is_refused(action: str) -> None:
    err = raises_for("timeline.amount", timeline=[{"step": 2, "action": action, "amount": 1.5}])
    assert action in err.detail
    assert "0 to 1" in err.detail


@pytest.mark.parametrize("action", ["priority_added", "champions_recruited"])
def test_count_amount_above_one_is_allowed(action: str) -> None:
    params = Parameters(timeline=[{"step": 2, "action": action, "amount": 3}])
    assert params.timeline[0].amount == 3.0


@pytest.mark.parametrize("amount", [-0.1, math.nan, math.inf])
def test_negative_or_non_finite_amount_is_refused(amount: float) -> None:
    raises_for("timeline.amount", timeline=[{"step": 2, "action": "event", "amount": amount}])


@pytest.mark.parametrize(
    ("timeline", "fragment"),
    [
        ({"step": 2, "action": "event"}, "list of events"),
        ("2:event", "list of events"),
        (5, "list of events"),
        ([{"step": 2, "action": "event", "when": 3}], "'when'"),
        ([{"step": 2}], "'action'"),
        ([(2, "event")], "not an event"),
    ],
    ids=["mapping", "text", "number", "extra key", "no action", "tuple item"],
)
def test_malformed_timeline_is_refused(timeline: Any, fragment: str) -> None:
    err = raises_for("timeline", timeline=timeline)
    assert fragment in err.detail


def test_timeline_dicts_are_coerced_and_sorted_by_step() -> None:
    params = Parameters(
        steps=60,
        timeline=[
            {"step": 52, "action": "funding_cut", "amount": 0},
            {"step": 3, "action": "event", "amount": 0.5},
            TimelineEvent(step=30, action="leader_leaves"),
        ],
    )
    assert isinstance(params.timeline, tuple)
    assert all(isinstance(e, TimelineEvent) for e in params.timeline)
    assert [e.step for e in params.timeline] == [3, 30, 52]
    assert [e.action for e in params.timeline] == ["event", "leader_leaves", "funding_cut"]
    assert [e.amount for e in params.timeline] == [0.5, 1.0, 0.0]
    assert all(type(e.amount) is float for e in params.timeline)


# ---------------------------------------------------------------------------
# round trips


def test_to_dict_from_dict_round_trip_including_json() -> None:
    params = Parameters(
        steps=80,
        eligible_population=300,
        leadership_style="hierarchical",
        rewiring=0.37,
        timeline=[{"step": 40, "action": "funding_cut", "amount": 0}],
    )
    as_dict = params.to_dict()
    assert set(as_dict) == set(FIELD_NAMES)
    assert as_dict["timeline"] == [{"step": 40, "action": "funding_cut", "amount": 0.0}]
    assert Parameters.from_dict(as_dict) == params
    assert Parameters.from_dict(json.loads(json.dumps(as_dict))) == params


def test_defaults_round_trip() -> None:
    assert Parameters.from_dict(Parameters().to_dict()) == Parameters()


# ---------------------------------------------------------------------------
# property-based: declared bounds are the validation bounds


def in_bounds(name: str) -> st.SearchStrategy[Any]:
    spec = spec_of(name)
    assert spec.low is not None and spec.high is not None
    if name in INT_NAMES:
        return st.integers(int(spec.low), int(spec.high))
    return st.floats(spec.low, spec.high, allow_nan=False)


def out_of_bounds(name: str) -> st.SearchStrategy[Any]:
    spec = spec_of(name)
    assert spec.low is not None and spec.high is not None
    if name in INT_NAMES:
        return st.integers(max_value=int(spec.low) - 1) | st.integers(min_value=int(spec.high) + 1)
    return st.floats(max_value=spec.low, exclude_max=True, allow_infinity=False) | st.floats(
        min_value=spec.high, exclude_min=True, allow_infinity=False
    )


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.sampled_from(NUMERIC_NAMES))
def test_values_inside_declared_bounds_are_accepted(data: st.DataObject, name: str) -> None:
    value = data.draw(in_bounds(name), label=name)
    params = Parameters(**consistent(name, value))
    assert getattr(params, name) == value
    assert type(getattr(params, name)) is (int if name in INT_NAMES else float)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=st.sampled_from(NUMERIC_NAMES))
def test_values_outside_declared_bounds_are_refused(data: st.DataObject, name: str) -> None:
    value = data.draw(out_of_bounds(name), label=name)
    with pytest.raises(ParameterError) as info:
        Parameters(**{name: value})
    assert info.value.field_name == name
    assert spec_of(name).describe_allowed() in info.value.detail


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.builds(
            dict,
            step=st.integers(1, 156),
            action=st.sampled_from(["priority_added", "champions_recruited"]),
            amount=st.integers(0, 5),
        ),
        max_size=6,
    )
)
def test_any_valid_timeline_is_sorted_and_round_trips(events: list[dict[str, Any]]) -> None:
    params = Parameters(timeline=events)
    steps = [e.step for e in params.timeline]
    assert steps == sorted(steps)
    assert sorted((e["step"], e["action"], float(e["amount"])) for e in events) == sorted(
        (e.step, e.action, e.amount) for e in params.timeline
    )
    assert Parameters.from_dict(params.to_dict()) == params


# ---------------------------------------------------------------------------
# regressions of defects found and fixed


def test_numpy_integers_are_accepted() -> None:
    params = Parameters(eligible_population=np.int64(150), founding_core=np.int64(10))
    assert params.eligible_population == 150


@pytest.mark.parametrize("amount", ["lots", None], ids=repr)
def test_non_numeric_timeline_amount_raises_parameter_error(amount: Any) -> None:
    raises_for("timeline.amount", timeline=[{"step": 2, "action": "event", "amount": amount}])


def _outcome(build: Any) -> Any:
    """The parameters built, or the error's text: what a caller would see."""
    try:
        return build()
    except ParameterError as err:
        return f"ParameterError: {err}"


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    names=st.lists(st.sampled_from(NUMERIC_NAMES), min_size=1, max_size=3, unique=True),
)
def test_replace_is_a_full_rebuild_with_the_changes(data: st.DataObject, names: list[str]) -> None:
    """replace re-validates only what changes; it must agree with building from scratch,
    for values in and out of bounds and combinations that break a cross-field rule."""
    base = Parameters(
        eligible_population=data.draw(st.integers(5, 60)), founding_core=5, innovators=1, steps=40
    )
    changes = {
        name: data.draw(in_bounds(name) | out_of_bounds(name) | st.just("text"), label=name)
        for name in names
    }
    replaced = _outcome(lambda: base.replace(**changes))
    rebuilt = _outcome(lambda: Parameters(**{**base.to_dict(), **changes}))
    assert replaced == rebuilt
    if isinstance(replaced, Parameters):
        for name in FIELD_NAMES:
            assert type(getattr(replaced, name)) is type(getattr(rebuilt, name))
