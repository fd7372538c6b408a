"""Issue 29 (round 3, second held-out set): the misreading classes an independently written
phrasing set exposed — contradictory conditions, the thing asked for dropped or read as a
filter, researchers' abbreviations, "BB+WB", every row kind for a paper question, models
attacked and never defended, a field the curated data records as absent. Each class is read
by a general rule, tested here with variants written for these tests (not the held-out
set's sentences) and with near-misses that must not change."""

import pytest

from kg.ask import ask


@pytest.fixture(scope="module")
def oracle():
    from tests.oracle import Oracle

    return Oracle()


def conds(a):
    return [(c["kind"], c.get("negated", False), tuple(v["label"] for v in c.get("values", ())))
            for c in a.logical_form["conditions"]]


def labels(a):
    return {x.get("value", x["label"]) for x in a.answers}


# ------------------------------------------------------------ 1. contradictory conditions

def _contradicts(a) -> bool:
    """The answer's form holds a condition and its own negation."""
    if not a.logical_form:
        return False
    seen = {}
    for kind, negated, values in conds(a):
        for v in values:
            seen.setdefault((kind, v), set()).add(negated)
    return any(len(x) == 2 for x in seen.values())


@pytest.mark.parametrize("q", [
    "which grey-box MIAs were not evaluated on DDPM at all?",
    "Which gray-box membership inference attacks haven't been evaluated on DDPM at all?",
    "grey-box MIAs that weren't tested on DDPM",
    "Which grey-box MIAs were evaluated on anything but DDPM?",
    "gray-box membership inference attacks evaluated on everything but DDPM",
])
def test_a_negation_that_governs_the_name_wins(store, oracle, q):
    """The model is negated, never also required; the answer is the oracle's."""
    from kg.query import Cond, Form, Term

    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert not _contradicts(a)
    assert ("model", True, ("DDPM",)) in conds(a)
    f = Form("attacks", tuple(Cond(c["kind"], tuple(Term(v["iri"], v["label"])
                                                     for v in c["values"]),
                                   negated=c.get("negated", False))
                              for c in a.logical_form["conditions"]), None, ("attacks",))
    assert labels(a) == set(oracle.answer(f))


@pytest.mark.parametrize("q", [
    "MIAs on DDPM that were not evaluated on DDPM",
    "white-box attacks that are not white-box",
    "which attacks target DDIM and do not target DDIM?",
    "membership inference attacks except membership inference attacks",
])
def test_a_condition_stated_with_its_own_negation_is_not_answered(store, q):
    a = ask(store, q)
    assert a.intent == "not_understood" and not a.answers, a.message
    assert "contradicts itself" in a.message


@pytest.mark.parametrize("q", [
    "which gray-box attacks were evaluated on DDPM but not on DDIM?",
    "Which DDPM attacks are not gray-box?",
    "attacks on DDPM without white-box knowledge",
])
def test_a_negation_of_another_value_is_no_conflict(store, q):
    a = ask(store, q)
    assert a.intent == "query" and not _contradicts(a), a.message
    assert any(n for _, n, _ in conds(a)) and any(not n for _, n, _ in conds(a))


def test_nothing_but_is_not_read_as_a_negation(store):
    """"nothing but DDPM" means only DDPM: never "not DDPM", never silently "DDPM"."""
    a = ask(store, "attacks evaluated on nothing but DDPM")
    assert a.intent != "query" or a.not_understood, a.message


def test_the_negated_reading_wins_over_a_positive_from_another_stage():
    """The rule on a form: a positive value no plain name states leaves the positive
    condition (a note says so); one a plain name states is a conflict."""
    from kg.ask.conflict import contradictions
    from kg.query import Cond, Term

    wb, bb = Term("urn:wb", "White-box"), Term("urn:bb", "Black-box")
    out, notes, conflicts = contradictions("", [], [], set(), {}, [
        Cond("knowledge", (bb, wb), mode="all"), Cond("knowledge", (wb,), negated=True)])
    assert out == [Cond("knowledge", (bb,)), Cond("knowledge", (wb,), negated=True)]
    assert notes and not conflicts
