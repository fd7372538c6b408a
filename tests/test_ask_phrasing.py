"""Issue 29 (round 3): phrasings a new user writes — misspelt parser words, chatty preambles
and context sentences, noun compounds — read as the plain question, each reading said; never
at the cost of a confident wrong answer (an absent name stays absent). Variants written for
these tests, not the benchmark's sentences."""

import pytest

from kg.ask import ask, parse


def iris(a):
    return {x["iri"] for x in a.answers}


def same_answer(store, variant, plain):
    a, b = ask(store, variant), ask(store, plain)
    assert a.intent == b.intent == "query", (a.message, b.message)
    assert not a.not_understood and not a.not_in_graph, a.message
    assert a.logical_form == b.logical_form
    assert iris(a) == iris(b)
    return a


@pytest.mark.parametrize("variant,plain,fixed", [
    ("which atacks target DDPM?", "which attacks target DDPM?", "atacks"),
    ("defenses agianst membership inference", "defenses against membership inference",
     "agianst"),
    ("defences protecting DDPM against trainig data extraction",
     "defences protecting DDPM against training data extraction", "trainig"),
    ("attacks with white-box knowlege", "attacks with white-box knowledge", "knowlege"),
    ("attacks on DDPM publishd in 2024", "attacks on DDPM published in 2024", "publishd"),
    ("attacks excpet black-box ones", "attacks except black-box ones", "excpet"),
    ("attacks on DDPM with more then 2 target models",
     "attacks on DDPM with more than 2 target models", None),
    # a four-letter word, by one letter dropped; after a preposition, a target noun or a
    # word of the code condition
    ("wich attacks target DDPM?", "which attacks target DDPM?", "wich"),
    ("gray-box attacks with publc code", "gray-box attacks with public code", "publc"),
    ("the threats of the attak table", "the threats of the attack table", "attak"),
    ("target modles of the SecMI paper", "target models of the SecMI paper", "modles"),
    ("Trainnig data extraction attacks on SD", "training data extraction attacks on SD",
     "Trainnig"),
    ("which threats have no defens", "which threats have no defense", "defens"),
])
def test_a_misspelt_parser_word_is_read_as_the_word_and_said(store, variant, plain, fixed):
    a = same_answer(store, variant, plain)
    if fixed:
        assert f"read {fixed!r} as" in a.message


@pytest.mark.parametrize("q", ["the most common threat in the attack table",
                               "which threat is the most studied in the attack table?"])
def test_most_common_is_most_rows(store, q):
    from tests.oracle import Oracle

    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert a.form.target == "threats" and a.form.agg.op == "top"
    assert {x["label"] for x in a.answers} == set(Oracle().answer(a.form)) == {
        "Membership inference"}


@pytest.mark.parametrize("q", ["attacks on imagen", "imagen attacks", "attacks on Imagen",
                               "defenses for midjourny"])
def test_an_absent_name_is_never_read_as_a_word(store, q):
    """A lower-case absent name one edit from a word ("imagen" ~ "image") stays a name the
    graph does not hold, or no answer: never all attacks."""
    a = ask(store, q)
    assert a.intent != "query" or a.not_in_graph or a.not_understood, a.message


@pytest.mark.parametrize("variant,plain,fixed", [
    ("attacks whose limitations mention treshold", "attacks whose limitations mention threshold",
     "treshold"),
    ("attacks mentioning regresion", "attacks mentioning regression", "regresion"),
])
def test_a_misspelt_word_of_a_text_condition_is_read_as_the_cells_word(store, variant, plain,
                                                                       fixed):
    """A text condition's word the cells do not hold, within reach of one they do, is read
    as it and said (it matched nothing before: an empty answer)."""
    from tests.oracle import Oracle

    a = same_answer(store, variant, plain)
    assert a.answers and f"read {fixed!r} as" in a.message
    assert {x["label"] for x in a.answers} == set(Oracle().answer(a.form))


def test_a_quoted_text_word_is_never_corrected(store):
    a = ask(store, 'attacks mentioning "treshold"')
    assert "read 'treshold'" not in a.message and not a.answers


@pytest.mark.parametrize("q,word", [("I'm preparing a talk: which attacks target DDPM?",
                                     "preparing"),
                                    ("we're comparing attacks on DDPM", "comparing")])
def test_an_inflected_word_is_not_read_as_a_word_without_its_ending(store, q, word):
    """"preparing" is two edits from "preprint" (venue = arXiv): a word ending in -ing or
    -ed is only read as a word with the same ending, so no venue condition appears."""
    a = ask(store, q)
    assert f"read {word!r} as" not in a.message
    assert not [c for c in (a.form.conds if a.form else ()) if c.kind == "venue"]


def test_a_word_of_the_question_is_not_read_as_a_name_it_resembles(store):
    """"table" is one edit from "stable" (Stable Diffusion): a correction keeps the first
    letter, so "the attack table" names no model."""
    p = parse(store, "which papers appear in the attack table")
    assert not [c for c in p.form.conds if c.kind == "model"]


