"""The curated MITRE ATLAS crosswalk: file checks, graph, CLI."""

from __future__ import annotations

import json

import pytest
from rdflib import URIRef
from rdflib.namespace import PROV, SKOS

from kg.crosswalk import THREATS_QUERY, coverage, known_threats, load_crosswalk, threat_nodes, to_graph
from kg.errors import KGError
from kg.vocab import RD, iri


def test_membership_inference_maps_to_infer_training_data_membership(store):
    cw = load_crosswalk()
    assert cw.atlas_version and cw.verified_in
    mi = [m for m in cw.mappings if m.threat == "Membership inference"]
    assert [(m.technique, m.name) for m in mi] == [("AML.T0024.000",
                                                    "Infer Training Data Membership")]
    assert all(m.verified and m.note for m in cw.mappings)
    cov = coverage(known_threats(store.select(THREATS_QUERY)), cw)
    assert cov["not_in_file"] == [] and cov["unmapped"] == ["Gradient inversion"]


def test_graph_is_labelled_curated(store):
    g = to_graph(known_threats(store.select(THREATS_QUERY)), load_crosswalk())
    mi = iri("threat", "Membership inference")
    tech = URIRef("https://atlas.mitre.org/techniques/AML.T0024.000")
    assert (mi, SKOS.closeMatch, tech) in g
    entries = set(g.objects(mi, PROV.wasDerivedFrom))
    assert entries and all(str(g.value(e, RD.sourceFile)) == "data/atlas_crosswalk.yaml"
                           for e in entries)


@pytest.mark.parametrize("mutation, message", [
    (("match: close", "match: same"), "unknown match"),
    (("technique: AML.T0024.000", "technique: T0024"), "not an ATLAS technique id"),
    (("threat: Membership inference", "threat: Membership inferense"), "did you mean"),
    (("url: https://atlas.mitre.org/techniques/AML.T0024.000",
      "url: javascript:alert(1)"), "not a valid http"),
    (("url: https://atlas.mitre.org/techniques/AML.T0024.000",
      "url: https://atlas.mitre.org/tech niques/AML.T0024.000"), "not a valid http"),
])
def test_bad_entries_are_refused(tmp_path, store, mutation, message):
    from kg.crosswalk import CROSSWALK_FILE

    text = CROSSWALK_FILE.read_text(encoding="utf-8").replace(*mutation, 1)
    p = tmp_path / "atlas_crosswalk.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(KGError, match=message):
        threat_nodes(known_threats(store.select(THREATS_QUERY)), load_crosswalk(p))


def test_cli_crosswalk(kg_cli):
    r = kg_cli("crosswalk", "--json")
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert d["curated"] is True and d["atlas_version"]
    assert {m["technique"] for m in d["mappings"]} >= {"AML.T0024.000"}
