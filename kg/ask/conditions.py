"""The conditions of a question: what its names, negations, years, code and text words
require of the answer.

Each stage reads the tokens (:mod:`kg.ask.tokens`) and mentions (:mod:`kg.ask.mentions`)
and returns the conditions it found (:class:`kg.query.Cond`) with the token indexes it
used, so the words no stage used can be reported. The rules:

* A negation cue ("not", "no", "without", "except", "other than" …) negates the next token
  that carries a condition; a cue with nothing to negate before "and" / "but" / "or" or the
  end is kept as unattached (the question is then not answered).
* "neither A nor B": B is negated too, and so is a list after "except", "other than",
  "excluding", "apart from".
* Names of one kind are any-of, or all-of where the question says "both" / "all of" / "as
  well as", or joins models or authors by "and" ("on DDPM and SD"); "only" next to a
  knowledge level makes it the attack's only knowledge.
* Years ("in 2023", "since 2024", "before 2025", "between 2023 and 2024") are conditions on
  the paper's publication year; a year inside a name ("Li et al. 2025") belongs to the name.
* Words of the effectiveness and limitation cells are one text condition (all must occur),
  on the limitation column when the question speaks of needs or limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..lexicon import STOPWORDS
from ..linking import Mention
from ..query import Cond, Term
from .mentions import entities_of
from .tokens import (
    CODE_WORD,
    EFFECT_CUE,
    GENERIC,
    LIMIT_CUE,
    NEGATIONS,
    ONLY,
    UNDEFENDED,
    Tok,
    has_defense,
    rx,
)

_EXCEPT = rx(r"\b(except(?: for)?|other than|excluding|exclude|apart from|besides|but not)"
             r"\s*(the\s+)?$")
_CODE_NOUNS = ("code", "implementation", "github", "repo", "repository", "source", "sourced")
_CODE_WORDS = ("closed", "unreleased", "public", "available", "released", "publicly", "with",
               "has", "have")
_FIELD_WORDS = ("limitation", "effectiveness", "weakness", "drawback", "shortcoming", "caveat",
                "mention", "say", "contain", "word", "phrase")
_KNOWLEDGE_FOLLOWERS = ("access", "setting", "scenario", "knowledge", "attacker", "adversary",
                        "threat", "model", "assumption")


@dataclass
class Found:
    """Conditions a stage found, and the token indexes it used."""

    conds: list[Cond] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


# --------------------------------------------------------------------------- years

_Y = r"((?:19[5-9]|20[0-9])[0-9])"
_YEAR_FORMS: tuple[tuple[re.Pattern, str], ...] = (
    (rx(rf"\bbetween {_Y} and {_Y}\b|\bfrom {_Y} (?:to|until|through) {_Y}\b|"
        rf"\b{_Y} ?[-–] ?{_Y}\b|\b{_Y} (?:and|or) {_Y}\b"), "range"),
    (rx(rf"\b(?:since|starting(?: in| from)?|from|in) {_Y} (?:on|onwards?|and (?:later|after)|"
        rf"or (?:later|after|newer))\b|\b{_Y} (?:or|and) (?:later|after|newer)\b|"
        rf"\b{_Y} onwards?\b|\bsince {_Y}\b|\bnot before {_Y}\b"), "from"),
    (rx(rf"\b(?:after|later than|newer than|post) {_Y}\b"), "after"),
    (rx(rf"\b(?:before|earlier than|older than|prior to|pre) {_Y}\b"), "before"),
    (rx(rf"\b(?:until|till|up to|through|by) {_Y}\b|\b{_Y} (?:or|and) (?:earlier|before|"
        rf"older)\b"), "until"),
    (rx(rf"\b{_Y}\b"), "in"),
)

Years = list[tuple[tuple[int | None, int | None], str, list[int]]]


def years_of(q: str, toks: list[Tok]) -> Years:
    """Publication-year conditions of the question: ((first, last), text, token indexes);
    a year inside a name ("Li et al. 2025") belongs to the name."""
    taken: list[tuple[int, int]] = []
    out = []
    for pattern, how in _YEAR_FORMS:
        for m in pattern.finditer(q):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            idx = [i for i, t in enumerate(toks) if m.start() <= t.start < m.end()]
            if any(toks[i].mention is not None for i in idx):
                continue
            taken.append((m.start(), m.end()))
            out.append((_year_span(how, [int(g) for g in m.groups() if g]), m.group(), idx))
    return sorted(out, key=lambda x: x[2][0] if x[2] else 0)


def _year_span(how: str, ys: list[int]) -> tuple[int | None, int | None]:
    if how == "range":
        return (min(ys), max(ys))
    if how == "from":
        return (ys[0], None)
    if how == "after":
        return (ys[0] + 1, None)
    if how == "before":
        return (None, ys[0] - 1)
    if how == "until":
        return (None, ys[0])
    return (ys[0], ys[0])


def year_conditions(years: Years, neg_at: set[int]) -> list[Cond]:
    return [Cond("year", years=lo_hi, negated=any(i in neg_at for i in idx))
            for lo_hi, _, idx in years]


# --------------------------------------------------------------------------- negation

@dataclass
class Negation:
    """Where the question's negation cues point: ``at`` the tokens they negate, ``cues``
    the cue tokens, ``dangling`` (cue, end) token ranges of cues with nothing to negate."""

    at: set[int]
    cues: set[int]
    dangling: list[tuple[int, int]]


def negation(toks: list[Tok], year_tok: set[int], vocab: frozenset[str]) -> Negation:
    """A cue negates the next condition-bearing token: a name, a code or defense word, a
    year, or a word of the text cells."""
    neg = Negation(set(), set(), [])
    pending = False
    cue_at = 0
    for i, t in enumerate(toks):
        w = t.norm
        if w in NEGATIONS or (w == "but" and i + 1 < len(toks) and toks[i + 1].norm == "not"):
            if w == "other" and not (i + 1 < len(toks) and toks[i + 1].norm == "than"):
                continue
            if not pending:
                cue_at = i
            pending = True
            neg.cues.add(i)
            continue
        if pending and (t.mention is not None or CODE_WORD.match(w) or has_defense(w)
                        or i in year_tok and t.norm.isdigit()
                        or len(w) > 2 and w in vocab and w not in GENERIC
                        and w not in STOPWORDS):
            neg.at.add(i)
            pending = False
        elif pending and w in ("and", "but", "or"):
            pending = False
            neg.dangling.append((cue_at, i))
    if pending:
        neg.dangling.append((cue_at, len(toks)))
    return neg


def unattached(q: str, toks: list[Tok], dangling: list[tuple[int, int]]) -> list[str]:
    """The text of each negation with nothing to negate ("other" alone negates nothing)."""
    out = []
    for a, b in dangling:
        if a < len(toks) and toks[a].norm == "other":
            continue
        end = toks[b - 1].end if b > a else toks[a].end
        out.append(q[toks[a].start:end])
    return out


# --------------------------------------------------------------------------- code, defenses

def code_condition(words: list[str], toks: list[Tok], neg_at: set[int]) -> Found:
    """Code availability: "with code", "without public code", "closed-source"."""
    found = Found()
    code_idx = [i for i, w in enumerate(words) if CODE_WORD.match(w) and toks[i].mention is None]
    if code_idx and any(words[i] in _CODE_NOUNS for i in code_idx):
        closed = "closed" in words or "unreleased" in words
        negated = closed or any(i in neg_at for i in code_idx) or any(
            words[j] in NEGATIONS for i in code_idx for j in range(max(0, i - 3), i))
        # "without code": no row of the item has a code link (for attacks: this row)
        found.conds.append(Cond("code", code="linked", negated=negated))
        found.used.update(code_idx)
        found.used.update(i for i, w in enumerate(words) if w in _CODE_WORDS)
    return found


def undefended(q: str, toks: list[Tok], words: list[str], neg_at: set[int]) -> tuple[bool, set[int]]:
    """Whether the question asks for what has no defense ("no defense", "undefended",
    "without any countermeasure"), and the tokens that said so ("undefended")."""
    negated = bool(UNDEFENDED.search(q)) or any(
        i in neg_at and has_defense(words[i]) for i in range(len(toks)))
    used = set()
    if UNDEFENDED.search(q):
        used = {i for i, t in enumerate(toks)
                if re.match(r"un", t.norm) and has_defense(t.norm[2:].lstrip("-"))}
    return negated, used


# --------------------------------------------------------------------------- names

def _connector(q: str, a: Mention, b: Mention) -> str:
    between = q[a.end:b.start].lower()
    if re.search(r"\bor\b|\beither\b|/|,", between):
        return "or"
    if re.search(r"\band\b|&", between):
        return "and"
    return "and" if not between.strip() else "other"


def _named_by_kind(q: str, toks: list[Tok], mentions: list[Mention],
                   neg_at: set[int]) -> dict[str, list[tuple[Mention, bool]]]:
    """The mentions of each kind in text order, each with whether it is negated."""
    by_kind: dict[str, list[tuple[Mention, bool]]] = {}
    for i, t in enumerate(toks):
        if t.mention is None or (i > 0 and toks[i - 1].mention == t.mention):
            continue
        m = mentions[t.mention]
        by_kind.setdefault(m.entity.kind, []).append((m, i in neg_at))
    # "neither A nor B": B is negated too; so is a list after "except", "other than",
    # "excluding", "apart from" ("other than SecMI and PIA")
    for kind, lst in by_kind.items():
        fixed = []
        for j, (m, negated) in enumerate(lst):
            if not negated and j > 0 and lst[j - 1][1] and (re.search(
                    r"\b(nor|or)\b", q[lst[j - 1][0].end:m.start], re.I) or re.fullmatch(
                    r"\s*(,|,?\s*and|,?\s*or)\s*", q[lst[j - 1][0].end:m.start], re.I)
                    and _EXCEPT.search(q[:lst[j - 1][0].start])):
                negated = True
            fixed.append((m, negated))
        by_kind[kind] = fixed
    return by_kind


def _only(toks: list[Tok], pos: list[Mention], only_at: set[int]) -> bool:
    """'only' next to a knowledge mention (stop words between allowed): "black-box only",
    "only in a white-box setting" — not "only need API access"."""
    for i in only_at:
        for j in (i - 1, i + 1):
            k = j
            step = -1 if j < i else 1
            while 0 <= k < len(toks) and toks[k].norm in STOPWORDS and toks[k].mention is None:
                k += step
            if 0 <= k < len(toks) and toks[k].mention is not None and any(
                    m.start <= toks[k].start < m.end for m in pos):
                return True
    return False


def _mode(q: str, kind: str, pos: list[Mention]) -> str:
    """any-of, or all-of ("both DDIM and DALL-E 2"; models and authors joined by "and")."""
    if len(pos) < 2:
        return "any"
    both = bool(re.search(r"\bboth\b|\ball of\b|\bas well as\b", q, re.I))
    compare = bool(re.search(r"\bcompare|\bversus\b|\bvs\b|\beither\b", q, re.I))
    joins = [_connector(q, a, b) for a, b in zip(pos, pos[1:], strict=False)]
    on_one = kind in ("model", "author")  # "on DDPM and SD", "by Kong and Duan"
    if (both or (on_one and "or" not in joins and not compare)) and \
            kind in ("model", "knowledge", "threat", "method", "paper", "author"):
        return "all" if (both or on_one) else "any"
    return "any"


def entity_conditions(q: str, toks: list[Tok], mentions: list[Mention], neg_at: set[int],
                      same: dict) -> tuple[Found, set[str]]:
    """One condition per kind of name (all-of: one per name when a name stands for several
    entities), and one for its negated names; with the kinds the question names."""
    found = Found()
    by_kind = _named_by_kind(q, toks, mentions, neg_at)
    only_at = {i for i, t in enumerate(toks) if t.norm in ONLY}
    for kind, lst in by_kind.items():
        pos = [m for m, n in lst if not n]
        neg = [m for m, n in lst if n]
        if pos:
            mode = _mode(q, kind, pos)
            if kind == "knowledge" and _only(toks, pos, only_at):
                mode = "only"
                found.used.update(only_at)
            groups = [tuple(Term(e.iri, e.label) for e in entities_of(m, same)) for m in pos]
            values = tuple(dict.fromkeys(t for g in groups for t in g))
            if mode == "all" and any(len(g) > 1 for g in groups):
                # each name on the item, one of its entities each ("Wen and Zhang")
                found.conds += [Cond(kind, g) for g in dict.fromkeys(groups)]
            else:
                found.conds.append(Cond(kind, values, mode=mode if len(values) > 1
                                        or mode == "only" else "any"))
        if neg:
            values = tuple(dict.fromkeys(Term(e.iri, e.label) for m in neg
                                         for e in entities_of(m, same)))
            found.conds.append(Cond(kind, values, negated=True))
    return found, set(by_kind)


def t2i_condition(q: str, toks: list[Tok], named_kinds: set[str]) -> Found:
    """"text-to-image" / "T2I" without a model named: the row's model is text-to-image."""
    found = Found()
    if re.search(r"\bt2i\b|text[- ]to[- ]image", q, re.I) and "model" not in named_kinds:
        found.conds.append(Cond("t2i"))
        found.used = {i for i, t in enumerate(toks) if t.norm in ("t2i", "text", "to", "image")}
    return found


