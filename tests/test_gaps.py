"""Typed gaps: the expected gaps of the real survey, stated explicitly; query shapes agree;
property tests on synthetic graphs (adding a defense removes exactly that gap)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from kg.bibliography import load_bibliography
from kg.coverage import gaps as gaps_mod
from kg.curated import load_definitions, load_models
from kg.graph import build_graph, load_ontology
from kg.ingest import Cell, Row, Survey, Table
from kg.stores.memory import MemoryStore
from kg.survey import ATTACKS, COLUMNS, DEFENSES
from kg.vocab import RD, iri, slug
from tests.tiers import slow

MI, TDE, GI, PI = ("Membership inference", "Training data extraction", "Gradient inversion",
                   "Property inference")


def _cells(gaps, type_, level=None):
    out = set()
    for g in gaps:
        if g.type == type_ and g.level == level:
            (c,) = g.cells
            out.add(tuple(c[k]["label"] for k in ("threat", "model", "knowledge", "paper") if k in c))
    return out


@pytest.fixture(scope="module")
def real_gaps(store):
    return gaps_mod.find_gaps(store)


# ------------------------------------------------------------------ the real survey


def test_gradient_inversion_is_the_only_threat_without_defense(real_gaps):
    assert _cells(real_gaps, "threat_without_defense") == {(GI,)}
    g = next(g for g in real_gaps if g.type == "threat_without_defense")
    assert "no defense at all" in g.reason
    assert g.evidence[0]["paper"]["label"] == "Gradient Inversion of Federated Diffusion Models"
    assert g.evidence[0]["cells"][0]["text"] == "Gradient inversion"


def test_model_level_gaps_of_the_survey(real_gaps):
    assert _cells(real_gaps, "model_without_defense", "model") == {
        (TDE, "DDIM"), (GI, "DDPM"),
        (MI, "DDIM"), (MI, "Latent diffusion model"), (MI, "DALL-E mini"),
        (MI, "Stable Diffusion"), (MI, "SD v1.4"), (MI, "FastDPM"), (MI, "VQGAN"),
        (MI, "CC-FPSE"), (MI, "Diffusion Transformer"), (MI, "DALL-E 2"),
        (PI, "DDPM"), (PI, "SMLD"), (PI, "VPSDE"), (PI, "VESDE"),
    }


def test_family_level_gaps_of_the_survey(real_gaps):
    assert _cells(real_gaps, "model_without_defense", "family") == {
        (TDE, "DDIM"), (GI, "DDPM"),
        (MI, "DDIM"), (MI, "DALL-E mini"), (MI, "VQGAN"),
        (MI, "CC-FPSE"), (MI, "Diffusion Transformer"), (MI, "DALL-E 2"),
        (PI, "Score-based SDE model"),
    }


def test_a_family_covers_every_model_below_it_no_false_ldm_gap(real_gaps, store):
    """SD v1.5 < Stable Diffusion < Latent diffusion model has four MI defenses: neither
    family is a gap, and ask finds the same four defenses on the family."""
    from kg.ask import ask

    fams = _cells(real_gaps, "model_without_defense", "family")
    assert (MI, "Latent diffusion model") not in fams and (MI, "Stable Diffusion") not in fams
    a = ask(store, "defenses against membership inference on latent diffusion models")
    assert {x["label"] for x in a.answers} == {"DualMD", "DistillMD", "MP-LoRA", "SMP-LoRA"}
    g = next(g for g in real_gaps if g.level == "model"
             and g.cells[0]["model"]["label"] == "Latent diffusion model")
    assert "its family Latent diffusion model has 4 defense evaluations" in g.reason


def test_membership_inference_on_ddim_has_attacks_and_no_defense(real_gaps):
    g = next(g for g in real_gaps if g.type == "model_without_defense" and g.level == "model"
             and g.cells[0]["model"]["label"] == "DDIM" and g.cells[0]["threat"]["label"] == MI)
    assert "5 attacks" in g.reason and "no defense evaluated on DDIM" in g.reason
    papers = {e["paper"]["label"] for e in g.evidence if e["kind"] == "attack"}
    assert "Membership Inference Attacks Against Diffusion Models" in papers
    assert all(e["cells"] for e in g.evidence if e["kind"] == "attack")


def test_model_gap_says_when_its_family_is_covered(real_gaps):
    g = next(g for g in real_gaps if g.level == "model" and g.cells[0]["model"]["label"] == "SD v1.4")
    assert "Stable Diffusion has 4 defense evaluations (on SD v1.5)" in g.reason
    assert {e["evaluated_on"]["label"] for e in g.evidence if e["kind"] == "family_defense"} == {
        "SD v1.5"}


def test_knowledge_gaps_say_unknown_is_not_none(real_gaps):
    assert _cells(real_gaps, "knowledge_without_defense") == {
        (GI, "Black-box"), (GI, "Gray-box"), (MI, "Black-box"), (MI, "White-box")}
    mi_black = next(g for g in real_gaps if g.type == "knowledge_without_defense"
                    and g.cells[0]["threat"]["label"] == MI
                    and g.cells[0]["knowledge"]["label"] == "Black-box")
    assert "unknown, not none" in mi_black.reason
    unknown = [e for e in mi_black.evidence if e["kind"] == "unknown_knowledge"]
    assert len(unknown) == 4 and all(e["knowledge"] == "unknown" for e in unknown)
    gi = next(g for g in real_gaps if g.type == "knowledge_without_defense"
              and g.cells[0]["threat"]["label"] == GI)
    assert "no defense of this threat has unknown attacker knowledge" in gi.reason


def test_works_without_a_code_link(real_gaps):
    papers = {c[0] for c in _cells(real_gaps, "no_code_link")}
    assert len(papers) == 11
    assert "SIDE: Surrogate Conditional Data Extraction from Diffusion Models" in papers
    assert "Extracting Training Data from Diffusion Models" in papers  # "code" with no link, twice
    assert "Membership Inference Attacks Against Text-to-Image Generation Models" not in papers
    g = next(g for g in real_gaps if g.type == "no_code_link"
             and g.cells[0]["paper"]["label"].startswith("SIDE"))
    assert [e["text"] for e in g.evidence if e["kind"] == "survey_cell"] == ["code"]
    assert g.reason == ("SIDE: Surrogate Conditional Data Extraction from Diffusion Models: no "
                        "code link in the survey; the survey marks code but gives no link "
                        "(1 Code cell, none with a link)")
    for g in real_gaps:  # every survey Code cell reads "code": the survey never says "none"
        assert g.type != "no_code_link" or "marks code but gives no link" in g.reason
        assert "public" not in g.reason


def test_every_gap_has_type_reason_cells_evidence(real_gaps):
    assert len(real_gaps) == 1 + 16 + 9 + 4 + 11
    for g in real_gaps:
        d = g.as_dict()
        assert d["type"] in gaps_mod.GAP_TYPES and d["reason"] and d["cells"] and d["evidence"]
    assert len({g.key for g in real_gaps}) == len(real_gaps)


def test_cli_gaps_json(kg_cli):
    r = kg_cli("gaps", "--json")
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert d["count"] == len(d["gaps"]) == 41
    for g in d["gaps"]:
        assert set(g) >= {"type", "reason", "cells", "evidence"}
    r = kg_cli("gaps", "--type", "threat_without_defense")
    assert r.exit_code == 0 and "Gradient inversion" in r.output and "1 gap " in r.output


# ------------------------------------------------------------------ synthetic graphs

MODEL_FILE, MODELS = load_models()
MODEL_LABELS = [m.label for m in MODELS]
ONTOLOGY = load_ontology()
# the curated files every synthetic build reads, read once (the builder only reads them)
BIBLIOGRAPHY, DEFINITIONS = load_bibliography(), load_definitions()


def _families(label: str) -> list[str]:
    """Independent of the SPARQL: every ancestor-or-self marked family (a family covers
    every model below it), else the model itself."""
    by = {m.label: m for m in MODELS}
    out, m = [], by[label]
    while m is not None:
        if m.family:
            out.append(m.label)
        m = by.get(m.broader) if m.broader else None
    return out or [label]


def _cell(col, text, row, links=()):
    return Cell(col, text, tuple(links), row)


def _url(paper: str) -> str:
    return "https://example.org/" + slug(paper)


def _survey(attacks, defenses) -> Survey:
    """A survey-shaped record set: attacks = (threat, paper, knowledge list, model list, code);
    defenses = (threat, paper, method, model list, code). code: "linked" (a Code cell with a
    link), "marked" (text "code", no link) or "none" (an empty Code cell)."""
    arows, drows = [], []
    for n, (threat, paper, know, models, code) in enumerate(attacks, start=1):
        vals = {"Category": threat, "Ref.": paper, "Attacker's knowledge": ", ".join(know),
                "Target Models": ", ".join(models), "Effectiveness": "e", "Limitations": "l",
                "Code": "" if code == "none" else "code"}
        arows.append(Row(ATTACKS, n, {c: _cell(c, vals[c], n, (
            [_url(paper)] if c == "Ref." else [_url(paper) + "/code"]
            if c == "Code" and code == "linked" else [])) for c in COLUMNS[ATTACKS]}))
    for n, (threat, paper, method, models, code) in enumerate(defenses, start=1):
        vals = {"Threats": threat, "Ref.": paper, "Key Methods": method,
                "Target Models": ", ".join(models), "Effectiveness": "e",
                "Code": "" if code == "none" else "code"}
        drows.append(Row(DEFENSES, n, {c: _cell(c, vals[c], n, (
            [_url(paper)] if c == "Ref." else [_url(paper) + "/code"]
            if c == "Code" and code == "linked" else [])) for c in COLUMNS[DEFENSES]}))
    return Survey("synthetic.md", "0" * 64, "synthetic", {
        ATTACKS: Table(ATTACKS, "attacks", COLUMNS[ATTACKS], tuple(arows)),
        DEFENSES: Table(DEFENSES, "defenses", COLUMNS[DEFENSES], tuple(drows))})


def _store(attacks, defenses) -> MemoryStore:
    return MemoryStore(build_graph(_survey(attacks, defenses), models=(MODEL_FILE, MODELS),
                                   ontology=ONTOLOGY, bibliography=BIBLIOGRAPHY,
                                   definitions=DEFINITIONS))


THREATS = [MI, TDE, GI, PI]
KNOW = ["Black-box", "Gray-box", "White-box"]
models_st = st.lists(st.sampled_from(MODEL_LABELS), min_size=1, max_size=3, unique=True)
CODE_ST = st.sampled_from(["linked", "marked", "none"])


@st.composite
def surveys(draw):
    n_att = draw(st.integers(1, 6))
    attacks = [(draw(st.sampled_from(THREATS)), f"Attack paper {i}",
                draw(st.lists(st.sampled_from(KNOW), min_size=1, max_size=2, unique=True)),
                draw(models_st), draw(CODE_ST)) for i in range(n_att)]
    n_def = draw(st.integers(0, 5))
    defenses = []
    for i in range(n_def):
        # some defenses come from an attack paper (knowledge derivable), some not (unknown)
        paper = draw(st.sampled_from([f"Attack paper {j}" for j in range(n_att)]
                                     + [f"Defense paper {i}"]))
        defenses.append((draw(st.sampled_from(THREATS)), paper, f"Method {i}",
                         draw(models_st), draw(CODE_ST)))
    return attacks, defenses


def _oracle(attacks, defenses) -> set[tuple]:
    """Gap identities computed in plain Python from the records (independent of SPARQL)."""
    out: set[tuple] = set()
    d_threats = {d[0] for d in defenses}
    d_models = {(d[0], m) for d in defenses for m in d[3]}
    d_fams = {(d[0], f) for d in defenses for m in d[3] for f in _families(m)}
    attack_k = {(a[1], a[0]): set(a[2]) for a in attacks}
    d_know = {(d[0], k) for d in defenses for k in attack_k.get((d[1], d[0]), ())}
    for threat, _paper, know, models, _code in attacks:
        if threat not in d_threats:
            out.add(("threat_without_defense", None, threat))
        for m in models:
            if (threat, m) not in d_models:
                out.add(("model_without_defense", "model", threat, m))
            for f in _families(m):
                if (threat, f) not in d_fams:
                    out.add(("model_without_defense", "family", threat, f))
        for k in know:
            if (threat, k) not in d_know:
                out.add(("knowledge_without_defense", None, threat, k))
    out |= {("no_code_link", None, p) for p, s in _code_states(attacks, defenses).items()
            if s != "linked"}
    return out


def _code_states(attacks, defenses) -> dict[str, str]:
    """A paper's code state over its rows: linked > marked (no link) > none marked."""
    rank = {"none": 0, "marked": 1, "linked": 2}
    code: dict[str, str] = {}
    for rec in list(attacks) + list(defenses):
        if rank[rec[4]] >= rank[code.get(rec[1], "none")]:
            code[rec[1]] = rec[4]
    return code


