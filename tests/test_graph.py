"""Records -> graph: the modelling choices the issue names, and SHACL conformance."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.validate import check
from kg.vocab import RD, iri

GOLDEN_NT = Path(__file__).parent / "golden" / "graph.nt"
UPDATE_GOLDENS = os.environ.get("KG_UPDATE_GOLDENS") == "1"


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


def test_graph_conforms_to_shapes(survey_build, graph):
    """The graph every test reads passed SHACL: it is the graph.nt of the shared kg build
    (tests/built.py), and kg build validates before it writes (kg.validate.require_valid
    raises with the report otherwise)."""
    from kg.version import canonical_nt

    assert (survey_build / "version.json").is_file()
    assert (survey_build / "graph.nt").read_text(encoding="utf-8") == canonical_nt(graph)


def test_the_built_graph_is_the_golden_graph(survey_build, graph):
    """kg build's graph.nt (sorted N-Triples, IRIs minted from labels: byte-stable) is
    tests/golden/graph.nt byte for byte, and so is the graph every test reads (built in
    memory from the parsed survey). A change to the survey, a curated file, the ontology or
    the builder shows here as triples added or removed; regenerate on purpose with
    KG_UPDATE_GOLDENS=1."""
    from kg.version import canonical_nt

    built = (survey_build / "graph.nt").read_text(encoding="utf-8")
    if UPDATE_GOLDENS:
        GOLDEN_NT.write_text(built, encoding="utf-8")
    assert GOLDEN_NT.exists(), f"no golden file {GOLDEN_NT}; create it with KG_UPDATE_GOLDENS=1"
    golden = GOLDEN_NT.read_text(encoding="utf-8")
    if built != golden:
        new, old = set(built.splitlines()), set(golden.splitlines())
        pytest.fail(f"the built graph differs from {GOLDEN_NT} ({len(new - old)} triples added, "
                    f"{len(old - new)} removed), e.g.\n+ " + "\n+ ".join(sorted(new - old)[:5])
                    + "\n- " + "\n- ".join(sorted(old - new)[:5])
                    + "\nif the change is intended, regenerate with KG_UPDATE_GOLDENS=1")
    assert canonical_nt(graph) == built


def _copy(graph) -> Graph:
    g = Graph()
    for t in graph:
        g.add(t)
    return g


# ------------------------------------------------------------------ what the shapes catch
# One copy of the graph with one kind of defect on each node named below, validated once:
# SHACL checks each focus node against each shape on its own, so each defect is found as
# it would be alone, and test_every_violation_is_one_of_the_defects shows that no defect
# set off another (every result is on a node broken here).

PRISAMPLER = "PriSampler: Mitigating Property Inference of Diffusion Models"
LINKED_NO_REPO = "Gradient Inversion of Federated Diffusion Models"  # code marked, no link
NONE_WITH_REPO = "Membership Inference Attacks Against Diffusion Models"  # code marked, no link
OTHER_STATE = "Model Will Tell: Training Membership Inference for Diffusion Models"


def _results(report: str) -> list[dict[str, str]]:
    """The results of a pyshacl text report: severity, focus node, path, message each."""
    out: list[dict[str, str]] = []
    for line in report.splitlines():
        if line and not line[0].isspace() and line.startswith("Constraint Violation"):
            out.append({})
        elif out and line.startswith("\t") and ": " in line:
            key, value = line.strip().split(": ", 1)
            out[-1][key] = value
    return out


def _on(result: dict[str, str]) -> set[str]:
    """The nodes a result is about: its focus node, and its value node (a SPARQL
    constraint of a class reports each bad instance as a value of the class)."""
    return {result[k] for k in ("Focus Node", "Value Node") if k in result}


def _caught(results, node, *needles: str) -> list[dict[str, str]]:
    """The violations about ``node`` whose message holds every needle."""
    return [r for r in results if f"<{node}>" in _on(r) and r.get("Severity") == "sh:Violation"
            and all(n in r.get("Message", "") for n in needles)]


@pytest.fixture(scope="module")
def broken(graph):
    """(the nodes broken, the violations of the one validation of the broken copy)."""
    g = _copy(graph)
    nodes = {}
    # a paper without a title, and (code marked, no link) yet naming a repository
    p = nodes["no title"] = iri("paper", PRISAMPLER)
    assert g.value(p, RD.codeAvailability) == RD.CodeWithoutLink
    g.remove((p, DCTERMS.title, None))
    g.add((p, RD.codeRepository, URIRef("https://example.org/x")))
    # an attack without attacker knowledge
    a = nodes["no knowledge"] = sorted(g.subjects(RDF.type, RD.Attack))[0]
    g.remove((a, RD.assumesKnowledge, None))
    # the code states against the repositories, one paper each
    side = nodes["marked with repo"] = iri("paper", SIDE)
    assert g.value(side, RD.codeAvailability) == RD.CodeWithoutLink
    g.add((side, RD.codeRepository, URIRef("https://example.org/side")))
    p = nodes["linked, no repo"] = iri("paper", LINKED_NO_REPO)
    assert g.value(p, RD.codeRepository) is None
    g.set((p, RD.codeAvailability, RD.CodeLinked))
    p = nodes["none marked with repo"] = iri("paper", NONE_WITH_REPO)
    g.set((p, RD.codeAvailability, RD.NoCodeMarked))
    g.add((p, RD.codeRepository, URIRef("https://example.org/none")))
    p = nodes["other state"] = iri("paper", OTHER_STATE)
    g.set((p, RD.codeAvailability, URIRef(str(RD._NS) + "PublicCode")))
    # a definition whose verification names no public source, and one of no entry at all
    defined = sorted(graph.subjects(SKOS.definition, None))
    node = nodes["definition unsourced"] = defined[0]
    checks = [v for e in graph.objects(node, PROV.wasDerivedFrom)
              for v in graph.objects(e, RD.hasVerification)
              if (v, RD.verifiesProperty, SKOS.definition) in graph]
    assert checks
    for i, v in enumerate(checks):
        g.remove((v, RD.citation, None))
        nodes[f"verification {i} unsourced"] = v
    fresh = nodes["definition of no entry"] = URIRef(str(node) + "-copy")
    g.add((fresh, SKOS.definition, Literal("A node with a definition of no source.")))
    ok, report = check(g)
    assert not ok
    return nodes, _results(report)


def test_every_violation_is_one_of_the_defects(broken):
    nodes, results = broken
    broken_nodes = {f"<{n}>" for n in nodes.values()}
    assert results and all(_on(r) & broken_nodes for r in results)


def test_shapes_catch_a_paper_without_title(broken):
    nodes, results = broken
    assert _caught(results, nodes["no title"], "title")


def test_shapes_catch_an_attack_without_knowledge_and_code_contradictions(broken):
    nodes, results = broken
    assert [r for r in results if r.get("Focus Node") == f"<{nodes['no knowledge']}>"
            and r.get("Result Path") == "rd:assumesKnowledge"
            and r.get("Severity") == "sh:Violation"]
    assert _caught(results, nodes["no title"], "names its repository")


def test_shapes_catch_a_code_state_that_contradicts_its_repositories(broken):
    nodes, results = broken
    assert _caught(results, nodes["marked with repo"], "names its repository")
    assert _caught(results, nodes["linked, no repo"], "names its repository")
    assert _caught(results, nodes["none marked with repo"])
    assert _caught(results, nodes["other state"], "one code availability")


def test_shapes_catch_a_definition_without_its_verified_source(broken):
    nodes, results = broken
    assert _caught(results, nodes["definition unsourced"], "paraphrases")
    assert _caught(results, nodes["definition of no entry"], "paraphrases")


def test_vocab_terms_are_the_ontology_terms():
    from kg.graph import load_ontology

    onto = load_ontology()
    ns = str(RD._NS)
    defined = {str(s)[len(ns):] for s in onto.subjects() if str(s).startswith(ns)}
    in_code = {k for k in RD.__annotations__}
    assert in_code == defined
