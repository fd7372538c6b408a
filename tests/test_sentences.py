"""Every sentence the tool writes is true: the related-work prose and the gap reasons, each
number and each row it names checked against the plain-Python oracle over the survey rows
(tests/oracle.py, which reads the survey without the product).

The prose is drawn for many views (hypothesis: threats, attacker knowledge, models, years,
venues, authors, most draws taken from a row so the view is not empty); each sentence that
states a number carries what it counts (``counts``) and its survey rows, and both must be
the oracle's. The gap reasons are read the same way, and a model-level reason never says
the family-level view has no gap where the family list has one.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.coverage.gaps import find_gaps
from kg.export import make_view, view_spec
from kg.export.paragraph import NUMBERS, Sentence, blocks

from .oracle import ATTACKS, DEFENSES, Oracle

WORDS = {w: i for i, w in enumerate(NUMBERS)}


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


@pytest.fixture(scope="module")
def product_rows(store):
    """Every attack and defense row as the exports read them, by (table, row number)."""
    view = make_view(store, view_spec(store), with_graph=False)
    return ({a.row: a for a in view.attacks}, {d.row: d for d in view.defenses})


def _number(text: str) -> int:
    for w in re.findall(r"[A-Za-z]+|\d+", text):
        if w.isdigit():
            return int(w)
        if w.lower() in WORDS:
            return WORDS[w.lower()]
    raise AssertionError(f"no number in {text!r}")


def _bib(o: Oracle, paper: str) -> dict:
    return o.bib.get(" ".join(paper.split()).casefold(), {})


def _passes(o: Oracle, r, f: dict) -> bool:
    """The oracle's reading of a filter view (kg export view): threats, models (a model
    covers the models below it), years, venues and authors on every row; knowledge on
    attack rows only."""
    if f["threats"] and r.threat not in f["threats"]:
        return False
    if f["models"] and not any(o.under(m, x) for m in r.models for x in f["models"]):
        return False
    if r.part == ATTACKS and f["knowledge"] and not r.knowledge & set(f["knowledge"]):
        return False
    e = _bib(o, r.paper)
    if f["years"] is not None:
        lo, hi = f["years"]
        if e.get("year") is None or not lo <= e["year"] <= hi:
            return False
    if f["venues"] and e.get("venue_short") not in f["venues"]:
        return False
    if f["authors"]:
        families = {a.split(",")[0].strip() for a in e.get("authors") or []}
        if not families & set(f["authors"]):
            return False
    return True


@st.composite
def filters(draw, o: Oracle):
    """A filter view; three draws in four start from a row, so most views hold rows."""
    rows = o.rows
    f = {"threats": [], "knowledge": [], "models": [], "years": None, "venues": [],
         "authors": []}
    if draw(st.integers(0, 3)):
        r = draw(st.sampled_from(rows))
        e = _bib(o, r.paper)
        if draw(st.booleans()):
            f["threats"] = [r.threat]
        if r.knowledge and draw(st.booleans()):
            f["knowledge"] = [draw(st.sampled_from(sorted(r.knowledge)))]
        if draw(st.booleans()):
            m = draw(st.sampled_from(sorted(r.models)))
            line = [m]
            while o.parent.get(line[-1]):
                line.append(o.parent[line[-1]])
            f["models"] = [draw(st.sampled_from(line))]  # the model or a family above it
        if e.get("year") and draw(st.integers(0, 3)) == 0:
            f["years"] = (e["year"], e["year"] + draw(st.integers(0, 1)))
        if e.get("venue_short") and draw(st.integers(0, 4)) == 0:
            f["venues"] = [e["venue_short"]]
        if e.get("authors") and draw(st.integers(0, 4)) == 0:
            f["authors"] = [e["authors"][0].split(",")[0].strip()]
    else:
        f["threats"] = draw(st.lists(st.sampled_from(sorted({r.threat for r in rows})),
                                     max_size=2, unique=True))
        f["knowledge"] = draw(st.lists(st.sampled_from(sorted(o.knowledge_levels)),
                                       max_size=2, unique=True))
        f["models"] = draw(st.lists(st.sampled_from(sorted(o.parent)), max_size=2, unique=True))
    return f


def _check_sentence(s: Sentence, atts: list, defs: list) -> None:
    threat = re.search(r"with threat (.+?)(?: and attacker knowledge|$)", s.counts).group(1)
    if s.counts.startswith("distinct defense methods"):
        mine = [d for d in defs if d.threat == threat]
        assert _number(s.text) == len({d.method for d in mine}), s
    elif "attacker knowledge exactly" in s.counts:
        levels = set(s.counts.rsplit("exactly ", 1)[1].split(" + "))
        mine = [a for a in atts if a.threat == threat and a.knowledge == levels]
        assert _number(s.text) == len(mine), s
        assert "alone" in s.text or "only" in s.text or "no other" in s.text, s
    else:
        mine = [a for a in atts if a.threat == threat]
        assert _number(s.text) == len(mine), s
    part = DEFENSES if s.counts.startswith("distinct") else ATTACKS
    assert sorted(s.rows) == sorted(f"{part}:{r.row}" for r in mine), s


def check_prose(o: Oracle, product_rows, f: dict) -> int:
    atts = [r for r in o.rows if r.part == ATTACKS and _passes(o, r, f)]
    defs = [r for r in o.rows if r.part == DEFENSES and _passes(o, r, f)]
    a_rows, d_rows = product_rows
    out = blocks([a_rows[r.row] for r in atts], [d_rows[r.row] for r in defs])
    counted = [b for b in out if isinstance(b, Sentence) and b.counts]
    for s in counted:
        _check_sentence(s, atts, defs)
    # every threat of the view is introduced by its count, and every number sentence counts
    threats = {r.threat for r in atts}
    assert {s.counts.split("with threat ")[1] for s in counted
            if s.counts.startswith("attack rows") and "exactly" not in s.counts} == threats
    for b in out:
        if isinstance(b, Sentence) and not b.counts:
            assert not re.search(r"\b(attacks|defenses?|methods) (have|has) been", b.text), b
    return len(counted)


def test_the_whole_survey_and_each_threat(oracle, product_rows):
    empty = {"threats": [], "knowledge": [], "models": [], "years": None, "venues": [],
             "authors": []}
    assert check_prose(oracle, product_rows, empty) >= 8
    for t in sorted({r.threat for r in oracle.rows}):
        check_prose(oracle, product_rows, {**empty, "threats": [t]})


def test_membership_inference_counts_every_black_box_attack_once(oracle, product_rows):
    """The sentence the issue found false: six MIAs assume black-box access, four of them
    only black-box; the prose says four *alone* and counts the other two in their group."""
    f = {"threats": ["Membership inference"], "knowledge": [], "models": [], "years": None,
         "venues": [], "authors": []}
    a_rows, d_rows = product_rows
    atts = [r for r in oracle.rows if r.part == ATTACKS and _passes(oracle, r, f)]
    assert sum("Black-box" in r.knowledge for r in atts) == 6
    text = " ".join(b.text for b in blocks([a_rows[r.row] for r in atts], [])
                    if isinstance(b, Sentence))
    assert "Under black-box access alone, four attacks" in text
    assert "Two attacks are evaluated in both the black-box and white-box settings" in text


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_views_say_only_what_the_oracle_counts(oracle, product_rows, data):
    check_prose(oracle, product_rows, data.draw(filters(oracle)))


# ------------------------------------------------------------------ gap reasons

def test_gap_reasons_count_what_the_oracle_counts(store, oracle):
    atts = [r for r in oracle.rows if r.part == ATTACKS]
    defs = [r for r in oracle.rows if r.part == DEFENSES]
    seen = 0
    for g in find_gaps(store, evidence=False):
        cell = g.cells[0] if g.cells else {}
        t = cell.get("threat", {}).get("label")
        if g.type == "threat_without_defense":
            mine = [a for a in atts if a.threat == t]
            assert f"{len(mine)} attack" in g.reason and not [d for d in defs if d.threat == t]
        elif g.type == "model_without_defense" and g.level == "model":
            m = cell["model"]["label"]
            assert g.reason.split(": ", 1)[1].startswith(
                f"{sum(m in a.models for a in atts if a.threat == t)} attack"), g.reason
            if (hit := re.search(r"its family (.+?) has (\d+) defense", g.reason)):
                fam, n = hit.group(1), int(hit.group(2))
                assert n == sum(1 for d in defs if d.threat == t
                                and any(oracle.under(x, fam) for x in d.models)), g.reason
        elif g.type == "model_without_defense":
            f = cell["model"]["label"]
            n = sum(1 for a in atts if a.threat == t and any(oracle.under(x, f) for x in a.models))
            assert g.reason.split(": ", 1)[1].startswith(f"{n} attack"), g.reason
        elif g.type == "knowledge_without_defense":
            k = cell["knowledge"]["label"]
            n = sum(1 for a in atts if a.threat == t and k in a.knowledge)
            assert g.reason.split(": ", 1)[1].startswith(f"{n} attack"), g.reason
        seen += 1
    assert seen >= 20


def test_model_and_family_gap_reasons_agree(store):
    """A model-level reason says the family view shows no gap for a family only where the
    family list has none, and names the families where it shows the gap (DiT: a family
    inside the latent diffusion family)."""
    gaps = find_gaps(store, evidence=False)
    family = {(g.cells[0]["threat"]["label"], g.cells[0]["model"]["label"])
              for g in gaps if g.type == "model_without_defense" and g.level == "family"}
    checked = 0
    for g in gaps:
        if g.type != "model_without_defense" or g.level != "model":
            continue
        t = g.cells[0]["threat"]["label"]
        for f in re.findall(r"shows no gap for ([^;]+)", g.reason):
            assert (t, f) not in family, g.reason
            checked += 1
        if (hit := re.search(r"shows the gap under ([^;]+)", g.reason)):
            for f in hit.group(1).split(", "):
                assert (t, f) in family, g.reason
                checked += 1
    assert checked >= 2
    dit = [g.reason for g in gaps if g.level == "model" and
           g.cells[0]["model"]["label"] == "Diffusion Transformer"]
    assert dit and all("shows the gap under Diffusion Transformer" in r for r in dit)
