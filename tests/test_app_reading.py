"""The Ask page's reading the user can fix (kg.app.reading, ui/chips.py): the chips of a form,
each edit run as a form through the query core and checked against the plain-Python oracle,
the URL's encoding of a reading (round trip; a malformed or hostile one a clear message,
never a query with its text), and the page through AppTest."""

from __future__ import annotations

import base64
import json

import pytest

from kg.app import ask as app_ask
from kg.app import reading as R
from kg.ask import parse
from kg.ask.question import ASK_ROWS
from kg.errors import KGError
from kg.query import Agg, Cond, Form, context, describe, render_cond, run
from tests.oracle import Oracle
from tests.test_app import assert_clean, frames, page_codes, run_page, texts
from tests.test_ui_links import no_model, params  # noqa: F401  (a fixture)
from tests.tiers import slow

Q = "Which defenses protect against membership inference on Stable Diffusion?"
MI, SD = "rdi:threat-membership-inference", "rdi:model-stable-diffusion"


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


@pytest.fixture(scope="module")
def first(store) -> R.Reading:
    """The reading kg ask gives Q: defense methods · threat = MI · model ∈ SD family."""
    return R.Reading(parse(store, Q).form)


def labels(view) -> set[str]:
    return {a["label"] for a in view.answers}


def checked(store, oracle, reading: R.Reading):
    """The page's view of a reading: its answer is the oracle's for the form, and the
    sentence and SPARQL shown are those of the form's run through the query core."""
    view = app_ask.reading_view(store, Q, reading)
    res = run(store, reading.form, cap=ASK_ROWS)
    assert view.sparql == res.sparql
    assert view.understood_as == describe(reading.form, context(store).tree)
    expected = oracle.answer(reading.form)
    if reading.form.agg is not None and reading.form.agg.op in ("top", "bottom"):
        assert {a["label"]: int(a["n"]) for a in view.answers} == expected
    else:
        assert labels(view) == set(expected)
    assert R.decode(store, view.edited) == reading  # what the URL carries is what ran
    return view


# ------------------------------------------------------------------ chips

def test_chips_of_a_parsed_question(store, first):
    tree = context(store).tree
    cs = R.chips(store, first)
    assert [c.key for c in cs] == ["target", "c0", "c1", "aggregate"]
    target, threat, model, agg = cs
    assert target.text == "defense methods" and not target.removable and target.picker == "target"
    assert threat.text == render_cond(first.form.conds[0], tree) == "threat = Membership inference"
    assert model.text == "model ∈ Stable Diffusion family"
    assert threat.values == ((MI, "Membership inference"),) and threat.picker == "Threat category"
    assert model.values == ((SD, "Stable Diffusion"),) and model.picker == "Target model"
    assert all(c.removable and c.negatable and not c.negated for c in (threat, model))
    assert agg.text.startswith("a listing") and not agg.removable and agg.picker == "aggregate"


def test_chips_of_negations_years_counts_and_aggregates(store, first):
    mi, sd = first.form.conds
    form = Form("attacks", (replace_neg(sd), Cond("year", years=(2023, 2024)),
                            Cond("distinct", of="model", span=(2, None)),
                            Cond("knowledge", first_knowledge(store), mode="every")),
                Agg("count"))
    cs = {c.key: c for c in R.chips(store, R.Reading(form))}
    assert cs["c0"].negated and cs["c0"].text == "model ∉ Stable Diffusion family"
    assert cs["c1"].picker == "years" and cs["c1"].years == (2023, 2024)
    assert not cs["c2"].negatable and cs["c2"].picker == ""  # a count cannot be negated
    assert not cs["c3"].negatable  # "on every row" cannot be negated
    assert cs["aggregate"].text == "count" and cs["aggregate"].removable
    grouped = R.Reading(Form("papers", (mi,)), group=("year", "top", 0))
    assert [c.key for c in R.chips(store, grouped)] == ["target", "group", "c0"]


def replace_neg(c: Cond) -> Cond:
    from dataclasses import replace

    return replace(c, negated=True)


