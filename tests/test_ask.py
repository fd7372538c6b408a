import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import RDF, SKOS, Literal, URIRef

from kg.ask import ask, parse, render_text
from kg.errors import KGError
from kg.lexicon import tokens
from kg.query import compile_form, context
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
    assert a.intent == "query" and a.logical_form["target"] == "methods"
    want = oracle_defenses(graph, concept(graph, "Membership inference"),
                           concept(graph, "Stable Diffusion"))
    assert want and iris(a) == want
    assert {x["type"] for x in a.answers} == {"method"}
    assert a.understood_as == ("defense methods · model ∈ Stable Diffusion family · "
                               "threat = Membership inference")


def test_attacks_by_threat_and_knowledge_with_abbreviations(store, graph):
    a = ask(store, "which MIAs work black-box?")
    assert a.logical_form["target"] == "attacks"
    assert iris(a) == oracle_attack_papers(graph, concept(graph, "Membership inference"),
                                           concept(graph, "Black-box"))
    b = ask(store, "grey box MIA papers")
    assert iris(b) == oracle_attack_papers(graph, concept(graph, "Membership inference"),
                                           concept(graph, "Gray-box"))
    c = ask(store, "attacks with API access")
    assert iris(c) == oracle_attack_papers(graph, knowledge=concept(graph, "Black-box"))
    d = ask(store, "attacks that are black-box only")
    assert d.understood_as == "attacks · knowledge = Black-box only"
    bb = concept(graph, "Black-box")
    assert iris(d) == {str(graph.value(a, RD.fromPaper))
                       for a in graph.subjects(RDF.type, RD.Attack)
                       if set(graph.objects(a, RD.assumesKnowledge)) == {bb}} < iris(c)


@pytest.mark.parametrize("q", ["attacks that only need API access",
                               "which attacks only need black-box access?",
                               "MIAs requiring only black-box access"])
def test_only_need_is_asked_back_both_ways(store, graph, q):
    """"only need X access": read as "no more than X" by some and "X only" by others (two
    independent question writers against the project's own benchmark): never read one way,
    asked back with both readings and their answers (kg.ask.ambiguous)."""
    a = ask(store, q)
    assert a.intent == "ask_back" and len(a.readings) == 2 and not a.answers
    read = {r["understood_as"].endswith(" only"): {x["iri"] for x in r["answers"]}
            for r in a.readings}
    anyx, only = read[False], read[True]
    mia = concept(graph, "Membership inference") if "MIA" in q else None
    bb = concept(graph, "Black-box")
    assert anyx == oracle_attack_papers(graph, mia, bb)
    assert only == {str(graph.value(x, RD.fromPaper)) for x in graph.subjects(RDF.type, RD.Attack)
                    if set(graph.objects(x, RD.assumesKnowledge)) == {bb}
                    and (mia is None or (x, RD.threat, mia) in graph)}
    assert only < anyx


def test_white_box_access_is_knowledge_not_a_text_filter(store, graph):
    a = ask(store, "what attacks need white-box access?")
    assert iris(a) == oracle_attack_papers(graph, knowledge=concept(graph, "White-box"))
    assert len(a.answers) == 5 and "contains" not in a.understood_as


def test_two_conditions_of_one_kind_are_both_kept(store, graph):
    a = ask(store, "Which attacks target both DDIM and DALL-E 2?")
    assert "model ∋ DDIM and DALL-E 2" in a.understood_as and len(a.answers) == 1
    b = ask(store, "compare defenses for membership inference and data extraction")
    assert "threat ∈ {Membership inference, Training data extraction}" in b.understood_as
    mi, tde = (concept(graph, t) for t in ("Membership inference", "Training data extraction"))
    assert iris(b) == oracle_defenses(graph, mi) | oracle_defenses(graph, tde)


