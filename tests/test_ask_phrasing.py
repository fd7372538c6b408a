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
])
def test_a_misspelt_parser_word_is_read_as_the_word_and_said(store, variant, plain, fixed):
    a = same_answer(store, variant, plain)
    if fixed:
        assert f"read {fixed!r} as" in a.message


@pytest.mark.parametrize("q", ["attacks on imagen", "imagen attacks", "attacks on Imagen",
                               "defenses for midjourny"])
def test_an_absent_name_is_never_read_as_a_word(store, q):
    """A lower-case absent name one edit from a word ("imagen" ~ "image") stays a name the
    graph does not hold, or no answer: never all attacks."""
    a = ask(store, q)
    assert a.intent != "query" or a.not_in_graph or a.not_understood, a.message


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
