"""The graph-first Python API: ``netsim.run(network=graph, innovators=[ids])``."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import netsim
from netsim import MemberNetwork, NetworkFileError, ParameterError, read_member_network
from netsim.model.state import AdoptionState

QUIET = {"change_agents": 0}
"""No champions, who would take up the idea beside the innovators named."""


def named_graph() -> nx.Graph[str]:
    """Ten people in two organisations, with a leader and given engagement."""
    g: nx.Graph[str] = nx.Graph()
    people = [f"p{k:02d}" for k in range(10)]
    for k, person in enumerate(people):
        g.add_node(person, organisation="north" if k < 5 else "south", engagement=0.7)
    g.nodes["p03"]["role"] = "leader"
    g.add_edges_from(itertools.pairwise(people))
    g.add_edges_from([("p00", "p05"), ("p02", "p07"), ("p04", "p09")])
    return g


def holders_at_start(model: netsim.NetworkModel) -> set[Any]:
    """Ids of the people holding idea 1 at step 0."""
    held = np.flatnonzero(model.members.adoption[0] == AdoptionState.ADOPTED)
    return {model.member_ids[int(i)] for i in held}


# --- a networkx graph in -----------------------------------------------------------------


def test_a_graph_is_read_by_the_graphml_readers_rules(tmp_path: Path) -> None:
    g = named_graph()
    path = tmp_path / "g.graphml"
    nx.write_graphml(g, path)
    direct, read = MemberNetwork.from_graph(g), read_member_network(path)
    assert direct.node_ids == read.node_ids == tuple(g.nodes)
    assert np.array_equal(direct.edges, read.edges)
    assert direct.organisation_names == read.organisation_names == ("north", "south")
    for name in ("organisation", "role", "engagement"):
        assert np.array_equal(getattr(direct, name), getattr(read, name)), name


def test_graph_node_ids_are_kept_as_given() -> None:
    g = nx.relabel_nodes(nx.path_graph(6), {0: 10, 1: "b", 2: (3, 4)})
    model = netsim.build_model(network=g, eligible_population=20, founding_core=6, seed=1)
    assert [model.member_ids[i] for i in range(6)] == [10, "b", (3, 4), 3, 4, 5]
    assert model.member_ids[6] == "netsim-6"  # the eligible people outside the graph
    founders = model.members.status[:6]
    assert (founders == 1).all() and (model.members.status[6:] == 0).all()


def test_a_member_network_is_taken_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "ties.csv"
    path.write_text("source,target\n7,3\n3,12\n")
    real = read_member_network(path)
    model = netsim.build_model(network=real, eligible_population=12, founding_core=3)
    assert [model.member_ids[i] for i in range(3)] == ["7", "3", "12"]


def test_the_same_graph_and_seed_give_the_same_table() -> None:
    run = {"network": named_graph(), "eligible_population": 40, "steps": 20, "seed": 4}
    first = netsim.run(**run, innovators=["p00", "p09"])
    again = netsim.run(**run, innovators=["p09", "p00"])  # order does not matter
    assert first.table.equals(again.table)
    other = netsim.run(**{**run, "seed": 5}, innovators=["p00", "p09"])
    assert not first.table.equals(other.table)


def test_a_directed_multigraph_becomes_simple_ties() -> None:
    g: nx.MultiDiGraph[int] = nx.MultiDiGraph([(0, 1), (1, 0), (0, 1), (1, 2)])
    model = netsim.build_model(network=g, eligible_population=12, founding_core=3)
    assert model.contact_sources["from_file"] == 2


# --- innovators named --------------------------------------------------------------------


def test_named_innovators_hold_the_idea_at_week_0() -> None:
    chosen = ["p01", "p08"]
    model = netsim.build_model(network=named_graph(), innovators=chosen, **QUIET)
    assert holders_at_start(model) == set(chosen)
    result = netsim.run(network=named_graph(), innovators=chosen, steps=5, **QUIET)
    assert result.parameters.innovators == 2  # the count says how many were named
    assert result.table["adoption_share"].iloc[0] == 2 / 500


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_exactly_the_people_named_hold_every_idea_at_week_0(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, 25))
    graph = nx.gnm_random_graph(size, data.draw(st.integers(0, size)), seed=size)
    named = data.draw(st.sets(st.integers(0, size - 1), max_size=size))
    mode = data.draw(st.sampled_from(["social", "contagion"]))
    style = data.draw(st.sampled_from(["distributed", "hierarchical"]))
    model = netsim.build_model(
        network=graph,
        innovators=named,
        eligible_population=30,
        founding_core=2,
        mode=mode,
        leadership_style=style,
        ideas=data.draw(st.integers(1, 3)),
        **QUIET,
    )
    held = model.members.adoption == AdoptionState.ADOPTED
    assert all(set(np.flatnonzero(row)) == named for row in held)
    assert model.params.innovators == len(named)


def test_without_a_network_innovators_are_named_by_index() -> None:
    model = netsim.build_model(innovators=[4, 499], **QUIET)
    assert holders_at_start(model) == {4, 499}


def test_a_count_of_innovators_is_the_parameter_as_before() -> None:
    counted = netsim.run(innovators=5, steps=10, seed=2)
    assert counted.table.equals(netsim.run({"innovators": 5}, steps=10, seed=2).table)


def test_until_settled_works_with_a_graph() -> None:
    g = nx.connected_watts_strogatz_graph(60, 6, 0.1, seed=3)
    result = netsim.run(
        network=g,
        innovators=[0, 30],
        eligible_population=60,
        steps=20,
        until_settled=True,
        max_steps=80,
        seed=1,
    )
    weeks = len(result.table) - 1
    assert 20 <= weeks <= 80 and result.parameters.steps == weeks
    assert result.summary["settled"] or weeks == 80
    again = netsim.run(result.parameters, network=g, innovators=[0, 30], seed=1)
    assert again.table.equals(result.table)  # the weeks taken, run again, give the same


# --- bad input: one line naming the argument ---------------------------------------------


def self_loop() -> nx.Graph[str]:
    g = named_graph()
    g.add_edge("p04", "p04")
    return g


def bad_role() -> nx.Graph[str]:
    g = named_graph()
    g.nodes["p02"]["role"] = "boss"
    return g


BAD = [
    ({"innovators": ["p01", "zed"]}, ParameterError, "innovators: 'zed' is not a member id"),
    ({"innovators": ["p01", "p01"]}, ParameterError, "innovators: 'p01' is named twice"),
    ({"innovators": "p01"}, ParameterError, "innovators: 'p01' is one id, not a list"),
    ({"innovators": object()}, ParameterError, "innovators: an object of type object"),
    ({"network_file": "x.csv"}, ParameterError, "network: cannot be used with network_file"),
    ({"network": {"a": "b"}}, ParameterError, "network: an object of type dict is not a net"),
    ({"network": bad_role()}, NetworkFileError, "network node 'p02': role 'boss' is not"),
    ({"network": self_loop()}, NetworkFileError, "network node 'p04': has a self-loop"),
    ({"network": nx.Graph()}, NetworkFileError, "network: the network has no members"),
    ({"network": nx.Graph([(1, "1")])}, NetworkFileError, "network: nodes 1 and '1' have"),
    (
        {"eligible_population": 8, "founding_core": 2},
        ParameterError,
        "eligible_population: 8 is smaller than the 10 people in the network;",
    ),
]


@pytest.mark.parametrize(("change", "kind", "message"), BAD)
def test_bad_graph_input_is_one_line_naming_the_argument(
    change: dict[str, Any], kind: type[Exception], message: str
) -> None:
    run: dict[str, Any] = {"network": named_graph(), "steps": 2, **change}
    with pytest.raises(kind) as caught:
        netsim.run(**run)
    text = str(caught.value)
    assert text.startswith(message) and "\n" not in text
    assert "allowed" in text


def test_an_unknown_id_says_which_ids_there_are() -> None:
    with pytest.raises(ParameterError, match=r"allowed: the network's node ids \('p00', 'p01'"):
        netsim.build_model(network=named_graph(), innovators=["nobody"])
    with pytest.raises(ParameterError, match="allowed: whole numbers 0 to 499"):
        netsim.build_model(innovators=[500])


# --- results name members by the ids given -----------------------------------------------


def test_a_csv_edge_list_keeps_its_ids_in_the_results(tmp_path: Path) -> None:
    path = tmp_path / "ties.csv"
    path.write_text("source,target\n10,3\n3,007\n007,10\n")
    result = netsim.run(
        network_file=str(path), eligible_population=3, founding_core=3, innovators=["007"]
    )
    assert set(result.network.nodes) <= {"10", "3", "007"}  # as they read: text
    assert holders_at_start(netsim.build_model(result.parameters, innovators=["007"])) == {"007"}


def test_a_graphs_int_ids_name_the_members_of_the_result() -> None:
    g = nx.relabel_nodes(nx.cycle_graph(12), lambda k: 100 + k)
    result = netsim.run(network=g, eligible_population=12, steps=3, seed=1, **QUIET)
    members = [
        result.model.member_ids[int(i)] for i in np.flatnonzero(result.model.members.is_member())
    ]
    assert sorted(result.network.nodes) == sorted(members)
    assert set(result.network.nodes) <= set(range(100, 112))
    ties = {frozenset(e) for e in result.network.edges}
    assert ties <= {frozenset(e) for e in g.edges}  # only the graph's own pairs can be ties


def test_without_a_network_the_result_names_members_by_index() -> None:
    result = netsim.run(steps=5, seed=3)
    assert list(result.network.nodes) == list(result.model.tie_graph().nodes)


# ---------------------------------------------------------------------------
# export of a run's network (GraphML, GEXF)


def adopters_by_week(weeks: np.ndarray, steps: int) -> list[int]:
    """How many people had taken the idea up by each week, from their adoption weeks."""
    return [int(np.count_nonzero((weeks >= 0) & (weeks <= s))) for s in range(steps + 1)]


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # the social model
        {"mode": "contagion", "recovery_probability": 0.1},  # SIR: holders drop the idea
        {"ideas": 2},
    ],
    ids=["social", "sir", "two-ideas"],
)
def test_adoption_week_dates_every_uptake_to_the_row_that_first_shows_it(
    overrides: dict[str, Any],
) -> None:
    """Counting adoption weeks reproduces the table's ever-adopted count, week by week."""
    result = netsim.run(seed=5, steps=80, eligible_population=300, **overrides)
    weeks = result.model.adoption_week
    ever = result.table["ever_adopted_share"].to_numpy() * 300 * weeks.shape[0]
    dated = np.sum([adopters_by_week(w, 80) for w in weeks], axis=0)
    assert np.allclose(dated, ever)
    assert dated[-1] > dated[0] > 0  # the idea did spread, and innovators are week 0


