"""Papers as bibliographic entities, concepts with definitions (issue 16).

Facts are checked against the curated files read as plain YAML (not through kg's loaders),
provenance against the graph and its SHACL shapes, and the new conditions through ask,
export and search.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from rdflib import RDF, SKOS, Graph, Literal
from rdflib.namespace import DCTERMS

from kg import settings
from kg.ask import ask
from kg.bibliography import load_bibliography
from kg.curated import load_definitions
from kg.curated_facts import BIB_PROPERTIES
from kg.errors import SourceError
from kg.explain import explain, render_text, resolve_node
from kg.validate import check
from kg.vocab import PREFIXES, RD, iri

BIBO, FOAF = PREFIXES["bibo"], PREFIXES["foaf"]


def _bib() -> list[dict]:
    return yaml.safe_load((settings.DATA_DIR / "bibliography.yaml").read_text("utf-8"))["papers"]


def _paper(graph, title: str):
    return next(p for p in graph.subjects(RDF.type, RD.Paper)
                if str(graph.value(p, DCTERMS.title)) == title)


def _authors(graph, paper) -> list[str]:
    pos = {int(graph.value(a, RD.authorPosition)): str(graph.value(graph.value(a, RD.author),
                                                                  FOAF.name))
           for a in graph.objects(paper, RD.hasAuthorship)}
    return [pos[k] for k in sorted(pos)]


def test_every_paper_carries_its_curated_facts(graph):
    entries = _bib()
    assert len(entries) == len(set(graph.subjects(RDF.type, RD.Paper))) == 19
    for e in entries:
        p = _paper(graph, e["survey_title"])
        assert str(graph.value(p, RD.citationKey)) == e["key"]
        assert graph.value(p, RD.publicationYear).toPython() == e["year"]
        assert str(graph.value(graph.value(p, RD.publishedAt), SKOS.prefLabel)) == \
            e["venue_short"]
        assert _authors(graph, p) == [" ".join(reversed([x.strip() for x in a.split(",", 1)]))
                                      for a in e["authors"]]
        assert {str(o) for o in graph.objects(p, RD.shortName)} == set(e["short_names"])
        assert str(graph.value(p, RD.publishedTitle)) == e["title"]
        assert (graph.value(p, BIBO.doi) is None) == (e["doi"] is None)
    secmi = _paper(graph, "Are Diffusion Models Vulnerable to Membership Inference Attacks?")
    assert str(graph.value(secmi, RD.citationLabel)) == "SecMI — Duan et al., 2023"


def test_every_bibliographic_fact_and_definition_names_its_source(graph):
    """Each value of a bibliographic property, and each definition, has an rd:Verification
    of its node's curated entry that names the public record and verifies that property."""
    props = {p for ps in BIB_PROPERTIES.values() for p in ps}
    facts = [(s, p) for s, p, _ in graph if p in props] + \
        [(s, SKOS.definition) for s in graph.subjects(SKOS.definition)]
    assert len(facts) > 300
    for s, p in facts:
        checks = [v for e in graph.objects(s, PROV_DERIVED)
                  for v in graph.objects(e, RD.hasVerification)
                  if (v, RD.verifiesProperty, p) in graph]
        assert checks and all(str(graph.value(v, RD.citation)).strip() for v in checks), (s, p)


PROV_DERIVED = PREFIXES["prov"].wasDerivedFrom


#: The properties whose every value must name the record that verified it (one shape each).
VERIFIED = {RD.publishedTitle: "rd:publishedTitle", RD.titleVersion: "rd:titleVersion",
            RD.publicationYear: "rd:publicationYear", RD.publishedAt: "rd:publishedAt",
            RD.venueName: "rd:venueName", RD.arxivId: "rd:arxivId", BIBO.doi: "bibo:doi",
            RD.shortName: "rd:shortName", DCTERMS.creator: "dcterms:creator",
            RD.hasAuthorship: "rd:hasAuthorship"}