def first_knowledge(store):
    return R.terms(store, "knowledge", ["rdi:knowledge-black-box"])


# ------------------------------------------------------------------ edits = the oracle's answer

EDITS = [
    R.Edit("remove", "c1"),
    R.Edit("remove", "c0"),
    R.Edit("negate", "c1"),
    R.Edit("values", "c1", ("rdi:model-ddpm",)),
    R.Edit("values", "c0", ("rdi:threat-membership-inference", "rdi:threat-training-data-extraction")),
    R.Edit("target", "target", target="papers:defenses"),
    R.Edit("target", "target", target="models"),
    R.Edit("aggregate", "aggregate", agg="top"),
    R.Edit("aggregate", "aggregate", agg="more_than", n=1),
]


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: f"{e.op}-{e.key}-{e.target or e.agg}")
def test_each_edit_runs_the_edited_form(store, oracle, first, edit):
    edited = R.apply_edit(store, first, edit)
    assert edited != first
    view = checked(store, oracle, edited)
    assert view.intent == "query" and view.edited


def test_edits_compose_and_a_removed_aggregate_lists_again(store, oracle, first):
    r = R.apply_edit(store, first, R.Edit("remove", "c1"))
    r = R.apply_edit(store, r, R.Edit("negate", "c0"))
    r = R.apply_edit(store, r, R.Edit("aggregate", "aggregate", agg="count"))
    view = checked(store, oracle, r)
    assert f"{len(oracle.answer(r.form))} defense methods" in view.message
    r = R.apply_edit(store, r, R.Edit("remove", "aggregate"))
    assert r.form.agg is None
    checked(store, oracle, r)


def test_year_edit(store, oracle):
    r = R.Reading(parse(store, "attacks published in 2023").form)
    [year] = [c for c in R.chips(store, r) if c.picker == "years"]
    for span in ((2024, None), (None, 2023), (2023, 2025)):
        checked(store, oracle, R.apply_edit(store, r, R.Edit("years", year.key, years=span)))


@pytest.mark.parametrize("edit, says", [
    (R.Edit("values", "c0", ()), "at least one value"),
    (R.Edit("values", "c0", ("rdi:model-ddpm",)), "not a threat category of this graph"),
    (R.Edit("values", "c1", ("rdi:nothing-here",)), "not a target model of this graph"),
    (R.Edit("remove", "c9"), "no chip 'c9'"),
    (R.Edit("remove", "target"), "no chip 'target'"),
    (R.Edit("years", "c0", years=(2023, 2024)), "cannot be changed by 'years'"),
    (R.Edit("target", "target", target="gadgets"), "unknown target 'gadgets'"),
    (R.Edit("aggregate", "aggregate", agg="median"), "unknown aggregate 'median'"),
])
def test_an_edit_that_makes_no_reading_is_a_message(store, first, edit, says):
    with pytest.raises(KGError, match=says):
        R.apply_edit(store, first, edit)


def test_a_negation_that_cannot_hold_is_refused(store):
    form = Form("threats", (Cond("knowledge", first_knowledge(store), mode="every"),))
    with pytest.raises(KGError, match="no valid reading"):
        R.apply_edit(store, R.Reading(form), R.Edit("negate", "c0"))


def test_attribute_and_group_readings_run_as_their_questions(store, oracle):
    a = app_ask.ask_view(store, "which venue published SecMI?")
    assert a.reading is not None and a.reading.attribute == "venue"
    again = app_ask.reading_view(store, a.question, R.encode(a.reading))
    assert labels(again) == labels(a) and again.sparql == a.sparql
    listing = R.apply_edit(store, a.reading, R.Edit("remove", "attribute"))
    assert labels(app_ask.reading_view(store, a.question, listing)) == set(
        oracle.answer(listing.form))
    g = app_ask.ask_view(store, "how many papers per year")
    assert g.reading is not None and g.reading.group == ("year", "all", 0)
    again = app_ask.reading_view(store, g.question, R.encode(g.reading))
    assert again.answers == g.answers and again.sparql == g.sparql
    assert {a["label"]: int(a["n"]) for a in again.answers} == {
        str(k): v for k, v in oracle.grouped(g.reading.form, "year").items()}


