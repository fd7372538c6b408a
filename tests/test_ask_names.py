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