def test_negation_superlative_count_and_difference(store, graph):
    a = ask(store, "which gray-box attacks are not membership inference?")
    assert "threat ≠ Membership inference" in a.understood_as
    gray = oracle_attack_papers(graph, knowledge=concept(graph, "Gray-box"))
    assert iris(a) == gray - oracle_attack_papers(graph, concept(graph, "Membership inference"))
    b = ask(store, "Which model is attacked most often?")
    assert [x["label"] for x in b.answers] == ["DDPM"] and b.answers[0]["n"] == 8
    assert "DDPM: 8 attacks" in b.message
    c = ask(store, "How many attacks are in the graph?")
    assert c.count == 16 and "16 attacks" in c.message
    d = ask(store, "Which defense methods were evaluated on DDPM but not on Stable Diffusion?")
    assert "model ∉ Stable Diffusion family" in d.understood_as
    assert "DualMD" not in {x["label"] for x in d.answers} and len(d.answers) == 8
    e = ask(store, "Which attacks have public code but target no Stable Diffusion model?")
    assert len(e.answers) == 3 and "code linked in the survey" in e.understood_as
    f = ask(store, "Which attacks have no public code?")
    assert "no code link in the survey" in f.understood_as and "public" not in f.understood_as
    assert len(f.answers) == 10  # the survey marks code but gives no link for each


def test_unknown_model_is_said_and_not_answered(store):
    a = ask(store, "What protects Imagen from data extraction?", lambda t, k: [])
    assert a.intent == "unknown_entity" and a.answers == []
    assert a.not_in_graph[0]["text"] == "Imagen" and "Imagen" in a.message
    assert "not in the graph" in a.message
    b = ask(store, "gray-box MIAs on Stable Diffusion 3")
    assert b.intent == "unknown_entity" and b.not_in_graph[0]["text"] == "Stable Diffusion 3"
    assert "Stable Diffusion" in b.not_in_graph[0]["closest"]
    c = ask(store, "defenses against prompt injection", lambda t, k: [])
    assert c.intent == "unknown_entity" and "prompt injection" in c.message


def test_words_not_understood_are_reported(store):
    a = ask(store, "which attacks on DDIM are spooky")
    assert a.intent == "query" and a.not_understood == ["spooky"]
    assert "not understood" in a.message
    b = ask(store, "which models have defenses but were never audited?")
    assert b.intent != "query" or "audited" in b.not_understood, b.message
    # "never attacked" is read since issue 29's round 5: no attack row names the model
    c = ask(store, "which models have defenses but were never attacked?")
    assert c.intent == "query" and "no attack row" in c.understood_as


def test_papers_of_a_method_and_methods_of_a_paper(store, graph):
    a = ask(store, "papers that study DP-SGD")
    dp = next(graph.subjects(RDFS_LABEL, Literal("DP-SGD")))
    want = {str(graph.value(e, RD.fromPaper)) for e in graph.subjects(RD.method, dp)}
    assert a.logical_form["target"] == "papers" and iris(a) == want
    b = ask(store, "what defenses does the SecMI paper evaluate")
    paper = next(iter(iri for iri in want if "vulnerable" in iri))
    assert iris(b) == {str(graph.value(e, RD.method))
                       for e in graph.subjects(RD.fromPaper, URIRef(paper))
                       if (e, RDF.type, RD.DefenseEvaluation) in graph}


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def test_threats_without_defense_and_target_models(store, graph):
    a = ask(store, "which threats have no defense?")
    defended = set(graph.objects(None, RD.mitigates))
    attacked = set(graph.objects(None, RD.threat))
    assert a.understood_as == ("threats (from attack rows) · no defense evaluated for its "
                               "threat")
    assert iris(a) == {str(t) for t in attacked - defended}
    gi = concept(graph, "Gradient inversion")
    b = ask(store, "target models of gradient inversion")
    assert iris(b) == {str(m) for at in graph.subjects(RD.threat, gi)
                       for m in graph.objects(at, RD.evaluatedOn)}


def test_counts(store, graph):
    a = ask(store, "how many membership inference attacks are there")
    want = oracle_attack_papers(graph, concept(graph, "Membership inference"))
    assert a.count == len(want) and a.asks_count and str(len(want)) in a.message
    b = ask(store, "how many attacks per threat")
    assert {x["label"]: x["n"] for x in b.answers}["Membership inference"] == len(want)


