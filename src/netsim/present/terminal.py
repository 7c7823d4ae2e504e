"""Tables and prose for the terminal that fit its width and never cut a name.

Every table the ``netsim`` command prints is a :class:`Listing`. At the terminal's width
(``COLUMNS``, 60 to 200 and more) it is laid out one of two ways:

- a **table**, when every column fits: a column marked ``whole`` (names, numbers) is
  never wrapped, the others wrap on word boundaries (a word is never split) and get the
  room that is left in proportion to what they would need on one line;
- a **list**, when they do not: one record per block, its first cell as the block's
  heading and every other field as a ``field: value`` line, wrapped with a hanging
  indent.

Nothing is ever truncated or ellipsised (rich's tables cut a ``no_wrap`` cell with "…"
and fold long words mid-word at narrow widths, which cut parameter and scenario names).
The text is plain (no colour, no markup): the same output reads on a terminal, in a log
file and in a CI job. Widths are counted in terminal cells (a wide East Asian character
takes two), as a user's scenario names may hold any character. :func:`outcome_text`
writes a summary value the way the tables show it (a share with its %, yes/no for a
flag). Imports only the standard library, the outcome declarations and the number
formats, so the command line can use it before loading anything heavy.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from netsim.config.outcomes import BY_NAME
from netsim.numbers import NO_VALUE, exact, fine_percent, significant

GAP = "  "
"""Between two columns of a table."""

RULE = "─"
"""Drawn under the column headers, as wide as each column."""

MIN_WRAPPED = 20
"""A wrapped column narrower than this (in cells) reads as one word a line: below it the
listing switches to the list layout instead."""

INDENT = "  "
"""A list record's fields, under its heading."""

HANG = "    "
"""A field's continuation lines in the list layout, and a note's."""


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes: 2 for a wide or full-width character, 0 for a
    combining mark, 1 otherwise."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words, the first line
    starting with ``first`` and the others with ``rest``. Whitespace runs become one space.
    A word is never cut: one wider than a whole line (a long path) stands on a line of its
    own and overflows it, so it can still be copied whole."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        prefix = rest if lines else first
        if line and cell_width(f"{prefix}{line} {word}") <= width:
            line = f"{line} {word}"
        elif line:
            lines.append(prefix + line)
            line = word
        else:
            line = word
    lines.append((rest if lines else first) + line)
    return [ln.rstrip() for ln in lines]


def _words_width(text: str) -> int:
    """The widest word of ``text``: a wrapped column can be no narrower."""
    return max((cell_width(w) for w in text.split()), default=0)


def _lines_width(text: str) -> int:
    return max((cell_width(line) for line in text.splitlines()), default=0)


@dataclass(frozen=True)
class Column:
    """A listing's column. ``whole``: its cells are never wrapped (names, numbers,
    verdicts); ``right``: right-aligned (numbers)."""

    header: str
    whole: bool = False
    right: bool = False


@dataclass
class _Row:
    cells: tuple[str, ...]
    end_section: bool


