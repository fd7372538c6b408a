"""Links to the app's views (ui/links.py) through AppTest: a page opened with its URL's
query parameters shows the view they name; changing a selection writes the parameters,
and those parameters opened fresh show the same view again; a bad or unknown parameter
is a message on the page, never a traceback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from kg.app import audit as app_audit
from kg.app import coverage as app_coverage
from kg.app import export as app_export
from kg.app import gaps as app_gaps
from kg.errors import KGError
from tests.test_app import assert_clean, frames, page_codes, run_page, shown, tables, texts


def params(at) -> dict[str, list[str]]:
    """The URL's parameters the page wrote, every value a list (a repeated key)."""
    return {k: (v if isinstance(v, list) else [v]) for k, v in at.query_params.items()}


def link(at) -> str:
    """The URL the page's "Link to this view" shows."""
    [pop] = [p for p in at.get("popover") if p.proto.popover.label == "Link to this view"]
    return pop.code[0].value


def assert_link_is_the_url(at, page: str) -> None:
    """The copy link names this page and carries exactly the URL's parameters."""
    url = urlsplit(link(at))
    assert url.path == f"/{page}"
    assert parse_qs(url.query) == params(at)


def warnings(at) -> str:
    return "\n".join(shown(w.value) for w in at.warning)


def round_trip(page: str, at) -> object:
    """The page opened fresh (a new session) with the parameters ``at`` wrote."""
    again = run_page(page, params(at))
    assert_clean(again)
    assert params(again) == params(at)
    return again


# ------------------------------------------------------------------ ask

@pytest.fixture
def no_model(monkeypatch):
    """Semantic search off (the answer does not use it): the fast tests load no model."""
    import kg.app.ask

    def refuse(_store):
        raise KGError("no search model in this test")

    monkeypatch.setattr(kg.app.ask, "searcher", refuse)


def test_ask_question_from_the_url(store, no_model):
    from kg.ask import ask as kg_ask

    q = "Which threats have no defense?"
    at = run_page("ask", {"q": q})
    assert_clean(at)
    expected = kg_ask(store, q)
    assert at.text_input(key="ask_q").value == q
    assert page_codes(at) == [expected.sparql]
    assert_link_is_the_url(at, "ask")
    assert params(at) == {"q": [q]}
    # ask another: the URL follows, and opens that answer fresh
    other = "How many attacks target latent diffusion models?"
    at.text_input(key="ask_q").set_value(other)
    at.button[0].click().run()
    assert params(at) == {"q": [other]}
    again = round_trip("ask", at)
    assert page_codes(again) == [kg_ask(store, other).sparql]


# ------------------------------------------------------------------ coverage

def test_coverage_cell_from_the_url(store):
    table = app_coverage.coverage_table(store, "knowledge", "model")
    cell = max(table.cells, key=lambda c: (c["attacks"], c["threat"], c["column"]))
    at = run_page("coverage", {"by": "knowledge", "threat": cell["threat"],
                               "column": cell["column"]})
    assert_clean(at)
    assert at.segmented_control(key="cov_view").value == "Attacker knowledge"
    assert f"{cell['threat']} × {cell['column']}" in [shown(s.value) for s in at.subheader]
    detail = app_coverage.coverage_cell(store, "knowledge", "model", cell["threat"],
                                        cell["column"])
    assert f"Attacks ({detail.n_attacks:,}" in texts(at)
    assert params(at) == {"by": ["knowledge"], "threat": [cell["threat"]],
                          "column": [cell["column"]]}
    assert_link_is_the_url(at, "coverage")
    # pick another cell: the URL follows, and opens that cell fresh
    other = next(c for c in table.columns if c != cell["column"])
    at.selectbox(key="cov_col_knowledge_model").set_value(other).run()
    assert params(at)["column"] == [other]
    again = round_trip("coverage", at)
    assert f"{cell['threat']} × {other}" in [shown(s.value) for s in again.subheader]


def test_coverage_family_level_from_the_url(store):
    table = app_coverage.coverage_table(store, "model", "family")
    at = run_page("coverage", {"by": "model", "level": "family",
                               "column": table.columns[-1]})
    assert_clean(at)
    assert at.segmented_control(key="cov_level").value == "family"
    assert at.selectbox(key="cov_col_model_family").value == table.columns[-1]


# ------------------------------------------------------------------ gaps

def test_gap_filter_from_the_url(store):
    gaps = app_gaps.gap_rows(store)
    threat = sorted({g.threat for g in gaps if g.threat})[0]
    kind = sorted({g.type for g in gaps if g.threat == threat})[0]
    expected = [g for g in gaps if g.threat == threat and g.type == kind]
    at = run_page("gaps", {"threat": threat, "type": kind})
    assert_clean(at)
    assert at.selectbox(key="gap_threat").value == threat
    assert at.multiselect(key="gap_types").value == [kind]
    assert f"{len(expected)} gap" in [s.value for s in at.subheader][0]
    assert len(tables(at)[0]) == len(expected)
    assert_link_is_the_url(at, "gaps")
    at.segmented_control(key="gap_level").set_value("family").run()
    assert params(at)["level"] == ["family"]
    again = round_trip("gaps", at)
    family = [g for g in expected if not g.level or g.level == "family"]
    assert len(tables(again)[0]) == len(family) if family else not tables(again)


