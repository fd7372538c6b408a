import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, SKOS, Literal, URIRef

from kg.ask import ask
from kg.errors import KGError
from kg.vocab import RD


# --- an independent oracle: plain graph traversal, no SPARQL
def concept(graph, label):
    return next(s for s in graph.subjects(SKOS.prefLabel, None)
                if str(graph.value(s, SKOS.prefLabel)) == label)


def under(graph, model, family):
    return family in set(graph.transitive_objects(model, SKOS.broader))


def oracle_defenses(graph, threat, family=None):
    out = set()
    for e in graph.subjects(RDF.type, RD.DefenseEvaluation):
        if (e, RD.mitigates, threat) not in graph:
            continue
        if family is not None and not any(under(graph, m, family)
                                          for m in graph.objects(e, RD.evaluatedOn)):
            continue
        out.add(str(graph.value(e, RD.method)))
    return out


def oracle_attack_papers(graph, threat=None, knowledge=None, family=None):
    out = set()
    for a in graph.subjects(RDF.type, RD.Attack):
        if threat is not None and (a, RD.threat, threat) not in graph:
            continue
        if knowledge is not None and (a, RD.assumesKnowledge, knowledge) not in graph:
            continue
        if family is not None and not any(under(graph, m, family)
                                          for m in graph.objects(a, RD.evaluatedOn)):
            continue
        out.add(str(graph.value(a, RD.fromPaper)))
    return out


def iris(answer):
    return {a["iri"] for a in answer.answers}


def test_defenses_for_threat_on_a_family(store, graph):
    a = ask(store, "what protects Stable Diffusion against membership inference?")
    assert a.intent == "defenses_for_threat"
    want = oracle_defenses(graph, concept(graph, "Membership inference"),
                           concept(graph, "Stable Diffusion"))
    assert want and iris(a) == want
    assert {x["type"] for x in a.answers} == {"method"}


def test_attacks_by_threat_and_knowledge_with_abbreviations(store, graph):
    a = ask(store, "which MIAs work black-box?")
    assert a.intent == "attacks"
    assert iris(a) == oracle_attack_papers(graph, concept(graph, "Membership inference"),
                                           concept(graph, "Black-box"))
    b = ask(store, "grey box MIA papers")
    assert iris(b) == oracle_attack_papers(graph, concept(graph, "Membership inference"),
                                           concept(graph, "Gray-box"))
    c = ask(store, "attacks that only need API access")
    assert iris(c) == oracle_attack_papers(graph, knowledge=concept(graph, "Black-box"))


def test_attacks_on_a_family_follow_broader(store, graph):
    a = ask(store, "attacks on LDMs")
    assert iris(a) == oracle_attack_papers(graph, family=concept(graph,
                                                                 "Latent diffusion model"))


def test_code_availability(store, graph):
    a = ask(store, "membership inference attacks with public code")
    mi = oracle_attack_papers(graph, concept(graph, "Membership inference"))
    want = {p for p in mi if (URIRef(p), RD.codeAvailability, RD.PublicCode) in graph}
    assert iris(a) == want and 0 < len(want) < len(mi)


def test_papers_of_a_method_and_methods_of_a_paper(store, graph):
    a = ask(store, "papers that study DP-SGD")
    dp = next(graph.subjects(RDFS_LABEL, Literal("DP-SGD")))
    want = {str(graph.value(e, RD.fromPaper)) for e in graph.subjects(RD.method, dp)}
    assert a.intent == "papers_for_method" and iris(a) == want
    b = ask(store, "what defenses does the SecMI paper evaluate")
    paper = next(iter(iri for iri in want if "vulnerable" in iri))
    assert b.intent == "defenses_of_paper"
    assert iris(b) == {str(graph.value(e, RD.method))
                       for e in graph.subjects(RD.fromPaper, URIRef(paper))
                       if (e, RDF.type, RD.DefenseEvaluation) in graph}


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def test_threats_without_defense_and_target_models(store, graph):
    a = ask(store, "which threats have no defense?")
    defended = set(graph.objects(None, RD.mitigates))
    attacked = set(graph.objects(None, RD.threat))
    assert a.intent == "threats_without_defense"
    assert iris(a) == {str(t) for t in attacked - defended}
    gi = concept(graph, "Gradient inversion")
    b = ask(store, "target models of gradient inversion")
    assert iris(b) == {str(m) for at in graph.subjects(RD.threat, gi)
                       for m in graph.objects(at, RD.evaluatedOn)}