def test_each_verified_property_is_checked_on_its_own(graph):
    """For each property, one fact loses its verification: one validation names every one
    of them (by property) and the node it concerns."""
    g = Graph()
    for t in graph:
        g.add(t)
    hit = {}
    for prop in VERIFIED:
        node = sorted(s for s in g.subjects(prop, None) if s not in hit.values())[0]
        for e in g.objects(node, PROV_DERIVED):
            for v in list(g.objects(e, RD.hasVerification)):
                g.remove((v, RD.verifiesProperty, prop))
        hit[prop] = node
    ok, report = check(g)
    assert not ok
    for prop, curie in VERIFIED.items():
        assert (f"verified against (rd:Verification of its curated entry): {curie}."
                in report), curie
        assert str(hit[prop]) in report


def test_shapes_catch_an_unsourced_fact_and_a_filled_unverified_field(graph):
    g = Graph()
    for t in graph:
        g.add(t)
    # the arXiv id of one paper loses the record that verified it
    carlini = _paper(g, "Extracting Training Data from Diffusion Models")
    for v in list(g.subjects(RD.verifiesProperty, RD.arxivId)):
        if (None, RD.hasVerification, v) in g and any(
                (e, RD.hasVerification, v) in g for e in g.objects(carlini, PROV_DERIVED)):
            g.remove((v, RD.verifiesProperty, RD.arxivId))
    # a DOI appears for a paper whose entry says no public record verified one
    g.add((carlini, BIBO.doi, Literal("10.1234/made-up")))
    # a definition loses its source
    cutout = iri("method", "Cutout")
    for e in list(g.objects(cutout, PROV_DERIVED)):
        if str(g.value(e, RD.sourceFile)) == "data/definitions.yaml":
            g.remove((cutout, PROV_DERIVED, e))
    ok, report = check(g)
    assert not ok
    assert "names the public record it was verified against" in report
    assert "lists as unverified stays empty" in report
    assert "names the public source it paraphrases" in report


def test_loaders_refuse_a_field_or_definition_without_a_source(tmp_path):
    data = yaml.safe_load((settings.DATA_DIR / "bibliography.yaml").read_text("utf-8"))
    e = data["papers"][0]
    for s in e["sources"]:
        s["fields"] = [f for f in s["fields"] if f != "arxiv"]
    bad = tmp_path / "bibliography.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(SourceError, match=r"carlini2023extracting.*'arxiv' names no source"):
        load_bibliography(bad)

    defs = yaml.safe_load((settings.DATA_DIR / "definitions.yaml").read_text("utf-8"))
    defs["definitions"]["methods"]["Cutout"]["source"] = ""
    bad = tmp_path / "definitions.yaml"
    bad.write_text(yaml.safe_dump(defs, allow_unicode=True), "utf-8")
    with pytest.raises(SourceError, match=r"methods/'Cutout'.*names no 'source'"):
        load_definitions(bad)
    defs["definitions"]["methods"]["Cutout"] = {"definition": None}
    bad.write_text(yaml.safe_dump(defs, allow_unicode=True), "utf-8")
    with pytest.raises(SourceError, match="no definition and no 'unverified' note"):
        load_definitions(bad)


#: What a reader cannot open: a search tool's stored-copy or find_string id, or an
#: owner/repo:path@hash reference instead of the URL of that file.
INTERNAL_REFERENCE = re.compile(r"stored cop|find_string|[A-Za-z0-9_-]+/[A-Za-z0-9_.-]+:[^ ]+@[0-9a-f]{7}")


def test_every_source_names_its_record_by_title_and_url():
    """Issue 28 item 7: a source is a record's title (or a short description) and a URL one
    can open, or the survey file itself; never an internal identifier of a search tool."""
    defs = yaml.safe_load((settings.DATA_DIR / "definitions.yaml").read_text("utf-8"))
    sources = [s["source"] for e in _bib() for s in e["sources"]] + \
        [d["source"] for entries in defs["definitions"].values() for d in entries.values()
         if d.get("source")]
    assert len(sources) > 100
    for s in sources:
        assert re.search(r"https?://", s) or "data/privacy-taxonomy.md" in s, s
        assert not INTERNAL_REFERENCE.search(s), s

