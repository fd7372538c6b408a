"""The query core against a plain-Python oracle over the survey rows (tests/oracle.py):
forms drawn by hypothesis run directly, and rendered to English, parsed back by kg ask."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.ask import ask
from kg.coverage.gaps import find_gaps
from kg.errors import NotApplicable
from kg.query import Agg, Cond, Form, Term, compile_form, context, render_cond, run
from tests.oracle import Oracle

from .conftest import benchmark_questions

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="session")
def oracle():
    return Oracle()


@pytest.fixture(scope="session")
def vocab(store):
    out = {}
    for kind, cls, p in (("threat", "rd:ThreatCategory", "skos:prefLabel"),
                         ("knowledge", "rd:AttackerKnowledge", "skos:prefLabel"),
                         ("model", "rd:TargetModel", "skos:prefLabel"),
                         ("method", "rd:DefenseMethod", "rdfs:label"),
                         ("author", "rd:Person", "foaf:name"),
                         ("venue", "rd:Venue", "skos:prefLabel"),
                         ("paper", "rd:Paper", "dcterms:title")):
        rows = store.select(f"SELECT ?n ?l WHERE {{ ?n a {cls} ; {p} ?l }}")
        out[kind] = sorted((Term(str(r["n"]), str(r["l"])) for r in rows), key=lambda t: t.iri)
    return out


def by_label(res) -> dict[str, int]:
    return {x["label"]: x.get("n", len(x.get("rows", ()))) for x in res.items}


def label(vocab, kind, text):
    return next(t for t in vocab[kind] if t.label == text)


# ---------------------------------------------------------------- examples from the issue

def test_both_models_is_one_row_on_each(store, vocab, oracle):
    f = Form("attacks", (Cond("model", (label(vocab, "model", "DDIM"),
                                        label(vocab, "model", "DALL-E 2")), mode="all"),))
    res = run(store, f)
    assert set(by_label(res)) == set(oracle.answer(f)) == {
        "Towards Black-box Membership Inference Attack for Diffusion Models"}
    assert "model ∋ DDIM and DALL-E 2" in res.understood_as


def test_family_covers_every_model_below_it(store, vocab, oracle):
    ldm = label(vocab, "model", "Latent diffusion model")
    mi = label(vocab, "threat", "Membership inference")
    f = Form("methods", (Cond("threat", (mi,)), Cond("model", (ldm,))))
    got = set(by_label(run(store, f)))
    assert got == set(oracle.answer(f)) == {"DualMD", "DistillMD", "MP-LoRA", "SMP-LoRA"}
    tree = context(store).tree
    sd15 = label(vocab, "model", "SD v1.5").iri
    assert tree.covers(ldm.iri, sd15) and not tree.covers(sd15, ldm.iri)


def test_difference_and_negated_family(store, vocab, oracle):
    ddpm, sd = label(vocab, "model", "DDPM"), label(vocab, "model", "Stable Diffusion")
    f = Form("methods", (Cond("model", (ddpm,)), Cond("model", (sd,), negated=True)))
    assert set(by_label(run(store, f))) == set(oracle.answer(f))
    assert "DualMD" not in by_label(run(store, f))
    g = Form("attacks", (Cond("code", code="linked"), Cond("model", (sd,), negated=True)))
    assert set(by_label(run(store, g))) == set(oracle.answer(g)) and len(oracle.answer(g)) == 3


def test_a_code_condition_is_linked_or_not_over_three_states(graph):
    """'with code' = rd:CodeLinked; 'without code' = either other state (marked without a
    link, or none marked): the survey never says code is unavailable."""
    from rdflib import Graph, URIRef

    from kg.stores.memory import MemoryStore
    from kg.vocab import RD, iri

    g = Graph()
    g += graph
    side = iri("paper", "SIDE: Surrogate Conditional Data Extraction from Diffusion Models")
    g.set((side, RD.codeAvailability, RD.NoCodeMarked))  # as if its Code cell were empty
    st_ = MemoryStore(g)
    states = {p: g.value(p, RD.codeAvailability) for p in g.subjects(RD.codeAvailability, None)}
    attack_papers = {str(g.value(a, RD.fromPaper)) for a in g.subjects(RD.fromPaper, None)
                     if (a, RD.threat, None) in g}

    def papers(form):
        return {item["iri"] for item in run(st_, form).items}

    linked = papers(Form("attacks", (Cond("code", code="linked"),)))
    unlinked = papers(Form("attacks", (Cond("code", code="unlinked"),)))
    without = Form("attacks", (Cond("code", code="linked", negated=True),))
    assert papers(without) == unlinked
    assert linked | unlinked == attack_papers and not linked & unlinked
    assert {states[URIRef(p)] for p in linked} == {RD.CodeLinked}
    assert {states[URIRef(p)] for p in unlinked} == {RD.CodeWithoutLink, RD.NoCodeMarked}
    assert str(side) in unlinked
    said = run(st_, without).understood_as
    assert "no code link in the survey" in said and "public" not in said
    assert "code linked in the survey" in run(st_, Form("attacks", (
        Cond("code", code="unlinked", negated=True),))).understood_as


def test_aggregates(store, vocab, oracle):
    top = Form("models", (), Agg("top"), parts=("attacks",))
    assert by_label(run(store, top)) == oracle.answer(top) == {"DDPM": 8}
    per = Form("threats", (), Agg("per_item"), parts=("attacks",))
    assert by_label(run(store, per)) == oracle.answer(per)
    more = Form("models", (), Agg("more_than", 3), parts=("attacks",))
    assert by_label(run(store, more)) == oracle.answer(more)
    least = Form("threats", (), Agg("bottom"), parts=("defenses",))
    assert by_label(run(store, least)) == oracle.answer(least) == {"Property inference": 1}


def test_most_and_fewest_by_a_count_of_values(store, vocab, oracle):
    """Issue 29 item 4: items ranked by the distinct values their rows name, not by their
    rows ("the attack evaluated on the most models"; the threat whose attacks name the
    fewest models), ties all listed, the count of each; equal to the oracle."""
    papers = Form("threats", (), Agg("per_item", of="paper"), parts=("defenses",))
    got = {x["label"]: x["n"] for x in run(store, papers).items}
    assert got == oracle.answer(papers) and got != oracle.answer(
        Form("threats", (), Agg("per_item"), parts=("defenses",)))  # papers, not rows
    with pytest.raises(ValueError):
        Agg("top", of="paper")
    most = Form("attacks", agg=Agg("top", of="model"))
    got = by_label(run(store, most))
    assert got == oracle.answer(most) and len(set(got.values())) == 1
    assert max(got.values()) >= 4  # more than one model: rows would rank every attack 1
    mi = label(vocab, "threat", "Membership inference")
    few = Form("threats", agg=Agg("bottom", of="model"), parts=("attacks",))
    assert by_label(run(store, few)) == oracle.answer(few)
    methods = Form("methods", (Cond("threat", (mi,)),), Agg("top", of="model"))
    assert by_label(run(store, methods)) == oracle.answer(methods)
    with pytest.raises(NotApplicable, match="no attacker knowledge"):
        run(store, Form("methods", agg=Agg("top", of="knowledge")))
    with pytest.raises(ValueError):
        Agg("count", of="model")


def test_models_no_defense_covers(store, vocab, oracle):
    """Issue 29 item 4: "attacks on models no defense covers" — a model is covered by a
    defense evaluated on it, as the rows name it (the coverage engine's model level, kg gaps'
    "no defense evaluated on X itself"); equal to the oracle for rows, papers and the models
    themselves, negated too."""
    for target in ("attacks", "papers", "threats", "models"):
        for negated in (False, True):
            f = Form(target, (Cond("uncovered", negated=negated),),
                     parts=("attacks",) if target != "attacks" else ())
            got = by_label(run(store, f))
            assert got == oracle.answer(f), (target, negated)
            assert got, (target, negated)  # both sides hold somewhere in the survey
    models = set(by_label(run(store, Form("models", (Cond("uncovered"),), parts=("attacks",)))))
    assert "DDIM" in models and "FastDPM" in models  # a defense on DDPM covers not FastDPM
    assert "Latent diffusion model" in models  # a defense below a family covers not it
    assert "DDPM" not in models and "SD v1.5" not in models  # defended on themselves
    # the same models as kg gaps' model level, any threat: a model with a model-level gap
    # and no defense at all
    level = {g.cells[0]["model"]["label"] for g in find_gaps(store)
             if g.type == "model_without_defense" and g.level == "model"}
    defended = set(by_label(run(store, Form("models", parts=("defenses",)))))
    assert models == level - defended


def test_text_condition_is_a_bound_literal_in_the_query(store):
    f = Form("attacks", (Cond("text", words=('aux" } ; DROP ALL ; #',), field="limitation"),))
    res = run(store, f)
    assert res.items == []
    assert '"aux\\" } ; DROP ALL ; #"' in res.sparql  # escaped inside VALUES, not pasted


def test_a_condition_that_cannot_hold_is_refused_not_dropped(store, vocab):
    bb = label(vocab, "knowledge", "Black-box")
    with pytest.raises(NotApplicable, match="no attacker knowledge"):
        run(store, Form("methods", (Cond("knowledge", (bb,)),)))
    # on papers (either table) the knowledge condition keeps only the attack rows
    papers = run(store, Form("papers", (Cond("knowledge", (bb,)),)))
    assert papers.items and "UNION" not in papers.sparql


# ---------------------------------------------------------------- drawn forms vs the oracle

@st.composite
def forms(draw, vocab, targets=("attacks", "methods", "papers", "models", "threats")):
    target = draw(st.sampled_from(targets))
    parts = {"models": ("attacks",), "threats": ("attacks",)}.get(target, ())
    kinds = {"attacks": ["threat", "knowledge", "model", "code", "text", "author", "year",
                         "distinct", "t2i"],
             "methods": ["threat", "model", "code", "method", "venue", "year", "distinct"],
             "papers": ["threat", "model", "code", "knowledge", "method", "author", "venue",
                        "year", "distinct"],
             "models": ["threat", "knowledge", "model", "venue", "distinct", "t2i"],
             "threats": ["knowledge", "model", "defended", "year", "distinct"]}[target]
    kinds = kinds + ["rows"] + (["uncovered"] if target != "methods" else [])
    conds = []
    # weighted toward answers that are not empty: few conditions, mostly not negated
    for kind in draw(st.lists(st.sampled_from(kinds), min_size=0, max_size=2, unique=True)):
        negated = draw(st.sampled_from([False, False, False, True]))
        if kind == "code":
            conds.append(Cond("code", code=draw(st.sampled_from(["linked", "unlinked"])),
                              negated=negated))
        elif kind in ("defended", "uncovered", "t2i"):
            conds.append(Cond(kind, negated=negated))
        elif kind == "year":
            lo = draw(st.sampled_from([None, 2022, 2023, 2024, 2025]))
            hi = draw(st.sampled_from([2023, 2024, 2025] + ([None] if lo is not None else [])))
            if lo is not None and hi is not None and lo > hi:
                lo, hi = hi, lo
            conds.append(Cond("year", years=(lo, hi), negated=negated))
        elif kind == "rows":  # a row of the other table (or this one) for the item
            sub_kind = draw(st.sampled_from(["threat", "model", "method", None]))
            of = draw(st.sampled_from(["attacks", "defenses"]))
            sub = () if sub_kind is None or sub_kind == "method" and of == "attacks" else (
                Cond(sub_kind, (draw(st.sampled_from(vocab[sub_kind])),)),)
            conds.append(Cond("rows", of=of, sub=sub, negated=negated))
        elif kind == "distinct":  # values per row / item: never negated
            lo = draw(st.sampled_from([None, 1, 2, 3, 4]))
            hi = draw(st.sampled_from([None, 1, 2, 5] if lo is not None else [1, 2, 5]))
            if lo is not None and hi is not None and lo > hi:
                lo, hi = hi, lo
            conds.append(Cond("distinct", of=draw(st.sampled_from(["model", "knowledge",
                                                                   "threat"])),
                              span=(lo, hi)))
        elif kind == "text":
            conds.append(Cond("text", words=(draw(st.sampled_from(
                ["auxiliary", "access", "data", "model", "gap"])),),
                field=draw(st.sampled_from(["any", "limitation", "effectiveness"])),
                negated=negated))
        else:
            values = tuple(draw(st.lists(st.sampled_from(vocab[kind]), min_size=1, max_size=2,
                                         unique=True)))
            mode = draw(st.sampled_from(["any", "any", "all"] + (["only"] if kind == "knowledge"
                                                                else [])
                                        + (["every"] if kind in ("threat", "knowledge",
                                                                 "model") else [])))
            conds.append(Cond(kind, values, mode=mode, negated=negated and mode != "every"))
    agg = draw(st.sampled_from([None, None, Agg("per_item"), Agg("per_item", of="paper"),
                                Agg("top"), Agg("bottom"),
                                Agg("more_than", 1), Agg("earliest"), Agg("latest"),
                                Agg("top", of=draw(st.sampled_from(["model", "knowledge",
                                                                    "threat"]))),
                                Agg("bottom", of=draw(st.sampled_from(["model", "threat"])))]))
    return Form(target, tuple(conds), agg, parts)


def _forms_equal_the_oracle(store, vocab, oracle, examples: int) -> None:
    answered: list[bool] = []

    @settings(SETTINGS, max_examples=examples)
    @given(forms(vocab))
    def check(form):
        try:
            res = run(store, form)
        except NotApplicable:
            return
        want = oracle.answer(form)
        assert by_label(res) == want, (res.understood_as, res.sparql)
        answered.append(bool(want))

    check()
    # most drawn forms must have an answer, or the comparison proves little
    assert sum(answered) >= 0.6 * len(answered), f"{sum(answered)}/{len(answered)} non-empty"


def test_drawn_forms_equal_the_oracle(store, vocab, oracle):
    _forms_equal_the_oracle(store, vocab, oracle, 40)


@pytest.mark.slow
def test_many_drawn_forms_equal_the_oracle(store, vocab, oracle):
    _forms_equal_the_oracle(store, vocab, oracle, 120)


def test_negated_knowledge_on_papers_of_both_parts_excludes_the_paper(store, vocab, oracle):
    """Found by a new draw: the negation was applied per part, so a paper with a black-box
    attack passed through its defense rows (which carry no knowledge)."""
    gi = label(vocab, "threat", "Gradient inversion")
    bb = label(vocab, "knowledge", "Black-box")
    form = Form("papers", (Cond("threat", (gi,), negated=True),
                           Cond("knowledge", (bb,), negated=True)),
                parts=("attacks", "defenses"))
    assert by_label(run(store, form)) == oracle.answer(form)


def test_every_compiled_query_runs_on_oxigraph_with_the_same_answer(graph, store, vocab):
    from kg.stores.oxigraph import OxigraphStore

    ox = OxigraphStore()
    ox.load(graph)

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(forms(vocab))
    def check(form):
        try:
            a = run(store, form)
        except NotApplicable:
            return
        assert by_label(run(ox, form)) == by_label(a)

    check()


# ---------------------------------------------------------------- English round trip

def _join(values, word):
    labels = [v.label for v in values]
    return labels[0] if len(labels) == 1 else f" {word} ".join(labels)


@st.composite
def questions(draw, vocab):
    """A form over attacks or defense methods and an English question that says it."""
    target = draw(st.sampled_from(["attacks", "methods"]))
    conds, words = [], []
    threats = draw(st.lists(st.sampled_from(vocab["threat"]), max_size=2, unique=True))
    if threats:
        conds.append(Cond("threat", tuple(threats)))
        words.append(draw(st.sampled_from(["for", "against"])) + " " + _join(threats, "or"))
    if target == "attacks" and draw(st.booleans()):
        k = draw(st.sampled_from(vocab["knowledge"]))
        only = draw(st.booleans())
        conds.append(Cond("knowledge", (k,), mode="only" if only else "any"))
        words.append(f"that are {k.label} only" if only else
                     draw(st.sampled_from([f"with {k.label} knowledge",
                                           f"in a {k.label} setting"])))
    models = draw(st.lists(st.sampled_from(vocab["model"]), max_size=2, unique=True))
    if models:
        both = len(models) == 2 and draw(st.booleans())
        if target == "methods" and len(models) == 2 and not both:
            models = models[:1]
        conds.append(Cond("model", tuple(models), mode="all" if both else "any"))
        words.append(("evaluated on " if target == "methods" else "on ")
                     + ("both " + _join(models, "and") if both else _join(models, "or")))
    neg = draw(st.sampled_from([None] + vocab["model"]))
    if neg is not None and neg not in models:
        conds.append(Cond("model", (neg,), negated=True))
        words.append(draw(st.sampled_from([f"but not on {neg.label}",
                                           f"excluding {neg.label}"])))
    code = draw(st.sampled_from([None, "with public code", "without public code"]))
    if code:
        conds.append(Cond("code", code="linked", negated=code.startswith("without")))
        words.append(code)
    head = {"attacks": draw(st.sampled_from(["which attacks", "list the attacks",
                                             "show me attacks"])),
            "methods": draw(st.sampled_from(["which defenses", "what defense methods"]))}[target]
    return Form(target, tuple(conds)), " ".join([head] + words) + "?"


def test_questions_rendered_from_forms_parse_back_to_their_answers(store, vocab, oracle):
    @SETTINGS
    @given(questions(vocab))
    def check(drawn):
        form, text = drawn
        a = ask(store, text)
        want = set(oracle.answer(form))
        assert a.intent == "query", (text, a.message)
        assert {x["label"] for x in a.answers} == want, (text, a.understood_as)

    check()


def test_an_added_unknown_name_never_returns_the_answer_without_it(store, vocab):
    names = st.from_regex(r"[A-Z][a-z]{3,7}(-[0-9])?", fullmatch=True).filter(
        lambda n: n.lower() not in {"stable", "diffusion", "latent", "image", "privacy"})

    @SETTINGS
    @given(questions(vocab), names, st.sampled_from(["on {}", "against {}", "from {}"]))
    def check(drawn, name, where):
        _, text = drawn
        a = ask(store, text.rstrip("?") + " " + where.format(name) + "?")
        if any(name.lower() in m.text.lower() for m in a.linked):
            return  # the random name happens to spell a known one
        assert a.intent == "unknown_entity" and a.answers == []
        assert any(name in u["text"] for u in a.not_in_graph)

    check()


# ---------------------------------------------------------------- the shown query

def test_the_shown_sparql_returns_the_shown_answer(store, kg_cli):
    """Half the benchmark answers' SPARQL (every other question) gives exactly their
    answers; the slow test checks every question."""
    _shown_sparql_returns_the_shown_answer(store, kg_cli, benchmark_questions()[::2], 100)


@pytest.mark.slow
def test_every_shown_sparql_returns_the_shown_answer(store, kg_cli):
    _shown_sparql_returns_the_shown_answer(store, kg_cli, benchmark_questions(), 200)


def _shown_sparql_returns_the_shown_answer(store, kg_cli, questions, at_least: int) -> None:
    """The text as shown, run by the command itself for every tenth question, by
    `kg sparql`'s worker for another tenth, and on the store directly for the rest."""
    from kg.sparql import run_query

    checked = 0
    for i, q in enumerate(questions):
        a = ask(store, q)
        if a.intent != "query":
            continue
        if i % 10 == 0:
            r = kg_cli("sparql", a.sparql, "--format", "json")
            assert r.exit_code == 0, (q, r.output)
            rows = [{k: v["value"] for k, v in b.items()}
                    for b in json.loads(r.output)["results"]["bindings"]]
        elif i % 10 == 5:  # the worker kg sparql runs in (kg.worker), without the CLI
            rows = [{k: str(v) for k, v in r.items() if v is not None}
                    for r in run_query(store, a.sparql).rows]
        else:  # the same text on the same store, in this process
            rows = [{k: str(v) for k, v in r.items() if v is not None}
                    for r in store.select(a.sparql).rows]
        assert {r["key"] for r in rows} == {x["iri"] for x in a.answers}, q
        if a.answers and "n" in a.answers[0]:
            assert {r["key"]: int(r["n"]) for r in rows} == {
                x["iri"]: x["n"] for x in a.answers}, q
        checked += 1
    assert checked > at_least


