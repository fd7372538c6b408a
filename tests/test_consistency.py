"""Consistency findings: where the survey disagrees with itself, with both sources."""

from __future__ import annotations

import json

from kg.consistency import KINDS, findings

from .test_gaps import MI, TDE, _store

DUAN = "Are Diffusion Models Vulnerable to Membership Inference Attacks?"
WEN = "Detecting, Explaining, and Mitigating Memorization in Diffusion Models"
CARLINI = "Extracting Training Data from Diffusion Models"
PRISAMPLER = "PriSampler: Mitigating Property Inference of Diffusion Models"


def _by(fs):
    return {(f.kind, f.subject["label"]): f for f in fs}


def test_survey_findings(store):
    fs = findings(store)
    assert set(_by(fs)) == {
        ("target_models_differ", DUAN), ("target_models_differ", WEN),
        ("target_models_differ", PRISAMPLER), ("paper_urls_differ", CARLINI)}


def test_target_models_differ_shows_both_tables(store):
    f = _by(findings(store))[("target_models_differ", WEN)]
    attacks, defenses = f.sources
    assert attacks["table"] == "attacks" and attacks["values"] == ["DDIM"]
    assert defenses["table"] == "defenses" and defenses["values"] == ["Stable Diffusion"]
    assert attacks["cells"][0]["text"] == "DDIM" and defenses["cells"][0]["text"] == "SD"
    assert f.relation == "disjoint"
    d = _by(findings(store))[("target_models_differ", DUAN)]
    assert d.relation == "defense models are a subset of attack models"
    assert d.as_dict()["resolution"].startswith("none")


def test_paper_linked_to_two_urls(store):
    f = _by(findings(store))[("paper_urls_differ", CARLINI)]
    links = {link for s in f.sources for link in s["links"]}
    assert links == {"https://www.usenix.org/conference/usenixsecurity23/presentation/carlini",
                     "https://www.usenix.org/system/files/usenixsecurity23-carlini.pdf"}
    assert {s["table"] for s in f.sources} == {"attacks", "defenses"}


def test_code_link_in_one_table_and_threat_differs_on_synthetic_survey():
    store = _store([(MI, "Paper X", ["Black-box"], ["DDIM"], "linked")],
                   [(TDE, "Paper X", "Method", ["DDIM"], "marked")])
    by = _by(findings(store))
    assert set(by) == {("code_link_differs", "Paper X"), ("threat_differs", "Paper X")}
    code = by[("code_link_differs", "Paper X")]
    assert sorted(bool(s["links"]) for s in code.sources) == [False, True]
    assert "do not" in code.message
    t = by[("threat_differs", "Paper X")]
    assert [s["values"] for s in t.sources] == [[MI], [TDE]]


def test_consistent_survey_has_no_findings():
    store = _store([(MI, "Paper X", ["Black-box"], ["DDIM"], "linked")],
                   [(MI, "Paper X", "Method", ["DDIM"], "linked")])
    assert findings(store) == []


def test_cli_consistency(kg_cli):
    r = kg_cli("consistency", "--json")
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert d["count"] == 4 and all(f["kind"] in KINDS and len(f["sources"]) >= 2
                                   for f in d["findings"])
    r = kg_cli("consistency")
    assert r.exit_code == 0 and "nothing was resolved" in r.output