def test_every_concept_has_a_definition_and_every_definition_a_node(graph):
    defs = yaml.safe_load((settings.DATA_DIR / "definitions.yaml").read_text("utf-8"))
    for cls in (RD.ThreatCategory, RD.AttackerKnowledge, RD.DefenseMethod, RD.TargetModel):
        for n in graph.subjects(RDF.type, cls):
            d = graph.value(n, SKOS.definition)
            assert d is not None and str(d)[0].isupper() and str(d).endswith("."), n
    labels = {str(o) for p in (SKOS.prefLabel, PREFIXES["rdfs"].label)
              for o in graph.objects(None, p)}
    for kind, entries in defs["definitions"].items():
        for label in entries:
            assert label in labels, (kind, label)


def test_explain_shows_authors_in_order_sources_and_unverified_fields(store):
    node = resolve_node(store, "Are Diffusion Models Vulnerable to Membership Inference Attacks?")
    e = explain(store, node)
    creators = [f.value for f in e.facts if f.predicate == "dcterms:creator"]
    assert creators[:2] == ["rdi:person-duan--jinhao", "rdi:person-kong--fei"]
    year = next(f for f in e.facts if f.predicate == "rd:publicationYear")
    assert any("verified against PMLR v202 site source of Duan et al. 2023: https://github.com/"
               "mlresearch/v202/blob/" in t for _, _, t in year.sources)
    assert ("doi", "data/bibliography.yaml: duan2023diffusion") in e.unverified
    text = render_text(e)
    assert "not verified against a public record (left empty):" in text
    assert "doi  <- curated: data/bibliography.yaml: duan2023diffusion" in text
    d = explain(store, iri("knowledge", "White-box"))
    definition = next(f for f in d.facts if f.predicate == "skos:definition")
    assert "weights" in definition.value and definition.sources[0][1].startswith(
        "data/definitions.yaml: knowledge/White-box")


# ---------------------------------------------------------------- asking

def _papers(a) -> set[str]:
    return {x["label"] for x in a.answers}


def test_author_year_and_venue_questions(store):
    a = ask(store, "papers by Kong")
    assert _papers(a) == {"Are Diffusion Models Vulnerable to Membership Inference Attacks?",
                          "Efficient Membership Inference for Diffusion Models by Proximal "
                          "Initialization"}
    assert a.understood_as == "papers · author = Fei Kong"
    assert a.answers[0]["citation"] == "SecMI — Duan et al., 2023"
    a = ask(store, "papers by wen")  # a family name two people bear: either, and said
    assert len(a.answers) == 2 and "'wen' names 2 authors" in a.message
    a = ask(store, "gray-box attacks since 2024")
    assert a.understood_as == "attacks · knowledge = Gray-box · year ≥ 2024"
    # the graph's years in the range, bound (kg.query: no FILTER over every row's year)
    assert re.search(r'VALUES \?year\d+ \{ "2024"\^\^<[^>]+> "2025"', a.sparql), a.sparql
    a = ask(store, "what did ICLR publish on data extraction")
    assert a.understood_as == "papers · venue = ICLR · threat = Training data extraction"
    assert _papers(a) == {"Detecting, Explaining, and Mitigating Memorization in Diffusion "
                          "Models"}
    a = ask(store, "membership inference attacks not from 2024")
    assert "year ≠ 2024" in a.understood_as and a.answers
    a = ask(store, "which is the earliest membership inference attack")
    assert _papers(a) == {"Membership Inference Attacks Against Text-to-Image Generation "
                          "Models"}
    assert all(c["kind"] != "author" for c in
               ask(store, "which attacks does he list").logical_form["conditions"])


