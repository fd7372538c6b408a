"""Records -> graph: the modelling choices the issue names, and SHACL conformance."""

from __future__ import annotations

from dataclasses import replace

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.validate import check
from kg.vocab import RD, iri
from tests.tiers import slow


def _count(g, cls):
    return len(set(g.subjects(RDF.type, cls)))


def test_counts_per_class(graph):
    assert _count(graph, RD.Paper) == 19  # 16 attack papers + 3 defense-only papers
    assert _count(graph, RD.Attack) == 16
    assert _count(graph, RD.DefenseEvaluation) == 17
    assert _count(graph, RD.DefenseMethod) == 16  # DP-SGD shared by two papers
    assert _count(graph, RD.ThreatCategory) == 4
    assert _count(graph, RD.AttackerKnowledge) == 3


def test_dp_sgd_is_one_method_used_by_two_papers(graph):
    dp = iri("method", "DP-SGD")
    evals = set(graph.subjects(RD.method, dp))
    papers = {graph.value(e, RD.fromPaper) for e in evals}
    assert len(evals) == 2 and len(papers) == 2


def test_paper_in_both_tables_is_one_node_with_both_urls(graph):
    p = iri("paper", "Extracting Training Data from Diffusion Models")
    assert set(graph.subjects(RD.fromPaper, p)) >= {iri("attack", str(graph.value(p, DCTERMS.title)))}
    urls = set(map(str, graph.objects(p, RD.paperURL)))
    assert urls == {"https://www.usenix.org/conference/usenixsecurity23/presentation/carlini",
                    "https://www.usenix.org/system/files/usenixsecurity23-carlini.pdf"}
    sources = set(graph.objects(p, PROV.wasDerivedFrom))
    rows = {s for s in sources if (s, RDF.type, RD.SourceRow) in graph}
    assert len(rows) == 4  # one attack row and three defense rows
    assert sources - rows == {iri("curated", "bibliography", "carlini2023extracting")}


SIDE = "SIDE: Surrogate Conditional Data Extraction from Diffusion Models"
CARLINI = "Extracting Training Data from Diffusion Models"  # one attack row, three defense rows


def _with_code(survey, cells: dict[tuple[str, int], tuple[str, tuple[str, ...]]]):
    """The survey with the Code cells of the given (table, row) set to (text, links)."""
    tables = {}
    for name, table in survey.tables.items():
        rows = []
        for r in table.rows:
            if (name, r.number) in cells:
                text, links = cells[(name, r.number)]
                r = replace(r, cells={**r.cells, "Code": replace(r["Code"], text=text,
                                                                 links=links)})
            rows.append(r)
        tables[name] = replace(table, rows=tuple(rows))
    return replace(survey, tables=tables)


def _rows_of(survey, title: str) -> list[tuple[str, int]]:
    return [(name, r.number) for name, table in survey.tables.items() for r in table.rows
            if " ".join(r["Ref."].text.split()) == title]


def test_code_availability_says_what_the_code_cell_says(graph):
    side = iri("paper", SIDE)
    assert graph.value(side, RD.codeAvailability) == RD.CodeWithoutLink  # "code", no link
    assert graph.value(side, RD.codeRepository) is None
    wen = iri("paper", "Detecting, Explaining, and Mitigating Memorization in Diffusion Models")
    assert graph.value(wen, RD.codeAvailability) == RD.CodeLinked
    assert str(graph.value(wen, RD.codeRepository)).endswith("diffusion_memorization")
    # every Code cell of the survey reads "code": none is empty, so none is NoCodeMarked
    states = {graph.value(p, RD.codeAvailability) for p in graph.subjects(RDF.type, RD.Paper)}
    assert states == {RD.CodeLinked, RD.CodeWithoutLink}
    labels = {str(graph.value(s, RDFS.label)) for s in graph.subjects(RDF.type,
                                                                        RD.CodeAvailability)}
    assert labels == {"code linked", "code marked, no link", "no code marked"}