# --------------------------------------------------------------------------- text

def text_field(words: list[str], target: str) -> tuple[str, set[int]]:
    """The text column the question's words are sought in: "limitation" when it speaks of
    needs or limits, "effectiveness" of results, else "any" (defense rows have no
    limitation column); with the cue tokens."""
    field_ = "any"
    limit_cue = [i for i, w in enumerate(words) if LIMIT_CUE.match(w)]
    effect_cue = [i for i, w in enumerate(words) if EFFECT_CUE.match(w)]
    if limit_cue and not effect_cue:
        field_ = "limitation"
    elif effect_cue and not limit_cue:
        field_ = "effectiveness"
    if field_ == "limitation" and target in ("methods", "evaluations"):
        field_ = "any"
    return field_, set(limit_cue + effect_cue)


def explicit_field(words: list[str]) -> bool:
    """The question names a text column or quotes words ("whose limitation mentions …"):
    its generic words that the cells hold are then text words too."""
    return any(w in _FIELD_WORDS for w in words)


def knowledge_followers(toks: list[Tok], mentions: list[Mention]) -> set[int]:
    """Words that complete a knowledge level: "white-box access", "gray-box setting"."""
    return {i for i, t in enumerate(toks)
            if i > 0 and toks[i - 1].mention is not None and t.mention is None
            and mentions[toks[i - 1].mention].entity.kind == "knowledge"
            and t.norm in _KNOWLEDGE_FOLLOWERS}


def text_condition(text_words: list[tuple[int, str]], field_: str,
                   neg_at: set[int]) -> list[Cond]:
    """One condition: every text word in the field (negated when a cue negates one)."""
    if not text_words:
        return []
    negated = any(i in neg_at for i, _ in text_words)
    return [Cond("text", words=tuple(dict.fromkeys(w for _, w in text_words)), field=field_,
                 negated=negated)]
