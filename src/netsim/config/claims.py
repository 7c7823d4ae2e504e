"""What the seeds claim each lever does: the direction a lever audit tests.

A parameter's declaration (:func:`netsim.config.parameters.param`) carries a
:class:`Claim`: when the parameter increases (for a choice: from the worse choice to
the better one), which way each audited outcome moves (:data:`AUDIT_OUTCOMES`:
P(critical mass), P(fizzle-out), final adoption, peak active share, weeks to 50%
adoption). A claim is written in the seeds' terms, that a lever *helps* or *hurts*
a network, and each outcome's declared ``better`` direction turns that into "up" or
"down" per outcome, so no outcome is listed twice:

- ``helps()``: every audited outcome moves the way that is better for the network;
  ``helps(only=(...))`` or ``helps(but_not=(...))`` where the seeds imply a direction
  for some outcomes only (the rest are unclaimed and not audited for that lever);
- ``hurts()``: the reverse;
- ``prefers("distributed", "figurehead", over="hierarchical")``: a choice, audited as
  contrasts between its alternatives (each better choice against the worse one);
- ``unclaimed("why")``: a social-model parameter for which the seeds imply no
  direction (a definition, a size, a textbook graph knob); measured only on request.

Parameters of the run and the textbook contagion modes carry no claim at all.
``step`` sets the audit's change either side of the base value, for a lever whose
default is 0 or whose relative change would be too small to mean anything.

``where`` states the conditions under which the seeds make a claim, as parameter
settings the audit applies to every base before it moves the lever (both arms), with
``condition`` saying them in words. The seeds' case for refreshing a membership list,
for one, is a network that lets passive members linger ("networks vary in their
capacity and willingness to absorb inactive members" [THF]); where they lapse on their
own within weeks there is nothing to clear, and the claim says so instead of failing
on bases it is not about.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from netsim.config.outcomes import AUDIT_OUTCOMES, BY_NAME

Direction = Literal["up", "down"]
"""How an outcome moves when the lever increases (or goes from the worse choice to the better)."""
Effect = Literal["helps", "hurts"]


@dataclass(frozen=True, slots=True)
class Claim:
    """The seeds' claim about one lever (see the module docstring)."""

    effect: Effect | None
    """'helps' or 'hurts' the network; None: the seeds imply no direction (unclaimed)."""
    outcomes: tuple[str, ...] = ()
    """The audited outcomes the claim is about, in :data:`AUDIT_OUTCOMES` order."""
    contrasts: tuple[tuple[str, str], ...] = ()
    """For a choice parameter: (better, worse) pairs of its choices."""
    step: float | None = None
    """The audit's change either side of the base value (None: the audit's relative step)."""
    reason: str = ""
    """For an unclaimed lever: why the seeds imply no direction."""
    where: tuple[tuple[str, Any], ...] = ()
    """Parameter settings the claim holds under (applied to each audited base), in order."""
    condition: str = ""
    """``where`` in the seeds' words, e.g. 'passive members linger (lapse_rate 0.02)'."""

    @property
    def claimed(self) -> bool:
        """True when the claim names a direction for at least one outcome."""
        return self.effect is not None and bool(self.outcomes)

    def directions(self) -> dict[str, Direction]:
        """Audited outcome -> the direction claimed (claimed outcomes only)."""
        if self.effect is None:
            return {}
        out: dict[str, Direction] = {}
        for name in self.outcomes:
            better_up = BY_NAME[name].better == "higher"
            out[name] = "up" if better_up == (self.effect == "helps") else "down"
        return out

    def describe(self) -> str:
        """The claim in a few words, for docs/parameters.md and reports."""
        if not self.claimed:
            return "none: " + self.reason if self.reason else "none"
        arrows = ", ".join(
            f"{outcome_phrase(name)} {'↑' if way == 'up' else '↓'}"
            for name, way in self.directions().items()
        )
        where = f", where {self.condition}" if self.condition else ""
        if self.contrasts:
            pairs = ", ".join(f"'{better}' > '{worse}'" for better, worse in self.contrasts)
            return f"{pairs}: {arrows}{where}"
        return f"{self.effect}: {arrows}{where}"


def outcome_phrase(name: str) -> str:
    """A short name of an audited outcome: 'P(critical mass)', 'final adoption'."""
    outcome = BY_NAME[name]
    if outcome.probability_name:
        return f"P({outcome.probability_name})"
    return outcome.label.split(" (")[0]


def _outcomes(only: Iterable[str], but_not: Iterable[str]) -> tuple[str, ...]:
    only, but_not = tuple(only), tuple(but_not)
    for name in (*only, *but_not):
        if name not in AUDIT_OUTCOMES:
            raise ValueError(f"{name!r} is not an audited outcome; allowed: {AUDIT_OUTCOMES}")
    chosen = only or AUDIT_OUTCOMES
    return tuple(o for o in AUDIT_OUTCOMES if o in chosen and o not in but_not)


def _conditions(
    where: Mapping[str, Any] | None, condition: str
) -> tuple[tuple[tuple[str, Any], ...], str]:
    """``where`` as ordered pairs, checked to come with its words (and the words with it)."""
    pairs = tuple((where or {}).items())
    if bool(pairs) != bool(condition):
        raise ValueError("a claim's where= and condition= go together: settings and their words")
    return pairs, condition


def helps(
    *,
    only: Iterable[str] = (),
    but_not: Iterable[str] = (),
    step: float | None = None,
    where: Mapping[str, Any] | None = None,
    condition: str = "",
) -> Claim:
    """The lever, raised, moves each audited outcome (or those of ``only``, less
    ``but_not``) the way that is better for the network (under ``where``, if given)."""
    pairs, words = _conditions(where, condition)
    return Claim("helps", _outcomes(only, but_not), step=step, where=pairs, condition=words)


def hurts(
    *,
    only: Iterable[str] = (),
    but_not: Iterable[str] = (),
    step: float | None = None,
    where: Mapping[str, Any] | None = None,
    condition: str = "",
) -> Claim:
    """The lever, raised, moves each audited outcome the way that is worse for the network
    (under ``where``, if given)."""
    pairs, words = _conditions(where, condition)
    return Claim("hurts", _outcomes(only, but_not), step=step, where=pairs, condition=words)


def prefers(
    *better: str,
    over: str,
    only: Iterable[str] = (),
    but_not: Iterable[str] = (),
    where: Mapping[str, Any] | None = None,
    condition: str = "",
) -> Claim:
    """A choice: each of ``better`` moves the audited outcomes the better way against ``over``
    (under ``where``, if given: see the module docstring)."""
    if not better:
        raise ValueError("prefers() needs at least one better choice")
    pairs, words = _conditions(where, condition)
    return Claim(
        "helps",
        _outcomes(only, but_not),
        contrasts=tuple((choice, over) for choice in better),
        where=pairs,
        condition=words,
    )


def unclaimed(reason: str) -> Claim:
    """A social-model lever the seeds give no direction for; ``reason`` says why."""
    return Claim(None, reason=reason)