def test_gap_and_declined_answers_have_no_reading(store):
    assert app_ask.ask_view(store, "Which threats have gaps?").reading is None
    assert app_ask.ask_view(store, "asdkjh qwe zzz").reading is None


# ------------------------------------------------------------------ the URL's encoding

def b64(obj) -> str:
    raw = obj if isinstance(obj, str) else json.dumps(obj)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class Recording:
    """A store that records every query it is asked."""

    def __init__(self, store) -> None:
        self.store, self.queries = store, []

    def __getattr__(self, name):
        return getattr(self.store, name)

    def select_values(self, sparql, bindings=None):
        self.queries.append(sparql)
        return self.store.select_values(sparql, bindings)

    def select(self, sparql, bindings=None):
        self.queries.append(sparql)
        return self.store.select(sparql, bindings)


HOSTILE_IRI = "rdi:x> } ; DROP ALL ; SELECT * { <y"
HOSTILE = [
    ("", "1 to 4000 characters"),
    ("x" * 4001, "1 to 4000 characters"),
    ("abc$%", "characters A-Z"),
    ("'; DROP TABLE attacks; --", "characters A-Z"),
    ("A", "not an encoded reading"),
    (b64("not json"), "JSONDecodeError"),
    (b64([1, 2]), "not an object"),
    (b64({"t": "attacks", "zz": 1}), "unknown fields: 'zz'"),
    (b64({"t": "gadgets"}), "unknown target 'gadgets'"),
    (b64({"t": "attacks", "c": [{"k": "threat"}]}), "needs values"),
    (b64({"t": "attacks", "c": [{"k": "threat", "v": [HOSTILE_IRI]}]}), "not a valid IRI"),
    (b64({"t": "attacks", "c": [{"k": "threat", "v": [SD]}]}),
     "not a threat category of this graph"),
    (b64({"t": "attacks", "c": [{"k": "threat", "v": "rdi:x"}]}), "1 to 50 names"),
    (b64({"t": "attacks", "c": [{"k": "threat", "v": [[1]]}]}), "1 to 50 names"),
    (b64({"t": "attacks", "c": [{"k": "text", "w": ["} DROP"]}]}), "lower-case words"),
    (b64({"t": "attacks", "c": [{"k": "year", "y": [2025, 2023]}]}), "needs a range"),
    (b64({"t": "attacks", "c": [{"k": "year", "y": ["2023", None]}]}), "whole numbers"),
    (b64({"t": "attacks", "c": [{"k": "code", "code": "maybe"}]}), "no such values"),
    (b64({"t": "attacks", "c": [{"k": "threat", "v": [MI], "n": True, "m": "every"}]}),
     "'every' applies to a positive"),
    (b64({"t": "attacks", "c": [{"k": "threat", "v": [MI], "m": "some"}]}),
     "not one a reading holds"),
    (b64({"t": "attacks", "c": [{"k": "rows", "of": "defenses",
                                 "sub": [{"k": "rows", "of": "attacks", "sub": [{"k": "t2i"}]}]}]}),
     "one level"),
    (b64({"t": "attacks", "c": [{"k": "t2i"}] * 17}), "at most 16 conditions"),
    (b64({"t": "attacks", "a": ["top", -1, ""]}), "aggregate is"),
    (b64({"t": "attacks", "at": "salary"}), "unknown attribute"),
    (b64({"t": "papers", "g": ["year", "top", "x"]}), "grouping is"),
    (b64({"t": "knowledge", "p": ["defenses"]}), "do not range over defenses"),
    (b64("[" * 3000), "not valid"),
]


@pytest.mark.parametrize("text, says", HOSTILE, ids=range(len(HOSTILE)))
def test_a_malformed_or_hostile_reading_is_a_clear_message(store, text, says):
    rec = Recording(store)
    with pytest.raises(KGError) as e:
        R.decode(rec, text)
    assert str(e.value).startswith("the link's reading is not valid: ")
    assert says in str(e.value)
    assert not any("DROP" in q or "<y" in q for q in rec.queries)  # never in a query


