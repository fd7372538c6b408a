"""Definition questions ("what is membership inference?"): the curated definition of the
one threat, knowledge level, model or defense method named, with its source — checked
against data/definitions.yaml read here directly —, never the rows that name it; a question
that asks more than what the thing is stays a question about rows. Also typos in short
names and in authors' family names (issue 29)."""

from __future__ import annotations

import pytest
import yaml

from kg.ask import ask
from kg.settings import DATA_DIR

DEFS = yaml.safe_load((DATA_DIR / "definitions.yaml").read_text(encoding="utf-8"))["definitions"]
CASES = [(kind, label, e) for kind, entries in DEFS.items() for label, e in entries.items()]


def _graph_labels(store, kind):
    from kg.lexicon_cache import lexicon

    return {e.label for e in lexicon(store).of_kind(kind)}


@pytest.mark.parametrize("kind,label,entry", CASES, ids=[c[1] for c in CASES])
def test_what_is_x_gives_the_curated_definition_and_its_source(store, kind, label, entry):
    if label not in _graph_labels(store, {"threats": "threat", "knowledge": "knowledge",
                                          "methods": "method", "models": "model"}[kind]):
        pytest.skip(f"{label!r} is not a node of the survey's graph")
    a = ask(store, f"What is {label}?")
    assert a.intent == "definition", (a.intent, a.understood_as, a.message)
    assert [x["value"] for x in a.answers] == [" ".join(entry["definition"].split())] or \
        [x["value"] for x in a.answers] == [entry["definition"]]
    assert a.answers[0]["source"] == entry["source"]
    assert a.answers[0]["entry"] == f"data/definitions.yaml: {kind}/{label}"
    assert "skos:definition" in a.sparql and "VALUES ?node" in a.sparql


@pytest.mark.parametrize("q,label", [
    ("what's a membership inference attack", "Membership inference"),
    ("Define gray-box access.", "Gray-box"),
    ("What does DualMD mean?", "DualMD"),
    ("meaning of white-box", "White-box"),
    ("What is the DDPM model?", "DDPM"),
    ("what is DDMP?", "DDPM"),  # two letters swapped in a short name
])
def test_the_phrasings_of_a_definition_question(store, q, label):
    a = ask(store, q)
    assert a.intent == "definition" and [x["label"] for x in a.answers] == [label], a.message


@pytest.mark.parametrize("q", [
    "What is membership inference on DDPM?",  # rows: the attacks on DDPM
    "What are the membership inference attacks?",  # a listing
    "What is the limitation of SecMI?",  # an attribute
    "What is DDIM and DDPM?",  # two names
    "What is Imagen?",  # not in the graph
])
def test_a_question_asking_more_than_what_one_thing_is_is_no_definition(store, q):
    assert ask(store, q).intent != "definition"


def test_kg_ask_prints_the_definition(kg_cli):
    r = kg_cli("ask", "What is DDIM?")
    assert r.exit_code == 0, r.output
    text = " ".join(DEFS["models"]["DDIM"]["definition"].split())
    assert text in " ".join(r.output.split()) and "data/definitions.yaml: models/DDIM" in r.output


def test_the_shown_sparql_returns_the_definition(store):
    a = ask(store, "What is membership inference?")
    rows = store.select(a.sparql).rows
    assert [str(r["definition"]) for r in rows] == [a.answers[0]["value"]]


@pytest.mark.parametrize("q,plain", [
    ("attacks on DDMP", "attacks on DDPM"),
    ("attacks on DIDM", "attacks on DDIM"),
    ("papers by Carlinni", "papers by Carlini"),
    ("venue of Carlinni et al.", "venue of Carlini et al."),
])
def test_a_typo_in_a_short_name_or_a_family_name_is_read_as_the_name(store, q, plain):
    a, b = ask(store, q), ask(store, plain)
    assert a.intent == b.intent and a.intent in ("query", "attribute"), a.message
    assert a.answers == b.answers != []
    assert any(m.as_dict()["match"] == "fuzzy" for m in a.linked)


@pytest.mark.parametrize("q", ["attacks on DMDP", "papers by Kogn"])
def test_a_short_name_is_not_read_through_other_typos(store, q):
    """Only two neighbouring letters swapped in a four-letter name in capitals (never a
    letter changed: DDIM and DDPM are one letter apart), and a family name of six letters or
    more (Kong, Wang: too many words lie one edit away)."""
    assert ask(store, q).intent != "query" or not any(
        m.as_dict()["match"] == "fuzzy" for m in ask(store, q).linked)
