"""The view in a notebook: ``netsim.app.show(...)``, and the example notebook run top to
bottom in a real kernel (as Jupyter would), with no cell raising."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import netsim.app
from netsim.app.session import PageLimitError
from netsim.config.scenarios import ScenarioError

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "live_view.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_show_refuses_what_the_page_would_refuse_in_one_line() -> None:
    with pytest.raises(ScenarioError, match="no_such_network"):
        netsim.app.show("no_such_network")
    with pytest.raises(PageLimitError, match="seed: must be a whole number"):
        netsim.app.show(seed=-1)


def test_the_example_notebook_runs_and_shows_the_page(tmp_path: Path) -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError, with the traceback, if any cell fails
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o for o in outputs if WIDGET in o.get("data", {})]
    assert shown, "netsim.app.show(...) should display the page as a widget"
    table = [o for o in outputs if "text/html" in o.get("data", {})]
    assert table and "adopters" in table[-1]["data"]["text/html"]