def test_an_empty_code_cell_is_no_code_marked(survey):
    from kg.graph import build_graph

    (row,) = _rows_of(survey, SIDE)
    g = build_graph(_with_code(survey, {row: ("", ())}))
    assert g.value(iri("paper", SIDE), RD.codeAvailability) == RD.NoCodeMarked
    ok, report = check(g)
    assert ok, report


def test_linked_wins_over_marked_which_wins_over_none_marked(survey):
    from kg.graph import build_graph

    rows = _rows_of(survey, CARLINI)
    assert len(rows) == 4
    paper = iri("paper", CARLINI)
    empty = {r: ("", ()) for r in rows}
    cases = [  # (Code cells of its rows, in row order) -> the paper's state
        ([("", ())] * 4, RD.NoCodeMarked),
        ([("", ()), ("code", ()), ("", ()), ("", ())], RD.CodeWithoutLink),
        ([("code", ()), ("", ()), ("code", ("https://example.org/carlini",)), ("", ())],
         RD.CodeLinked),
        ([("", ())] * 3 + [("code", ("https://example.org/carlini",))], RD.CodeLinked),
    ]
    for cells, want in cases:
        g = build_graph(_with_code(survey, {**empty, **dict(zip(rows, cells, strict=True))}))
        assert set(g.objects(paper, RD.codeAvailability)) == {want}, cells
        assert (g.value(paper, RD.codeRepository) is not None) == (want == RD.CodeLinked)


def test_aliases_make_one_node(graph):
    gray = iri("knowledge", "Gray-box")
    gi = iri("attack", "Gradient Inversion of Federated Diffusion Models")
    assert (gi, RD.assumesKnowledge, gray) in graph  # written "Grey-box"
    clid = iri("attack", "Membership Inference on T2I Diffusion via Conditional Likelihood "
                         "Discrepancy")
    assert (clid, RD.evaluatedOn, iri("model", "SD v1.4")) in graph  # written "SD v1-4"
    duan = iri("attack", "Are Diffusion Models Vulnerable to Membership Inference Attacks?")
    assert (duan, RD.evaluatedOn, iri("model", "Stable Diffusion")) in graph  # written "SD"
    l2 = iri("method", "ℓ2-regularization")
    assert (l2, RDFS.label, Literal("ℓ2-regularization")) in graph
    assert (l2, SKOS.altLabel, Literal("L2-regularization")) in graph
    assert len({o for s in graph.subjects(RDF.type, RD.AttackerKnowledge)
                for o in graph.objects(s, SKOS.prefLabel)}) == 3


def test_model_hierarchy_and_kinds(graph):
    sd14 = iri("model", "SD v1.4")
    chain = []
    node = sd14
    while node is not None:
        chain.append(str(graph.value(node, SKOS.prefLabel)))
        node = graph.value(node, SKOS.broader)
    assert chain == ["SD v1.4", "Stable Diffusion", "Latent diffusion model", "Diffusion model"]
    assert (iri("model", "VQGAN"), RDF.type, RD.GenerativeAdversarialNetwork) in graph
    assert (iri("model", "CC-FPSE"), RDF.type, RD.GenerativeAdversarialNetwork) in graph
    assert (iri("model", "DALL-E mini"), RDF.type, RD.AutoregressiveModel) in graph
    assert (iri("model", "DDIM"), RDF.type, RD.DiffusionModel) in graph


def test_every_row_fact_traces_to_a_cell(graph):
    """Each (row node, mapped property) has exactly the cell of the mapped column."""
    for cls in (RD.Attack, RD.DefenseEvaluation):
        for node in graph.subjects(RDF.type, cls):
            row = graph.value(node, PROV.wasDerivedFrom)
            assert (row, RDF.type, RD.SourceRow) in graph
            mapped = {p for cell in graph.objects(row, RD.hasCell)
                      for p in graph.objects(graph.value(cell, RD.column), RD.mapsTo)}
            facts = {p for p in graph.predicates(node) if p.startswith(str(RD._NS))}
            assert facts <= mapped | {RD.fromPaper}, facts - mapped