def _ident(g) -> tuple:
    (c,) = g.cells
    return (g.type, g.level) + tuple(c[k]["label"] for k in ("threat", "model", "knowledge", "paper")
                                     if k in c)


SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(surveys())
def test_gaps_match_a_plain_python_oracle(records):
    attacks, defenses = records
    found = gaps_mod.find_gaps(_store(attacks, defenses))
    assert {_ident(g) for g in found} == _oracle(attacks, defenses)
    states = _code_states(attacks, defenses)
    for g in found:
        if g.type == "no_code_link":
            marked = states[g.cells[0]["paper"]["label"]] == "marked"
            assert ("the survey marks code but gives no link" in g.reason) == marked, g.reason
            assert ("the survey marks no code" in g.reason) == (not marked), g.reason


@slow
@SETTINGS
@given(surveys(), st.data())
def test_adding_a_defense_removes_exactly_that_gap(records, data):
    attacks, defenses = records
    before = gaps_mod.find_gaps(_store(attacks, defenses))
    cells = sorted(_ident(g)[2:] for g in before if g.type == "model_without_defense"
                   and g.level == "model")
    if not cells:
        return
    threat, model = data.draw(st.sampled_from(cells))
    added = (threat, "A new defense paper", "New method", [model], "linked")
    after = gaps_mod.find_gaps(_store(attacks, defenses + [added]))
    b, a = {_ident(g) for g in before}, {_ident(g) for g in after}
    assert a <= b, "adding a defense opened a gap"
    removed = b - a
    that = ("model_without_defense", "model", threat, model)
    assert that in removed
    # the same cell seen at family level and at threat level are the only other changes
    allowed = {that, ("threat_without_defense", None, threat)} | {
        ("model_without_defense", "family", threat, f) for f in _families(model)}
    assert removed <= allowed
    if threat in {d[0] for d in defenses} and all((threat, f) in {
            (d[0], g) for d in defenses for m in d[3] for g in _families(m)}
            for f in _families(model)):
        assert removed == {that}