# ------------------------------------------------------------------ entity, graph

def test_entity_link_shows_the_node(store):
    at = run_page("entity", {"node": "DP-SGD"})
    assert_clean(at)
    assert [shown(h.value) for h in at.header] == ["DP-SGD"]
    assert params(at) == {"node": ["rdi:method-dp-sgd"]}  # the label's node, by its name
    assert_link_is_the_url(at, "entity")
    assert [shown(h.value) for h in round_trip("entity", at).header] == ["DP-SGD"]


def test_graph_link_centres_the_node(store):
    at = run_page("graph", {"node": "DP-SGD"})
    assert_clean(at)
    assert params(at) == {"node": ["rdi:method-dp-sgd"]}
    assert_link_is_the_url(at, "graph")
    assert "DP-SGD" in set(frames(at)[0]["name"])


# ------------------------------------------------------------------ audit

def test_audit_from_the_url(store):
    levels = list(app_audit.access_levels())
    access = [levels[0], levels[-1]]
    at = run_page("audit", {"model": "SD v1.5", "access": access})
    assert_clean(at)
    assert at.selectbox(key="audit_model").value == "SD v1.5"
    assert at.multiselect(key="audit_access").value == access
    rep = app_audit.report(store, "SD v1.5", access)
    heads = [h for h, _ in app_audit.sections(rep) if not h.startswith("Selections")]
    assert [s.value for s in at.subheader][:len(heads)] == heads
    assert_link_is_the_url(at, "audit")
    at.checkbox(key="audit_fine_tuned").check().run()
    assert params(at) == {"model": ["SD v1.5"], "access": access, "fine_tuned": ["1"]}
    again = round_trip("audit", at)
    assert again.checkbox(key="audit_fine_tuned").value is True
    rep = app_audit.report(store, "SD v1.5", access, fine_tuned=True)
    assert [s.value for s in again.subheader][:len(heads)] == [
        h for h, _ in app_audit.sections(rep) if not h.startswith("Selections")]


# ------------------------------------------------------------------ export

def test_export_view_from_the_url(store):
    at = run_page("export", {"threat": "Membership inference", "model": "Stable Diffusion",
                             "rows": "attacks", "format": "csv"})
    assert_clean(at)
    view = app_export.export_view(store, ["Membership inference"], (), ["Stable Diffusion"],
                                  (), "attacks")
    assert at.multiselect(key="export_threats").value == ["Membership inference"]
    assert at.radio(key="export_part").value == "attacks"
    assert at.selectbox(key="export_format").value == "csv"
    assert f"{len(view.attacks)} attacks" in texts(at)
    assert page_codes(at) == [app_export.export_content(view, "csv").removesuffix("\n")]
    assert_link_is_the_url(at, "export")
    at.selectbox(key="export_format").set_value("bibtex").run()
    at.multiselect(key="export_knowledge").set_value(["Black-box"]).run()
    assert "format" not in params(at)  # the default is not written
    assert params(at)["knowledge"] == ["Black-box"]
    again = round_trip("export", at)
    assert again.multiselect(key="export_knowledge").value == ["Black-box"]
    assert again.selectbox(key="export_format").value == "bibtex"


def test_export_link_with_an_unknown_label_says_so():
    at = run_page("export", {"threat": "No such threat"})
    assert_clean(at)
    assert "No such threat" in "\n".join(shown(e.value) for e in at.error)


# ------------------------------------------------------------------ bad links

BAD = [  # page, the link's parameters, the refused one, the message
    ("coverage", {"by": "colour"}, "by", "by='colour' is not model, knowledge or defense"),
    ("coverage", {"threat": "<script>alert(1)</script>"}, "threat",
     "is not a threat of this map"),
    ("coverage", {"by": "knowledge", "level": "galaxy"}, "level",
     "level='galaxy' is not model or family"),
    ("gaps", {"model": "'; DROP TABLE x; --"}, "model", "is not a model with a gap"),
    ("gaps", {"type": "nonsense"}, "type", "type='nonsense' is not a gap type here"),
    ("audit", {"model": "Imagen 9", "access": "api"}, "model",
     "model='Imagen 9' is not a target model"),
    ("audit", {"model": "SD v1.5", "access": "root"}, "access",
     "access='root' is not an access level"),
    ("export", {"format": "docx"}, "format", "format='docx' is not an export format"),
    ("export", {"rows": "some"}, "rows", "rows='some' is not all, attacks or defenses"),
    ("ask", {"q": "x" * 5000}, "q", "is not a question of at most 2000 characters"),
    ("gaps", {"colour": "red"}, "colour", "parameter 'colour' is not one this page takes"),
]


@pytest.mark.parametrize(("page", "query", "refused", "message"), BAD,
                         ids=[f"{p}-{r}" for p, _, r, _ in BAD])
def test_a_bad_link_is_a_message(page, query, refused, message):
    at = run_page(page, query)
    assert_clean(at)
    assert message in warnings(at)
    assert query[refused] not in params(at).get(refused, [])  # nor written back


def test_a_hostile_year_in_a_link_is_a_message():
    at = run_page("export", {"threat": "Membership inference", "years": "2023-20x"})
    assert_clean(at)
    assert "--year '2023-20x'" in "\n".join(shown(e.value) for e in at.error)
