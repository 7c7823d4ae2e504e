"""The one error hierarchy: every mistake in what a user hands netsim is a :class:`NetsimError`.

This module sits below every other layer (it imports nothing from netsim), so any layer
can raise its kind of error and the command line can tell a user's mistake from a bug
by the class alone (docs/architecture.md, "Errors").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Literal


class NetsimError(Exception):
    """A mistake in what the user gave netsim: a file, a field, an option, a folder.

    The contract: ``str(err)`` is one line that names the file and/or field that is wrong
    and says what is allowed, so the command line can print it as it is
    (``netsim: error: <str(err)>``, exit status 2) and a notebook user can read it
    without a traceback. Anything raised that is not a ``NetsimError`` is a bug in netsim.

    The kinds (``ParameterError``, ``ScenarioError``, ``NetworkFileError``, ...) also
    derive from ``ValueError``, so code written to catch ``ValueError`` still works.
    """


SuggestStyle = Literal["clause", "aside", "lead"]

_TEMPLATES: dict[str, str] = {
    "clause": "; did you mean {!r}?",
    "aside": " (did you mean {!r}?)",
    "lead": "did you mean {!r}? ",
}


def suggest(
    name: object,
    choices: Iterable[str],
    *,
    fallback: Iterable[str] = (),
    style: SuggestStyle = "clause",
) -> str:
    """The "did you mean" hint for an unknown ``name``, or "" when nothing is close.

    The closest of ``choices`` (difflib, cutoff 0.6), else of ``fallback``, is quoted in
    one of three places a message puts it:

    - ``"clause"``: ``"; did you mean 'x'?"``, after what is wrong;
    - ``"aside"``: ``" (did you mean 'x'?)"``, in brackets after the value;
    - ``"lead"``: ``"did you mean 'x'? "``, before the list of what is allowed.
    """
    text = str(name)
    close = difflib.get_close_matches(text, list(choices), n=1) or difflib.get_close_matches(
        text, list(fallback), n=1
    )
    return _TEMPLATES[style].format(close[0]) if close else ""


EXCERPT_CHARACTERS = 60
"""The longest quotation of a user's value an error line gives (then '...')."""


def excerpt(value: object) -> str:
    """``repr(value)``, cut to EXCERPT_CHARACTERS with '...' if longer: an error line names
    a bad value without repeating a 5,000-character one (or a file's contents) in full."""
    text = repr(value)
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    return text[: EXCERPT_CHARACTERS - 3] + "..."