def test_limitation_text_is_bound_inside_the_query(store, graph):
    a = ask(store, "attacks that need auxiliary data")
    assert 'limitation contains "auxiliary"' in a.understood_as
    assert 'VALUES ?word' in a.sparql and '"auxiliary"' in a.sparql
    want = {str(graph.value(at, RD.fromPaper)) for at in graph.subjects(RDF.type, RD.Attack)
            if "auxiliary" in str(graph.value(at, RD.limitation)).lower()}
    assert want and iris(a) == want


def test_gaps_question(store):
    a = ask(store, "where are the gaps?")
    assert a.intent == "gaps" and a.answers
    assert all(x["type"] in ("gap", "threat") for x in a.answers)


def test_a_gaps_question_applies_every_name_or_says_why_not(store):
    every = ask(store, "where are the gaps?").answers
    mia_ddim = ask(store, "gaps for membership inference on DDIM")
    assert "threat ∈ {Membership inference}" in mia_ddim.understood_as
    assert "model ∈ {DDIM}" in mia_ddim.understood_as
    assert mia_ddim.answers and len(mia_ddim.answers) < len(every)
    assert all("Membership inference" in x["label"] and "DDIM" in x["label"]
               for x in mia_ddim.answers)
    # a family named selects its family-level gaps (both sides rolled up, kg gaps' family
    # view): FastDPM's membership inference gap is no gap of the DDPM family, whose DDPM
    # rows are defended against it
    fam = ask(store, "gaps on the DDPM family")
    member = ask(store, "gaps on FastDPM")
    assert "DDPM family" in fam.understood_as and fam.not_understood == [] and member.answers
    assert {x["label"] for x in member.answers} == {"Membership inference"}
    assert {x["label"] for x in fam.answers} == {"Gradient inversion"}
    # a name no gap can be selected by is a refusal; an unknown word and name are said
    method = ask(store, "gaps for PriSampler")
    assert method.intent == "not_applicable" and method.answers == []
    assert "PriSampler" in method.message
    odd = ask(store, "gaps zzqx")
    assert odd.not_understood == ["zzqx"] and "zzqx" in odd.message
    assert ask(store, "gaps on SDXL").intent == "unknown_entity"


def test_a_negated_name_in_a_gaps_question_leaves_its_gaps_out(store):
    def gaps(q):
        return {(x["label"], x["reason"]) for x in ask(store, q).answers}

    every = gaps("where are the gaps?")
    ddpm = {(lab, r) for lab, r in every if " × " in lab and lab.split(" × ")[1] in (
        "DDPM", "OpenAI-DDPM", "TabDDPM", "FastDPM")}
    not_ddpm = ask(store, "gaps not on DDPM")
    assert "model ∉ {DDPM family}" in not_ddpm.understood_as
    assert gaps("gaps not on DDPM") == every - ddpm and ddpm
    # naming only a model, the answer lists the threats of its gaps (and says so): a family
    # (DDPM) its family-level gaps: gradient inversion (property inference is defended on
    # TabDDPM, in the family)
    assert {x["label"] for x in ask(store, "gaps on DDPM").answers} == {"Gradient inversion"}
    mia = ask(store, "gaps on membership inference but not on DDIM")
    assert "threat ∈ {Membership inference}" in mia.understood_as
    assert mia.answers and all("Membership inference" in x["label"] and "DDIM" not in x["label"]
                               for x in mia.answers)
    # "not covered" is the gap cue, not a negation; a negation of nothing is a refusal
    assert len(ask(store, "which areas are not covered?").answers) == len(every)
    assert ask(store, "gaps for attacks with no code").intent == "not_understood"


def test_knowledge_of_a_defense_is_refused_with_the_reason(store):
    a = ask(store, "black-box defenses against membership inference")
    assert a.intent == "not_applicable" and a.answers == []
    assert "no attacker knowledge" in a.message


@pytest.mark.parametrize("q", ["", "   ", "?!?!", "x" * 5000,
                               "SELECT ?s WHERE { ?s ?p ?o }",
                               "PREFIX rd: <x> ASK { ?s ?p ?o }"])
def test_bad_input_is_a_clear_error(store, q):
    with pytest.raises(KGError):
        ask(store, q)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=80))