def test_compiled_forms_bind_only_graph_terms(store, vocab):
    f = Form("attacks", (Cond("model", (label(vocab, "model", "Stable Diffusion"),)),))
    sparql = compile_form(f, context(store)).sparql
    assert "VALUES ?model1 {" in sparql and "sd-v1-5>" in sparql  # the family, expanded


# ---------------------------------------------------------------- empty conditions stay

def _empty_forms(vocab, oracle):
    """For each condition kind, a form whose answer (by the oracle) is empty: the kind's
    condition alone where some value matches nothing, else beside a threat."""
    gi = label(vocab, "threat", "Gradient inversion")
    simple = {"code": [Cond("code", code="linked")], "defended": [Cond("defended")],
              "t2i": [Cond("t2i")], "year": [Cond("year", years=(2019, 2019))],
              "text": [Cond("text", words=("zebra",))]}
    for kind in ("threat", "knowledge", "model", "method", "paper", "author", "venue", "code",
                 "text", "defended", "t2i", "year"):
        if kind in simple:
            cands = simple[kind]
        else:
            cands = [Cond(kind, (v,)) for v in vocab[kind]]
        found = None
        for target in ("methods", "attacks", "models"):
            for c in cands:
                for extra in ((), (Cond("threat", (gi,)),)):
                    f = Form(target, extra + (c,))
                    try:
                        compile_form(f, context_of_store[0])
                    except NotApplicable:
                        continue
                    if not oracle.answer(f):
                        found = f
                        break
                if found:
                    break
            if found:
                break
        assert found is not None, kind
        yield kind, found