def test_adding_a_defense_to_the_real_graph_removes_only_mi_on_ddim(graph):
    """The same property on a copy of the real graph, by adding triples."""
    g = Graph()
    g += graph
    before = gaps_mod.find_gaps(MemoryStore(g))
    paper = iri("paper", "A synthetic defense paper")
    ev = iri("evaluation", "A synthetic defense paper", "Synthetic method")
    method = iri("method", "Synthetic method")
    g.add((paper, RDF.type, RD.Paper))
    g.add((paper, DCTERMS.title, Literal("A synthetic defense paper")))
    g.add((paper, RD.codeAvailability, RD.CodeLinked))
    g.add((method, RDF.type, RD.DefenseMethod))
    g.add((method, RDFS.label, Literal("Synthetic method")))
    g.add((ev, RDF.type, RD.DefenseEvaluation))
    g.add((ev, RD.fromPaper, paper))
    g.add((ev, RD.method, method))
    g.add((ev, RD.mitigates, iri("threat", MI)))
    g.add((ev, RD.evaluatedOn, iri("model", "SD v1.4")))
    after = gaps_mod.find_gaps(MemoryStore(g))
    removed = {_ident(x) for x in before} - {_ident(x) for x in after}
    added = {_ident(x) for x in after} - {_ident(x) for x in before}
    assert removed == {("model_without_defense", "model", MI, "SD v1.4")}
    assert added == set()
    assert isinstance(ev, URIRef)


