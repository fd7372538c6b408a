"""Views: filters (through aliases, family roll-up), CONSTRUCT views, subgraph, header."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph

from kg.errors import QueryError, UnknownLabelError
from kg.export import construct_spec, make_view, view_spec
from kg.table import table_rows
from kg.version import graph_hash
from kg.vocab import RD


@pytest.fixture(scope="module")
def mia_view(store):
    spec = view_spec(store, threats=["MIA"], knowledge=["black box"], models=["SD"])
    return make_view(store, spec)


def test_labels_resolve_through_aliases_to_canonical_labels(store):
    spec = view_spec(store, threats=["membership inference attacks"], knowledge=["Blackbox"],
                     models=["Stable Diffusion v1-4"], methods=["Differentially private SGD"])
    assert spec.threats == ("Membership inference",)
    assert spec.knowledge == ("Black-box",)
    assert spec.models == ("SD v1.4",)
    assert spec.methods == ("DP-SGD",)


@pytest.mark.parametrize("kw,text,suggestion", [
    ("threats", "membership inferance", "Membership inference"),
    ("models", "stable difusion", "Stable Diffusion"),
    ("knowledge", "white-bx", "White-box"),
    ("methods", "DP-SDG", "DP-SGD"),
    ("papers", "carlini2023extractin", "carlini2023extracting"),
])
def test_unknown_label_suggests(store, kw, text, suggestion):
    with pytest.raises(UnknownLabelError) as e:
        view_spec(store, **{kw: [text]})
    assert "did you mean" in str(e.value) and suggestion in str(e.value)


def test_filter_view_matches_the_survey_tables(store, mia_view):
    """The same selection computed independently from the regenerated survey tables."""
    below_sd = {"Stable Diffusion", "SD v1.4", "SD v1.5", "SD v2.0"}
    attacks = [r for r in table_rows(store, "attacks")
               if r["Category"] == "Membership inference" and "Black-box" in r["Attacker's knowledge"]
               and below_sd & set(r["Target Models"])]
    defenses = [r for r in table_rows(store, "defenses")
                if r["Threats"] == "Membership inference" and below_sd & set(r["Target Models"])]
    assert [a.paper.title for a in mia_view.attacks] == [r["Ref."] for r in attacks]
    assert [(d.paper.title, d.method) for d in mia_view.defenses] == [
        (r["Ref."], r["Key Methods"]) for r in defenses]
    assert len(mia_view.attacks) >= 2 and len(mia_view.defenses) >= 2
    assert [p.key for p in mia_view.papers] == list(dict.fromkeys(
        [a.paper.key for a in mia_view.attacks] + [d.paper.key for d in mia_view.defenses]))


def test_model_filter_follows_broader_star(store):
    family = make_view(store, view_spec(store, models=["Latent diffusion model"]))
    exact = make_view(store, view_spec(store, models=["SD v1.5"]))
    assert {d.method for d in exact.defenses} <= {d.method for d in family.defenses}
    assert any("SD v1.5" in d.models for d in family.defenses)
    assert all("SD v1.5" in d.models for d in exact.defenses)
    assert not exact.attacks  # no attack row names SD v1.5


def test_knowledge_constrains_attacks_and_method_selects_defenses(store):
    wb = make_view(store, view_spec(store, knowledge=["White-box"]))
    assert wb.attacks and all("White-box" in a.knowledge for a in wb.attacks)
    assert len(wb.defenses) == len(table_rows(store, "defenses"))
    dp = make_view(store, view_spec(store, methods=["DP-SGD"]))
    assert not dp.attacks and {d.method for d in dp.defenses} == {"DP-SGD"}
    only = make_view(store, view_spec(store, threats=["Membership inference"], part="attacks"))
    assert only.attacks and not only.defenses


def test_paper_by_key_or_title(store):
    a = make_view(store, view_spec(store, papers=["carlini2023extracting"]))
    b = make_view(store, view_spec(store, papers=["extracting training data from diffusion models"]))
    assert a.attacks == b.attacks and a.defenses == b.defenses
    assert {p.key for p in a.papers} == {"carlini2023extracting"}


def test_subgraph_holds_rows_papers_and_concepts(store, mia_view):
    g = mia_view.graph
    for r in (*mia_view.attacks, *mia_view.defenses):
        assert set(store.graph.triples((r.iri, None, None))) <= set(g)
    for p in mia_view.papers:
        assert (p.iri, RDF.type, RD.Paper) in g
    # the filter model's family chain is there: SD v1.5 -> Stable Diffusion -> ...
    assert len(set(g.subjects(RDF.type, RD.TargetModel))) >= len(mia_view.models())
    assert set(g) <= set(store.graph)  # a subgraph: nothing invented


def test_header_names_version_and_filter(store, mia_view):
    text = "\n".join(mia_view.header("latex"))
    assert graph_hash(store.graph) in text
    assert "threat = Membership inference" in text
    assert "kg export view --threat 'Membership inference' --knowledge Black-box " \
           "--model 'Stable Diffusion' --format latex" in text


def test_construct_view(store):
    q = ('CONSTRUCT { ?a rd:fromPaper ?p } WHERE { ?a a rd:Attack ; '
         'rd:threat/skos:prefLabel "Gradient inversion"@en ; rd:fromPaper ?p }')
    v = make_view(store, construct_spec(q))
    assert len(v.attacks) == 1 and not v.defenses
    assert [p.key for p in v.papers] == ["huang2024gradient"]
    assert isinstance(v.graph, Graph) and len(v.graph) == 1
    assert "Gradient inversion" in "\n".join(v.header("turtle"))


@pytest.mark.parametrize("q,needle", [
    ("SELECT * WHERE { ?s ?p ?o }", "must be a SPARQL CONSTRUCT"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "read-only"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
     "SERVICE"),
    ("CONSTRUCT { ?s ?p ?o } FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
])
def test_construct_view_refuses(q, needle):
    with pytest.raises(QueryError) as e:
        construct_spec(q)
    assert needle in str(e.value)


def test_a_view_and_a_question_that_mean_the_same_selection_give_the_same_rows(store):
    from kg.ask import ask
    from kg.export import question_spec

    v = make_view(store, view_spec(store, threats=["MIA"], models=["SD"], part="attacks"))
    a = ask(store, "membership inference attacks on Stable Diffusion")
    assert {str(r.iri) for r in v.attacks} == {r for x in a.answers for r in x["via"]}
    q = make_view(store, question_spec(store, "membership inference attacks on Stable Diffusion"))
    assert [r.iri for r in q.attacks] == [r.iri for r in v.attacks] and not q.defenses
    assert ("understood as: attacks · threat = Membership inference · model ∈ Stable "
            "Diffusion family") in "\n".join(q.header("csv"))


def test_question_export_of_an_aggregate_holds_the_rows_behind_its_answer(store):
    from kg.export import question_spec

    spec = question_spec(store, "Which model is attacked most often?")
    v = make_view(store, spec)
    assert len(v.attacks) == 8 and all("DDPM" in r.models for r in v.attacks)
    assert spec.command("csv") == ("kg export question 'Which model is attacked most often?' "
                                   "--format csv")


def test_question_export_cli_refuses_an_unknown_name_and_writes_nothing(kg_cli, tmp_path):
    out = tmp_path / "x"
    r = kg_cli("export", "question", "What protects Imagen from data extraction?", "-f", "all",
               "-o", str(out))
    assert r.exit_code == 1 and "not in the graph" in r.output and not out.exists()
    r = kg_cli("export", "question", "which gray-box attacks are not membership inference?",
               "-f", "csv", "--json")
    assert r.exit_code == 0, r.output
    import json

    d = json.loads(r.output)
    assert d["counts"]["attacks"] == 1 and d["understood_as"].startswith("attacks ·")
