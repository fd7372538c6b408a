"""Attribute and who-questions ("which venue published SecMI?", "who wrote PIA?", "what is
the limitation of the gradient inversion attack?"): the value of a named paper, attack or
defense, answered by :func:`kg.query.attribute` with its source.

A question is an attribute question when it names an attribute (:data:`CUES`) and a paper,
defense method or threat, and asks for the value (a question word, "of", a command) rather
than for rows with a value ("papers published at ICML" names a venue: a condition). The
selection is the question's other conditions; the attribute's cue words are consumed.
"""

from __future__ import annotations

import re

from .tokens import Tok, rx

#: attribute -> the words that ask for it
CUES = (
    ("first_author", rx(r"\b(first|lead|main) author\b")),
    ("authors", rx(r"\bwho (wrote|authored|published|(is|are) (the )?authors?)\b|"
                   r"\bauthors?\b|\bwritten by whom\b|\bwho\b.*\b(write|wrote|author)")),
    ("venue", rx(r"\bvenues?\b|\bwhere (was|were|did|is|are)\b.*\b(publish|appear|present)|"
                 r"\bwhich (conference|journal|workshop)\b|\bwhat (conference|journal)\b")),
    ("year", rx(r"\b(what|which) year\b|\bwhen (was|were|did|is)\b|\byear of\b")),
    ("arxiv", rx(r"\barxiv (id|identifier|number)\b|\barxiv\b.*\b(id|number)\b")),
    ("doi", rx(r"\bdois?\b")),
    ("code", rx(r"\bcode (link|url|repository|repo)\b|\bwhere is (the|its) code\b|"
                r"\b(github|repository|repo) (link|url)\b|\blink to (the|its) code\b")),
    ("limitation", rx(r"\blimitations?\b|\bweakness(es)?\b|\bdrawbacks?\b|\bshortcomings?\b")),
    ("effectiveness", rx(r"\beffectiveness\b|\bhow effective\b|\bwhat did\b.*\bachieve\b|"
                         r"\bresults?\b")),
)
_ASKS = rx(r"^\s*(what|which|who|whose|where|when|show|give|find|tell|list|name|get)\b|"
           r"^\s*[\w\s-]{0,40}\bof\b|\?\s*$")
_SELECTS = rx(r"\b(papers?|attacks?|defen[cs]es?|methods?)\s+(published|from|at|in|by|whose|"
              r"with|that|which)\b")


def attribute_cue(q: str, toks: list[Tok], kinds: set[str]) -> tuple[str, set[int]] | None:
    """The attribute the question asks for and its cue tokens, or None."""
    if not kinds & {"paper", "method", "threat"} or not _ASKS.search(q):
        return None
    for name, cue in CUES:
        m = cue.search(q)
        if not m:
            continue
        if _SELECTS.search(q) and name in ("venue", "year") or re.search(
                r"\b(mention|contain|say)", q, re.I):
            return None  # rows with a value, or words of the cells: not an attribute
        used = {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()
                and t.mention is None}
        used |= {i for i, t in enumerate(toks) if t.norm in (
            "who", "wrote", "write", "written", "author", "authored", "publish", "published",
            "appear", "appeared", "where", "when", "year", "venue", "first", "lead", "main",
            "limitation", "effectiveness", "reported", "report", "according", "survey",
            "achieve", "achieved", "what", "whose", "id", "identifier", "number", "doi",
            "arxiv", "code", "link", "url", "result", "effective", "weakness", "drawback")
            and t.mention is None}
        return name, used
    return None
