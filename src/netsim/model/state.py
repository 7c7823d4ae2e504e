"""Member and tie state as contiguous numpy arrays (struct of arrays).

One array per attribute, indexed by member index ``0..N-1`` (every eligible
person, member or prospect), and one array per tie attribute indexed by the
edge id of the acquaintance graph (:mod:`netsim.model.graphs`). Every rule in the
model reads and writes these arrays for all members at once; the Mesa
``Member`` agents are views onto one index each. Compiled kernels receive the arrays
they use grouped as :class:`MemberView` and :class:`TieView` (the same arrays, named).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

import numpy as np


class MembershipStatus(IntEnum):
    """Where a person stands with the network.

    Source: DOMAIN, members 'join, stay active, turn passive, or lapse'.
    """

    PROSPECT = 0
    ACTIVE = 1
    PASSIVE = 2
    LAPSED = 3


class AdoptionState(IntEnum):
    """A person's relation to one idea (SIR-style: dropped ideas are not re-adopted in a run)."""

    NOT_ADOPTED = 0
    ADOPTED = 1
    DROPPED = 2


# The enum values as int8 scalars, for comparisons with the int8 state arrays: an array
# compared with an IntEnum member takes numpy's slower Python-integer path (about 2x per
# call at 1,000 people); the masks are the same.
PROSPECT = np.int8(MembershipStatus.PROSPECT)
ACTIVE = np.int8(MembershipStatus.ACTIVE)
PASSIVE = np.int8(MembershipStatus.PASSIVE)
LAPSED = np.int8(MembershipStatus.LAPSED)
NOT_ADOPTED = np.int8(AdoptionState.NOT_ADOPTED)
ADOPTED = np.int8(AdoptionState.ADOPTED)
DROPPED = np.int8(AdoptionState.DROPPED)


class Role(IntEnum):
    """Emergent network roles from position. Source: [THF] 'four common roles'."""

    NONE = 0
    CENTRAL_CONNECTOR = 1
    BOUNDARY_SPANNER = 2
    INFORMATION_BROKER = 3
    PERIPHERAL_SPECIALIST = 4


CENTRAL_CONNECTOR = np.int8(Role.CENTRAL_CONNECTOR)
BOUNDARY_SPANNER = np.int8(Role.BOUNDARY_SPANNER)
INFORMATION_BROKER = np.int8(Role.INFORMATION_BROKER)
PERIPHERAL_SPECIALIST = np.int8(Role.PERIPHERAL_SPECIALIST)
"""The Role values as int8 scalars (for the int8 role array and compiled code)."""


@dataclass(slots=True)
class MemberArrays:
    """Per-person state; all arrays have length N (the eligible population)."""

    organisation: np.ndarray  # int32, organisation code (at most 100,000 organisations)
    status: np.ndarray  # int8, MembershipStatus
    engagement: np.ndarray  # float64 in [0, 1]
    trust: np.ndarray  # float64 in [0, 1]
    reciprocity: np.ndarray  # float64 in [0, 1]
    perceived_value: np.ndarray  # float64 in [0, 1], smoothed value received
    leader: np.ndarray  # bool, part of the network's leadership
    champion: np.ndarray  # bool, cultivated change agent
    role: np.ndarray  # int8, Role
    joined_step: np.ndarray  # int32, step of (last) joining, -1 never
    adoption: np.ndarray  # int8 (ideas, N), AdoptionState

    @property
    def size(self) -> int:
        return int(self.status.size)

    @classmethod
    def empty(cls, size: int, ideas: int) -> MemberArrays:
        return cls(
            organisation=np.zeros(size, np.int32),
            status=np.zeros(size, np.int8),
            engagement=np.zeros(size),
            trust=np.zeros(size),
            reciprocity=np.zeros(size),
            perceived_value=np.zeros(size),
            leader=np.zeros(size, bool),
            champion=np.zeros(size, bool),
            role=np.zeros(size, np.int8),
            joined_step=np.full(size, -1, np.int32),
            adoption=np.zeros((ideas, size), np.int8),
        )

    def is_member(self) -> np.ndarray:
        """Active or passive."""
        status = self.status
        member = status == ACTIVE
        member |= status == PASSIVE
        return member

    def is_active(self) -> np.ndarray:
        return self.status == ACTIVE

    def view(self) -> MemberView:
        """The per-person arrays the compiled kernels read and write, as one structure."""
        return MemberView(*_member_view_arrays(self))

    def packed(self) -> MemberView:
        """view() as the plain tuple a kernel called from Python takes (compiled.packed).

        Gathered in C in MemberView's field order, 3x cheaper than making the NamedTuple.
        """
        return _member_view_arrays(self)  # type: ignore[return-value]  # attrgetter: a plain tuple


class MemberView(NamedTuple):
    """The member arrays a compiled kernel works on (the arrays themselves, not copies).

    A NamedTuple, because numba compiles access by field name to a plain load; see
    :func:`netsim.model.compiled.packed` for how it crosses into compiled code.
    """

    status: np.ndarray
    engagement: np.ndarray
    trust: np.ndarray
    reciprocity: np.ndarray
    perceived_value: np.ndarray
    champion: np.ndarray
    role: np.ndarray


_member_view_arrays = operator.attrgetter(*MemberView._fields)
"""The MemberView arrays of a MemberArrays, as a plain tuple in the view's order."""


@dataclass(slots=True)
class TieArrays:
    """Per-edge tie state over the acquaintance graph's edges; strength 0 means no tie."""

    strength: np.ndarray  # float64 in [0, 1]
    last_used: np.ndarray  # int32 step, -1 never
    formed_step: np.ndarray  # int32 step the current tie formed, -1 none

    @classmethod
    def empty(cls, edges: int) -> TieArrays:
        return cls(
            strength=np.zeros(edges),
            last_used=np.full(edges, -1, np.int32),
            formed_step=np.full(edges, -1, np.int32),
        )

    def present(self) -> np.ndarray:
        return self.strength > 0.0

    def view(self) -> TieView:
        """The tie arrays as one structure for the compiled kernels."""
        return TieView(*_tie_view_arrays(self))

    def packed(self) -> TieView:
        """view() as the plain tuple a kernel called from Python takes (compiled.packed)."""
        return _tie_view_arrays(self)  # type: ignore[return-value]  # attrgetter: a plain tuple


class TieView(NamedTuple):
    """The tie arrays a compiled kernel works on (the arrays themselves, not copies)."""

    strength: np.ndarray
    last_used: np.ndarray
    formed_step: np.ndarray


_tie_view_arrays = operator.attrgetter(*TieView._fields)
"""The TieView arrays of a TieArrays, as a plain tuple in the view's order."""
