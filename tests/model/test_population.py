"""Building the starting world: founders, leaders, champions, innovators, real networks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

import netsim
from netsim import ParameterError, Parameters
from netsim.config.member_network import read_member_network
from netsim.model.population import World, build_world
from netsim.model.state import AdoptionState, MembershipStatus


def world(params: Parameters, seed: int = 1):
    return build_world(params, np.random.default_rng(seed))


def test_founders_are_active_and_tied_to_each_other() -> None:
    w = world(Parameters(eligible_population=300, founding_core=9))
    founders = np.flatnonzero(w.members.status == MembershipStatus.ACTIVE)
    assert founders.size == 9
    present = w.ties.strength > 0
    ends = set(zip(w.graph.edge_u[present].tolist(), w.graph.edge_v[present].tolist(), strict=True))
    assert len(ends) == 9 * 8 // 2
    assert all(u in founders and v in founders for u, v in ends)


@pytest.mark.parametrize(
    ("style", "expected"), [("distributed", 1 + 4), ("figurehead", 1 + 2), ("hierarchical", 1 + 2)]
)
def test_leadership_style_sets_how_many_lead(style: str, expected: int) -> None:
    w = world(Parameters(eligible_population=300, founding_core=12, leadership_style=style))
    assert w.members.leader.sum() == expected
    principal = w.leaders[0]
    assert w.graph.degree[principal] > np.median(w.graph.degree)


def test_champions_hold_every_idea_and_are_committed() -> None:
    w = world(Parameters(eligible_population=300, founding_core=12, change_agents=3, ideas=2))
    champions = np.flatnonzero(w.members.champion)
    assert champions.size == 3
    assert (w.members.engagement[champions] >= 0.9).all()
    assert (w.members.adoption[:, champions] == AdoptionState.ADOPTED).all()


def test_hierarchical_innovators_are_the_leaders() -> None:
    w = world(
        Parameters(
            eligible_population=300, founding_core=12, innovators=2, leadership_style="hierarchical"
        )
    )
    holders = np.flatnonzero(w.members.adoption[0] == AdoptionState.ADOPTED)
    assert set(holders) == set(w.leaders[:2])


def test_innovators_beyond_the_founders_are_prospects_holding_the_idea() -> None:
    w = world(Parameters(eligible_population=300, founding_core=2, innovators=5))
    holders = np.flatnonzero(w.members.adoption[0] == AdoptionState.ADOPTED)
    assert holders.size == 5
    assert (w.members.status[holders] == MembershipStatus.PROSPECT).sum() == 3


def test_contagion_world_is_everyone_active_on_every_contact() -> None:
    w = world(Parameters(mode="contagion", eligible_population=200, innovators=4))
    assert (w.members.status == MembershipStatus.ACTIVE).all()
    assert (w.ties.strength == 1).all()
    assert (w.members.adoption[0] == AdoptionState.ADOPTED).sum() == 4


def write_network(tmp_path, edges: list[tuple[str, str]], nodes: str | None = None):
    path = tmp_path / "members.csv"
    path.write_text("source,target\n" + "".join(f"{a},{b}\n" for a, b in edges))
    nodes_path = None
    if nodes is not None:
        nodes_path = tmp_path / "nodes.csv"
        nodes_path.write_text(nodes)
    return path, nodes_path


def test_a_real_network_starts_as_the_membership_with_its_ties(tmp_path) -> None:
    edges = [("ann", "bob"), ("bob", "cat"), ("cat", "dan"), ("dan", "eve")]
    nodes = (
        "id,organisation,role,engagement\nann,north,leader,0.9\nbob,north,,\ncat,south,champion,\n"
    )
    path, nodes_path = write_network(tmp_path, edges, nodes)
    real = read_member_network(path, nodes_path)
    w = build_world(
        Parameters(eligible_population=50, organisations=3), np.random.default_rng(2), real
    )
    index = {label: i for i, label in enumerate(real.node_ids)}
    assert (w.members.status[: real.size] == MembershipStatus.ACTIVE).all()
    assert (w.members.status[real.size :] == MembershipStatus.PROSPECT).all()
    for a, b in edges:
        eid = w.graph.edge_ids(np.array([index[a]]), np.array([index[b]]))[0]
        assert eid >= 0 and w.ties.strength[eid] > 0
    assert list(w.leaders) == [index["ann"]]
    assert w.members.champion[index["cat"]]
    assert w.members.engagement[index["ann"]] == pytest.approx(0.9)
    assert w.members.organisation[index["ann"]] == w.members.organisation[index["bob"]]
    assert w.members.organisation[index["ann"]] != w.members.organisation[index["cat"]]


def test_a_real_network_runs_through_the_api(tmp_path) -> None:
    path, _ = write_network(tmp_path, [(str(i), str(i + 1)) for i in range(30)])
    result = netsim.run(
        Parameters(network_file=str(path), eligible_population=120, steps=10), seed=3
    )
    assert result.table["members"].iloc[0] == 31
    assert result.table["ties"].iloc[0] == 30


def test_network_larger_than_the_eligible_population_is_an_error(tmp_path) -> None:
    path, _ = write_network(tmp_path, [(str(i), str(i + 1)) for i in range(30)])
    with pytest.raises(ParameterError, match="eligible_population"):
        netsim.run(Parameters(network_file=str(path), eligible_population=10), seed=1)


def test_missing_network_file_names_the_field() -> None:
    with pytest.raises(ParameterError, match="network_file"):
        netsim.run(Parameters(network_file="/nonexistent/members.csv"), seed=1)


def ring_file(tmp_path: Path, people: int = 30) -> Path:
    path, _ = write_network(tmp_path, [(str(i), str((i + 1) % people)) for i in range(people)])
    return path


def pairs(model: netsim.NetworkModel) -> set[tuple[int, int]]:
    graph = model.graph
    return set(zip(graph.edge_u.tolist(), graph.edge_v.tolist(), strict=True))


def test_a_network_file_is_the_contact_network_as_given(tmp_path: Path) -> None:
    path = ring_file(tmp_path)
    for mode in ("contagion", "social"):
        params = Parameters(network_file=str(path), eligible_population=120, mode=mode)
        model = netsim.build_model(params, seed=3)
        file_pairs = {tuple(sorted(e)) for e in read_member_network(path).edges.tolist()}
        contact_pairs = pairs(model)
        assert file_pairs <= contact_pairs
        assert model.contact_sources["from_file"] == 30
        if mode == "contagion":  # nothing generated at all: the textbook network is the file
            assert contact_pairs == file_pairs
            assert model.contact_sources["generated"] == 0
        else:  # only the leaders' and champions' reach is added
            extra = contact_pairs - file_pairs
            reach = set(model.leaders.tolist()) | set(np.flatnonzero(model.members.champion))
            assert all(u in reach or v in reach for u, v in extra)


def test_outside_file_adds_generated_pairs_only_beyond_the_file(tmp_path: Path) -> None:
    path = ring_file(tmp_path)
    params = Parameters(
        network_file=str(path),
        eligible_population=120,
        mode="contagion",
        acquaintances_beside_file="outside_file",
    )
    model = netsim.build_model(params, seed=3)
    file_pairs = {tuple(sorted(e)) for e in read_member_network(path).edges.tolist()}
    extra = pairs(model) - file_pairs
    assert extra and all(u >= 30 or v >= 30 for u, v in extra)
    assert model.contact_sources == {"from_file": 30, "generated": len(extra)}


def test_all_also_generates_pairs_among_the_files_members(tmp_path: Path) -> None:
    path = ring_file(tmp_path)
    params = Parameters(
        network_file=str(path),
        eligible_population=120,
        mode="contagion",
        acquaintances_beside_file="all",
    )
    model = netsim.build_model(params, seed=3)
    inside = (model.graph.edge_u < 30) & (model.graph.edge_v < 30)
    assert int(inside.sum()) > 30  # generated pairs among the file's 30 people too


def test_acquaintances_beside_file_needs_a_network_file() -> None:
    with pytest.raises(ParameterError, match="only applies with a network_file"):
        Parameters(acquaintances_beside_file="all")


def world_digest(w: World) -> str:
    """SHA-256 of every array of a world, integers as int64 (the values, whatever the dtype)."""
    g, m, t = w.graph, w.members, w.ties
    arrays = [g.edge_u, g.edge_v, g.indptr, g.neighbour, g.edge_of, w.leaders]
    arrays += [m.organisation, m.status, m.engagement, m.trust, m.reciprocity]
    arrays += [m.perceived_value, m.leader, m.champion, m.role, m.joined_step, m.adoption]
    arrays += [t.strength, t.last_used, t.formed_step]
    digest = hashlib.sha256()
    for a in arrays:
        a = a.astype(np.int64) if a.dtype.kind in "iub" else a
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()


# Digests of worlds built before the graph build was compiled and its indices made int32
# (commit dde8214): the same draws in the same order give the same world, value for value.
PINNED_WORLDS = {
    "organisations": "7fdfa4ad22c9694af2fdcd693284d1178b1d694005418901b31fc7092ac3f6c9",
    "watts_strogatz": "f033f5a872c9ed822b4a68b6fb89eb74c86cf10455a97e2a0b8038d3aacf3544",
    "network_file": "99075c38b6f91b6c8af46e6ea28d3a32a2b9e2aad98445d9089e78a98430696e",
}


def test_the_build_gives_the_same_world_as_before(tmp_path: Path) -> None:
    rng = np.random.default_rng
    organisations = Parameters(
        eligible_population=4000, organisations=80, founding_core=30, change_agents=3
    )
    ring = Parameters(
        eligible_population=2500,
        topology="watts_strogatz",
        leadership_style="hierarchical",
        ideas=2,
    )
    path = ring_file(tmp_path)
    beside = Parameters(
        network_file=str(path), eligible_population=400, acquaintances_beside_file="outside_file"
    )
    built = {
        "organisations": build_world(organisations, rng(5)),
        "watts_strogatz": build_world(ring, rng(5)),
        "network_file": build_world(beside, rng(5), read_member_network(path)),
    }
    assert {name: world_digest(w) for name, w in built.items()} == PINNED_WORLDS