context_of_store: list = []


def test_a_condition_that_matches_nothing_stays_a_condition(store, vocab, oracle):
    """Issue 29, item 3: an empty value set gives an empty answer with the reason, never
    the rows without the condition — for every condition kind."""
    from kg.query import why_empty

    context_of_store[:] = [context(store)]
    kinds = set()
    for kind, form in _empty_forms(vocab, oracle):
        res = run(store, form)
        assert res.items == [], (kind, res.understood_as)
        why = why_empty(store, form)
        assert why.startswith("no ") and "in the graph" in why, why
        if len(form.conds) == 1:
            assert render_cond(form.conds[0], context(store).tree) in why
        kinds.add(kind)
    assert len(kinds) == 12
    a = ask(store, "papers published in 2019")
    assert a.answers == [] and "no papers in the graph match year = 2019" in a.message


# ---------------------------------------------------------------- attribute values

@st.composite
def attribute_forms(draw, vocab):
    """A form of positive any-of conditions (a named paper, method or threat, maybe one
    more condition) and an attribute of kg.query.ATTRIBUTES."""
    from kg.query import ATTRIBUTES

    target = draw(st.sampled_from(["attacks", "evaluations", "papers"]))
    kind = draw(st.sampled_from(["paper", "threat"] + (["method"] if target != "attacks"
                                                         else [])))
    conds = [Cond(kind, (draw(st.sampled_from(vocab[kind])),))]
    if draw(st.booleans()):
        extra = draw(st.sampled_from(["model", "threat"] + (["knowledge"] if target ==
                                                             "attacks" else [])))
        conds.append(Cond(extra, (draw(st.sampled_from(vocab[extra])),)))
    attr = draw(st.sampled_from(sorted(ATTRIBUTES)))
    parts = {"papers": draw(st.sampled_from([("attacks",), ("defenses",),
                                             ("attacks", "defenses")]))}.get(target, ())
    return Form(target, tuple(conds), None, parts), attr