def test_any_text_answers_or_refuses_and_runs_only_what_the_core_compiles(store, text):
    try:
        a = ask(store, "attacks " + text)
    except KGError:
        return
    if a.intent == "gaps":  # derived gaps, selected only by names the question holds
        assert all(x["type"] == "gap" and x["derived"] for x in a.answers)
        assert not a.not_in_graph and a.sparql
        return
    if a.intent != "query":
        assert a.answers == [] or all(x.get("source") == "semantic search" for x in a.answers)
        return
    p = parse(store, "attacks " + text)
    assert re.sub(r"\nLIMIT \d+$", "", a.sparql) == compile_form(p.form, context(store)).sparql
    # the only literals in the query are normalised words of the question
    words = {t for t, _, _ in tokens("attacks " + text)}
    assert set(re.findall(r'VALUES \?word\d+ \{ "([^"]*)" \}', a.sparql)) <= words


def test_injection_attempt_is_bound_not_pasted(store):
    a = ask(store, 'attacks on SD" } ; DROP ALL ; #')
    assert "DROP ALL" not in a.sparql and "model ∈ Stable Diffusion family" in a.understood_as
    # "ALL" is a quantifier no rule consumed: not answered, and said (issue 29, item 1)
    assert a.intent == "not_understood" and "ALL" in a.not_understood and not a.sparql
    # the message names every word not used, not only the one that stopped the answer
    assert "'ALL' says here" in a.message and "Also not understood: 'DROP'" in a.message
    # a text condition only from explicit phrasing, bound as an escaped literal
    a = ask(store, 'attacks on SD whose effectiveness mentions "drop" } ; DROP')
    assert a.intent == "query" and 'VALUES ?word3 { "drop" }' in a.sparql
    assert "DROP" in " ".join(a.not_understood + [u["text"] for u in a.not_in_graph])


def test_leftover_words_are_never_text_conditions(store):
    """Item 1 of issue 29: a stray word is reported, never a filter on the cells."""
    a = ask(store, "Hi there, I was wondering, first of all, which attacks are black-box?")
    assert "contains" not in a.understood_as and a.intent == "query" and a.answers
    a = ask(store, "which attacks are black-box and produce zebras")
    assert "contains" not in a.understood_as and "zebras" in a.not_understood
    assert "not understood" in a.message


@pytest.mark.parametrize("q,words", [
    ("attacks evaluated on four target models", {"four"}),  # "four or more": a condition
    ("\u202e\u0000 ℓ2 ∑ 🙂", {"2"}),
    ("which threats have attacks that are all the same", {"all", "same"}),
])
def test_an_unconsumed_number_or_comparison_word_stops_the_answer(store, q, words):
    a = ask(store, q)
    assert a.intent == "not_understood" and not a.answers
    assert words <= set(a.not_understood) and "Not answered" in a.message
    assert f"what I understood was: {a.understood_as}" in a.message


@pytest.mark.parametrize("q,closest", [("attacks on DALL-E 1", "DALL-E 2"),
                                       ("attacks against SD v1.6", "SD v1.5")])
def test_linking_never_crosses_a_number_or_version(store, q, closest):
    a = ask(store, q)
    assert a.intent == "unknown_entity" and not a.answers
    assert len(a.not_in_graph) == 1 and closest in a.not_in_graph[0]["closest"]
    assert not any(m.entity.kind == "model" for m in a.linked)


def test_cli_ask_json_contract(kg_cli):
    r = kg_cli("ask", "which MIAs work black-box?", "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert {"question", "intent", "sparql", "answers", "count", "understood_as",
            "logical_form", "not_understood", "not_in_graph"} <= set(d)
    assert d["count"] == len(d["answers"]) > 0
    for x in d["answers"]:
        assert {"iri", "label", "type"} <= set(x)
    assert d["logical_form"]["target"] == "attacks"
    assert {c["kind"] for c in d["logical_form"]["conditions"]} == {"threat", "knowledge"}
    assert "threat-membership-inference>" in d["sparql"]
    r = kg_cli("ask", "papers that study DP-SGD")
    assert r.exit_code == 0 and "SPARQL:" in r.output and "understood as:" in r.output


def test_cli_bad_question_is_one_line(runner):
    from kg.cli import main

    r = runner.invoke(main, ["ask", "SELECT ?s WHERE { ?s ?p ?o }"])
    assert r.exit_code == 1 and "kg sparql" in r.output and "Traceback" not in r.output


