"""Member: a person in the eligible population, as a first-class Mesa agent.

A ``Member`` holds no state of its own: its attributes read and write through to
the model's struct-of-arrays (:class:`~netsim.model.state.MemberArrays`) at its index,
so the whole population can be stepped at numpy speed while each member stays
inspectable and scriptable one at a time (``model.agents``, Mesa's AgentSet
tools, the browser view). Its verbs call the same rules the model applies in
bulk (:mod:`netsim.model.network`, :mod:`netsim.model.diffusion`), never a copy of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from netsim.model.state import AdoptionState, MembershipStatus, Role

if TYPE_CHECKING:
    from netsim.model.network_model import NetworkModel

__all__ = ["AdoptionState", "Member", "MembershipStatus", "Role"]


class Member(mesa.Agent):
    """One eligible person: prospect, active or passive member, or lapsed.

    Source: [deck] members join voluntarily, 'enthusiasts not delegates';
    [THF] the four roles; DOMAIN engagement, trust and reciprocity.
    """

    model: NetworkModel

    def __init__(self, model: NetworkModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    # --- state, read and written through to the model's arrays --------------
    @property
    def engagement(self) -> float:
        """Engagement in [0, 1]: energy for the network; low means passive, then lapsed."""
        return float(self.model.members.engagement[self.index])

    @engagement.setter
    def engagement(self, value: float) -> None:
        self.model.members.engagement[self.index] = float(np.clip(value, 0.0, 1.0))

    @property
    def trust(self) -> float:
        """Trust in [0, 1]: willingness to share and to take up what others share."""
        return float(self.model.members.trust[self.index])

    @trust.setter
    def trust(self, value: float) -> None:
        self.model.members.trust[self.index] = float(np.clip(value, 0.0, 1.0))

    @property
    def reciprocity(self) -> float:
        """Reciprocity in [0, 1]: propensity to answer requests and make offers."""
        return float(self.model.members.reciprocity[self.index])

    @reciprocity.setter
    def reciprocity(self, value: float) -> None:
        self.model.members.reciprocity[self.index] = float(np.clip(value, 0.0, 1.0))

    @property
    def organisation(self) -> int:
        return int(self.model.members.organisation[self.index])

    @property
    def status(self) -> MembershipStatus:
        return MembershipStatus(int(self.model.members.status[self.index]))

    @property
    def role(self) -> Role:
        """Emergent role from network position (recomputed every quarter)."""
        return Role(int(self.model.members.role[self.index]))

    @property
    def is_leader(self) -> bool:
        return bool(self.model.members.leader[self.index])

    @property
    def is_champion(self) -> bool:
        return bool(self.model.members.champion[self.index])

    def adoption(self, idea: int = 0) -> AdoptionState:
        """This member's state for idea ``idea`` (0-based)."""
        return AdoptionState(int(self.model.members.adoption[idea, self.index]))

    @property
    def tied_members(self) -> list[Member]:
        """Members this one has a tie with."""
        return [self.model.member_agent(i) for i in self.model.tie_partners(self.index)]

    # --- verbs -----------------------------------------------------------------
    def join(self) -> None:
        """Become an active member now (as if recruited)."""
        self.model.admit(np.array([self.index]))

    def lapse(self) -> None:
        """Leave the network now: status lapsed, every tie ended."""
        self.model.remove(np.array([self.index]))

    def adopt(self, idea: int = 0) -> None:
        """Take up idea ``idea`` now (e.g. as an innovator)."""
        self.model.members.adoption[idea, self.index] = AdoptionState.ADOPTED

    def drop_idea(self, idea: int = 0) -> None:
        """Stop using idea ``idea``."""
        if self.model.members.adoption[idea, self.index] == AdoptionState.ADOPTED:
            self.model.members.adoption[idea, self.index] = AdoptionState.DROPPED

    def __repr__(self) -> str:
        return (
            f"Member(index={self.index}, status={self.status.name.lower()}, "
            f"engagement={self.engagement:.2f}, trust={self.trust:.2f})"
        )