def _values(store, form, attr):
    from kg.query import attribute

    return {" ".join(v["value"].split()) for v in attribute(store, form, attr).values}


def test_attribute_values_equal_the_oracle_on_memory_and_oxigraph(graph, store, vocab, oracle):
    """Issue 29, item 4: venue, year, authors, first author, arXiv id, DOI, code link,
    effectiveness and limitation of the rows a form selects, each value with its source."""
    from kg.stores.oxigraph import OxigraphStore

    ox = OxigraphStore()
    ox.load(graph)
    seen: list[bool] = []

    @settings(SETTINGS, max_examples=40)
    @given(attribute_forms(vocab))
    def check(drawn):
        form, attr = drawn
        try:
            got = _values(store, form, attr)
        except NotApplicable:
            return
        assert got == oracle.attribute(form, attr), (attr, form)
        assert _values(ox, form, attr) == got
        seen.append(bool(got))

    check()
    assert sum(seen) >= 0.4 * len(seen), f"{sum(seen)}/{len(seen)} with values"


@pytest.mark.parametrize("q,value", [
    ("Which venue published SecMI?", ["ICML"]),
    ("who wrote PIA?", None),
    ("find the first author of the Model Will Tell paper", ["Xiaomeng Fu"]),
    ("What's the limitation of the gradient inversion attack?", ["Single batch size"]),
    ("what is the arXiv id of SIDE?", ["2410.02467"]),
])
def test_attribute_questions_answer_the_value_with_its_source(store, q, value):
    a = ask(store, q)
    assert a.intent == "attribute" and a.answers and not a.not_understood, a.understood_as
    if value is not None:
        assert [x["value"] for x in a.answers] == value
    assert all(x["via"] and x["papers"] for x in a.answers)  # the source of each value