class Listing:
    """A table for the terminal that lays itself out at any width without cutting a cell.

    ``title`` heads it (wrapped like prose); the first column is each record's key, the
    heading of its block in the list layout (a row with an empty first cell continues the
    record above it, e.g. another check of the same validation case). ``notes`` are
    paragraphs printed under it (definitions, footnotes), wrapped to the same width.
    """

    def __init__(self, title: str, columns: Sequence[Column | str]) -> None:
        self.title = title
        self.columns = tuple(c if isinstance(c, Column) else Column(c) for c in columns)
        self.rows: list[_Row] = []
        self.notes: list[str] = []

    def add_row(self, *cells: object, end_section: bool = False) -> None:
        """One record (one cell per column; ``None`` is empty). ``end_section``: a blank
        line follows it in the table layout (the last check of a validation case)."""
        if len(cells) != len(self.columns):
            raise TypeError(f"{len(cells)} cells for {len(self.columns)} columns")
        text = tuple("" if c is None else " ".join(str(c).split()) for c in cells)
        self.rows.append(_Row(text, end_section))

    def add_note(self, text: str) -> None:
        """A paragraph under the listing, wrapped with a hanging indent."""
        self.notes.append(text)

    # --- layout ---------------------------------------------------------------------------

    def widths(self, width: int) -> list[int] | None:
        """Each column's width in the table layout at ``width`` cells, or None if the
        table does not fit (the list layout is used)."""
        natural, minimum = [], []
        for i, column in enumerate(self.columns):
            texts = [column.header, *(row.cells[i] for row in self.rows)]
            need = max(_lines_width(t) for t in texts)
            natural.append(need)
            if column.whole:
                minimum.append(need)
            else:
                words = max(_words_width(t) for t in texts)
                minimum.append(max(words, min(need, MIN_WRAPPED)))
        gaps = len(GAP) * (len(self.columns) - 1)
        if sum(natural) + gaps <= width:
            return natural
        room = width - gaps
        if sum(minimum) > room:
            return None
        # water-filling: the narrowest columns get all they need, the wide ones share the
        # rest equally (each at least its minimum), so a short column is never wrapped to
        # make room for a long one
        pairs = list(zip(natural, minimum, strict=True))
        level = max(natural)
        while level > 0 and sum(min(n, max(m, level)) for n, m in pairs) > room:
            level -= 1
        given = [min(n, max(m, level)) for n, m in pairs]
        left = room - sum(given)
        for i in range(len(given)):
            extra = min(left, natural[i] - given[i])
            given[i] += extra
            left -= extra
        return given

    def lines(self, width: int) -> list[str]:
        """The listing at ``width`` cells: every line at most that wide (unless a single
        name is wider than the whole terminal, which no name of netsim's is at 40)."""
        out = wrap(self.title, width) if self.title else []
        widths = self.widths(width)
        body = self._table(widths) if widths is not None else self._list(width)
        out += body
        if self.notes and widths is None:
            out.append("")
        for note in self.notes:
            out += wrap(note, width, first="", rest=HANG)
        return out

    def render(self, width: int) -> str:
        """:meth:`lines` joined, ending with a newline."""
        return "\n".join(self.lines(width)) + "\n"

    def _table(self, widths: list[int]) -> list[str]:
        out = [*self._table_row([c.header for c in self.columns], widths)]
        out.append(GAP.join(RULE * w for w in widths))
        for n, row in enumerate(self.rows):
            out += self._table_row(list(row.cells), widths)
            if row.end_section and n < len(self.rows) - 1:
                out.append("")
        return out

    def _table_row(self, cells: list[str], widths: list[int]) -> list[str]:
        wrapped = [
            [text] if column.whole else wrap(text, width)
            for text, width, column in zip(cells, widths, self.columns, strict=True)
        ]
        height = max(len(w) for w in wrapped)
        lines = []
        for k in range(height):
            parts = []
            for piece, width, column in zip(wrapped, widths, self.columns, strict=True):
                text = piece[k] if k < len(piece) else ""
                pad = " " * (width - cell_width(text))
                parts.append(pad + text if column.right else text + pad)
            lines.append(GAP.join(parts).rstrip())
        return lines

    def _list(self, width: int) -> list[str]:
        out: list[str] = []
        for row in self.rows:
            key, *rest = row.cells
            if out:
                out.append("")
            out += wrap(key, width) if key else []  # no key: another record of the one above
            for column, value in zip(self.columns[1:], rest, strict=True):
                if value:
                    out += wrap(value, width, first=f"{INDENT}{column.header}: ", rest=HANG)
        return out


def outcome_text(name: str, value: object) -> str:
    """A run's summary value as the terminal shows it, by the outcome's kind: a share as a
    percentage (``91.2%``), a week number (``93``, "never" if not reached), a count, and
    "yes" or "no" for a flag."""
    kind = BY_NAME[name].kind if name in BY_NAME else None
    if kind == "flag" and value is not None:
        return "yes" if value else "no"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "never" if kind == "weeks" else NO_VALUE
    if not isinstance(value, int | float):
        return str(value)
    if kind == "share":
        return fine_percent(float(value))
    if kind in ("weeks", "count"):
        return exact(value)
    return significant(float(value))
