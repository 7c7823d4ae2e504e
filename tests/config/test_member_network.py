"""Reading a planner's own member network (DOMAIN.md) from CSV or GraphML files.

The tests write small files with known content and check what the model would see:
labels, normalised ties, attribute codes, and one-line errors that point at the problem.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_scenarios import mutations  # the same splicing strategy as the scenario fuzzer

from netsim.config.member_network import MemberNetwork, NetworkFileError, read_member_network


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_graphml(path: Path, graph: nx.Graph) -> Path:
    nx.write_graphml(graph, path)
    return path


def label_pairs(net: MemberNetwork) -> set[frozenset[str]]:
    return {frozenset((net.node_ids[i], net.node_ids[j])) for i, j in net.edges}


def assert_error(err: pytest.ExceptionInfo[NetworkFileError], where: str, *fragments: str) -> str:
    """The error is one line that starts with ``where`` (file name, line or node) and names
    the field and what is allowed (``fragments``)."""
    message = str(err.value)
    assert type(err.value) is NetworkFileError
    assert isinstance(err.value, ValueError)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(where), f"{message!r} does not start with {where!r}"
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# ---------------------------------------------------------------------------
# CSV edge lists


def test_csv_round_trip_normalises_and_merges_ties(tmp_path: Path) -> None:
    path = write(
        tmp_path / "edges.csv",
        " Source , TARGET ,weight\n"
        "carol,alice,1\n"
        "alice,bob,2\n"
        "bob,alice,3\n"  # reversed duplicate
        "alice,bob,4\n"  # exact duplicate
        "\n"  # blank line is skipped
        " dave , carol ,5\n",  # surrounding spaces are not part of the label
    )
    net = read_member_network(path)

    assert net.node_ids == ("carol", "alice", "bob", "dave")
    assert net.size == 4
    # carol=0 alice=1 bob=2 dave=3: ties {0,1}, {1,2}, {0,3}, sorted rows with i < j
    np.testing.assert_array_equal(net.edges, [[0, 1], [0, 3], [1, 2]])
    assert net.edges.dtype == np.int64
    assert net.organisation is None and net.role is None and net.engagement is None
    assert net.organisation_names == ()


def test_csv_accepts_txt_suffix_bom_and_quoted_labels(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_bytes('\ufeffsource,target\n"Smith, J",2\n'.encode())
    net = read_member_network(str(path))  # a plain string path works too
    assert net.node_ids == ("Smith, J", "2")
    np.testing.assert_array_equal(net.edges, [[0, 1]])


def test_result_arrays_are_read_only(tmp_path: Path) -> None:
    net = read_member_network(write(tmp_path / "e.csv", "source,target\na,b\n"))
    with pytest.raises(ValueError):
        net.edges[0, 0] = 5


# ---------------------------------------------------------------------------
# nodes file


def test_nodes_file_attributes_are_coded(tmp_path: Path) -> None:
    nodes = write(
        tmp_path / "nodes.csv",
        "ID,Organization,Role,Engagement\n"
        "n1,Hospital,leader,0.9\n"
        "n2,GP practice,CHAMPION,\n"  # empty engagement is missing
        "n3,Hospital,,0\n"  # empty role is member
        "n4,,member,1\n"  # empty organisation is unknown
        "solo,Council,Member,0.25\n",  # in no tie: kept as an isolated member
    )
    edges = write(tmp_path / "edges.csv", "source,target\nn1,n2\nn3,n1\nn4,x9\n")
    net = read_member_network(edges, nodes_path=nodes)

    assert net.node_ids == ("n1", "n2", "n3", "n4", "solo", "x9")
    np.testing.assert_array_equal(net.edges, [[0, 1], [0, 2], [3, 5]])
    assert net.organisation_names == ("Hospital", "GP practice", "Council")
    assert net.organisation is not None and net.role is not None and net.engagement is not None
    np.testing.assert_array_equal(net.organisation, [0, 1, 0, -1, 2, -1])
    np.testing.assert_array_equal(net.role, [1, 2, 0, 0, 0, 0])
    assert net.role.dtype == np.int8
    np.testing.assert_array_equal(net.engagement, [0.9, np.nan, 0.0, 1.0, 0.25, np.nan])
    assert math.isnan(net.engagement[5])  # only in the edge list: no engagement known


def test_nodes_file_without_optional_columns_gives_none(tmp_path: Path) -> None:
    nodes = write(tmp_path / "nodes.csv", "id\nb\nlonely\n")
    edges = write(tmp_path / "edges.csv", "source,target\na,b\n")
    net = read_member_network(edges, nodes)
    assert net.node_ids == ("b", "lonely", "a")
    np.testing.assert_array_equal(net.edges, [[0, 2]])
    assert net.organisation is None and net.role is None and net.engagement is None


def test_nodes_file_alone_with_header_only_edge_list(tmp_path: Path) -> None:
    nodes = write(tmp_path / "nodes.csv", "id,organisation\nx,A\ny,B\n")
    edges = write(tmp_path / "edges.csv", "source,target\n")
    net = read_member_network(edges, nodes)
    assert net.size == 2
    assert net.edges.shape == (0, 2)
    assert net.organisation is not None
    np.testing.assert_array_equal(net.organisation, [0, 1])


# ---------------------------------------------------------------------------
# GraphML


def test_graphml_with_attributes(tmp_path: Path) -> None:
    graph = nx.Graph()
    graph.add_node("a", organisation="Trust", role="Leader", engagement=0.8)
    graph.add_node("b", organisation="Council", role="champion")
    graph.add_node("c", engagement=0.1)
    graph.add_node("d")  # isolated
    graph.add_edges_from([("b", "a"), ("c", "b")])
    path = tmp_path / "network.graphml"
    nx.write_graphml(graph, path)

    net = read_member_network(path)
    assert net.node_ids == ("a", "b", "c", "d")
    np.testing.assert_array_equal(net.edges, [[0, 1], [1, 2]])
    assert net.organisation_names == ("Trust", "Council")
    assert net.organisation is not None and net.role is not None and net.engagement is not None
    np.testing.assert_array_equal(net.organisation, [0, 1, -1, -1])
    np.testing.assert_array_equal(net.role, [1, 2, 0, 0])
    np.testing.assert_array_equal(net.engagement, [0.8, np.nan, 0.1, np.nan])


def test_graphml_organization_spelling_and_no_attributes(tmp_path: Path) -> None:
    graph = nx.path_graph(3)
    nx.set_node_attributes(graph, {0: "X", 2: "Y"}, "organization")
    path = tmp_path / "net.xml"
    nx.write_graphml(graph, path)
    net = read_member_network(path)
    assert net.organisation_names == ("X", "Y")
    np.testing.assert_array_equal(net.organisation, [0, -1, 1])
    assert net.role is None and net.engagement is None


def test_directed_multi_graphml_is_undirected_simple(tmp_path: Path) -> None:
    graph = nx.MultiDiGraph()
    graph.add_edges_from([("p", "q"), ("q", "p"), ("p", "q"), ("r", "q")])
    path = tmp_path / "directed.graphml"
    nx.write_graphml(graph, path)
    net = read_member_network(path)
    assert net.node_ids == ("p", "q", "r")
    np.testing.assert_array_equal(net.edges, [[0, 1], [1, 2]])


def test_nan_engagement_means_missing(tmp_path: Path) -> None:
    """NaN is how netsim itself marks missing engagement, so written NaNs read back as missing."""
    graph = nx.Graph([("a", "b")])
    nx.set_node_attributes(graph, {"a": float("nan"), "b": 0.3}, "engagement")
    net = read_member_network(write_graphml(tmp_path / "g.graphml", graph))
    np.testing.assert_array_equal(net.engagement, [np.nan, 0.3])
    nodes = write(tmp_path / "nodes.csv", "id,engagement\na,NaN\nb,0.3\n")
    edges = write(tmp_path / "edges.csv", "source,target\na,b\n")
    np.testing.assert_array_equal(read_member_network(edges, nodes).engagement, [np.nan, 0.3])


# ---------------------------------------------------------------------------
# errors: edge list


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError) as err:
        read_member_network(tmp_path / "x.csv")
    assert_error(err, "x.csv", "'" + str(tmp_path / "x.csv") + "'", "does not exist")


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError) as err:
        read_member_network(write(tmp_path / "empty.csv", ""))
    assert_error(err, "empty.csv", "empty", "header")


def test_missing_header_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "edges.csv", "from,to\na,b\n")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "edges.csv line 1", "'from'", "'to'", "'source'", "'target'")


def test_missing_target_names_line(tmp_path: Path) -> None:
    path = write(tmp_path / "edges.csv", "source,target\na,b\nb,c\nc\n")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "edges.csv line 4", "target", "empty")


def test_empty_source_names_line(tmp_path: Path) -> None:
    path = write(tmp_path / "edges.csv", "source,target\na,b\n  ,c\n")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "edges.csv line 3", "source")


def test_self_loop_names_line_and_node(tmp_path: Path) -> None:
    path = write(tmp_path / "edges.csv", "source,target\na,b\nb,c\nzed,zed\n")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "edges.csv line 4", "'zed'", "self-loop")


def test_non_utf8_names_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("source,target\na,b\nJosé,b\n".encode("latin-1"))
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "latin.csv line 3", "UTF-8")


def test_unsupported_suffix_lists_allowed(tmp_path: Path) -> None:
    path = write(tmp_path / "network.json", "{}")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "network.json", "'.json'", ".csv", ".txt", ".graphml", ".xml")


def test_header_only_is_an_empty_network(tmp_path: Path) -> None:
    with pytest.raises(NetworkFileError) as err:
        read_member_network(write(tmp_path / "edges.csv", "source,target\n"))
    assert_error(err, "edges.csv", "no members")


def test_oversized_field_is_reported_with_line(tmp_path: Path) -> None:
    path = write(tmp_path / "edges.csv", "source,target\na,b\nc," + "x" * 200_000 + "\n")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    message = assert_error(err, "edges.csv line 3", "not valid CSV")
    assert len(message) < 400


# ---------------------------------------------------------------------------
# errors: nodes file


def nodes_error(tmp_path: Path, nodes_text: str) -> pytest.ExceptionInfo[NetworkFileError]:
    nodes = write(tmp_path / "nodes.csv", nodes_text)
    edges = write(tmp_path / "edges.csv", "source,target\na,b\n")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(edges, nodes)
    return err


def test_nodes_engagement_out_of_range(tmp_path: Path) -> None:
    text = "id,engagement\n" + "".join(f"n{k},0.5\n" for k in range(5)) + "n7,1.7\n"
    err = nodes_error(tmp_path, text)
    message = assert_error(err, "nodes.csv line 7")
    assert message == (
        "nodes.csv line 7: engagement '1.7' is out of range; allowed: a number from 0 to 1"
    )


def test_nodes_engagement_not_a_number(tmp_path: Path) -> None:
    err = nodes_error(tmp_path, "id,engagement\na,high\n")
    assert_error(err, "nodes.csv line 2", "engagement 'high'", "a number from 0 to 1")


def test_nodes_bad_role_lists_allowed(tmp_path: Path) -> None:
    err = nodes_error(tmp_path, "id,role\na,member\nb,boss\n")
    assert_error(err, "nodes.csv line 3", "role 'boss'", "member, leader, champion")


def test_nodes_duplicate_id(tmp_path: Path) -> None:
    err = nodes_error(tmp_path, "id\na\nb\na\n")
    assert_error(err, "nodes.csv line 4", "id 'a'", "duplicate", "line 2")


def test_nodes_empty_id(tmp_path: Path) -> None:
    err = nodes_error(tmp_path, "id,role\na,leader\n,member\n")
    assert_error(err, "nodes.csv line 3", "id", "empty")


def test_nodes_missing_id_column(tmp_path: Path) -> None:
    err = nodes_error(tmp_path, "name,role\na,leader\n")
    assert_error(err, "nodes.csv line 1", "'name'", "'id'")


def test_nodes_both_organisation_spellings(tmp_path: Path) -> None:
    err = nodes_error(tmp_path, "id,organisation,organization\na,X,Y\n")
    assert_error(err, "nodes.csv line 1", "organisation", "organization")


def test_missing_nodes_file(tmp_path: Path) -> None:
    edges = write(tmp_path / "edges.csv", "source,target\na,b\n")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(edges, tmp_path / "nodes.csv")
    assert_error(err, "nodes.csv", "does not exist")


# ---------------------------------------------------------------------------
# errors: GraphML


def test_graphml_parse_error(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.graphml", "<graphml><graph><node id='a'/>")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "broken.graphml", "GraphML")


def test_xml_that_is_not_graphml(tmp_path: Path) -> None:
    path = write(tmp_path / "other.xml", "<html><body/></html>")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "other.xml", "GraphML")


def test_graphml_self_loop_names_node(tmp_path: Path) -> None:
    graph = nx.Graph([("a", "b"), ("n7", "n7")])
    path = write_graphml(tmp_path / "network.graphml", graph)
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "network.graphml node 'n7'", "self-loop")


def test_graphml_engagement_out_of_range_names_node(tmp_path: Path) -> None:
    graph = nx.Graph([("a", "n7")])
    nx.set_node_attributes(graph, {"a": 0.5, "n7": 1.7}, "engagement")
    path = write_graphml(tmp_path / "network.graphml", graph)
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "network.graphml node 'n7': engagement '1.7'", "from 0 to 1")


def test_graphml_bad_role_names_node(tmp_path: Path) -> None:
    graph = nx.Graph([("a", "b")])
    nx.set_node_attributes(graph, {"b": "chief"}, "role")
    path = write_graphml(tmp_path / "network.graphml", graph)
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "network.graphml node 'b'", "role 'chief'", "member, leader, champion")


def test_graphml_with_nodes_path_is_refused(tmp_path: Path) -> None:
    path = write_graphml(tmp_path / "network.graphml", nx.Graph([("a", "b")]))
    nodes = write(tmp_path / "nodes.csv", "id\na\n")
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path, nodes_path=nodes)
    assert_error(err, "network.graphml", "nodes_path")


def test_graphml_without_nodes_is_an_empty_network(tmp_path: Path) -> None:
    path = write_graphml(tmp_path / "network.graphml", nx.Graph())
    with pytest.raises(NetworkFileError) as err:
        read_member_network(path)
    assert_error(err, "network.graphml", "no members")


# ---------------------------------------------------------------------------
# property: any edge list survives the trip as a set of undirected label pairs

labels = st.text(alphabet="abcXY09 ,\"'é-", min_size=1, max_size=4).map(str.strip).filter(bool)
pairs = st.lists(st.tuples(labels, labels).filter(lambda p: p[0] != p[1]), min_size=1)


@pytest.fixture(scope="module")
def property_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("property")


@settings(max_examples=150, deadline=None)
@given(edge_list=pairs)
def test_edge_list_property(property_dir: Path, edge_list: list[tuple[str, str]]) -> None:
    path = property_dir / "edges.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target"])
        writer.writerows(edge_list)

    net = read_member_network(path)

    edges = net.edges
    assert edges.ndim == 2 and edges.shape[1] == 2
    assert np.all(edges[:, 0] < edges[:, 1])
    rows = [tuple(row) for row in edges.tolist()]
    assert rows == sorted(set(rows))  # unique and lexicographically sorted
    assert label_pairs(net) == {frozenset(p) for p in edge_list}
    first_seen = list(dict.fromkeys(label for pair in edge_list for label in pair))
    assert list(net.node_ids) == first_seen


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=200),
    prefix=st.sampled_from([b"", b"source,target\n", b"<graphml><graph>"]),
    suffix=st.sampled_from([".csv", ".graphml"]),
)
def test_arbitrary_bytes_give_a_result_or_a_one_line_error(
    property_dir: Path, data: bytes, prefix: bytes, suffix: str
) -> None:
    """Whatever a planner uploads, the reader answers with a network or a NetworkFileError."""
    path = property_dir / f"upload{suffix}"
    path.write_bytes(prefix + data)
    try:
        net = read_member_network(path)
    except NetworkFileError as err:
        message = str(err)
        assert message.startswith(path.name)
        assert "\n" not in message and "\r" not in message
    else:
        assert net.size > 0
        assert np.all(net.edges[:, 0] < net.edges[:, 1])


VALID_CSV = b"source,target\nann,bob\nbob,cat\ncat,ann\ndan,ann\n"
VALID_NODES = b"id,organisation,role,engagement\nann,trust a,connector,0.8\nbob,trust a,,0.4\n"
VALID_GRAPHML = (
    b'<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    b'<key id="o" for="node" attr.name="organisation" attr.type="string"/>'
    b'<key id="e" for="node" attr.name="engagement" attr.type="double"/>'
    b'<graph edgedefault="undirected"><node id="a"><data key="o">x</data>'
    b'<data key="e">0.5</data></node><node id="b"/><node id="c"/>'
    b'<edge source="a" target="b"/><edge source="b" target="c"/></graph></graphml>'
)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["edges", "nodes", "graphml"]),
    data=st.data(),
)
def test_mutated_network_files_give_a_result_or_a_one_line_error(
    property_dir: Path, kind: str, data: st.DataObject
) -> None:
    """A valid edge list, nodes file or GraphML with bytes spliced in or cut out: a network
    (with every tie between two different members) or one NetworkFileError line."""
    edges = property_dir / ("net.graphml" if kind == "graphml" else "net.csv")
    nodes = property_dir / "nodes.csv" if kind == "nodes" else None
    valid = {"edges": VALID_CSV, "nodes": VALID_CSV, "graphml": VALID_GRAPHML}[kind]
    mutated = data.draw(mutations(VALID_NODES if kind == "nodes" else valid))
    edges.write_bytes(mutated if kind != "nodes" else valid)
    if nodes is not None:
        nodes.write_bytes(mutated)
    try:
        net = read_member_network(edges, nodes)
    except NetworkFileError as err:
        message = str(err)
        assert message.startswith((edges.name, "nodes.csv")), message
        assert "\n" not in message and "\r" not in message
    else:
        assert net.size > 0
        assert np.all(net.edges[:, 0] < net.edges[:, 1])
