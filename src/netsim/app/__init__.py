"""The Solara browser view: the page, its session (no Solara), and the network drawing.

``netsim.app.show(...)`` is the page in a Jupyter notebook (:mod:`netsim.app.notebook`),
loaded on first use so that importing the package loads no Solara.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["show"]


def __getattr__(name: str) -> Any:
    if name == "show":
        return importlib.import_module("netsim.app.notebook").show
    raise AttributeError(f"module 'netsim.app' has no attribute {name!r}")
