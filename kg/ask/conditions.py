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
* Text conditions come only from explicit phrasing (:mod:`kg.ask.text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..lexicon import STOPWORDS
from ..linking import Mention
from ..query import Cond, Term
from ..query.form import EVERY_KINDS
from .mentions import entities_of
from .tokens import (
    CODE_WORD,
    GENERIC,
    NEGATIONS,
    NUMBERS,
    ONLY,
    UNDEFENDED,
    VALUE_COUNT,
    Tok,
    has_defense,
    rx,
)

#: "anything but DDPM", "everything but black-box": the words before a "but" that negates
_ANY_BUT = ("anything", "everything", "something", "whatever", "any")
#: "than", and its common misspelling ("other then"), as the comparison words read it
_THAN = ("than", "then")
_EXCEPT = rx(r"\b(except(?: for)?|other th[ae]n|excluding|exclude|apart from|besides|but not)"
             r"\s*(the\s+)?$")
_CODE_NOUNS = ("code", "implementation", "github", "repo", "repository", "source", "sourced")
_CODE_WORDS = ("closed", "unreleased", "public", "available", "released", "publicly", "with",
               "has", "have", "link", "links", "linked", "linking", "share", "shares", "their",
               "its")
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


def negation(toks: list[Tok], year_tok: set[int], vocab: frozenset[str],
             skip: set[int] | frozenset[int] = frozenset()) -> Negation:
    """A cue negates the next condition-bearing token: a name, a code or defense word, a
    year, or a word of the text cells. Tokens of ``skip`` (a preamble, a context clause:
    "if you don't mind") are no cue."""
    neg = Negation(set(), set(), [])
    pending = False
    cue_at = 0
    for i, t in enumerate(toks):
        w = t.norm
        if i in skip:
            continue
        if w == "nothing" and i + 1 < len(toks) and toks[i + 1].norm == "but":
            neg.cues |= {i, i + 1}  # "nothing but DDPM": "only", not a negation — unread
            neg.dangling.append((i, i + 2))
            continue
        if w in NEGATIONS or w == "but" and (i + 1 < len(toks) and toks[i + 1].norm == "not"
                                             or i > 0 and toks[i - 1].norm in _ANY_BUT):
            if w == "other" and not (i + 1 < len(toks) and toks[i + 1].norm in _THAN):
                continue
            if w == "other":
                neg.cues.add(i + 1)  # "other than"
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
        found.used.update(i + 1 for i in code_idx  # "no code link", "a GitHub URL"
                          if i + 1 < len(words) and words[i + 1] in ("link", "url"))
    return found


def undefended(q: str, toks: list[Tok], words: list[str], neg_at: set[int]) -> tuple[bool, set[int]]:
    """Whether the question asks for what has no defense ("no defense", "undefended",
    "without any countermeasure"), and the tokens that said so ("undefended")."""
    negated = bool(UNDEFENDED.search(q)) or any(
        i in neg_at and has_defense(words[i]) for i in range(len(toks)))
    used = set()
    for m in UNDEFENDED.finditer(q):  # "undefended", "left undefended"
        used |= {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()}
    return negated, used


# --------------------------------------------------------------------------- names

def _connector(q: str, a: Mention, b: Mention) -> str:
    between = q[a.end:b.start].lower()
    if re.search(r"\bor\b|\beither\b|/|,", between):
        return "or"
    if re.search(r"\band\b|&|\+", between):
        return "and"
    return "and" if not between.strip() else "other"


def named_by_kind(q: str, toks: list[Tok], mentions: list[Mention],
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


#: a knowledge level's own nouns, which may stand between it and "only"
_LEVEL_NOUNS = frozenset({"access", "knowledge", "setting", "settings", "scenario"})


def _only(toks: list[Tok], pos: list[Mention], only_at: set[int]) -> bool:
    """'only' next to a knowledge mention (stop words and the level's own nouns between
    allowed): "black-box only", "gray-box access only", "only in a white-box setting" — not
    "only need API access"."""
    for i in only_at:
        for j in (i - 1, i + 1):
            k = j
            step = -1 if j < i else 1
            while 0 <= k < len(toks) and toks[k].mention is None and (
                    toks[k].norm in STOPWORDS or toks[k].norm in _LEVEL_NOUNS):
                k += step
            if 0 <= k < len(toks) and toks[k].mention is not None and any(
                    m.start <= toks[k].start < m.end for m in pos):
                return True
    return False


def _only_needs(toks: list[Tok], i: int, pos: list[Mention]) -> bool:
    """"only need(s) / require(s) / use(s) … <knowledge>": what the attack needs at least."""
    if i + 1 >= len(toks) or not re.match(r"(need|require|use|rely|assum|work)", toks[i + 1].norm):
        return False
    return any(any(m.start <= toks[k].start < m.end for m in pos)
               for k in range(i + 2, min(len(toks), i + 6)) if toks[k].mention is not None)


#: kinds a row (or its paper) has exactly one of: "only" beside them says nothing more
_ONE_PER_ROW = ("threat", "venue", "paper", "method")


def _next_to(toks: list[Tok], i: int, pos: list[Mention]) -> bool:
    """A mention of ``pos`` right before "only" or within three words after it."""
    near = [k for k in range(i + 1, min(len(toks), i + 4))]
    first = next((k for k in near if toks[k].mention is not None), None)
    between_ok = first is not None and all(toks[k].norm in STOPWORDS or toks[k].norm in (
        "published", "evaluated", "tested", "appeared", "about", "concerning")
        for k in range(i + 1, first))
    cand = ([first] if between_ok else []) + ([i - 1] if i > 0 else [])
    return any(toks[k].mention is not None and any(m.start <= toks[k].start < m.end
                                                   for m in pos) for k in cand)


def _mode_words(toks: list[Tok], mode: str, n: int) -> set[int]:
    """The words that said how names combine: "both", "all of", "as well as" (all-of),
    "either" (any-of)."""
    if n < 2:
        return set()
    words = {"all": ("both", "all"), "any": ("either",)}.get(mode, ())
    return {i for i, t in enumerate(toks) if t.norm in words and t.mention is None}


def _mode(q: str, kind: str, pos: list[Mention]) -> str:
    """any-of, or all-of ("both DDIM and DALL-E 2"; models and authors joined by "and")."""
    if len(pos) < 2:
        return "any"
    both = bool(re.search(r"\bboth\b|\ball of\b|\bas well as\b", q, re.I))
    compare = bool(re.search(r"\bcompare|\bversus\b|\bvs\b|\beither\b", q, re.I))
    joins = [_connector(q, a, b) for a, b in zip(pos, pos[1:], strict=False)]
    # "on DDPM and SD", "by Kong and Duan", "BB+WB attacks" (an attack assuming both)
    on_one = kind in ("model", "author", "knowledge")
    if (both or (on_one and "or" not in joins and not compare)) and \
            kind in ("model", "knowledge", "threat", "method", "paper", "author"):
        return "all" if (both or on_one) else "any"
    return "any"


def entity_conditions(q: str, toks: list[Tok], mentions: list[Mention], neg_at: set[int],
                      same: dict) -> tuple[Found, set[str]]:
    """One condition per kind of name (all-of: one per name when a name stands for several
    entities), and one for its negated names; with the kinds the question names."""
    found = Found()
    by_kind = named_by_kind(q, toks, mentions, neg_at)
    only_at = {i for i, t in enumerate(toks) if t.norm in ONLY}
    for kind, lst in by_kind.items():
        pos = [m for m, n in lst if not n]
        neg = [m for m, n in lst if n]
        if pos:
            mode = _mode(q, kind, pos)
            if kind == "knowledge" and _only(toks, pos, only_at):
                mode = "only"
                found.used.update(only_at)
            elif kind == "knowledge":  # "only need API access": the least it needs
                found.used.update(i for i in only_at if _only_needs(toks, i, pos))
            if kind in _ONE_PER_ROW:  # "only on arXiv": a row has one venue anyway
                found.used.update(i for i in only_at if _next_to(toks, i, pos))
            found.used.update(_mode_words(toks, mode, len(pos)))
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
    m = re.search(r"\bt2i\b|text[- ]to[- ]image", q, re.I)
    if m and "model" not in named_kinds:
        found.conds.append(Cond("t2i"))
        found.used = {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()}
    return found


# --------------------------------------------------------------------------- followers

def knowledge_followers(toks: list[Tok], mentions: list[Mention]) -> set[int]:
    """Words that complete a name: a knowledge level ("white-box access", "gray-box
    setting"), a model's family ("DDPM-family", and "that family" after a model is named: a
    model condition covers the models below it anyway)."""
    out = set()
    models = any(m.entity.kind == "model" for m in mentions)
    for i, t in enumerate(toks):
        if i == 0 or t.mention is not None:
            continue
        prev = toks[i - 1]
        kind = mentions[prev.mention].entity.kind if prev.mention is not None else None
        if kind == "knowledge" and t.norm in _KNOWLEDGE_FOLLOWERS or (
                kind == "model" and t.norm == "family") or (  # "… on that family"
                kind is None and models and t.norm in ("family", "families")
                and prev.norm in ("that", "this", "same", "its", "their", "whole")):
            out.add(i)
    return out


def value_counts(q: str, toks: list[Tok]) -> Found:
    """"evaluated on four or more target models", "more than one knowledge level", "exactly
    one target model": a count of distinct values per row or item (a ``distinct``
    condition); a bare number ("two models") is not one (it stays unconsumed)."""
    found = Found()
    for m in VALUE_COUNT.finditer(q):
        n_text = m.group(5).lower()
        n = int(n_text) if n_text.isdigit() else NUMBERS[n_text]
        plus = (m.group("plus") or "").strip()
        if m.group("cmp"):
            more = m.group("cmp").lower() in ("more", "greater")
            span = (n + 1, None) if more else (None, n - 1)
        elif m.group("least") or plus in ("+", "or more"):
            span = (n, None)
        elif m.group("most") or plus.startswith("or"):
            span = (None, n)
        elif m.group("exact"):
            span = (n, n)
        else:
            continue
        if span[1] is not None and span[1] < 0 or span == (None, None):
            continue
        noun = m.group("noun").lower()
        of = "threat" if noun.startswith("threat") else "model" if noun.startswith(
            ("model", "architecture")) else "knowledge"
        found.conds.append(Cond("distinct", of=of, span=span))
        idx = {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()}
        first = min(idx, default=0)
        if first and toks[first - 1].norm in ("under", "across", "by", "against", "for"):
            idx.add(first - 1)  # "attacked under at least two different threats"
        found.used |= idx
    return found


# --------------------------------------------------------------------------- groups

#: "every access level", "all three knowledge levels", "each level of attacker knowledge"
_EVERY_LEVEL = rx(r"\b(?:(?:under|at|across|in|with|for) )?(?:every|each|all(?: the)?"
                  r"(?: three| 3)?) (?:(?:access|knowledge|attacker "
                  r"knowledge) levels?|levels? of (?:attacker )?knowledge|(?:access|knowledge) "
                  r"settings?)\b")
#: words between a quantifier and the name it quantifies ("all of their attacks are")
_BETWEEN = frozenset({"of", "the", "their", "its", "them", "are", "were", "is", "was", "be",
                      "attack", "row", "defense", "defence", "evaluation", "mia", "in", "a",
                      "single", "one", "assume", "assumes", "assuming", "use", "uses",
                      "using", "need", "needs", "needing", "require", "requires", "requiring",
                      "target", "targets", "targeting", "evaluated", "tested", "on",
                      "listed", "surveyed", "recorded", "catalogued", "own", "about", "against",
                      "for", "concerning", "addressing"})
_GROUP_TARGETS = ("threats", "models", "papers", "methods")
#: the rows of a group named together: each value on one row of the group or another
_TOGETHER = rx(r"\b(?:together|between them|jointly|collectively)\s+(?:span|cover|include|"
               r"reach|hit)s?\b")


def group_quantifiers(q: str, toks: list[Tok], mentions: list[Mention], conds: list[Cond],
                      target: str, used: set[int],
                      knowledge) -> tuple[list[Cond], set[int]]:
    """Quantifiers over the rows of a group (threat, model, paper, method): "threats whose
    attacks are all black-box" (the condition on every row: mode ``every``), "a threat with
    attacks at every access level" (each of ``knowledge()``, the graph's levels — read only
    then: the lexicon holds every paper —, on some row:
    all-of). Only for a group target and a positive one-name condition the quantifier stands
    next to; anything else leaves the quantifier unconsumed (it then stops the answer)."""
    if target not in _GROUP_TARGETS:
        return conds, set()
    out, took = list(conds), set()
    together = _TOGETHER.search(q)
    at = [k for k, c in enumerate(out) if together and not c.negated and len(c.values) > 1
          and c.kind in ("knowledge", "model", "threat")]
    if len(at) == 1:  # "whose attacks together span black-, gray- and white-box access"
        out[at[0]] = replace(out[at[0]], mode="all")
        took |= {i for i, t in enumerate(toks) if together.start() <= t.start < together.end()}
    m = _EVERY_LEVEL.search(q)
    # "only" beside a one-per-row name ("only about MI") is consumed as redundant for a
    # row; for a group it is read here ("papers only about MI": every row)
    skip = used - {i for i, t in enumerate(toks) if t.norm in ("only", "solely")}
    levels = knowledge() if m else []
    if m and levels:
        out = [c for c in out if c.kind != "knowledge" or c.negated]
        out.append(Cond("knowledge", tuple(levels), mode="all"))
        took |= {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()}
    for i, t in enumerate(toks):
        if t.norm not in ("all", "every", "each", "always", "exclusively", "only", "solely") \
                or i in skip | took \
                or t.mention is not None:
            continue
        j = i + 1
        while j < len(toks) and toks[j].mention is None and toks[j].norm in _BETWEEN:
            j += 1
        if j >= len(toks) or toks[j].mention is None:
            continue
        kind = mentions[toks[j].mention].entity.kind
        if t.norm in ("only", "solely") and kind != "threat":
            continue  # "evaluated only on SD": a row names several models, and "every row
            # on SD" would keep a row on SD and DDPM — unread, so said (a row has one threat)
        at = [k for k, c in enumerate(out) if not c.negated and c.mode == "any"
              and len(c.values) == 1 and c.kind == kind in EVERY_KINDS]
        if len(at) == 1:
            out[at[0]] = replace(out[at[0]], mode="every")
            took |= {i} | {k for k in range(i + 1, j) if toks[k].norm in ("single", "one")}
            k = j
            while k < len(toks) and toks[k].mention == toks[j].mention:
                k += 1
            if k < len(toks) and toks[k].norm in ("one", "ones"):
                took.add(k)  # "every attack a white-box one"
    return out, took

