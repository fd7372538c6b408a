"""Every page of the Streamlit app through AppTest: it renders without an exception, shows
its key content, and answers empty, nonsense and hostile input with a message, never a
traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.app import console as app_console
from kg.app import coverage as app_coverage
from kg.app import entity as app_entity
from kg.app import export as app_export
from kg.app import gaps as app_gaps
from kg.app import graph as app_graph
from kg.app import names
from kg.app import overview as app_overview
from kg.errors import KGError
from tests.tiers import first_fast, slow

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
HOSTILE = [
    "",
    "   ",
    "asdkjh qwe zzz ???",
    "'; DROP TABLE attacks; --",
    "} INSERT DATA { <a> <b> <c> } #",
    "<script>alert(1)</script>",
    "\u202e\u0000 ℓ2 ∑ 🙂",
    "x" * 5000,
    "a" * 999 + " MIA",
]


def run_page(page: str, query: dict | None = None, timeout: float = 60):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    if page != "overview":
        # The pages are registered under their file names (no custom url_path), so the
        # first run can open the page itself.
        at.switch_page(f"views/{page}.py")
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    return at


def shown(markdown: str) -> str:
    """Markdown's backslash escapes undone, as a reader sees the text (data is shown
    escaped: resources.plain)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def texts(at) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success", "text"):
        parts += [shown(str(e.value)) for e in getattr(at, kind)]
    parts += [str(e.value) for e in at.code]
    return "\n".join(parts)


def page_codes(at) -> list[str]:
    """The page's code blocks, the "Link to this view" URL (ui/links.py) left out."""
    links = {id(c) for p in at.get("popover") for c in p.code}
    return [c.value for c in at.code if id(c) not in links]


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert not any("internal error" in e for e in errors), errors


def frames(at) -> list:
    return [d.value for d in at.dataframe]


def tables(at) -> list:
    """The static tables (st.table) of a page, as DataFrames."""
    return [t.value for t in at.table]


# ------------------------------------------------------------------ overview

def test_overview_shows_counts_threats_models_source(store):
    at = run_page("overview")
    assert_clean(at)
    ov = app_overview.overview(store)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Papers"] == str(dict(ov.counts)["Papers"])
    assert metrics["Attacks"] == str(dict(ov.counts)["Attacks"])
    shown = frames(at)
    threat_frame = next(f for f in shown if "threat" in f.columns)
    assert sorted(threat_frame["threat"]) == sorted(t["threat"] for t in ov.threats)
    model_frame = next(f for f in shown if "model" in f.columns)
    assert set(model_frame["model"]) == {m["model"] for m in ov.models}
    assert len(model_frame) == len(ov.models)  # one row per model
    assert "data/privacy-taxonomy.md" in texts(at)


@slow
def test_overview_shows_what_changed_since_the_previous_build(survey_build, tmp_path,
                                                             monkeypatch):
    from kg.build import build
    from tests.built import copy_build

    src = tmp_path / "survey.md"
    text = (Path(APP).resolve().parent.parent / "data" / "privacy-taxonomy.md").read_text(
        encoding="utf-8")
    out = copy_build(survey_build, tmp_path / "build")  # a build of this text
    src.write_text(text.replace("Single batch size", "Batch size of one"), encoding="utf-8")
    build(source=src, build_dir=out)
    monkeypatch.setenv("KG_BUILD_DIR", str(out))
    at = run_page("overview")
    assert_clean(at)
    assert "What changed since the previous build" in texts(at)
    summary = next(f for f in frames(at) if "what" in f.columns)
    assert "attacks" in set(summary["what"])
    assert "Batch size of one" in texts(at)


# ------------------------------------------------------------------ SPARQL console

def submit_query(at, text: str):
    at.text_area(key="sparql_text").set_value(text)
    at.button[0].click()  # the form's submit button
    at.run()
    return at