def test_large_answer_sets_are_capped_with_an_exact_count(store, graph, monkeypatch):
    import kg.ask.question

    monkeypatch.setattr(kg.ask.question, "ASK_ROWS", 3)
    a = ask(store, "which MIAs work black-box?")
    want = oracle_attack_papers(graph, concept(graph, "Membership inference"),
                                concept(graph, "Black-box"))
    assert a.count == len(want) > len(a.answers)
    d = a.as_dict()
    assert d["truncated"] and d["count_exact"] and "LIMIT 1001" in d["count_sparql"]
    assert d["count"] == len(want)
    assert "listing stopped at 3 rows" in a.message and f"{len(want)} rows match" in a.message
    # the count reads at most COUNT_CAP + 1 rows: past it the answer says "more than"
    monkeypatch.setattr(kg.ask.question, "COUNT_CAP", 4)
    b = ask(store, "which MIAs work black-box?")
    assert len(want) > 4 and b.count == 4 and not b.total_exact
    assert "LIMIT 5" in b.count_sparql and "more than 4 rows match" in b.message
    assert "more than 4 in all" in render_text(b)
    assert b.as_dict()["count_exact"] is False
    # a question that asks for the number is counted exactly, never bounded
    c = ask(store, "how many black-box membership inference attacks are there?")
    assert c.count == len(want) and c.total_exact


def test_shorthand_is_written_out_and_noted(store):
    """Issue 29: "w/o", "excl.", "atks", "defs", "#", "&" and the curated initials (TDE, GI,
    PI, BB/GB/WB) read as their words, each reading said; unread before (declined)."""
    p = parse(store, "# of TDE atks w/ both WB & BB")
    assert p.form.target == "attacks" and p.form.agg.op == "count"
    kinds = {(c.kind, tuple(v.label for v in c.values), c.mode) for c in p.form.conds}
    assert ("threat", ("Training data extraction",), "any") in kinds
    assert ("knowledge", ("Black-box", "White-box"), "all") in {
        (k, tuple(sorted(v)), m) for k, v, m in kinds}
    assert not p.not_understood and not p.not_in_graph
    assert "read 'w/' as 'with'" in p.notes and "read 'atks' as 'attacks'" in p.notes
    neg = parse(store, "MIA defs excl. DP-SGD")  # a threat modifying "defenses": methods
    assert neg.form.target == "methods"
    assert [(c.kind, c.negated) for c in neg.form.conds if c.kind == "method"] == [
        ("method", True)]
    assert parse(store, "MIAs w/o public code").form.conds[0].code == "unlinked" or any(
        c.kind == "code" and (c.code == "unlinked") != c.negated
        for c in parse(store, "MIAs w/o public code").form.conds)
    gi = parse(store, "GI atks")
    assert [v.label for c in gi.form.conds for v in c.values] == ["Gradient inversion"]


def test_per_a_word_that_is_not_a_group_is_not_dropped(store):
    """"MIA attacks per quarter": quarter is no group of the query core, so "per" stops a
    confident answer; "per venue" is a grouping (tests/test_ask_grouping.py)."""
    p = parse(store, "MIA atks per quarter")
    assert "per" in p.blocking
    assert parse(store, "MIA atks per venue").group.by == "venue"


def test_a_count_of_values_per_row_is_a_condition_not_dropped(store):
    """Issue 29: "evaluated on four or more target models" listed all 16 attacks; "more than
    one knowledge level" answered 0 (read as rows per item). Now a distinct-values condition."""
    p = parse(store, "which attacks were evaluated on four or more target models?")
    assert p.form.target == "attacks" and not p.blocking and not p.not_understood
    assert [(c.kind, c.of, c.span) for c in p.form.conds] == [("distinct", "model", (4, None))]
    k = parse(store, "attacks that assume more than one knowledge level")
    assert [(c.of, c.span) for c in k.form.conds] == [("knowledge", (2, None))]
    assert k.form.agg is None
    assert len(ask(store, "attacks that assume more than one knowledge level").answers) == 4
    e = parse(store, "which attacks were evaluated on exactly one target model")
    assert [(c.of, c.span) for c in e.form.conds] == [("model", (1, 1))]
    t = parse(store, "show defense methods that were evaluated against more than one threat")
    assert t.form.target == "methods" and [(c.of, c.span) for c in t.form.conds] == [
        ("threat", (2, None))]