def test_encoding_round_trips_every_form_the_parser_gives(store):
    from tests.conftest import benchmark_questions

    seen = 0
    for q in benchmark_questions()[::4]:
        view = app_ask.ask_view(store, q)
        if view.reading is None:
            continue
        text = R.encode(view.reading)
        assert len(text) <= R.MAX_READING_CHARS
        assert R.decode(store, text) == view.reading, q
        seen += 1
    assert seen > 20


# ------------------------------------------------------------------ the page (AppTest)

def chip_texts(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("`")]


@slow  # the page driven through five interactions; the edits, their SPARQL and the URL
# encoding are proven in process above (test_each_edit_runs_the_edited_form,
# test_encoding_round_trips_every_form_the_parser_gives)
@pytest.mark.usefixtures("no_model")
def test_page_removes_and_edits_a_chip_and_the_url_carries_it(store, oracle, first):
    at = run_page("ask", {"q": Q})
    assert_clean(at)
    assert "`condition` model ∈ Stable Diffusion family" in chip_texts(at)
    before = set(frames(at)[0]["label"])
    at.button(key="chip_rm_c1").click().run()  # remove the model chip
    assert_clean(at)
    removed = R.apply_edit(store, first, R.Edit("remove", "c1"))
    assert set(frames(at)[0]["label"]) == set(oracle.answer(removed.form)) != before
    assert page_codes(at)[0] == run(store, removed.form, cap=ASK_ROWS).sparql
    assert "Edited reading" in texts(at)
    assert params(at) == {"q": [Q], "r": [R.encode(removed)]}
    again = run_page("ask", params(at))  # the shared URL opens the edited reading
    assert_clean(again)
    assert set(frames(again)[0]["label"]) == set(oracle.answer(removed.form))
    # edit the threat from its picker: data extraction instead
    widget = next(m.key for m in again.multiselect if m.key.startswith("chip_ed_c0_"))
    again.multiselect(key=widget).set_value(["rdi:threat-training-data-extraction"]).run()
    again.button(key=widget + "_apply").click().run()
    assert_clean(again)
    edited = R.apply_edit(store, removed, R.Edit("values", "c0", ("rdi:threat-training-data-extraction",)))
    assert set(frames(again)[0]["label"]) == set(oracle.answer(edited.form))
    assert params(again)["r"] == [R.encode(edited)]
    again.button(key="chip_reset").click().run()  # back to the question's own reading
    assert set(frames(again)[0]["label"]) == before and "r" not in params(again)


@pytest.mark.usefixtures("no_model")
def test_a_shared_url_opens_its_edited_reading(store, oracle, first):
    """One page run of the slow test above's shared URL: the page reads ``r`` as the edited
    reading, answers it and keeps it in the URL."""
    removed = R.apply_edit(store, first, R.Edit("remove", "c1"))
    at = run_page("ask", {"q": Q, "r": R.encode(removed)})
    assert_clean(at)
    assert set(frames(at)[0]["label"]) == set(oracle.answer(removed.form))
    assert page_codes(at)[0] == run(store, removed.form, cap=ASK_ROWS).sparql
    assert "Edited reading" in texts(at)
    assert params(at)["r"] == [R.encode(removed)]


@pytest.mark.parametrize("query, says", [
    ({"q": Q, "r": "'; DROP TABLE x; --"}, "the link's reading is not valid"),
    ({"q": Q, "r": b64({"t": "attacks", "c": [{"k": "threat", "v": [HOSTILE_IRI]}]})},
     "not a valid IRI"),
    ({"r": "eyJ0IjoiYXR0YWNrcyJ9"}, "usable without its question"),
])
@pytest.mark.usefixtures("no_model")
def test_page_says_a_bad_reading_in_the_url(store, query, says):
    at = run_page("ask", query)
    assert_clean(at)
    assert any(says in w for w in texts(at).splitlines()), texts(at)
    if "q" in query:  # the question is answered as read
        assert page_codes(at)[0] == app_ask.ask_view(store, Q).sparql
        assert "r" not in params(at)