# ---------------------------------------------------------------- fuzz: unknown conditions

#: conditions the parser has no rule for (and numbers it must not drop)
UNKNOWN_PHRASES = ["that use score distillation", "with at least 3 target models",
                   "tested on every model", "that reconstruct faces", "cited over 100 times",
                   "published in Nature", "from 2019", "with 2 or more knowledge levels",
                   "run on a single GPU", "that most people use", "with fewer than four authors"]


def test_an_inserted_unknown_condition_never_leaves_the_answer_unchanged_and_unflagged(
        store, vocab):
    """Issue 29 (done when): a phrase of a condition the parser does not know, inserted into
    a question it answers, changes the answer or flags it; an inserted number is never
    dropped (it is consumed into the form, or the answer is flagged)."""
    import re as re_

    @settings(SETTINGS, max_examples=30)
    @given(questions(vocab), st.sampled_from(UNKNOWN_PHRASES))
    def check(drawn, phrase):
        _, text = drawn
        base = ask(store, text)
        a = ask(store, text.rstrip("?") + " " + phrase + "?")
        flagged = bool(a.not_understood or a.not_in_graph) or a.intent != "query"
        same = {x["label"] for x in a.answers} == {x["label"] for x in base.answers} and \
            a.understood_as == base.understood_as
        assert flagged or not same, (text, phrase, a.understood_as)
        for n in re_.findall(r"\d+|\b(?:four|three)\b", phrase):
            assert flagged or n in a.understood_as or "year" in a.understood_as, (phrase, a)

    check()


