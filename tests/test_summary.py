"""The coverage summary (kg.coverage.summary) and the gaps read from it (kg.coverage.gaps.from_summary) give
the same numbers and reasons as the full computations (kg.coverage.cells.matrix, kg.coverage.gaps.find_gaps)
on the survey and on synthetic graphs, on every backend; the stored copy is used only while
it matches the graph."""

from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from kg.coverage import counts, gaps, grid, summary
from kg.coverage.cells import matrix
from kg.stores.memory import MemoryStore
from kg.stores.oxigraph import OxigraphStore
from kg.synthetic import generate_graph
from kg.vocab import RD, iri
from tests.tiers import slow

from .test_backends import (  # noqa: F401
    backend,
    oxigraph_server,
    oxigraph_store,
    remote_store,
    virtuoso_server,
    virtuoso_store,
)

VIEW_ARGS = {"model/model": ("model", "model"), "model/family": ("model", "family"),
             "knowledge/model": ("knowledge", "model"), "defense/model": ("defense", "model")}


def matrix_counts(store, view):
    m = matrix(store, *VIEW_ARGS[view])
    return {(t, c): (len(x.attacks), len(x.defenses), len(x.papers()))
            for (t, c), x in m.cells.items()}, {t: len(i) for t, i in m.unknown.items()}


def assert_same_as_full(store, s: counts.Summary) -> None:
    unknown: dict = {}
    for view in counts.VIEWS:
        cells, unk = matrix_counts(store, view)
        got = {(c.threat, c.column): (c.attacks, c.defenses, c.papers) for c in s.view(view)}
        assert got == cells, view
        unknown = unk if view == "knowledge/model" else unknown
    assert {c.threat: c.unknown for c in s.view("threat") if c.unknown} == unknown
    full = [(g.key, g.reason) for g in gaps.find_gaps(store)]
    assert [(g.key, g.reason) for g in gaps.from_summary(store, s, code_limit=10**6)] == full


@pytest.fixture(scope="module")
def synthetic_graph():
    return generate_graph(120, seed=7)


def test_survey_counts_and_gaps_equal_the_full_computation(store):
    s = counts.compute(store)
    assert s.source == "live" and s.fingerprint == "papers=19;attacks=16;evaluations=17"
    assert s.no_code_link == 11
    assert_same_as_full(store, s)
    gi = s.threat(str(iri("threat", "Gradient inversion")))
    assert (gi.attacks, gi.defenses, gi.attack_papers) == (1, 0, 1)


@slow
@pytest.mark.parametrize("kind", ["memory", "oxigraph"])
def test_synthetic_counts_and_gaps_equal_the_full_computation(kind, synthetic_graph, tmp_path):
    st = MemoryStore(synthetic_graph) if kind == "memory" else OxigraphStore(tmp_path / "s")
    if kind == "oxigraph":
        st.load(synthetic_graph)
    s = summary.materialize(st)
    assert len(s.view("model/family")) < len(s.view("model/model"))
    assert_same_as_full(st, s)
    if kind == "oxigraph":
        assert summary.get(st).source == "stored"
        assert_same_as_full(st, summary.get(st))


def test_every_backend_stores_and_reads_back_the_same_summary(backend, store):  # noqa: F811
    want = counts.compute(store)
    got = summary.materialize(backend)
    assert got.cells == want.cells and got.fingerprint == want.fingerprint
    read = summary.get(backend)
    if backend.kind == "memory":
        assert read.source == "live"  # an rdflib Graph keeps no named graph
    else:
        assert read.source == "stored"
        assert backend.triple_count() == store.triple_count()  # not in the default graph
        assert read.triples == store.triple_count()
        # the class counts the overview reads, equal to counting each class in the graph
        from kg.app.overview import overview
        from kg.coverage.counts import SUMMARY_CLASSES

        live = counts.class_counts(store, [str(c) for _, c in SUMMARY_CLASSES])
        assert read.classes == live and live[str(RD.Paper)] > 0
        assert dict(overview(backend).counts) == {name: live[str(c)]
                                                  for name, c in SUMMARY_CLASSES}
    assert read.cells == want.cells and read.no_code_link == want.no_code_link
    only = summary.get(backend, counts.GAP_VIEWS)
    assert {v for v, _, _ in only.cells} <= set(counts.GAP_VIEWS) or only.source == "live"
    assert [(g.key, g.reason) for g in gaps.from_summary(backend)] == \
        [(g.key, g.reason) for g in gaps.find_gaps(store)]


def test_a_stale_stored_summary_is_not_used(graph, tmp_path):
    st = OxigraphStore(tmp_path / "s")
    st.load(graph)
    summary.materialize(st)
    assert summary.get(st).source == "stored"
    # a new attack on gradient inversion against DDPM: the stored counts are now stale
    g2 = graph + graph.__class__()
    a = iri("attack", "new-gi-attack")
    for p, o in ((RDF.type, RD.Attack), (RD.threat, iri("threat", "Gradient inversion")),
                 (RD.evaluatedOn, iri("model", "DDPM")),
                 (RD.fromPaper, next(graph.subjects(RDF.type, RD.Paper)))):
        g2.add((a, p, o))
    g2.add((a, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("new")))
    st.load(g2)
    s = summary.get(st)
    assert s.source == "live"
    gi = s.threat(str(iri("threat", "Gradient inversion")))
    assert gi.attacks == 2
    summary.materialize(st)
    assert summary.get(st).source == "stored"