def test_console_runs_the_first_example_by_default():
    at = run_page("sparql")
    assert_clean(at)
    f = frames(at)[0]
    assert list(f.columns) == ["threat", "attacks"]
    assert "Membership inference" in set(f["threat"])


def test_console_example_picker_loads_the_query_text():
    at = run_page("sparql")
    name = "Papers without a code link"
    at.selectbox(key="sparql_example").set_value(name).run()
    assert at.text_area(key="sparql_text").value == app_console.EXAMPLE_QUERIES[name]
    at.button[0].click().run()
    assert_clean(at)
    assert list(frames(at)[0].columns) == ["title", "code"]


def test_console_result_matches_the_store(store):
    q = "SELECT ?t WHERE { ?p a rd:Paper ; dcterms:title ?t } ORDER BY ?t"
    at = submit_query(run_page("sparql"), q)
    assert_clean(at)
    expected = [str(r["t"]) for r in store.select(q)]
    assert list(frames(at)[0]["t"]) == expected
    assert f"{len(expected)} rows" in texts(at)


def test_console_ask_query():
    at = submit_query(run_page("sparql"), "ASK { ?a a rd:Attack }")
    assert_clean(at)
    assert [m.value for m in at.metric] == ["yes"]


@pytest.mark.parametrize("query, message", [
    ("SELEC ?x WHERE { ?x ?p ?o }", "syntax error"),
    ("SELECT ?x WHERE { ?x ?p }", "syntax error"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
    ("DELETE WHERE { ?s ?p ?o }", "read-only"),
    ("LOAD <http://example.org/x.ttl>", "read-only"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
    ("", "empty query"),
])
def test_console_bad_queries_get_a_message(query, message):
    at = submit_query(run_page("sparql"), query)
    assert_clean(at)
    errors = [e.value for e in at.error]
    assert errors and message.lower() in errors[0].lower(), errors
    assert not frames(at)


@pytest.mark.parametrize("text", HOSTILE)
def test_console_hostile_text(text):
    at = submit_query(run_page("sparql"), text)
    assert_clean(at)
    assert at.error, "a nonsense query must say why it did not run"


def test_console_row_limit(monkeypatch):
    monkeypatch.setenv("KG_ROW_LIMIT", "5")
    at = submit_query(run_page("sparql"), "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert_clean(at)
    assert len(frames(at)[0]) == 5
    assert any("row limit" in w.value for w in at.warning)


# ------------------------------------------------------------------ entity pages

def test_entity_page_without_a_node_asks_for_one():
    at = run_page("entity")
    assert_clean(at)
    assert any("Pick a node" in i.value for i in at.info)


@pytest.mark.parametrize("node", first_fast(["DP-SGD", "Membership inference", "DDPM",
                                  "Extracting Training Data from Diffusion Models"]))
def test_entity_page_by_label(store, node):
    at = run_page("entity", {"node": node})
    assert_clean(at)
    page = app_entity.entity_page(store, names.find_entity(store, node))
    assert [shown(h.value) for h in at.header] == [page.label]
    assert "Provenance" in [s.value for s in at.subheader]


def test_the_ontology_terms_are_read_by_their_declarations_not_a_scan(store):
    """names.TERM_LABELS_QUERY starts from what declares a term (3 M labels at 100k papers
    are not scanned): it gives exactly the labels of every rd: term of the graph."""
    scan = {names.ref(r["p"]): str(r["label"]) for r in store.select(
        "SELECT ?p ?label WHERE { ?p rdfs:label ?label FILTER(STRSTARTS(STR(?p), STR(rd:))) }")}
    assert len(scan) > 90
    assert {k: v for k, v in names.term_labels(store).items() if k.startswith("rd:")} == scan


def test_the_incoming_count_in_two_parts_equals_the_checked_count(store):
    """The Entity page counts incoming links of the projected predicates without checking
    the subject's type (they link typed entity nodes only): on every node of the survey the
    two parts add up to the count that checks every subject."""
    checked = "SELECT (COUNT(*) AS ?n) WHERE {" + app_entity._RELATED + "}"
    for e in names.entities(store):
        b = {"node": names.expand(e.ref)}
        parts = [int(next(iter(store.select(q, b)))["n"])
                 for q in (app_entity.RELATED_COUNT_TYPED, app_entity.RELATED_COUNT_OTHER)]
        assert sum(parts) == int(next(iter(store.select(checked, b)))["n"]), e.label


def test_a_hubs_incoming_links_are_one_table(store, monkeypatch):
    """More incoming links than RELATED_AS_LINKS (a threat at 100k papers): one table of
    them (relation, name, type, page), not a link element each."""
    import streamlit as st

    node = names.find_entity(store, "DDPM")
    page = app_entity.entity_page(store, node)
    links_before = len(run_page("entity", {"node": node}).get("page_link"))
    monkeypatch.setattr(app_entity, "RELATED_AS_LINKS", 5)
    st.cache_data.clear()
    at = run_page("entity", {"node": node})
    assert_clean(at)
    table = frames(at)[-1]
    assert len(table) == len(page.related) > 5
    assert sorted(zip(table["relation"], table["name"], table["type"], strict=True)) == sorted(
        (r, label, typ) for r, typ, _, label in page.related)
    assert links_before - len(at.get("page_link")) == len(page.related)
    st.cache_data.clear()


def test_entity_page_traces_an_attack_to_its_survey_row(store):
    short = next(e.ref for e in names.entities(store, "Attack"))
    page = app_entity.entity_page(store, short)
    at = run_page("entity", {"node": short})
    assert_clean(at)
    row = page.source_rows[0]
    assert row.table == "attacks"
    assert any(row.where in shown(e.label) for e in at.expander)
    cells = frames(at)[0]
    assert list(cells["column"]) == [h for h, _ in row.cells]
    effectiveness = next(t for h, t in row.cells if h == "Effectiveness")
    assert effectiveness in set(cells["cell text"])
    assert any(effectiveness == t.value for t in at.text)  # as text, never markup


def test_entity_picker_opens_another_page(store):
    at = run_page("entity", {"node": "DP-SGD"})
    other = next(e for e in names.entities(store, "Threat category"))
    at.selectbox[1].set_value(other.ref).run()
    assert_clean(at)
    assert [shown(h.value) for h in at.header] == [other.label]
    assert at.query_params["node"] in (other.ref, [other.ref])


def test_picker_search_is_bounded_and_counts_every_match(store):
    ents = names.entities(store)
    index = names.EntityIndex(ents)
    def named(e, word):  # a node is found by its display name or its long form
        return word in e.label.casefold() or word in e.full.casefold()

    m = index.search("dp-s")
    assert m.entities[0].label == "DP-SGD" and m.entities[0].type == "Defense method"
    assert m.total == sum(named(e, "dp-s") for e in ents) and not m.cut
    few = index.search("membership", limit=2)
    assert len(few.entities) == 2 and few.cut
    assert few.total == sum(named(e, "membership") for e in ents)
    # a paper is found by its title, listed by its citation label
    title = index.search("Extracting Training Data from Diffusion Models", ["Paper"]).entities
    assert [e.label for e in title] == ["Carlini et al., 2023"]
    assert few.entities[0].label == "Membership inference"  # the threat, not a paper
    assert index.search("inference membership").total == few.total  # words in any order
    assert index.search("zzz qqq").total == 0
    assert index.search("DP", ["Attack"]).entities == [
        e for e in index.search("DP").entities if e.type == "Attack"]
    with pytest.raises(KGError):
        index.search("x" * 501)
    with pytest.raises(KGError):
        index.search("dp", ["No such type"])


def test_picker_browse_lists_the_first_nodes_and_counts_all(store):
    ents = names.entities(store)
    assert names.browse_entities(store).entities == ents  # the survey fits whole
    few = names.browse_entities(store, names.GRAPH_TYPES, limit=5)
    assert len(few.entities) == 5 and few.cut
    assert few.total == sum(e.type in names.GRAPH_TYPES for e in ents)
    assert {e.type for e in few.entities} == {"Paper"}
    assert names.entity_of(store, "rdi:threat-membership-inference") == next(
        e for e in ents if e.ref == "rdi:threat-membership-inference")
    assert names.entity_of(store, "rdi:nothing-here") is None
    assert names.default_centre(store) == "rdi:threat-membership-inference"


def test_find_entity_on_a_large_graph_uses_the_index(store, monkeypatch):
    """Above EVIDENCE_MAX_PAPERS papers a label not found as written is looked up in the
    picker index (any case), never by reading every label of the graph."""
    from kg import explain

    built = []

    def index():
        built.append(1)
        return names.EntityIndex(names.entities(store))

    monkeypatch.setattr(names, "EVIDENCE_MAX_PAPERS", 0)
    monkeypatch.setattr(explain, "LABELS_QUERY", "no scan")  # a scan would fail to parse
    assert names.find_entity(store, "DP-SGD", index) == "rdi:method-dp-sgd"
    assert not built  # as written: one bound lookup
    assert names.find_entity(store, "dp-sgd", index) == "rdi:method-dp-sgd"
    assert built
    with pytest.raises(KGError, match="did you mean 'DP-SGD'"):
        names.find_entity(store, "DP-SG", index)
    with pytest.raises(KGError, match="unknown node 'zzz qqq'. Type part"):
        names.find_entity(store, "zzz qqq", index)


def test_entity_picker_searches_as_you_type(store):
    at = run_page("entity")
    at.text_input(key="entity_search").input("extracting train").run()
    assert_clean(at)
    picker = at.selectbox[1]
    target = names.find_entity(store, "Extracting Training Data from Diffusion Models")
    label = names.entity_of(store, target).label
    assert picker.options[0] == f"{label}  ·  Paper"  # the best match first
    # each option's node has the words in its display name or its long form (the title)
    found = names.entity_index(store).search("extracting train").entities
    assert picker.options == [f"{e.label}  ·  {e.type}" for e in found]
    assert all("extracting" in f"{e.label} {e.full}".casefold() for e in found)
    assert any("match" in c.value for c in at.caption)
    picker.set_value(target).run()
    assert_clean(at)
    assert [shown(h.value) for h in at.header] == [
        app_entity.entity_page(store, target).label]


def test_entity_page_lists_incoming_links_up_to_a_cap(store, monkeypatch):
    node = "rdi:threat-membership-inference"
    whole = app_entity.entity_page(store, node)
    assert whole.related_total == len(whole.related) > 3
    monkeypatch.setattr(app_entity, "RELATED_MAX", 3)
    cut = app_entity.entity_page(store, node)
    assert len(cut.related) == 3 and cut.related_total == whole.related_total
    assert set(cut.related) <= set(whole.related)


@pytest.mark.parametrize("node", first_fast(["DP-SDG", "rdi:nothing-here", *HOSTILE[2:]]))
def test_entity_page_unknown_node(node):
    at = run_page("entity", {"node": node})
    assert_clean(at)
    assert at.error
    assert not at.header


def test_entity_unknown_label_suggests():
    at = run_page("entity", {"node": "DP-SDG"})
    assert "did you mean" in at.error[0].value and "DP-SGD" in shown(at.error[0].value)


# ------------------------------------------------------------------ coverage

@pytest.mark.parametrize("view, level", first_fast([("Target model", "model"), ("Target model", "family"),
                                         ("Attacker knowledge", "model"),
                                         ("Defense method", "model")]))
def test_coverage_views(store, view, level):
    at = run_page("coverage")
    at.segmented_control(key="cov_view").set_value(view).run()
    if level == "family":
        at.segmented_control(key="cov_level").set_value("family").run()
    assert_clean(at)
    by = {"Target model": "model", "Attacker knowledge": "knowledge", "Defense method": "defense"}
    table = app_coverage.coverage_table(store, by[view], level)
    boxes = {s.label: s for s in at.selectbox}
    assert boxes["Threat"].options == table.threats
    column_box = next(s for label, s in boxes.items() if label != "Threat")
    assert column_box.options == table.columns


def test_coverage_cell_lists_attacks_and_defenses_with_effectiveness(store):
    table = app_coverage.coverage_table(store, "model", "model")
    both = min((c for c in table.cells if c["attacks"] and c["defenses"]),
               key=lambda c: (c["threat"], c["column"]))
    at = run_page("coverage")
    at.selectbox(key="cov_threat_model_model").set_value(both["threat"]).run()
    at.selectbox(key="cov_col_model_model").set_value(both["column"]).run()
    assert_clean(at)
    cell = app_coverage.coverage_cell(store, "model", "model", both["threat"], both["column"])
    assert len(cell.attacks) == both["attacks"] and len(cell.defenses) == both["defenses"]
    assert [shown(s.value) for s in at.subheader] == [f"{both['threat']} × {both['column']}"]
    md = "\n".join(shown(m.value) for m in at.markdown)
    assert f"Attacks ({len(cell.attacks)})" in md and f"Defenses ({len(cell.defenses)})" in md
    for item in cell.attacks:
        assert item["effectiveness"] in md and item["limitation"] in md
    for item in cell.defenses:
        assert item["effectiveness"] in md


def test_a_cell_with_many_items_lists_them_as_one_table(store, monkeypatch):
    import streamlit as st

    monkeypatch.setattr(app_coverage, "CELL_CARDS", 2)
    st.cache_data.clear()
    table = app_coverage.coverage_table(store, "model", "model")
    big = max(table.cells, key=lambda c: (c["attacks"], c["threat"], c["column"]))
    assert big["attacks"] > 2
    at = run_page("coverage")
    at.selectbox(key="cov_threat_model_model").set_value(big["threat"]).run()
    at.selectbox(key="cov_col_model_model").set_value(big["column"]).run()
    assert_clean(at)
    cell = app_coverage.coverage_cell(store, "model", "model", big["threat"], big["column"])
    attacks = next(f for f in frames(at) if "attack" in f.columns)
    assert list(attacks["attack"]) == [x["label"] for x in cell.attacks]
    assert list(attacks["limitations"]) == [x["limitation"] or "—" for x in cell.attacks]
    assert all(p.startswith("entity?node=") for p in attacks["page"])
    md = "\n".join(shown(m.value) for m in at.markdown)
    assert "**Limitations:**" not in md  # no cards for this kind
    st.cache_data.clear()


def test_coverage_gap_cell_is_flagged(store):
    table = app_coverage.coverage_table(store, "model", "model")
    gap = next(c for c in table.cells if c["attacks"] and not c["defenses"])
    at = run_page("coverage")
    at.selectbox(key="cov_threat_model_model").set_value(gap["threat"]).run()
    at.selectbox(key="cov_col_model_model").set_value(gap["column"]).run()
    assert_clean(at)
    assert any("a gap" in w.value for w in at.warning)


def test_coverage_export_button_fills_the_export_view():
    at = run_page("coverage")
    at.selectbox(key="cov_threat_model_model").set_value("Membership inference").run()
    at.selectbox(key="cov_col_model_model").set_value("Stable Diffusion").run()
    next(b for b in at.button if b.label == "Export this cell").click().run()
    assert_clean(at)
    assert at.multiselect(key="export_threats").value == ["Membership inference"]
    assert at.multiselect(key="export_models").value == ["Stable Diffusion"]
    assert "threat" in "\n".join(m.value for m in at.markdown)


# ------------------------------------------------------------------ gaps

def test_gaps_page_lists_every_gap_with_reason(store):
    rows = app_gaps.gap_rows(store)
    at = run_page("gaps")
    assert_clean(at)
    assert f"{len(rows)} gaps" in [s.value for s in at.subheader]
    assert len(at.expander) == len(rows)
    assert set(tables(at)[0]["reason"]) == {g.reason for g in rows}


def test_gaps_filters(store):
    rows = app_gaps.gap_rows(store)
    threat = next(g.threat for g in rows if g.threat)
    at = run_page("gaps")
    at.selectbox(key="gap_threat").set_value(threat).run()
    assert_clean(at)
    assert set(tables(at)[0]["threat"]) == {threat}
    kinds = sorted({g.type for g in rows})
    at.multiselect(key="gap_types").set_value([kinds[0]]).run()
    assert set(tables(at)[0]["type"]) == {kinds[0]}
    at.multiselect(key="gap_types").set_value([]).run()
    assert_clean(at)
    assert any("No gap matches" in i.value for i in at.info)


# ------------------------------------------------------------------ graph explorer

def test_graph_explorer_neighbourhood(store):
    at = run_page("graph", {"node": "DP-SGD"})
    assert_clean(at)
    frame = frames(at)[0]
    assert "DP-SGD" in set(frame["name"])
    assert set(frame["distance"]) <= {0, 1}
    at.slider[0].set_value(2).run()
    assert_clean(at)
    assert max(frames(at)[0]["distance"]) == 2
    at.multiselect[0].set_value(["Paper"]).run()
    assert set(frames(at)[0]["type"]) <= {"Paper", "Defense method"}  # the centre stays


def test_graph_explorer_says_a_hub_was_read_in_part(monkeypatch):
    import streamlit as st

    monkeypatch.setattr(app_graph, "NEIGHBOURS_READ", 3)
    st.cache_data.clear()
    at = run_page("graph")  # the default centre: Membership inference, a hub
    assert_clean(at)
    assert any("Membership inference has" in shown(i.value) and "only 3 of them were read"
               in shown(i.value) for i in at.info)
    assert len(frames(at)[0]) == 4  # the centre and 3 neighbours
    st.cache_data.clear()


def test_graph_explorer_without_graphviz_says_so_for_the_pdf_only(monkeypatch):
    """The export buttons make their files on the click (a PDF runs Graphviz): what is
    missing is still said when the page is drawn, and the other formats stay offered."""
    from kg.export import figures

    monkeypatch.setattr(figures.shutil, "which", lambda name: None)
    at = run_page("graph", {"node": "DP-SGD"})
    assert not at.exception
    assert [e.value for e in at.error if "Graphviz" in e.value], texts(at)
    assert len(at.get("download_button")) == 2


def test_graph_explorer_unknown_node():
    at = run_page("graph", {"node": "no such node at all"})
    assert_clean(at)
    assert at.error and frames(at)  # a message, then the default neighbourhood


# ------------------------------------------------------------------ export

@pytest.mark.parametrize("fmt", first_fast(["bibtex", "csv", "markdown", "turtle", "mermaid"]))
def test_export_formats(fmt):
    at = run_page("export")
    at.multiselect(key="export_threats").set_value(["Membership inference"]).run()
    at.selectbox(key="export_format").set_value(fmt).run()
    assert_clean(at)
    code = page_codes(at)[0]
    assert code.strip()
    if fmt == "bibtex":
        assert "@" in code
    if fmt == "turtle":
        assert "@prefix" in code or "PREFIX" in code


def test_export_empty_view_says_so():
    at = run_page("export")
    at.multiselect(key="export_threats").set_value(["Gradient inversion"]).run()
    at.multiselect(key="export_methods").set_value(["DP-SGD"]).run()
    assert_clean(at)
    assert any("empty" in i.value for i in at.info) or at.error


# ------------------------------------------------------------------ ask & search (real model)

def ask(at, text: str):
    at.text_input(key="ask_q").set_value(text)
    at.button[0].click()
    at.run()
    return at


def test_ask_page_without_a_question():
    at = run_page("ask")
    assert_clean(at)
    assert any("Type a question" in i.value for i in at.info)


@pytest.mark.slow
def test_ask_shows_answer_understanding_sparql_and_hits(store):
    from kg.ask import ask as kg_ask

    q = "Which defenses protect against membership inference on Stable Diffusion?"
    at = ask(run_page("ask", timeout=300), q)
    assert_clean(at)
    expected = kg_ask(store, q)
    assert set(frames(at)[0]["label"]) == {a["label"] for a in expected.answers}
    assert page_codes(at)[0] == expected.sparql
    text = "\n".join(m.value for m in at.markdown)
    assert f"`{expected.intent}`" in text and "**Understood as:**" in text
    assert "Stable Diffusion family" in text
    linked = frames(at)[1]
    assert {"Membership inference", "Stable Diffusion"} <= set(linked["linked to"])
    assert "Semantic hits" in [s.value for s in at.subheader]
    assert len(frames(at)) >= 3  # answers, linked, hits
    at = ask(at, "What protects Imagen from data extraction?")
    assert_clean(at)
    assert any("is not in the graph" in w.value and "Imagen" in w.value for w in at.warning)


@pytest.mark.slow
@pytest.mark.parametrize("text", HOSTILE[2:] + ["SELECT ?s WHERE { ?s ?p ?o }", "?!?!", "MIA"])
def test_ask_hostile_input(text):
    at = ask(run_page("ask", timeout=300), text)
    assert_clean(at)
    errors = [e.value for e in at.error]
    said = [m.value for m in at.markdown if m.value.startswith("**Answered by:**")]
    # exactly one of: a message that names the problem, or an answer that says how it was reached
    assert bool(errors) != bool(said), (errors, said)
    assert all(len(e) > 20 for e in errors), errors
    if said:
        assert "The SPARQL that ran" in [s.value for s in at.subheader]
    if text == "MIA" or errors:
        return
    # hostile text that is not refused says which of its words were not understood (or are
    # not in the graph), never an answer as if they had been (issue 29, item 1)
    warned = [w.value for w in at.warning
              if w.value.startswith("Not understood") or "is not in the graph" in w.value]
    assert warned, [w.value for w in at.warning]
    # every word but the parser's closed list of function words ("table", "the", …)
    from kg.ask.tokens import GENERIC

    words = [t for t in re.findall(r"[^\W\d_]{3,}", text)
             if t.lower() not in ("attacks",) and t.lower() not in GENERIC]
    assert all(any(w in x for x in warned) for w in words), (words, warned)


# ------------------------------------------------------------------ large graphs (summary)


@pytest.fixture
def large_mode(monkeypatch):
    """The app as on a graph too large to list evidence and every column (thresholds low)."""
    import streamlit as st

    monkeypatch.setattr(names, "EVIDENCE_MAX_PAPERS", 0)
    monkeypatch.setattr(app_coverage, "MAX_COLUMNS", 3)
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_gaps_page_on_a_large_graph_fetches_a_cell_on_demand(store, large_mode):
    rows = app_gaps.gap_rows(store)
    assert all(not r.evidence for r in rows)
    assert [r.reason for r in rows] == [r.reason for r in app_gaps.gap_rows(store, evidence=True)]
    at = run_page("gaps")
    assert_clean(at)
    assert f"{len(rows)} gaps" in [s.value for s in at.subheader]
    assert any("coverage summary" in c.value for c in at.caption)
    before = len(at.dataframe)
    at.button(key="gap_cell_1").click().run()
    assert_clean(at)
    assert len(at.dataframe) == before + 1
    listed = frames(at)[-1]
    assert len(listed) >= 1 and "attack" in listed.columns


def test_coverage_page_caps_columns_and_says_so(store, large_mode):
    table = app_coverage.coverage_table(store, "defense", "model", max_columns=3)
    assert len(table.columns) == 3 and table.columns_total == 16
    at = run_page("coverage")
    at.segmented_control(key="cov_view").set_value("Defense method").run()
    assert_clean(at)
    assert any("3 most evaluated of 16" in i.value for i in at.info)


@pytest.mark.parametrize("by, level", first_fast([("model", "model"), ("model", "family"),
                                       ("knowledge", "model"), ("defense", "model")]))
def test_coverage_cell_lists_only_the_cell_with_counts(store, by, level):
    """A cell's page: the matrix's counts, at most ``limit`` of its items (each the matrix's
    item: same paper, models, derivation path), all of them when they fit."""
    from kg.coverage.cells import matrix
    from kg.display import names_of
    from kg.project import to_networkx

    m = matrix(store, by, level)
    shown = {n: x.short for n, x in names_of(store, list(to_networkx(store))).items()}
    for (t, c), cell in m.cells.items():
        full = {shown[i.node.iri]: i for i in cell.attacks + cell.defenses}
        d = app_coverage.coverage_cell(store, by, level, t, c, limit=1)
        assert (d.n_attacks, d.n_defenses) == (len(cell.attacks), len(cell.defenses))
        assert len(d.attacks) == min(1, len(cell.attacks))
        assert len(d.defenses) == min(1, len(cell.defenses))
        for row in d.attacks + d.defenses:
            item = full[row["label"]]
            assert row["paper"] == shown[item.paper.iri] and row["derived"] == item.derived
            assert row["path"] == list(item.path)
        whole = app_coverage.coverage_cell(store, by, level, t, c)
        assert [r["label"] for r in whole.attacks] == [shown[i.node.iri] for i in cell.attacks]
        assert [r["label"] for r in whole.defenses] == [shown[i.node.iri] for i in cell.defenses]


def test_export_page_on_a_large_graph_asks_for_a_filter(store, monkeypatch):
    import streamlit as st

    monkeypatch.setattr(app_export, "EXPORT_MAX_PAPERS", 5)
    st.cache_data.clear()
    at = run_page("export")
    assert_clean(at)
    assert any("This graph has 19 papers: pick a threat" in i.value for i in at.info)
    assert not page_codes(at)
    at.multiselect(key="export_threats").set_value(["Membership inference"]).run()
    assert_clean(at)
    assert any("more than this page renders" in w.value for w in at.warning)
    at.multiselect(key="export_threats").set_value(["Property inference"]).run()
    assert_clean(at)
    assert page_codes(at) and "@" in page_codes(at)[0]
    st.cache_data.clear()


def test_export_pickers_search_a_large_type(store, monkeypatch):
    """A node type with more labels than a picker lists gets a search box: typing finds
    a label not listed at first, the choice stays pickable, and the view uses it."""
    import streamlit as st

    monkeypatch.setattr(names, "PICKER_MAX", 10)
    st.cache_data.clear()
    at = run_page("export")
    assert_clean(at)
    keys = {t.key for t in at.text_input}
    assert "export_methods_search" in keys and "export_models_search" in keys
    assert "export_threats_search" not in keys  # 4 threats: listed whole
    methods = at.multiselect(key="export_methods").options
    every = [e.label for e in names.entities(store, "Defense method")]
    assert len(methods) <= 10 < len(every)
    hidden = next(m for m in every if m not in methods)
    at.text_input(key="export_methods_search").input(hidden).run()
    assert_clean(at)
    assert hidden in at.multiselect(key="export_methods").options
    at.multiselect(key="export_methods").set_value([hidden]).run()
    at.text_input(key="export_methods_search").input("cutout").run()  # another search
    assert_clean(at)
    assert at.multiselect(key="export_methods").value == [hidden]
    assert hidden in at.multiselect(key="export_methods").options
    assert any(hidden in m.value for m in at.markdown if "**View:**" in m.value)
    st.cache_data.clear()


def test_ask_page_shows_a_definition_with_its_source(store):
    at = ask(run_page("ask", timeout=300), "What is DDIM?")
    assert_clean(at)
    table = frames(at)[0]
    assert list(table["label"]) == ["DDIM"]
    assert "Denoising Diffusion Implicit Models" in table["value"][0]
    assert "data/definitions.yaml: models/DDIM" in table["entry"][0]