def test_an_idea_taken_up_between_weeks_is_dated_to_the_next_row() -> None:
    model = netsim.build_model(seed=2, eligible_population=200, **QUIET)
    model.run(3)
    person = int(np.flatnonzero(model.members.adoption[0] == AdoptionState.NOT_ADOPTED)[0])
    model.member_agent(person).adopt()
    model.step()
    assert model.adoption_week[0, person] == 4 == model.step_count


def node_view(graph: nx.Graph[Any]) -> dict[str, dict[str, Any]]:
    return {str(node): dict(data) for node, data in graph.nodes(data=True)}


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_export_round_trips_members_ties_and_attributes(tmp_path: Path, suffix: str) -> None:
    """What Gephi reads back is the run's network: ids as given, every attribute, every tie."""
    result = netsim.run(network=named_graph(), innovators=["p03"], seed=1, steps=30, **QUIET)
    path = result.export_network(tmp_path / f"net{suffix}")
    back = nx.read_graphml(path) if suffix == ".graphml" else nx.read_gexf(path)
    original = result.network
    assert node_view(back).keys() == node_view(original).keys()
    for node, data in node_view(original).items():
        read = node_view(back)[node]
        for key, value in data.items():
            assert read[key] == pytest.approx(value), (node, key)
    assert {frozenset(map(str, e)) for e in back.edges} == {
        frozenset(map(str, e)) for e in original.edges
    }
    for u, v, data in original.edges(data=True):
        assert back.edges[str(u), str(v)]["strength"] == pytest.approx(data["strength"])
        assert back.edges[str(u), str(v)]["formed_week"] == data["formed_week"]
    assert back.nodes["p03"]["adoption_week"] == 0  # the named innovator
    assert list(tmp_path.iterdir()) == [path]  # no partial file left beside it


def test_export_of_everyone_includes_people_without_ties(tmp_path: Path) -> None:
    result = netsim.run(seed=1, steps=10, eligible_population=150)
    members = nx.read_gexf(result.export_network(tmp_path / "members.gexf"))
    everyone = nx.read_gexf(result.export_network(tmp_path / "all.gexf", everyone=True))
    assert everyone.number_of_nodes() == 150 > members.number_of_nodes()
    assert set(members.nodes) < set(everyone.nodes)


def test_export_refuses_an_unknown_format_or_an_unwritable_place(tmp_path: Path) -> None:
    result = netsim.run(seed=1, steps=3, eligible_population=80)
    with pytest.raises(netsim.ExportError, match=r"unknown network format \.csv; allowed"):
        result.export_network(tmp_path / "net.csv")
    with pytest.raises(netsim.ExportError, match="cannot write"):
        result.export_network(tmp_path / "missing" / "net.graphml")
    assert list(tmp_path.iterdir()) == []