def test_code_gaps_are_paged_with_a_count_of_the_rest(store):
    got = [g for g in gaps.from_summary(store, code_limit=3) if g.type == "no_code_link"]
    assert len(got) == 4
    assert [len(g.cells) for g in got] == [1, 1, 1, 0]
    assert "8 more papers without a code link in the survey" in got[-1].reason
    full = {g.key for g in gaps.find_gaps(store) if g.type == "no_code_link"}
    assert {g.key for g in got[:3]} <= full


def test_summary_triples_are_labelled_derived(store):
    g = summary.to_graph(counts.compute(store))
    assert (URIRef(summary.SUMMARY_GRAPH), RDF.type, RD.CoverageSummary) in g
    cells = set(g.subjects(RDF.type, RD.CoverageCell))
    assert len(cells) == len(counts.compute(store).cells)
    ont = graph_of_ontology()
    for cls in (RD.CoverageSummary, RD.CoverageCell):
        assert (cls, URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"), RD.DerivedFact) in ont


def graph_of_ontology():
    from rdflib import Graph

    from kg import settings

    return Graph().parse(settings.ROOT / "ontology" / "rdkg.ttl")


def test_unknown_view_is_a_clear_error(store):
    from kg.errors import KGError

    with pytest.raises(KGError, match="unknown summary view 'nope'"):
        summary.stored(OxigraphStore(), ["nope"])
    with pytest.raises(KGError, match="applies to --by model only"):
        counts.view_name("knowledge", "family")


# ------------------------------------------------------------------ CLI


@pytest.mark.parametrize("by,level", list(VIEW_ARGS.values()))
def test_cli_coverage_text_is_the_matrix_text(kg_cli, store, by, level):
    r = kg_cli("coverage", "--by", by, "--level", level)
    assert r.exit_code == 0, r.output
    assert r.output.rstrip("\n") == grid.render_text(matrix(store, by, level))


@slow  # a whole build or load (SHACL validation), a real part end to end
def test_cli_load_stores_the_summary_and_texts_read_it(kg_cli, tmp_path, store):
    setting = f"oxigraph:{tmp_path / 'ox'}"
    r = kg_cli("load", "--store", setting)
    assert r.exit_code == 0, r.output
    assert "Coverage summary: 69 cells counted and stored" in r.output
    from kg.stores.open import open_store

    assert summary.get(open_store(setting)).source == "stored"
    for args in (("coverage", "--by", "knowledge"), ("coverage", "--level", "family"),
                 ("gaps",), ("gaps", "--type", "no_code_link", "--limit", "2")):
        mem, ox = kg_cli(*args), kg_cli(*args, "--store", setting)
        assert ox.exit_code == 0 and ox.output == mem.output, args
    full = gaps.render_text(gaps.find_gaps(store))
    assert kg_cli("gaps").output.rstrip("\n") == full
    paged = kg_cli("gaps", "--type", "no_code_link", "--limit", "2").output
    assert "… and 9 more papers without a code link in the survey" in paged
    assert "11 gaps (no_code_link: 11)" in paged
    s = kg_cli("summarize", "--store", setting, "--json")
    assert s.exit_code == 0 and '"stored": true' in s.output and '"cells": 69' in s.output


def test_cli_summarize_memory_says_nothing_is_kept(kg_cli):
    r = kg_cli("summarize")
    assert r.exit_code == 0
    assert "not stored: the in-memory store has no named graphs" in r.output


def test_ask_gaps_reads_the_stored_summary_and_shows_that_query(tmp_path, graph, store):
    from kg.ask import ask

    st = OxigraphStore(tmp_path / "s")
    st.load(graph)
    live = ask(st, "where are the gaps?")
    assert "computed live" in live.sparql
    summary.materialize(st)
    a = ask(st, "where are the gaps?")
    assert "GRAPH <" + summary.SUMMARY_GRAPH + ">" in a.sparql and "{values}" not in a.sparql
    assert [x["reason"] for x in a.answers] == [x["reason"] for x in live.answers]
    assert len(a.answers) == len(gaps.find_gaps(store))
    assert st.select(a.sparql.split("\n", 1)[1]).rows  # the SPARQL shown runs


def _terms(store, cls: str, pred: str = "skos:prefLabel"):
    from kg.query import Term

    rows = store.select(f"SELECT ?n ?l WHERE {{ ?n a {cls} ; {pred} ?l }}")
    return sorted((Term(str(r["n"]), str(r["l"])) for r in rows), key=lambda t: t.iri)


def test_a_stopped_listing_counts_its_rows_from_the_summary_exactly(tmp_path, graph, store):
    """Every count the summary holds (rows of one table by threat, and model, family or
    knowledge level) equals the rows the listing matches; other forms count by query."""
    from kg.query import Cond, Form, context, run, summary_cell

    threats = _terms(store, "rd:ThreatCategory")
    models = _terms(store, "rd:TargetModel")
    fams = {t for t in models if t.iri in context(store).tree.families}
    models = [m for m in models if m in fams] + [m for m in models if m not in fams][::3]
    knowledge = _terms(store, "rd:AttackerKnowledge")
    forms = []
    for target in ("attacks", "evaluations"):
        forms += [Form(target), Form(target, (Cond("threat", tuple(threats[:2])),))]
        for t in threats:
            forms.append(Form(target, (Cond("threat", (t,)),)))
        for m in models:
            for mode in ("any", "exact"):
                c = Cond("model", (m,), mode=mode)
                forms += [Form(target, (c,)), Form(target, (Cond("threat", (threats[2],)), c))]
    for k in knowledge:
        forms += [Form("attacks", (Cond("knowledge", (k,)),)),
                  Form("attacks", (Cond("threat", (threats[2],)), Cond("knowledge", (k,))))]
    unmapped = [Form("attacks", (Cond("model", (models[0],), negated=True),)),
                Form("attacks", (Cond("knowledge", (knowledge[0],), mode="only"),)),
                Form("attacks", (Cond("code", code="linked"),)),
                Form("attacks", (Cond("knowledge", (knowledge[0],)),
                                 Cond("model", (models[0],))))]
    st = OxigraphStore(tmp_path / "s")
    st.load(graph)
    assert not summary.current(st)
    assert all(run(st, f, cap=1).count_source == "query" for f in forms)  # none stored yet
    summary.materialize(st)
    assert summary.current(st)
    ctx = context(st)
    mapped = 0
    for f in forms + unmapped:
        want = run(store, f, cap=None).count  # every row listed, on rdflib
        res = run(st, f, cap=1)
        if not res.truncated:
            assert want <= 1
            continue
        assert res.count == want, (res.understood_as, res.total_sparql)
        assert int(st.select(res.total_sparql).rows[0]["n"].toPython()) == want  # it ran
        stored = summary_cell(f, ctx) is not None
        assert res.count_source == ("summary" if stored else "query"), res.understood_as
        assert not (stored and f in unmapped)
        mapped += stored  # (a model with models below it that is no family: by query)
    assert mapped >= 20, mapped
    # a new version without a summary (kg load of another graph): counted by query again
    st.load(graph + graph.__class__())
    assert not summary.current(st)
    assert run(st, Form("attacks"), cap=1).count_source == "query"


def test_rows_per_threat_model_or_knowledge_level_are_read_from_the_summary(tmp_path, graph,
                                                                            store):
    """Grouped answers the cells hold (rows per threat, model or knowledge level; the most,
    fewest, more or fewer than n) equal the answers counted over the rows, item for item."""
    from kg.query import Agg, Cond, Form, context, run, summary_grouped

    threats = _terms(store, "rd:ThreatCategory")
    models = _terms(store, "rd:TargetModel")
    fams = [m for m in models if m.iri in context(store).tree.families]
    knowledge = _terms(store, "rd:AttackerKnowledge")
    aggs = [Agg("per_item"), Agg("top"), Agg("bottom"), Agg("more_than", 1),
            Agg("fewer_than", 3)]
    forms = []
    for agg in aggs:
        for target, parts in (("threats", ("attacks",)), ("threats", ("defenses",)),
                              ("models", ("attacks",)), ("models", ("defenses",)),
                              ("knowledge", ("attacks",))):
            forms += [Form(target, (), agg, parts),
                      Form(target, (Cond("threat", tuple(threats[:2])),), agg, parts)]
        for c in [Cond("model", (fams[0],)), Cond("model", (models[0],), mode="exact"),
                  Cond("knowledge", (knowledge[0],))]:
            forms.append(Form("threats", (c,), agg, ("attacks",)))
    st = OxigraphStore(tmp_path / "s")
    st.load(graph)
    summary.materialize(st)
    ctx = context(st)
    assert all(summary_grouped(f, ctx) is not None for f in forms)
    for f in forms:
        res = run(st, f)
        assert "GRAPH <" + summary.SUMMARY_GRAPH + ">" in res.sparql
        want = run(store, f)  # counted over the rows, on rdflib
        assert [(x["iri"], x["n"]) for x in res.items] == \
            [(x["iri"], x["n"]) for x in want.items], (res.understood_as, res.sparql)
        assert len(st.select(res.sparql).rows) == len(want.items)  # the SPARQL shown
    # both tables, a negation, an exact-year grouping: counted over the rows
    for f in (Form("threats", (), Agg("per_item")),
              Form("threats", (Cond("model", (fams[0],), negated=True),), Agg("per_item"),
                   ("attacks",)),
              Form("models", (Cond("knowledge", (knowledge[0],)),), Agg("top"), ("attacks",))):
        assert summary_grouped(f, ctx) is None
        assert "GRAPH <" not in run(st, f).sparql
