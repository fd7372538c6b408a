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
    ("last_author", rx(r"\b(last|senior|final) author\b")),
    ("authors", rx(r"\bwho (wrote|authored|published|(is|are) (the )?authors?)\b|"
                   r"\bauthors?\b|\bwritten by whom\b|"
                   r"\bwho\b.*\b(write|wrote|author|propos|introduc|develop|invent|devis|"
                   r"works? on|worked on|working on|stud(?:y|ies|ied)|research)")),
    ("venue", rx(r"\bvenues?\b|\bwhere (was|were|did|is|are)\b.*\b(publish|appear|present)|"
                 r"\b(which|what) (conf|conference|journal|workshop)\b")),
    ("year", rx(r"\b(what|which) years?\b|\bwhen (was|were|did|is)\b|\byears? of\b")),
    ("arxiv", rx(r"\barxiv (id|identifier|number)\b|\barxiv\b.*\b(id|number)\b")),
    ("doi", rx(r"\bdois?\b")),
    ("code", rx(r"\bcode (link|url|repository|repo)\b|\bwhere is (the|its) code\b|"
                r"\b(github|repository|repo) (link|url)\b|\blink to (the|its) code\b|"
                r"\b(code|github|repo|repository) (for|of)\b")),
    ("limitation", rx(r"\blimitations?\b|\bweakness(es)?\b|\bdrawbacks?\b|\bshortcomings?\b")),
    ("effectiveness", rx(r"\beffectiveness\b|\bhow effective\b|\bwhat did\b.*\bachieve\b|"
                         r"\bresults?\b")),
)
#: the rows whose values are asked for, named by a noun ("the venues that published the
#: defense papers", "years of the attack papers") when no paper, method or threat is named
_ROWS_NAMED = rx(r"\b(?:the|all|these|those)\s+(?:[\w-]+\s+){0,3}?(?:papers?|attacks?|"
                 r"defen[cs]es?)\b")
_ASKS = rx(r"(?:^|(?<=[.!?:]\s))\s*(what|which|who|whose|where|when|show|give|find|tell|list|"
           r"name|get|how many)\b|^\s*[\w\s-]{0,40}\bof\b|\?")  # any sentence may ask
_SELECTS = rx(r"\b(papers?|attacks?|defen[cs]es?|methods?)\s+(published|from|at|in|by|whose|"
              r"with|that|which|have|has|(?:come|comes|ship|ships) with|provide|provides|"
              r"offer|offers)\b")


def attribute_cue(q: str, toks: list[Tok], kinds: set[str],
                  mentions: list | None = None) -> tuple[str, set[int]] | None:
    """The attribute the question asks for and its cue tokens, or None. A terse question
    asks for it too when the cue stands right beside the name ("arXiv number for SecMI",
    "code for the SecMI paper", "SecMI's DOI")."""
    if not kinds & {"paper", "method", "threat"} and not _ROWS_NAMED.search(q):
        return None
    for name, cue in CUES:
        m = cue.search(q)
        if not m:
            continue
        if not (_ASKS.search(q) or _beside_name(q, toks, mentions or [], m.start(), m.end())):
            return None
        sel = _SELECTS.search(q)
        of = re.match(r"\s*(?:of|for)\b", q[m.end():], re.I) or re.search(
            r"\b(?:of|for)$", m.group(0), re.I)  # "the venue of the paper that …"
        if sel and (name in ("venue", "year") and not of or sel.start() < m.start()) or \
                re.search(r"\b(mention|contain|say(?!s? about\b))", q, re.I):
            return None  # rows with a value ("papers that have a code repository"), or
            # words of the cells: not an attribute
        used = {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()
                and t.mention is None}
        used |= {i for i, t in enumerate(toks) if t.norm in (
            "who", "wrote", "write", "written", "author", "authored", "publish", "published",
            "appear", "appeared", "where", "when", "year", "venue", "first", "lead", "main",
            "limitation", "effectiveness", "reported", "report", "according", "survey",
            "achieve", "achieved", "what", "whose", "id", "identifier", "number", "doi",
            "arxiv", "code", "link", "url", "result", "effective", "weakness", "drawback")
            and t.mention is None}
        used |= {i for i, t in enumerate(toks[:-1]) if t.norm in ("all", "each", "every")
                 and toks[i + 1].norm in ("author", "authors", "coauthors", "co")}  # "all authors"
        return name, used - {i for i, t in enumerate(toks) if t.norm in _ORDINALS}
    for name, cue in _TERSE:  # "SecMI code", "SecMI's code?"
        m = cue.search(q)
        if m and _beside_name(q, toks, mentions or [], m.start(), m.end()):
            return name, {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()}
    for name, cue in _LEADING:  # "year SecMI", "venue of the PIA paper"
        m = cue.match(q)
        if m and _beside_name(q, toks, mentions or [], m.start(1), m.end(1)):
            return name, {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()}
    return None