@pytest.mark.parametrize("variant,plain", [
    ("Hey! I'm writing a survey chapter. Which attacks target DDPM?",
     "Which attacks target DDPM?"),
    ("Hello, I work on protein folding. Which defenses protect against membership inference?",
     "Which defenses protect against membership inference?"),
    ("Apologies for the bother — which attacks assume gray-box knowledge?",
     "which attacks assume gray-box knowledge?"),
    ("Which attacks target DDIM? Cheers, and thanks in advance!", "Which attacks target DDIM?"),
    ("Hiya, which attacks have public code? I want to rerun them myself.",
     "which attacks have public code?"),
    ("Is there a defense against gradient inversion? If so, which?",
     "Is there a defense against gradient inversion?"),
    ("if you don't mind: how many attack papers are from 2023?",
     "how many attack papers are from 2023?"),
    ("Our lab trains DDIM models. Which threats were shown on them?",
     "Which threats were shown on DDIM models?"),
])
def test_a_preamble_or_context_sentence_is_context_not_question(store, variant, plain):
    """Greetings, thanks, apologies and first-person context sentences carry no condition;
    a negation inside a preamble ("if you don't mind") negates nothing."""
    same_answer(store, variant, plain)


def test_a_context_sentence_a_question_refers_back_to_keeps_its_names(store):
    """"… against it?": the context sentence's names are the question's; an absent one is
    said, never dropped."""
    a = ask(store, "My group studies Imagen. Which attacks target it?")
    assert a.intent == "unknown_entity" and [u["text"] for u in a.not_in_graph] == ["Imagen"]
    b = ask(store, "Hello, I work on protein folding. Which attacks target it?")
    assert a.intent != "query" or b.not_understood or b.not_in_graph


@pytest.mark.parametrize("q,target", [
    ("membership inference attack victim models", "models"),
    ("gradient inversion attack target models", "models"),
    ("property inference attack knowledge levels", "knowledge"),
    ("membership inference attack papers", "papers"),
    ("membership inference attacks on DDPM", "attacks"),
])
def test_a_noun_compound_asks_for_its_last_noun(store, q, target):
    assert parse(store, q).form.target == target


# ------------------------------------------------------------------ forms of issue 29 item 4

@pytest.fixture(scope="module")
def oracle():
    from tests.oracle import Oracle

    return Oracle()


def labelled(a):
    return {x["label"]: x.get("n") for x in a.answers}


@pytest.mark.parametrize("q,target,op,of,parts", [
    ("which attack is evaluated on the most models", "attacks", "top", "model", ()),
    ("Which attacks were tested on the fewest target models?", "attacks", "bottom", "model",
     ()),
    ("which defense method was evaluated against the most threats", "methods", "top",
     "threat", ()),
    ("the threat whose attacks hit the highest number of distinct models", "threats", "top",
     "model", ("attacks",)),
    ("which paper's attacks assume the most knowledge levels", "papers", "top", "knowledge",
     ("attacks",)),
])
def test_most_and_fewest_by_a_count_of_values(store, oracle, q, target, op, of, parts):
    """Ranked by the distinct values the rows name (not by rows), ties all listed, each
    with its count, the count said; equal to the oracle."""
    from kg.query import Agg, Form

    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert a.logical_form["aggregate"] == {"op": op, "of": of}
    want = oracle.answer(Form(target, (), Agg(op, of=of), parts))
    assert labelled(a) == want
    n = next(iter(want.values()))
    assert f": {n} distinct" in a.message


def test_rows_still_rank_by_rows(store):
    """"the most attacks", "the fewest defense evaluations": rows, not values."""
    assert "of" not in parse(store, "which model has the most attacks").form.agg.as_dict()
    assert parse(store, "the threat with the fewest defense evaluations").form.agg.of == ""


@pytest.mark.parametrize("q,target", [
    ("attacks on models no defense covers", "attacks"),
    ("list the models that no defense covers", "models"),
    ("which models does no defense cover", "models"),
    ("which threats have attacks on models no defense is evaluated on", "threats"),
])
def test_models_no_defense_covers(store, oracle, q, target):
    """A model is covered by a defense evaluated on it, as the rows name it (the coverage
    engine's model level); the "no defense" inside the phrase is no threat condition."""
    from kg.query import Cond, Form

    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert [c["kind"] for c in a.logical_form["conditions"]] == ["uncovered"]
    parts = () if target == "attacks" else ("attacks",)
    assert set(labelled(a)) == set(oracle.answer(Form(target, (Cond("uncovered"),), None,
                                                      parts)))


def test_gap_questions_list_what_they_ask_for(store, oracle):
    """"gaps DDIM" listed the cells (threat × DDIM at two levels); it lists the threats and
    says so. "which threats have attacks on DDIM but no defense evaluated on DDIM" (a query
    core form) gives the same threats as the coverage engine's cells."""
    ddim = {g[2] for g in oracle.gaps()
            if g[0] == "model_without_defense" and oracle.under(g[3], "DDIM")}
    assert ddim
    a = ask(store, "gaps DDIM")
    assert {x["label"] for x in a.answers} == ddim and all(
        x["type"] == "threat" for x in a.answers)
    assert "listing the threats" in a.message
    b = ask(store, "which threats have attacks on DDIM but no defense evaluated on DDIM")
    assert b.intent == "query" and {x["label"] for x in b.answers} == ddim
    c = ask(store, "gaps for membership inference")  # names a threat: the cells
    assert all(x["type"] == "gap" for x in c.answers) and "one per cell" in c.message