def test_counts(store, graph):
    a = ask(store, "how many membership inference attacks are there")
    want = oracle_attack_papers(graph, concept(graph, "Membership inference"))
    assert a.count == len(want) and a.asks_count and str(len(want)) in a.message


def test_limitation_text(store, graph):
    a = ask(store, "attacks that need auxiliary data")
    assert a.intent == "attacks_by_text"
    want = {str(graph.value(at, RD.fromPaper)) for at in graph.subjects(RDF.type, RD.Attack)
            if "auxiliary" in str(graph.value(at, RD.limitation)).lower()}
    assert want and iris(a) == want


def test_gaps_question(store):
    a = ask(store, "where are the gaps?")
    assert a.intent == "gaps" and a.answers
    assert all(x["type"] in ("gap", "threat") for x in a.answers)


def test_unknown_entity_says_so_and_falls_back_to_search(store):
    a = ask(store, "defenses against prompt injection", lambda t, k: [])
    assert a.intent == "unknown_entity" and "prompt injection" in a.message
    assert a.answers == []


@pytest.mark.parametrize("q", ["", "   ", "?!?!", "x" * 5000,
                               "SELECT ?s WHERE { ?s ?p ?o }",
                               "PREFIX rd: <x> ASK { ?s ?p ?o }"])
def test_bad_input_is_a_clear_error(store, q):
    with pytest.raises(KGError):
        ask(store, q)


def all_templates() -> set[str]:
    """Every query ask can run: the fixed templates and their slot combinations."""
    from itertools import combinations

    import kg.ask as A

    def subsets(slots):
        return [list(c) for n in range(len(slots) + 1) for c in combinations(slots, n)]

    out = {getattr(A, n) for n in dir(A) if n.isupper() and isinstance(getattr(A, n), str)
           and "SELECT" in getattr(A, n)}
    for s in subsets(list(A.ATTACK_SLOTS)):
        out |= {A.attacks_query(s), A.attacks_query(s, True), A.models_query(s),
                A.threats_query(s)}
    for s in subsets(list(A.DEFENSE_SLOTS)):
        out.add(A.defenses_query(s))
    return out


TEMPLATES = all_templates()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=80))
def test_any_text_answers_or_refuses_and_runs_only_fixed_templates(store, text):
    try:
        a = ask(store, "attacks " + text)
    except KGError:
        return
    executed = re.sub(r"\nLIMIT \d+$", "", a.sparql)
    assert executed == "" or executed in TEMPLATES or a.intent == "gaps"
    assert all(isinstance(v, str) and v.startswith("https://") for v in a.bindings.values())


def test_injection_attempt_is_bound_not_pasted(store):
    a = ask(store, 'attacks on SD" } ; DROP ALL ; #')
    assert re.sub(r"\nLIMIT \d+$", "", a.sparql) in TEMPLATES
    assert a.bindings["model"].endswith("model-stable-diffusion")


def test_cli_ask_json_contract(kg_cli):
    r = kg_cli("ask", "which MIAs work black-box?", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {"question", "intent", "sparql", "answers", "count"} <= set(d)
    assert d["count"] == len(d["answers"]) > 0
    for x in d["answers"]:
        assert {"iri", "label", "type"} <= set(x)
    assert "?threat" in d["sparql"] and d["bindings"]["threat"].endswith("membership-inference")
    r = kg_cli("ask", "papers that study DP-SGD")
    assert r.exit_code == 0 and "SPARQL:" in r.output and "bindings:" in r.output


def test_cli_bad_question_is_one_line(runner):
    from kg.cli import main

    r = runner.invoke(main, ["ask", "SELECT ?s WHERE { ?s ?p ?o }"])
    assert r.exit_code == 1 and "kg sparql" in r.output and "Traceback" not in r.output



def test_large_answer_sets_are_capped_with_an_exact_count(store, graph, monkeypatch):
    import kg.ask

    monkeypatch.setattr(kg.ask, "ROW_CAP", 3)
    a = ask(store, "which MIAs work black-box?")
    want = oracle_attack_papers(graph, concept(graph, "Membership inference"),
                                concept(graph, "Black-box"))
    assert a.count == len(want) > len(a.answers)
    d = a.as_dict()
    assert d["truncated"] and "COUNT(DISTINCT ?paper)" in d["count_sparql"]
    assert d["count"] == len(want)
