"""Issue 29 item 5: a second, independent reader of a question's structure (canonical
sentences with typed slots, matched by TF-IDF: kg.ask.templates, kg.ask.second) and asking
back when its reading answers differently from the first."""

import pytest

from kg.ask import ask, parse
from kg.ask.question import _answer
from kg.query import AGGREGATES, ATTRIBUTES, KINDS, TARGETS, Cond, Form, Term
from kg.query.form import DISTINCT_OF, EVERY_KINDS, MODES


@pytest.fixture(scope="module")
def oracle():
    from tests.oracle import Oracle

    return Oracle()


@pytest.fixture(scope="module")
def ox(graph):
    from kg.stores.oxigraph import OxigraphStore

    s = OxigraphStore()
    s.load(graph)
    return s


def test_every_form_kind_has_a_canonical_sentence():
    """Every target, condition kind, mode, negation, aggregate (and value-count ranking)
    and attribute of the query core has a piece of a canonical sentence."""
    from kg.ask.templates import covered

    got = covered()
    assert set(TARGETS) <= got["targets"]
    assert set(KINDS) <= got["kinds"], set(KINDS) - got["kinds"]
    assert set(MODES) <= got["modes"], set(MODES) - got["modes"]
    assert set(AGGREGATES) <= got["aggregates"], set(AGGREGATES) - got["aggregates"]
    assert {f"{op}:{of}" for op in ("top", "bottom") for of in DISTINCT_OF} <= got["aggregates"]
    assert set(ATTRIBUTES) == got["attributes"], set(ATTRIBUTES) ^ got["attributes"]
    named = {"threat", "knowledge", "model", "method", "paper", "author", "venue", "year"}
    assert named <= got["negated"], named - got["negated"]
    assert set(EVERY_KINDS) <= {k for k, m in _slot_modes() if m == "every"}


def _slot_modes():
    from kg.ask.templates import pieces

    return {(p.role[0], p.role[2]) for p in pieces() if p.kind == "slot"}


def test_a_slot_reads_its_own_words():
    """A negation before the second name is that name's, never the first's; a name joined
    to the one before by "nor" / "and" is read with it."""
    from kg.ask.second import _joined, _windows

    ws = "attack on slotmodel but not on slotmodel".split()
    assert _windows(ws) == [["attack", "on", "slotmodel"], ["but", "not", "on", "slotmodel"]]
    assert _windows("slotknowledge only slotthreat".split())[0] == ["slotknowledge", "only"]
    assert _joined("not slotthreat not slotthreat".split()) == {1}
    assert _joined("slotthreat on slotmodel".split()) == set()


def _form(d: dict) -> Form:
    """A reading's logical form (plain conditions) as a Form, for the oracle."""
    conds = tuple(Cond(c["kind"], tuple(Term(v["iri"], v["label"]) for v in c.get("values", ())),
                       c.get("mode", "any"), c.get("negated", False)) for c in d["conditions"])
    return Form(d["target"], conds, None, tuple(d["parts"]))


#: confidently wrong before the second reader (the negation of the threat or the model
#: read as "no defense"): each now asks back
ASKED_BACK = [
    "which defenses don't mitigate membership inference",
    "which defense methods do not protect against data extraction",
    "which defences do not defend against membership inference",
    "methods that don't defend DDPM",
]


@pytest.mark.parametrize("q", ASKED_BACK)
def test_a_confident_misreading_now_asks_back(store, ox, oracle, q):
    """The two readings answer differently: no answer is picked; each reading carries its
    SPARQL and answers, equal to the oracle's on memory and Oxigraph."""
    for s in (store, ox):
        a = ask(s, q)
        assert a.intent == "ask_back" and not a.answers, (q, a.intent, a.understood_as)
        assert a.message.startswith("Did you mean") and len(a.readings) == 2
        got = []
        for r in a.readings:
            assert r["sparql"].lstrip().upper().startswith(("PREFIX", "SELECT"))
            labels = {x["label"] for x in r["answers"]}
            assert labels == set(oracle.answer(_form(r["logical_form"]))), r["reading"]
            got.append(labels)
        assert got[0] != got[1]


def test_the_second_reading_fixes_what_the_first_misread(store):
    """"Don't mitigate X": the second reading negates the threat (not "no defense")."""
    a = ask(store, ASKED_BACK[0])
    second = a.readings[1]["logical_form"]["conditions"]
    assert [(c["kind"], c.get("negated", False)) for c in second] == [("threat", True)]


@pytest.mark.parametrize("q", [
    "membership inference attacks not on DDPM",
    "attacks on DDIM but not on Stable Diffusion",
    "which attacks are neither black-box nor gray-box",
    "gray-box attacks other than SecMI and PIA",
    "defense methods excluding those against training data extraction",
    "which defenses mitigate PIA?",
    "how many attacks target each model",
    "who wrote SecMI",
    "BB-only MIAs on T2I models",
    "which attacks are black-box or white-box?",
])
def test_when_the_readings_agree_the_answer_is_unchanged(store, q):
    """The first reading's answer, as it was without the second reader."""
    from kg.ask.second import disagreement

    p = parse(store, q)
    assert disagreement(p.text, p.mentions, p.same, p.form, p.attribute, p.asks_count) is None
    a, plain = ask(store, q), _answer(store, q, p, None)
    assert a.intent == plain.intent != "ask_back"
    assert a.answers == plain.answers and a.sparql == plain.sparql


def test_the_check_reads_no_rule_of_the_first_reader():
    """The second reader is independent of the first reader's stages."""
    import ast
    from pathlib import Path

    import kg.ask.second as second
    import kg.ask.templates as templates

    for mod in (second, templates):
        tree = ast.parse(Path(mod.__file__).read_text())
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not names & {"conditions", "form", "account", "tokens", "across"}, names