def test_curated_facts_are_labelled_with_their_file(graph):
    entries = set(graph.subjects(RDF.type, RD.CuratedEntry))
    files = {str(graph.value(e, RD.sourceFile)) for e in entries}
    assert files == {"data/models.yaml", "data/aliases.yaml", "data/atlas_crosswalk.yaml",
                     "data/bibliography.yaml", "data/definitions.yaml"}
    for m in graph.subjects(RDF.type, RD.TargetModel):
        assert any((s, RDF.type, RD.CuratedEntry) in graph
                   for s in graph.objects(m, PROV.wasDerivedFrom)), m


def test_graph_conforms_to_shapes(graph):
    ok, report = check(graph)
    assert ok, report


def _copy(graph) -> Graph:
    g = Graph()
    for t in graph:
        g.add(t)
    return g


def test_shapes_catch_a_paper_without_title(graph):
    g = _copy(graph)
    p = iri("paper", "PriSampler: Mitigating Property Inference of Diffusion Models")
    g.remove((p, DCTERMS.title, None))
    ok, report = check(g)
    assert not ok and "title" in report


def test_shapes_catch_an_attack_without_knowledge_and_code_contradictions(graph):
    g = _copy(graph)
    a = next(g.subjects(RDF.type, RD.Attack))
    g.remove((a, RD.assumesKnowledge, None))
    p = iri("paper", "PriSampler: Mitigating Property Inference of Diffusion Models")
    g.add((p, RD.codeRepository, URIRef("https://example.org/x")))
    ok, report = check(g)
    assert not ok
    assert "assumesKnowledge" in report and "names its repository" in report


@slow
def test_shapes_catch_a_code_state_that_contradicts_its_repositories(graph):
    side = iri("paper", SIDE)
    assert graph.value(side, RD.codeAvailability) == RD.CodeWithoutLink
    g = _copy(graph)
    g.add((side, RD.codeRepository, URIRef("https://example.org/side")))
    ok, report = check(g)
    assert not ok and "names its repository" in report
    g = _copy(graph)  # code linked but no repository named
    g.set((side, RD.codeAvailability, RD.CodeLinked))
    ok, report = check(g)
    assert not ok and "names its repository" in report
    g = _copy(graph)  # no code marked, yet a repository
    g.set((side, RD.codeAvailability, RD.NoCodeMarked))
    g.add((side, RD.codeRepository, URIRef("https://example.org/side")))
    assert not check(g)[0]
    g = _copy(graph)  # a state outside the three
    g.set((side, RD.codeAvailability, URIRef(str(RD._NS) + "PublicCode")))
    ok, report = check(g)
    assert not ok and "one code availability" in report


def test_shapes_catch_a_definition_without_its_verified_source(graph):
    defined = sorted(graph.subjects(SKOS.definition, None))
    assert defined
    node = defined[0]
    checks = [v for e in graph.objects(node, PROV.wasDerivedFrom)
              for v in graph.objects(e, RD.hasVerification)
              if (v, RD.verifiesProperty, SKOS.definition) in graph]
    assert checks
    g = _copy(graph)  # the verification's citation gone: no public source named
    for v in checks:
        g.remove((v, RD.citation, None))
    ok, report = check(g)
    assert not ok and "paraphrases" in report and str(node) in report
    g = _copy(graph)  # a definition on a node whose entry verifies no definition
    fresh = URIRef(str(node) + "-copy")
    g.add((fresh, SKOS.definition, Literal("A node with a definition of no source.")))
    ok, report = check(g)
    assert not ok and "paraphrases" in report and str(fresh) in report


def test_vocab_terms_are_the_ontology_terms():
    from kg.graph import load_ontology

    onto = load_ontology()
    ns = str(RD._NS)
    defined = {str(s)[len(ns):] for s in onto.subjects() if str(s).startswith(ns)}
    in_code = {k for k in RD.__annotations__}
    assert in_code == defined