def test_distinct_values_per_row_and_per_item(graph, store, vocab, oracle):
    """Issue 29: "attacks evaluated on four or more target models" (per attack row),
    "attacks that assume more than one knowledge level", "methods evaluated against more than
    one threat" (over the method's rows): the same answer as the oracle, on both engines."""
    from kg.stores.oxigraph import OxigraphStore

    forms_ = [Form("attacks", (Cond("distinct", of="model", span=(4, None)),)),
              Form("attacks", (Cond("distinct", of="knowledge", span=(2, None)),)),
              Form("methods", (Cond("distinct", of="threat", span=(2, None)),)),
              Form("threats", (Cond("distinct", of="model", span=(4, None)),),
                   parts=("attacks",)),
              Form("attacks", (Cond("distinct", of="model", span=(1, 1)),
                               Cond("threat", (label(vocab, "threat", "Membership inference"),)))),
              ]
    ox = OxigraphStore()
    ox.load(graph)
    for f in forms_:
        want = oracle.answer(f)
        assert want, f
        assert by_label(run(store, f)) == want == by_label(run(ox, f)), render_cond(f.conds[0])
    assert len(oracle.answer(forms_[1])) == 4


def test_every_row_of_a_group(graph, store, vocab, oracle):
    """Issue 29: "threats whose attacks are all black-box" = each attack row of the threat
    has Black-box among its levels (read per row before: any black-box attack)."""
    from kg.stores.oxigraph import OxigraphStore

    bb = label(vocab, "knowledge", "Black-box")
    every = Form("threats", (Cond("knowledge", (bb,), mode="every"),), parts=("attacks",))
    some = Form("threats", (Cond("knowledge", (bb,)),), parts=("attacks",))
    ox = OxigraphStore()
    ox.load(graph)
    want = oracle.answer(every)
    assert by_label(run(store, every)) == want == by_label(run(ox, every))
    assert set(want) < set(oracle.answer(some))  # a real restriction on this survey
    assert "on every row" in render_cond(every.conds[0])


