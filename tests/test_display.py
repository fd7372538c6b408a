"""Display names (kg.display) and the explorer's drawing (kg.drawing): one name per node,
unique in every view, labels that never overlap, and the exported figure showing the same
names as the page."""

from __future__ import annotations

import re
from collections import Counter
from xml.etree import ElementTree

import networkx as nx
import pytest

from kg import display, drawing
from kg.app import graph as app_graph
from kg.app import names
from kg.project import to_networkx

RDI = "https://w3id.org/responsible-diffusion-kg/id/"


@pytest.fixture(scope="module")
def G(store):
    return to_networkx(store)


def test_the_rule_names_nodes_as_researchers_do(store):
    shown = display.names_of(store, [
        RDI + "attack-are-diffusion-models-vulnerable-to-membership-inference-attacks",
        RDI + "evaluation-are-diffusion-models-vulnerable-to-membership-inference-attacks--randaugment",
        RDI + "paper-are-diffusion-models-vulnerable-to-membership-inference-attacks",
        RDI + "attack-extracting-training-data-from-diffusion-models",
        RDI + "model-sd-v1-5", RDI + "threat-membership-inference"])
    assert sorted(n.short for n in shown.values()) == sorted([
        "Carlini et al., 2023 (training data extraction)", "SecMI (membership inference)",
        "RandAugment · SecMI", "SD v1.5", "SecMI — Duan et al., 2023", "Membership inference"])
    paper = shown[RDI + "paper-are-diffusion-models-vulnerable-to-membership-inference-attacks"]
    assert paper.full == "Are Diffusion Models Vulnerable to Membership Inference Attacks?"


def test_pure_rule_and_collisions():
    f = display.Facts("x", kind="Attack", paper_title="A Long Title", threats={"MIA variant"})
    assert display.display_name(f) == "A Long Title (MIA variant)"  # an acronym stays
    f = display.Facts("y", kind="Paper", title="T")
    assert display.display_name(f) == "T"
    same = {"b": display.Name("X", "1"), "a": display.Name("X", "2"), "c": display.Name("Y", "3")}
    assert {k: v.short for k, v in display.distinct(same).items()} == {
        "a": "X", "b": "X (2)", "c": "Y"}


def test_no_two_nodes_of_the_graph_share_a_name(store, G):
    ents = names.entities(store)
    twice = [n for n, k in Counter(e.label for e in ents).items() if k > 1]
    assert not twice and len(ents) > 150
    assert len({d["name"] for _, d in G.nodes(data=True)}) == G.number_of_nodes()
    # a paper is no longer named by its title: titles stay the long form
    assert all(e.label != e.full for e in ents if e.type == "Paper")


def test_every_default_view_has_unique_labels_that_do_not_overlap(G):
    """Around every node of the projection at the default depth (the page's view)."""
    for centre in sorted(G):
        d, _ = drawing.view(G, centre, 1)
        labels = [n.name for n in d.nodes]
        assert len(labels) == len(set(labels)), centre
        assert drawing.overlapping(d) == [], centre


def test_a_crowded_view_still_has_no_overlap(G):
    centre = RDI + "threat-membership-inference"
    d, _ = drawing.view(G, centre, 3)
    assert len(d.nodes) > 60 and drawing.overlapping(d) == []


def test_exported_svg_shows_the_pages_labels(store):
    nb = app_graph.store_neighbourhood(store, "rdi:threat-membership-inference")
    svg = app_graph.export_view(nb, "svg").decode("utf-8")
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(ns + "text") if t.get("class") == "label"]
    page = [n["label"] for n in nb.nodes]
    assert texts == page and len(set(texts)) == len(texts)
    assert "SecMI (membership inference)" in texts
    # same positions: each label's x is its node's x on the page
    xs = [float(t.get("x")) for t in root.iter(ns + "text") if t.get("class") == "label"]
    assert xs == [n["x"] for n in nb.nodes]
    assert svg == app_graph.export_view(nb, "svg").decode("utf-8")  # deterministic


def test_palette_is_okabe_ito_one_colour_per_type():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(drawing.PALETTE.values()) == okabe_ito
    assert len(set(drawing.PALETTE.values())) == len(drawing.PALETTE)


def test_graphml_keeps_names_and_positions(store, tmp_path):
    nb = app_graph.store_neighbourhood(store, "rdi:method-dp-sgd")
    p = tmp_path / "v.graphml"
    p.write_bytes(app_graph.export_view(nb, "graphml"))
    H = nx.read_graphml(p)
    assert sorted(d["name"] for _, d in H.nodes(data=True)) == sorted(n["label"] for n in nb.nodes)
    assert {round(d["x"], 1) for _, d in H.nodes(data=True)} == {n["x"] for n in nb.nodes}


def test_kg_graph_writes_the_same_figure(kg_cli, store, tmp_path):
    out = tmp_path / "mi.svg"
    r = kg_cli("graph", "Membership inference", "-o", str(out))
    assert r.exit_code == 0, r.output
    nb = app_graph.store_neighbourhood(store, "rdi:threat-membership-inference")
    assert out.read_bytes() == app_graph.export_view(nb, "svg")
    assert re.search(r"wrote .*mi\.svg \(\d+ nodes, \d+ edges\)", r.output)
    pdf = tmp_path / "mi.pdf"
    r = kg_cli("graph", "Membership inference", "-f", "pdf", "-o", str(pdf))
    assert r.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    bad = tmp_path / "no.svg"
    r = kg_cli("graph", "no such node at all", "-o", str(bad))
    assert r.exit_code == 1 and not bad.exists() and "no such node" in r.output


# ------------------------------------------------------------------ no cut text (CLI)

def test_coverage_grid_prints_every_name_in_full(kg_cli):
    import json

    r = kg_cli("coverage", "--by", "model", "--level", "family")
    assert r.exit_code == 0
    head = r.output.splitlines()[2]
    cols = json.loads(kg_cli("coverage", "--by", "model", "--level", "family",
                             "--json").output)["columns"]
    labels = [c["label"] if isinstance(c, dict) else c for c in cols]
    assert "Diffusion Transformer" in labels and "Score-based SDE model" in labels
    assert all(f" {label} " in f" {head} " for label in labels), head


def test_sparql_table_never_cuts_a_value(kg_cli):
    r = kg_cli("sparql", "SELECT ?t WHERE { ?p <http://purl.org/dc/terms/title> ?t }")
    assert r.exit_code == 0
    assert "Dual-Model Defense: Safeguarding Diffusion Models from Membership Inference " \
           "Attacks through Disjoint Data Splitting" in r.output