#: an ordinal the attributes do not read ("the second author"): never consumed, so the
#: question is not answered with every author
_ORDINALS = ("second", "third", "fourth", "fifth", "penultimate")
#: an attribute word alone after a name, at the question's end
_TERSE = tuple((name, rx(r"(?:'s|’s)?\s+(?:" + words + r")\s*[?.!]*\s*$")) for name, words in (
    ("code", "code|github|repo"), ("year", "year|publication year"), ("venue", "venue"),
    ("authors", "authors?"), ("doi", "doi"), ("arxiv", "arxiv(?: id| number)?"),
    ("limitation", "limitations?"), ("effectiveness", "effectiveness")))
#: an attribute word alone at the question's start, right before a name ("year SecMI")
_LEADING = tuple((name, rx(r"^\s*(" + words + r")\b")) for name, words in (
    ("year", "year|publication year"), ("venue", "venue"), ("authors", "authors?"),
    ("doi", "doi"), ("arxiv", "arxiv (?:id|number)"), ("code", "code (?:link|url)")))
_NAMED_KINDS = ("paper", "method", "threat")


def _beside_name(q: str, toks: list[Tok], mentions: list, a: int, b: int) -> bool:
    """The cue at ``q[a:b]`` is followed by "for / of / on / in [the]" and a name, or follows
    a name (and "'s")."""
    after = re.match(r"\s*(?:(?:for|of|on|in|from)\s+)?(?:the\s+|this\s+|that\s+)?[\"'“‘]?",
                     q[b:], re.I)
    before = re.search(r"(?:'s|’s)?\.?\)?\s*$", q[:a])  # "PIA (Kong et al.) venue"
    for t in toks:
        if t.mention is None or mentions[t.mention].entity.kind not in _NAMED_KINDS:
            continue
        if after and t.start == b + after.end() or before and t.end == before.start():
            return True
    return False


#: "Carlini et al. attack: black-box or white-box?", "Is SecMI black-box or white-box?",
#: "does PIA assume gray- or white-box access?": which of the choices — the question asks
#: for values of the choices' kind, the choices a condition on them
_CHOICE = rx(r"(?:^\s*(?:is|are|was|were|does|do|did)\b.*|[:—–]\s*(?:is it\s+|are they\s+)?)"
             r"(?<!\S)(?P<alts>\S+(?:\s+\S+)?\s+or\s+\S+(?:\s+\S+)?)"
             r"(?:\s+(?:access|knowledge|setting|model|models|attack|one))?\s*\?*\s*$")
CHOICE_TARGET = {"knowledge": "knowledge", "model": "models", "threat": "threats"}


def choice_target(q: str, toks: list[Tok], mentions: list) -> str | None:
    """The target of a choice question about a named paper or method (see ``_CHOICE``):
    the choices are names of one kind joined by "or" at the question's end."""
    m = _CHOICE.search(q)
    if m is None or not any(x.entity.kind in ("paper", "method") for x in mentions):
        return None
    alts = {mentions[t.mention].entity.kind for t in toks
            if t.mention is not None and t.start >= m.start("alts")}
    if len(alts) != 1 or next(iter(alts)) not in CHOICE_TARGET:
        return None
    inside = [t for t in toks if t.mention is not None and t.start >= m.start("alts")]
    if len({t.mention for t in inside}) < 2:
        return None
    return CHOICE_TARGET[next(iter(alts))]