def test_quantifiers_over_the_rows_of_a_group(store):
    """Issue 29: "threats whose attacks are all black-box" was read per row (any black-box
    attack); "every access level" left "every" unconsumed (declined)."""
    p = parse(store, "threats whose attacks are all black-box")
    assert [(c.kind, c.mode) for c in p.form.conds] == [("knowledge", "every")]
    assert not p.blocking and not p.not_understood
    e = parse(store, "Is there a threat with attacks at every access level?")
    assert [(c.kind, c.mode, len(c.values)) for c in e.form.conds] == [("knowledge", "all", 3)]
    assert not e.blocking
    # a quantifier on a row target says nothing a condition does not: left to block
    assert "all" in parse(store, "attacks that are all the same").blocking
    assert not parse(store, "For which threats is there no defense at all?").not_understood
    d = parse(store, "defense methods evaluated on a DDPM-family model")
    assert not d.not_understood


def test_relations_across_the_tables(store):
    """Issue 29: "papers that report both an attack and a defense" answered 16 (either
    table); "attacked by property inference but no property inference defense" read
    "threat = PI · threat ≠ PI" (always empty: confidently wrong)."""
    a = ask(store, "papers that report both an attack and a defense")
    assert len(a.answers) == 4 and "has a defense row" in a.understood_as
    p = parse(store, "Which models are attacked by property inference but have no property "
                     "inference defense?")
    rows = [c for c in p.form.conds if c.kind == "rows"]
    assert len(rows) == 1 and rows[0].negated and [
        v.label for s in rows[0].sub for v in s.values] == ["Property inference"]
    assert not any(c.kind == "threat" and c.negated for c in p.form.conds)
    it = parse(store, "which models are attacked by membership inference but never defended "
                      "against it")
    assert [(s.kind, s.values[0].label) for c in it.form.conds if c.kind == "rows"
            for s in c.sub] == [("threat", "Membership inference")]
    assert not it.not_understood and not it.blocking
    # a bare "no defense" keeps its meaning: no defense for the row's threat
    assert [c.kind for c in parse(store, "which threats have no defense").form.conds] == [
        "defended"]


def test_a_name_of_two_kinds_no_word_decides_is_asked_back(store):
    """Issue 29 item 5: "PIA on DDPM" (the threat property inference, or Kong et al.'s PIA
    paper) was answered for the threat alone; the readings answer differently, so the
    answer asks back with both, each answer the one its reading gives on its own."""
    a = ask(store, "PIA on DDPM")
    assert a.intent == "ask_back" and not a.answers and a.message.startswith("Did you mean")
    assert len(a.readings) == 2
    assert {r["logical_form"]["conditions"][0]["kind"] for r in a.readings} == {"threat",
                                                                              "paper"}
    threat = ask(store, "property inference attacks on DDPM")
    got = next(r for r in a.readings if "threat" in r["reading"])
    assert {x["iri"] for x in got["answers"]} == {x["iri"] for x in threat.answers}
    assert json.loads(json.dumps(a.as_dict()))["readings"][1]["count"] >= 1
    # a word that decides the reading: no asking back
    decided = ask(store, "which models does PIA attack")
    assert decided.intent == "query" and decided.readings == []


def test_values_the_core_does_not_list_and_attack_papers_venues(store):
    """Issue 29 misses of the tune split (general rules): "which publication year has the
    most papers" answered papers (confidently wrong): now the year, counted per year
    (tests/test_ask_grouping.py); "venues with
    membership inference attack papers" counted defense papers' venues; "other then" (a
    misspelt "other than") negates."""
    y = ask(store, "Which publication year has the most papers?")
    assert y.intent == "query" and [(x["label"], x["type"]) for x in y.answers] == [
        ("2024", "year")]
    v = parse(store, "list venues with membership inference attack papers")
    assert v.form.parts == ("attacks",)
    o = parse(store, "membership inference defenses other then DP-SGD on DDPM")
    assert [(c.kind, c.negated) for c in o.form.conds if c.kind == "method"] == [
        ("method", True)]