def test_rows_across_the_tables(graph, store, vocab, oracle):
    """Issue 29: "papers that report both an attack and a defense" (4, not the 16 of either
    table); "models attacked by membership inference but never defended against it" equals
    the model-level gap cells of the oracle's coverage rule."""
    from kg.stores.oxigraph import OxigraphStore

    mi = label(vocab, "threat", "Membership inference")
    both = Form("papers", (Cond("rows", of="defenses"),), parts=("attacks",))
    gap = Form("models", (Cond("threat", (mi,)),
                          Cond("rows", of="defenses", sub=(Cond("threat", (mi,)),),
                               negated=True)), parts=("attacks",))
    ox = OxigraphStore()
    ox.load(graph)
    for f in (both, gap):
        assert by_label(run(store, f)) == oracle.answer(f) == by_label(run(ox, f))
    assert len(oracle.answer(both)) == 4
    cells = {g[3] for g in oracle.gaps()
             if g[:3] == ("model_without_defense", "model", "Membership inference")}
    assert set(oracle.answer(gap)) == cells


def test_a_year_no_paper_has_empties_its_branch_before_any_scan(store, graph, oracle):
    """A positive year condition with no year of the graph in range: each branch is one
    pattern no triple matches, bound first (at 100k papers, whose synthetic graph has no
    year, a FILTER after the row patterns read every row: minutes). Same (empty) answer on
    memory and Oxigraph as the oracle's; a negated one keeps every row."""
    from kg.stores.oxigraph import OxigraphStore

    ox = OxigraphStore()
    ox.load(graph)
    mia = Cond("threat", (Term("https://w3id.org/responsible-diffusion-kg/id/threat-membership-"
                               "inference", "Membership inference"),))
    f = Form("papers", (mia, Cond("year", years=(None, 1999))), None, ("attacks", "defenses"))
    c = compile_form(f, context(store))
    assert "rd:NoYearInRange" in c.sparql and "?row a rd:Attack" not in c.sparql
    assert by_label(run(store, f)) == by_label(run(ox, f)) == oracle.answer(f) == {}
    neg = Form("papers", (mia, Cond("year", years=(None, 1999), negated=True)), None,
               ("attacks", "defenses"))
    assert by_label(run(store, neg)) == oracle.answer(neg) == oracle.answer(
        Form("papers", (mia,), None, ("attacks", "defenses"))) != {}
