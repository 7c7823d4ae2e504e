"""Plots draw every kind of grid a sweep can produce, numbers and choices alike."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from netsim.present import plots


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.123456, "0.123"),
        (np.float64(2.0), "2"),
        (7, "7"),
        (np.int64(3), "3"),
        ("hierarchical", "hierarchical"),
        (True, "True"),
    ],
)
def test_tick_label_formats_numbers_and_passes_choices_through(value: object, expected: str):
    assert plots.tick_label(value) == expected


def test_phase_diagram_accepts_a_choice_parameter_on_an_axis():
    """A grid over leadership style x funding used to crash formatting 'distributed' as a number."""
    table = pd.DataFrame(
        {
            "leadership_style": ["distributed", "hierarchical"] * 2,
            "sustained_funding": [0.1, 0.1, 0.5, 0.5],
            "n": [4, 4, 4, 4],
            "spread": [0.25, 0.0, 1.0, 0.5],
        }
    )
    fig = plots.phase_diagram(table, "leadership_style", "sustained_funding", ("spread",))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["distributed", "hierarchical"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.1", "0.5"]


@pytest.mark.parametrize(
    ("level", "label"),
    [(0.25, "0.25"), (1000, "1000"), (2500.0, "2500"), (0.123456, "0.123"), (True, "True")],
)
def test_axis_levels_read_as_netsim_writes_numbers(level: object, label: str) -> None:
    """As the reports write them (netsim.numbers.significant): 1000, never 1e+03."""
    assert plots.tick_label(level) == label
    assert plots.tick_label("hierarchical") == "hierarchical"
