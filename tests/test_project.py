"""The networkx projection: typed nodes, labelled edges, neighbourhoods, paths, centrality."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from kg import project
from kg.errors import KGError
from kg.vocab import iri
from tests.tiers import first_fast


@pytest.fixture(scope="module")
def G(store):
    return project.to_networkx(store)


def _i(kind, *parts):
    return str(iri(kind, *parts))


def test_projection_is_typed_and_labelled(G, graph):
    from rdflib import RDF

    from kg.vocab import RD

    assert isinstance(G, nx.MultiDiGraph)
    types = {d["type"] for _, d in G.nodes(data=True)}
    assert types == set(project.TYPES)
    assert sum(1 for _, d in G.nodes(data=True) if d["type"] == "Attack") == len(
        set(graph.subjects(RDF.type, RD.Attack)))
    assert G.nodes[_i("model", "Stable Diffusion")] == {
        "type": "TargetModel", "label": "Stable Diffusion", "name": "Stable Diffusion",
        "family": True}
    assert G.nodes[_i("paper", "SIDE: Surrogate Conditional Data Extraction from Diffusion Models")
                   ]["code"] == "CodeWithoutLink"
    preds = {d["predicate"] for *_, d in G.edges(data=True)}
    assert preds == {"rd:fromPaper", "rd:threat", "rd:assumesKnowledge", "rd:evaluatedOn",
                     "rd:method", "rd:mitigates", "skos:broader", "rd:evaluatedAgainst"}
    derived = [d for *_, d in G.edges(data=True) if d["derived"]]
    assert derived and all(d["predicate"] == "rd:evaluatedAgainst" and d["path"] for d in derived)
    assert not any(d["derived"] for *_, d in project.to_networkx(
        __import__("kg.stores.memory", fromlist=["MemoryStore"]).MemoryStore(graph), derived=False
    ).edges(data=True))


def test_neighbors_of_a_method(G):
    dp = _i("method", "DP-SGD")
    first = project.neighbors(G, dp)
    assert {n["type"] for n in first} == {"DefenseEvaluation"} and len(first) == 2
    assert all(n["via"]["predicate"] == "rd:method" and n["via"]["direction"] == "backward"
               for n in first)
    papers = project.neighbors(G, dp, depth=2, types=["Paper"])
    assert {n["label"] for n in papers} == {
        "Extracting Training Data from Diffusion Models",
        "Are Diffusion Models Vulnerable to Membership Inference Attacks?"}
    assert all(n["distance"] == 2 for n in papers)


def test_shortest_path_threat_to_method_has_edge_labels(G):
    steps = project.shortest_path(G, _i("threat", "Membership inference"), _i("method", "DP-SGD"))
    assert [s["predicate"] for s in steps] == ["rd:mitigates", "rd:method"]
    assert steps[0]["direction"] == "backward" and steps[1]["direction"] == "forward"
    assert steps[0]["to"]["type"] == "DefenseEvaluation"
    text = project.render_path(steps)
    assert "<--rd:mitigates--" in text and "--rd:method-->" in text


def test_shortest_path_paper_to_model(G):
    steps = project.shortest_path(
        G, _i("paper", "Unveiling Structural Memorization: Structural MIA for T2I Diffusion"),
        _i("model", "DDIM"))
    assert [s["predicate"] for s in steps] == ["rd:fromPaper", "rd:evaluatedOn"]


def test_path_prefers_stated_edges_and_labels_derived_ones(G):
    # evaluation and attack of Wen et al.: linked directly only by a derived edge
    ev = _i("evaluation", "Detecting, Explaining, and Mitigating Memorization in Diffusion Models",
            "Inference-time mitigation method")
    at = _i("attack", "Detecting, Explaining, and Mitigating Memorization in Diffusion Models")
    steps = project.shortest_path(G, ev, at)
    assert len(steps) == 2 and not any(s["derived"] for s in steps)  # via the paper, stated
    H = G.copy()
    H.remove_edges_from([(u, v, k) for u, v, k, d in G.edges(keys=True, data=True)
                         if not d["derived"]])
    steps = project.shortest_path(H, ev, at)
    assert len(steps) == 1 and steps[0]["derived"] and steps[0]["path"]


def test_errors(G):
    with pytest.raises(KGError, match="not in the projection"):
        project.neighbors(G, "https://example.org/nothing")
    with pytest.raises(KGError, match="depth"):
        project.neighbors(G, _i("method", "DP-SGD"), depth=0)
    H = nx.MultiDiGraph()
    H.add_node("a", type="Paper", label="A")
    H.add_node("b", type="Paper", label="B")
    with pytest.raises(KGError, match="no path"):
        project.shortest_path(H, "a", "b")


def test_centrality_ranks_papers_and_methods(G):
    c = project.centrality(G)
    assert set(c) == {"papers", "methods"}
    assert c["papers"][0]["label"] == "Are Diffusion Models Vulnerable to Membership Inference Attacks?"
    assert c["methods"][0]["label"] == "DP-SGD"  # the only method two papers evaluate
    assert len(c["methods"]) == 16 and len(project.centrality(G, top=3)["papers"]) == 3


def test_cli_neighbors_path_centrality(kg_cli, runner):
    r = kg_cli("neighbors", "DP-SGD", "--depth", "2", "--json")
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert d["node"]["type"] == "DefenseMethod" and d["neighbors"]
    r = kg_cli("path", "Gradient inversion", "DP-SGD", "--json")
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert d["steps"][0]["from"]["label"] == "Gradient inversion"
    assert d["steps"][-1]["to"]["label"] == "DP-SGD"
    r = kg_cli("path", "Membership inference", "DP-SGD")
    assert r.exit_code == 0 and "rd:mitigates" in r.output
    r = kg_cli("centrality", "--top", "2", "--json")
    assert r.exit_code == 0 and len(json.loads(r.output)["papers"]) == 2
    from kg.cli import main

    r = runner.invoke(main, ["path", "Nonexistent thing", "DDIM"])
    assert r.exit_code == 1 and r.output.startswith("error:")


CENTERS = ["rdi:threat-membership-inference", "rdi:model-ddpm", "rdi:method-dp-sgd",
           "rdi:knowledge-white-box"]


@pytest.mark.parametrize("kind", first_fast(["memory", "oxigraph"]))
def test_local_neighbourhood_equals_the_full_projection(kind, store, graph, tmp_path):
    """The app reads only the part around a node (kg.project.local_graph); the view must be
    the one the whole projection gives, on rdflib and on Oxigraph (where a bound variable
    reaches the query as a VALUES block, not a pre-binding)."""
    from kg.app import graph as app_graph
    from kg.app import names
    from kg.stores.oxigraph import OxigraphStore

    st = store
    if kind == "oxigraph":
        st = OxigraphStore(tmp_path / "ox")
        st.load(graph)
    full = project.to_networkx(st)
    papers = sorted(e.ref for e in names.entities(st, "Paper"))[:1]
    attacks = sorted(e.ref for e in names.entities(st, "Attack"))[:1]
    evals = sorted(e.ref for e in names.entities(st, "Defense evaluation"))[:1]
    for i, center in enumerate(CENTERS + papers + attacks + evals):
        # every kind of centre at depth 1; deeper walks from every other one
        deeper = ((2, None, 12), (3, ["Attack"], 40)) if i % 2 == 0 else ()
        for depth, types, cap in ((1, None, 150), *deeper):
            want = app_graph.neighbourhood(full, center, depth, types, cap)
            got = app_graph.store_neighbourhood(st, center, depth, types, cap)
            assert got == want, (center, depth, types, cap)
    local = project.local_graph(st, str(iri("threat", "Membership inference")), 1, None, 5)
    assert len(local) < len(full)  # it did not read the whole graph


def test_local_graph_reads_a_hub_in_part_and_says_how_many(store, graph):
    """max_read bounds what is read of a node's neighbours (a threat has 100k attacks at
    100k papers); the node is named with its true count, so the page can say so."""
    from kg.app import graph as app_graph
    from kg.app import names

    full = project.to_networkx(store)
    center = "rdi:threat-membership-inference"
    everyone = project.neighbors(full, str(names.expand(center)), 1)
    assert len(everyone) > 4
    nb = app_graph.store_neighbourhood(store, center, 1, None, 150, max_read=4)
    assert nb.cut == [{"ref": center, "label": "Membership inference", "read": 4,
                       "total": len(everyone)}]
    assert len(nb.nodes) - 1 == 4 and not nb.more
    whole = app_graph.store_neighbourhood(store, center, 1, None, 150, max_read=None)
    assert not whole.cut and len(whole.nodes) - 1 == len(everyone)
    capped = app_graph.store_neighbourhood(store, center, 1, None, 3, max_read=None)
    assert capped.more and len(capped.nodes) - 1 == 3


def test_the_neighbour_count_of_a_cut_node_is_its_neighbours_in_the_projection(G, store):
    """NEIGHBOUR_COUNT leaves out the type check (the projected predicates link typed nodes
    only): on the built graph it equals the stated neighbours NEIGHBOURS_OF reads (with the
    check), on every hub of every kind."""
    from rdflib import URIRef

    from kg.stores.base import select_values

    hubs = sorted(G.nodes, key=lambda n: (-G.degree(n), n))[:40]
    kinds = {G.nodes[n]["type"] for n in hubs}
    assert {"ThreatCategory", "TargetModel", "Paper"} <= kinds
    for n in hubs:
        (total,), = select_values(store, project.NEIGHBOUR_COUNT, {"node": URIRef(n)})[1]
        read = select_values(store, project.NEIGHBOURS_OF, {"node": URIRef(n)})[1]
        assert int(total) == len({m for _, m, *_ in read}) > 0, n
