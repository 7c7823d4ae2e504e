"""How text that came from a user's file is written safely for each medium.

A scenario's name, key or value can hold anything YAML's ``"\\e[31m"`` or a ``--set``
can spell: escape sequences that recolour or rewrite a terminal, Markdown that turns a
report's table into something else, HTML that runs a script. Every place netsim prints
or writes such text passes it through one of these, so each medium is escaped once, the
same way everywhere (issue 14):

- :func:`printable`: control characters (C0, DEL, C1) and the invisible bidirectional
  overrides shown as visible escapes (``\\x1b``, ``\\u202e``), so nothing reaches a
  terminal raw; the command line also prints user text without rich markup or emoji
  (``[bold]`` and ``:x:`` stay literal);
- :func:`markdown_text`: :func:`printable` on one line, with Markdown's special
  characters backslash-escaped;
- :func:`html_text`: :func:`printable`, then ``html.escape`` (quotes included);
- :func:`figure_text`: :func:`printable` with ``$`` escaped, so matplotlib draws a legend
  label as written instead of parsing it as mathtext (an odd ``$`` would fail the figure).

This module sits at the bottom, beside ``errors`` and ``numbers``, and imports nothing
from netsim, so any layer can use it.
"""

from __future__ import annotations

import html
import re

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Invisible characters that reorder what follows them on screen (Trojan-source style)."""
_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]")
_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\x0a``):
    safe to print on a terminal, and always one line."""
    return _UNSAFE.sub(_escaped, str(text))


def markdown_text(text: object) -> str:
    """``text`` as literal Markdown inline text: whitespace runs become one space, control
    characters visible escapes, and ``\\ ` * _ [ ] < > | #`` are backslash-escaped."""
    return printable(re.sub(r"\s+", " ", str(text))).translate(_MARKDOWN_SPECIAL)


def html_text(text: object) -> str:
    """``text`` as literal HTML text or attribute value (control characters as escapes)."""
    return html.escape(printable(text), quote=True)


def figure_text(text: object) -> str:
    """``text`` as a literal matplotlib label (no mathtext, no control characters)."""
    return printable(text).replace("$", "\\$")
