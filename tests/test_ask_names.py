"""Issue 29 (round 3): names written loosely — a known author's first name misspelt ("papers
by Lingjaun Lyu"), a paper named by a few words of its title or topic ("the quantile
regression MIA paper") — are linked by general rules with a note saying how they were read;
near-misses (a different first name, a single common word) are never linked."""

import pytest

from kg.ask import ask


@pytest.fixture(scope="module")
def oracle():
    from tests.oracle import Oracle

    return Oracle()


def authors(a):
    return [tuple(v["label"] for v in c["values"]) for c in a.logical_form["conditions"]
            if c["kind"] == "author"]


# ------------------------------------------------------ 3. a known author's first name misspelt

@pytest.mark.parametrize("q,name", [
    ("papers by Lingjaun Lyu", "Lingjuan Lyu"),      # two letters swapped
    ("attacks by Nicolas Carlini", "Nicholas Carlini"),  # a letter dropped
    ("papers by Yuxn Wen", "Yuxin Wen"),              # one of two authors named Wen
])
def test_a_misspelt_first_name_of_a_known_author_is_read_with_a_note(store, oracle, q, name):
    a = ask(store, q)
    assert a.intent == "query" and not a.not_in_graph and authors(a) == [(name,)], a.message
    assert f"as the author {name!r} (a first name misspelt)" in a.message
    exact = ask(store, q.split(" by ")[0] + " by " + name)
    assert {x["iri"] for x in a.answers} == {x["iri"] for x in exact.answers}
    assert set(oracle.answer(a.form)) == {x["label"] for x in a.answers}


@pytest.mark.parametrize("q", [
    "papers by Xiaoming Lyu",   # a different first name: an unknown person
    "attacks by Mike Carlini",
    "papers by Lingjaun Smith",  # the family name of no author
])
def test_near_misses_a_different_first_name_is_not_linked(store, q):
    a = ask(store, q)
    assert a.intent == "unknown_entity" and a.answers == [], a.message
    assert "first name misspelt" not in a.message


def test_exact_and_family_names_are_unchanged(store):
    a = ask(store, "papers by Wen")
    assert authors(a) == [("Rui Wen", "Yuxin Wen")] and "names 2 authors" in a.message
    b = ask(store, "papers by Lingjuan Lyu")
    assert authors(b) == [("Lingjuan Lyu",)] and "misspelt" not in b.message


# ------------------------------------------------- 2. a paper named by its title's words or topic

QR = "Membership Inference Attacks on Diffusion Models via Quantile Regression"


def papers(a):
    return [tuple(v["label"] for v in c["values"]) for c in a.logical_form["conditions"]
            if c["kind"] == "paper"]


@pytest.mark.parametrize("q,title", [
    ("Which venue published the quantile regression membership inference paper?", QR),
    ("authors of the quantile-regression MIA paper", QR),   # "MIA": the title's words
    ("What target models did the structural MIA paper evaluate?",
     "Unveiling Structural Memorization: Structural MIA for T2I Diffusion"),
    ("Which models did the Towards Black-box Membership Inference Attack paper target?",
     "Towards Black-box Membership Inference Attack for Diffusion Models"),
    ("first author of Generated Distributions Are All You Need",
     "Generated Distributions Are All You Need for Membership Inference Attacks Against "
     "Generative Models"),
    ("which threats does the federated gradient inversion paper study?",
     "Gradient Inversion of Federated Diffusion Models"),
])
def test_a_paper_named_by_its_titles_words_is_linked_with_a_note(store, oracle, q, title):
    a = ask(store, q)
    assert not a.not_in_graph and not a.not_understood and papers(a) == [(title,)], a.message
    assert f"as the paper {title!r} (every word of it is in the title)" in a.message
    if a.intent == "query":
        assert {x["label"] for x in a.answers} == set(oracle.answer(a.form))


def test_words_after_a_named_paper_confirm_it_or_are_reported(store):
    a = ask(store, "Who wrote the PIA paper on proximal initialization?")
    assert a.intent == "attribute" and not a.not_in_graph and "Fei Kong" in {
        x["value"] for x in a.answers}
    b = ask(store, "Who wrote the PIA paper on cooking recipes?")
    assert b.intent == "unknown_entity" and b.answers == []


@pytest.mark.parametrize("q", [
    "authors of the Unveiling paper about memorization",  # two titles hold both words
    "authors of the Unveiling Memorization paper",
])
def test_a_phrase_of_several_papers_is_not_answered_and_names_them(store, q):
    a = ask(store, q)
    assert a.intent == "unknown_entity" and a.answers == [], a.message
    closest = a.not_in_graph[0]["closest"]  # the candidates, named
    assert len(closest) >= 2 and all("Memorization" in t for t in closest)


@pytest.mark.parametrize("q", [
    "the membership inference paper",      # names only: papers with a membership inference row
    "authors of the quantum paper",        # one word: never a link
    "the most cited MIA paper",            # words no title holds stay reported
    "Which MIA paper on diffusion models is the earliest?",  # words most titles hold
    "the diffusion membership inference paper",
])
def test_near_misses_are_not_linked_to_a_paper(store, q):
    a = ask(store, q)
    assert "every word of it is in the title" not in a.message