def test_same_gaps_and_coverage_on_oxigraph(graph, store, real_gaps):
    """The queries are plain SPARQL 1.1: an Oxigraph store gives the same answers."""
    pytest.importorskip("pyoxigraph")
    from kg.coverage.cells import matrix
    from kg.stores.oxigraph import OxigraphStore

    ox = OxigraphStore()
    ox.load(graph)
    assert [g.as_dict() for g in gaps_mod.find_gaps(ox)] == [g.as_dict() for g in real_gaps]
    for by, level in (("model", "family"), ("knowledge", "model")):
        assert matrix(ox, by, level).as_dict() == matrix(store, by, level).as_dict()


def test_a_gap_question_asking_for_models_lists_the_models_of_the_cells(store):
    """Issue 29: "which models have a membership inference gap" listed gap cells, not models;
    the models equal the oracle's model-level cells, and the query core's cross-table form
    ("attacked by MI but never defended against it") gives the same models."""
    from kg.ask import ask
    from tests.oracle import Oracle

    o = Oracle()
    a = ask(store, "which models have a membership inference gap")
    cells = {g[3] for g in o.gaps()
             if g[:3] == ("model_without_defense", "model", "Membership inference")}
    assert {x["label"] for x in a.answers} == cells and all(x["gaps"] for x in a.answers)
    b = ask(store, "which models are attacked by membership inference but never defended "
                   "against it")
    assert {x["label"] for x in b.answers} == cells
    fam = ask(store, "Which model families have a gradient inversion gap?")
    assert {x["label"] for x in fam.answers} == {
        g[3] for g in o.gaps() if g[:3] == ("model_without_defense", "family",
                                            "Gradient inversion")}
