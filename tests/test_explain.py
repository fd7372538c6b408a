from __future__ import annotations

import json

import pytest

from kg.errors import UnknownLabelError
from kg.explain import explain, resolve_node
from kg.vocab import iri


def test_attack_facts_trace_to_cells(store):
    e = explain(store, resolve_node(store, "attack-gradient-inversion-of-federated-diffusion-models"))
    by_pred = {(f.predicate, f.value): f.sources for f in e.facts}
    src = by_pred[("rd:assumesKnowledge", "rdi:knowledge-gray-box")]
    assert src == [("survey", "attacks table, row 4, Attacker's knowledge", "Grey-box, Black-box")]
    assert e.derived_from == ["attacks table, row 4"]


def test_curated_facts_name_their_file(store):
    e = explain(store, resolve_node(store, "SD"))
    assert e.iri == str(iri("model", "Stable Diffusion"))
    broader = [f for f in e.facts if f.predicate == "skos:broader"][0]
    assert broader.sources == [("curated", "data/models.yaml: Stable Diffusion", "")]
    alt = [f for f in e.facts if f.predicate == "skos:altLabel"][0]
    assert alt.sources[0][1] == "data/aliases.yaml: models/Stable Diffusion"
    assert any("attacks table, row 6" in w for _, _, w, _ in e.incoming)


def test_unknown_node_suggests(store):
    with pytest.raises(UnknownLabelError, match="did you mean 'DP-SGD'"):
        resolve_node(store, "DP-SDG")


def test_cli(kg_cli):
    r = kg_cli("explain", "DP-SGD", "--json")
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert {m["where"] for m in d["mentioned_in"]} == {
        "defenses table, row 1, Key Methods", "defenses table, row 11, Key Methods"}
    r = kg_cli("explain", "no such thing at all")
    assert r.exit_code == 1 and "unknown node" in r.output