def test_an_abbreviation_with_two_meanings_is_read_by_context_and_said(store):
    a = ask(store, "which defenses mitigate PIA?")
    assert a.understood_as == "defense methods · threat = Property inference"
    assert "'PIA' can mean the threat 'Property inference'" in a.message
    assert "read as the threat" in a.message
    b = ask(store, "which knowledge does PIA assume")
    assert [x["label"] for x in b.answers] == ["Gray-box"]
    assert "read as the paper" in b.message
    c = ask(store, "which models did the PriSampler attack target")
    assert {x["label"] for x in c.answers} == {"TabDDPM", "DDPM", "SMLD", "VPSDE", "VESDE"}


def test_export_view_by_author_year_and_venue(kg_cli, tmp_path):
    r = kg_cli("export", "view", "--author", "Kong", "-f", "csv", "--json")
    assert r.exit_code == 0, r.output
    r = kg_cli("export", "view", "--venue", "ICLR", "--year", "2024-", "-f", "markdown",
               "-o", str(tmp_path / "v.md"))
    assert r.exit_code == 0, r.output
    text = (tmp_path / "v.md").read_text("utf-8")
    assert "view: venue = ICLR; year = 2024-" in text
    assert "regenerate: kg export view --venue ICLR --year 2024- --format markdown" in text
    assert "rows: 2 attacks, 3 defense evaluations, 2 papers" in text
    for bad, msg in ((("--year", "20x"), "give a year"),
                     (("--author", "Nobody"), "unknown author")):
        r = kg_cli("export", "view", *bad, "-f", "csv", "-o", str(tmp_path / "bad.csv"))
        assert r.exit_code != 0 and msg in r.output and "Traceback" not in r.output
        assert not (tmp_path / "bad.csv").exists()


def test_bibtex_of_the_whole_graph_has_no_warning(kg_cli, tmp_path):
    bib = tmp_path / "refs.bib"
    assert kg_cli("export", "view", "-f", "bibtex", "-o", str(bib)).exit_code == 0
    for style in ("plain", "alpha", "ieeetr"):
        (tmp_path / "main.aux").write_text(f"\\citation{{*}}\n\\bibdata{{refs}}\n"
                                           f"\\bibstyle{{{style}}}\n", "utf-8")
        out = subprocess.run(["bibtex", "main"], cwd=tmp_path, capture_output=True, text=True)
        assert out.returncode == 0, out.stdout
        assert "Warning" not in out.stdout and "error" not in out.stdout.lower(), out.stdout
        assert (tmp_path / "main.bbl").read_text("utf-8").count("\\bibitem") == 19


def test_search_ranks_the_paper_of_an_author_or_acronym_first(store, tmp_path):
    from kg.search import Searcher
    from tests.fake_embed import CountingEmbedder

    s = Searcher(store, CountingEmbedder(), "fake", tmp_path)
    for q, title in (("Carlini", "Extracting Training Data from Diffusion Models"),
                     ("SecMI", "Are Diffusion Models Vulnerable to Membership Inference "
                               "Attacks?"),
                     ("CLiD", "Membership Inference on T2I Diffusion via Conditional "
                              "Likelihood Discrepancy"),
                     ("Jinhao Duan", None)):
        hits = s.search(q, 5, ["paper"])
        if title:
            assert hits[0].label == title, (q, hits[:2])
        else:
            assert {h.label for h in hits[:2]} == {
                "Are Diffusion Models Vulnerable to Membership Inference Attacks?",
                "Efficient Membership Inference for Diffusion Models by Proximal "
                "Initialization"}


@pytest.mark.slow
def test_definitions_let_the_real_model_find_what_the_survey_does_not_spell_out(store,
                                                                               tmp_path):
    from kg.search import Searcher
    from kg.sentence_model import DEFAULT_MODEL, model_embedder

    s = Searcher(store, model_embedder(DEFAULT_MODEL), DEFAULT_MODEL, tmp_path)
    top = {h.label for h in s.search("image augmentation used to reduce membership leakage",
                                     5)}
    assert {"Cutout", "RandomHorizontalFlip", "RandAugment"} <= top
    assert s.search("attacker with full access to the weights", 3)[0].label == "White-box"
