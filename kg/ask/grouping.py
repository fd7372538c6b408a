"""Grouping: a question that asks for its items counted per publication year or per venue
("attacks on DDPM by year", "MIA attacks per venue", "how many papers per year"), or for the
years / venues picked by that count ("Which venues published more than one paper?", "Which
publication year has the most papers?"), is answered by :func:`kg.query.groups.grouped` —
never by the ungrouped listing.

The rule: a grouping phrase is "by / per / for each / in each / each / across / grouped by /
broken down by" + (publication) year or venue (conference, journal); a question asking
"which / what (publication) year(s) / venue(s)" with a count phrase before a target noun
("more than one paper", "at least two attacks", "the most papers", "the fewest") picks groups
by their count. The phrase's words are consumed and blanked out of the question, the rest is
parsed as usual (its conditions select the items counted). A grouping the form cannot carry —
an ordering ("sorted by year") or a ranking of the items themselves beside it — is a blocking
phrase: the question is not answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..query import why_empty
from ..query.groups import NOUN, grouped
from ..stores.base import Store
from .answer import Answer
from .form import Parse
from .tokens import NUMBERS, rx

_BY = r"(?:the\s+)?(?:publication\s+)?(years?|venues?|conferences?|journals?)"
GROUP_PHRASE = rx(r"\b(?:(grouped|broken\s+down|split|sorted|ordered|ranked)\s+)?"
                  r"(?:by|per|for\s+each|in\s+each|each|across)\s+" + _BY + r"\b")
_WHICH = rx(r"\b(?:in\s+)?(?:which|what)\s+" + _BY + r"\b")
_NUM = r"(\d+|" + "|".join(NUMBERS) + r")"
_NOUN = (r"(?=\s+(?:[\w-]+\s+){0,4}?(?:papers?|attacks?|mias?|defen[cs]es?|methods?|models?|works?|"
         r"publications?|studies|entries|rows|threats?)\b)")
_PICK = rx(r"\b(?:(more|fewer|less)\s+than|(at\s+least|at\s+most))\s+" + _NUM + r"\b" + _NOUN
           + r"|\b(?:the\s+)?(most|fewest|least|highest\s+number\s+of|lowest\s+number\s+of)"
           r"\b" + _NOUN)


@dataclass(frozen=True)
class Grouping:
    """What a question groups by ("year" | "venue"), how groups are picked (``pick``, ``n``:
    :data:`kg.query.groups.PICKS`), the spans of its words, and a blocking phrase (an
    ordering: not answered)."""

    by: str
    pick: str
    n: int
    spans: tuple[tuple[int, int], ...]
    blocking: str = ""


def _by(word: str) -> str:
    return "year" if word.lower().startswith("year") else "venue"


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text.lower()]


def grouping_of(q: str) -> Grouping | None:
    """The question's grouping (see the module's rule), or None."""
    phrase, which = GROUP_PHRASE.search(q), _WHICH.search(q)
    if phrase is None and which is None:
        return None
    spans = [m.span() for m in (phrase, which) if m is not None]
    by = _by((phrase or which).group(2 if phrase else 1))
    if phrase is not None and (phrase.group(1) or "").lower() in ("sorted", "ordered",
                                                                   "ranked"):
        return Grouping(by, "all", 0, tuple(spans), blocking=phrase.group(0))
    pick, n = "all", 0
    m = _PICK.search(q) if which is not None else None
    if m is not None:
        spans.append(m.span())
        if m.group(1) or m.group(2):
            n = _number(m.group(3))
            cmp = " ".join((m.group(1) or m.group(2)).lower().split())
            pick, n = {"more": ("more_than", n), "fewer": ("fewer_than", n),
                       "less": ("fewer_than", n), "at least": ("more_than", n - 1),
                       "at most": ("fewer_than", n + 1)}[cmp]
        else:
            pick = "top" if m.group(4).lower() in ("most", "highest number of") else "bottom"
    return Grouping(by, pick, n, tuple(spans))


def blank(q: str, g: Grouping) -> str:
    """``q`` with the grouping's words blanked out (the offsets of the rest kept)."""
    for a, b in g.spans:
        q = q[:a] + re.sub(r"\S", " ", q[a:b]) + q[b:]
    return q


def answer_groups(store: Store, q: str, p: Parse, g: Grouping) -> Answer:
    """The items of the parse's form counted per year / venue, the groups picked."""
    assert p.form is not None
    res = grouped(store, p.form, g.by, g.pick, g.n)
    kind = "year" if g.by == "year" else "venue"
    answers = [{"iri": x["iri"], "label": x["label"], "type": kind, "n": x["n"]}
               for x in res.groups]
    msgs = list(p.notes)
    msgs.append(f"counted per {NOUN[g.by]}: "
                + (", ".join(f"{x['label']} {x['n']}" for x in answers) or "none"))
    if not answers and p.form.conds:
        msgs.append(f"no answer: {why_empty(store, p.form)}")
    if p.not_understood:
        msgs.append("not understood (not used): " + ", ".join(repr(w) for w in p.not_understood))
    return Answer(q, "query", res.sparql, answers, p.mentions, message="; ".join(msgs),
                  understood_as=res.understood_as, logical_form=dict(
                      p.form.as_dict(), group_by={"by": g.by, "pick": g.pick, "n": g.n}),
                  not_understood=p.not_understood, form=p.form)
