"""The names of a question: which nodes of the graph it names, and which names it holds
that the graph does not.

A question is linked against the store's lexicon (:mod:`kg.linking`), one mention per
span: a name of several entities of one kind ("Wen": two authors, "Li et al.": two papers)
stands for any of them; a name of entities of different kinds ("PIA": a threat and a
paper) is read by the question's other words (:func:`_disambiguate`), and the reading is
said in a note. A model name with a version the graph does not hold ("Stable Diffusion
3") is an unknown name, never the model it starts with. The words no stage of the parse
used are sorted into unknown names (reported with the closest known names), words of the
text cells (a text condition) and words not understood (:mod:`kg.ask.account`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ..lexicon import Entity, normal, osa_distance, tokens
from ..linking import Mention, keep_person, link
from .titles import title_mentions
from .tokens import ATTACK_CUE, Tok, has_defense, rx, tokenise

KIND_NOUNS = {"threat": "threats", "knowledge": "knowledge levels", "model": "models",
              "method": "defense methods", "paper": "papers", "author": "authors",
              "venue": "venues"}
KIND_ONE = {"threat": "threat", "knowledge": "knowledge level", "model": "model",
            "method": "defense method", "paper": "paper", "author": "author",
            "venue": "venue"}
_THREAT_READING = rx(r"^\s*(attacks|s\b|'?s attacks|threats?|categor)")
_PAPER_READING = rx(r"^\s*('s\b|paper|work|study|article|method|code|repo)")
_QUOTED = rx(r"\b(mentions?|mentioning|says?(?! about\b)|contains?|containing|"
             r"with the (word|phrase))\b")
_VERSION_WORDS = ("xl", "xxl", "turbo", "pro", "ultra")


@dataclass
class Names:
    """The question's mentions (one per span, in text order) and its tokens, which point at
    them."""

    mentions: list[Mention]
    toks: list[Tok]
    versioned: list[tuple[int, int]]  # spans of model names with a version not in the graph
    notes: list[str]  # how names with two meanings were read
    same: dict[tuple[int, int], list[Entity]]  # spans that name several entities of one kind
    #: spans of a name of several kinds read by no cue of the question: the other readings
    others: dict[tuple[int, int], list[Mention]] = field(default_factory=dict)
    #: phrases that name several papers by their titles' words (text, closest): no answer
    several: list[dict] = field(default_factory=list)


def read_names(q: str, lex, prefer: dict[tuple[int, int], str] | None = None) -> Names:
    """The names of ``q``: linked, one reading per span (``prefer``: the kind to read a span
    as), versions and quoted words apart."""
    mentions, same, notes, others = _one_per_span(
        q, lex, [m for m in link(q, lex) if keep_person(q, m)], prefer or {})
    toks = tokenise(q, mentions)
    versioned = _versioned(toks, mentions)
    quoted = _QUOTED.search(q)
    if quoted:  # "whose effectiveness mentions GANs": the words are text, not entities
        mentions = [m for m in mentions if m.start < quoted.end()]
    mentions = _paper_readings(q, lex, mentions)
    mentions, spelt, was = _first_names(q, mentions, same)
    mentions, titled, several = title_mentions(q, lex, mentions)
    spelt += titled
    if spelt:  # "'Wen' names 2 authors" no longer holds for a name read in full
        notes = [n for n in notes if not any(n.startswith(f"{w!r} names ") for w in was)]
        notes += spelt
        toks = tokenise(q, mentions)
    if versioned or quoted:
        mentions = [m for m in mentions if not any(a <= m.start < b for a, b in versioned)]
        toks = tokenise(q, mentions)
    return Names(mentions, toks, versioned, notes, same, others, several)


def _one_per_span(q: str, lex, mentions: list[Mention], prefer: dict[tuple[int, int], str]
                  ) -> tuple[list[Mention], dict[tuple[int, int], list[Entity]], list[str],
                             dict[tuple[int, int], list[Mention]]]:
    """One mention per span (in text order), the spans that name several entities of one
    kind, the notes that say how each such name was read, and the other readings of each
    name of several kinds no cue decided (kg.ask asks back when they answer differently)."""
    spans: dict[tuple[int, int], list[Mention]] = {}
    for m in mentions:
        spans.setdefault((m.start, m.end), []).append(m)
    notes: list[str] = []
    same: dict[tuple[int, int], list[Entity]] = {}
    others: dict[tuple[int, int], list[Mention]] = {}
    chosen = []
    for span, ms in spans.items():
        pick = ms[0]
        if len({m.entity.kind for m in ms}) > 1 and span in prefer:
            pick = next(m for m in ms if m.entity.kind == prefer[span])
            notes.append(f"{pick.text!r} read as the {KIND_ONE[pick.entity.kind]} "
                         f"{pick.entity.label!r} (the other reading)")
        elif len({m.entity.kind for m in ms}) > 1:
            pick, note, weak = _disambiguate(q, ms, mentions)
            notes.append(note)
            if weak:
                others[span] = [m for m in ms if m.entity.kind != pick.entity.kind]
        group = list(dict.fromkeys(m.entity for m in ms if m.entity.kind == pick.entity.kind))
        if len(group) > 1:
            same[span] = group
            notes.append(f"{pick.text!r} names {len(group)} {KIND_NOUNS[pick.entity.kind]}: "
                         + "; ".join(_entity_name(lex, e) for e in group)
                         + ": the answer covers any of them")
        chosen.append(pick)
    return sorted(chosen, key=lambda m: m.start), same, notes, others


def _versioned(toks: list[Tok], mentions: list[Mention]) -> list[tuple[int, int]]:
    """"Stable Diffusion 3", "SDXL"-like suffixes: a model name with a version the graph
    does not hold is an unknown name, not the model it starts with."""
    versioned: list[tuple[int, int]] = []
    for i, t in enumerate(toks[1:], 1):
        prev = toks[i - 1]
        if prev.mention is None or t.mention is not None or t.start - prev.end > 1 or \
                mentions[prev.mention].entity.kind not in ("model", "method"):
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        vee = t.norm in ("v", "version") and nxt is not None and nxt.norm.isdigit()
        if t.norm.isdigit() or t.norm in _VERSION_WORDS or vee:
            end = (nxt.end if vee else t.end)
            j = i + (2 if vee else 1)  # "v1.6": the decimals too
            while j < len(toks) and toks[j].norm.isdigit() and \
                    toks[j - 1].end < toks[j].start and toks[j - 1].end + 1 == toks[j].start:
                end = toks[j].end
                j += 1
            versioned.append((mentions[prev.mention].start, end))
    return versioned


def _paper_readings(q: str, lex, mentions: list[Mention]) -> list[Mention]:
    """"the PriSampler paper": the paper, not the method; "the PriSampler attack": a defense
    method attacks nothing, its paper's attack does."""
    out = list(mentions)
    for k, m in enumerate(out):
        after = q[m.end:m.end + 12].lower()
        if m.entity.kind != "paper" and re.match(r"\s*(paper|work|study|article)\b", after) or \
                m.entity.kind == "method" and re.match(r"\s*attacks?\b", after):
            key = normal(m.text)
            alt = [e for e, _, _ in lex.hits(key) if e.kind == "paper"]
            if alt:
                out[k] = Mention(m.text, m.start, m.end, alt[0], m.surface, m.exact)
    return out


_WORD_BEFORE = re.compile(r"([A-Z][a-z]+)\s+$")


def _first_names(q: str, mentions: list[Mention], same: dict
                 ) -> tuple[list[Mention], list[str], list[str]]:
    """"papers by Lingjaun Lyu": a capitalised word right before a known author's family
    name (linked alone) that is the author's first name misspelt — one edit off, two from
    six letters, same first letter, exactly one author of that family name within reach —
    joins the mention, and a note says how it was read. Any other word stays as it was (an
    unknown name, reported). Also the family names so read in full."""
    out, notes, was = list(mentions), [], []
    for k, m in enumerate(out):
        before = _WORD_BEFORE.search(q[:m.start])
        if m.entity.kind != "author" or before is None:
            continue
        word = before.group(1)
        group = same.get((m.start, m.end)) or [m.entity]
        near = []
        for e in group:
            first, _, family = e.label.rpartition(" ")
            first = first.split()[0] if first else ""
            limit = 2 if len(first) >= 6 else 1
            if normal(family) == normal(m.text) and first and first[0] == word[0] and \
                    0 < osa_distance(word.lower(), first.lower(), limit) <= limit:
                near.append(e)
        if len(near) != 1:
            continue
        text = q[before.start(1):m.end]
        out[k] = Mention(text, before.start(1), m.end, near[0], near[0].label, False)
        same.pop((m.start, m.end), None)
        was.append(m.text)
        notes.append(f"read {text!r} as the author {near[0].label!r} (a first name "
                     "misspelt)")
    return out, notes, was


def entities_of(m: Mention, same: dict) -> list:
    """The entities a mention stands for: every entity of its kind its span names."""
    g = same.get((m.start, m.end))
    return g if g and all(e.kind == m.entity.kind for e in g) else [m.entity]


def _entity_name(lex, e) -> str:
    """How an answer names a node: a paper by its citation label when it has one."""
    if e.kind == "paper":
        return paper_label(lex, e.iri, e.label)
    return e.label


def paper_label(lex, iri: str, title: str) -> str:
    cite = lex.citation_labels.get(iri)
    return f"{cite}: {title}" if cite else title


#: what only a paper has: "who wrote PIA", "the venue of PIA", "PIA's arXiv id"
_PAPER_ATTRIBUTE = rx(r"\b(?:who (?:wrote|authored|proposed|introduced)|authors?|written|venue|"
                      r"conference|conf|journal|doi|arxiv|publication year|year of|what year|"
                      r"which year|when was|code (?:link|url)|github|repository|repo)\b")

#: reasons that are no cue of the question: the pick is a default, so the other reading is
#: offered too
_WEAK = ("with no other cue, the threat category is its usual meaning", "the first reading")


def _disambiguate(q: str, ms: list[Mention], all_mentions: list[Mention]
                  ) -> tuple[Mention, str, bool]:
    """Pick one reading of a name several kinds of node carry ("PIA": the threat property
    inference, or Kong et al.'s Proximal Initialization Attack paper) by the question's
    other words; the note says which was picked and why, and whether no cue decided it."""
    by_kind = {m.entity.kind: m for m in ms}
    m0 = ms[0]
    before, after = q[:m0.start].lower(), q[m0.end:].lower()
    others = [o for o in all_mentions if (o.start, o.end) != (m0.start, m0.end)]
    why = ""
    pick = None
    if "paper" in by_kind and "threat" in by_kind:
        if _PAPER_READING.match(after) or re.search(r"\b(does|did|is|was|the)\s*$", before):
            pick, why = "paper", "the question speaks of one work"
        elif any(o.entity.kind in ("paper", "author") for o in others):
            pick, why = "paper", "it is named beside papers or authors"
        elif _PAPER_ATTRIBUTE.search(q):
            pick, why = "paper", "the question asks for a paper's author, venue, year or id"
        elif _THREAT_READING.match(after) or q[m0.end:m0.end + 1] == "s":
            pick, why = "threat", "it names a kind of attack"
        elif any(has_defense(t) for t, _, _ in tokens(q)):
            pick, why = "threat", "defenses are evaluated against threats"
        else:
            pick, why = "threat", "with no other cue, the threat category is its usual meaning"
    if pick is None and "paper" in by_kind and "method" in by_kind:  # "PriSampler"
        words = [t for t, _, _ in tokens(q)]
        if _PAPER_READING.match(after) or re.match(r"\s*attacks?\b", after) or (
                any(ATTACK_CUE.match(w) for w in words) and not any(has_defense(w) for w in words)):
            pick, why = "paper", "the question asks about the paper or its attack"
        else:
            pick, why = "method", "the question asks about a defense"
    if pick is None:  # other pairs: the first by kind order
        pick, why = sorted(by_kind)[0], "the first reading"
    chosen = by_kind[pick]
    rest = [m for k, m in by_kind.items() if k != pick]
    note = (f"{m0.text!r} can mean " + " or ".join(
        f"the {KIND_ONE[m.entity.kind]} {m.entity.label!r}" for m in [chosen] + rest)
        + f"; read as the {KIND_ONE[pick]} ({why}); name the other one in full to ask "
          "about it")
    return chosen, note, why in _WEAK


# --------------------------------------------------------------------------- unknown names

#: Above this many names, the closest known names are sought among those that begin with
#: the same two letters (difflib over every name takes seconds at 100k papers).
CLOSEST_SCAN = 5000


def closest(lex, text: str) -> list[str]:
    """Up to three known names of threats, knowledge levels, models and methods close to
    ``text`` (difflib, ratio 0.4 or more)."""
    kinds = ("threat", "knowledge", "model", "method")
    if lex.label_count(kinds) <= CLOSEST_SCAN:
        forms = lex.labels(kinds)
    else:  # a large graph (84k method names at 100k papers): the names that start as the
        forms = lex.labels(kinds, head=text.strip()[:2])  # text does (one scan in SQLite)
    by_lower = {f.lower(): f for f in forms}
    close = difflib.get_close_matches(text.lower(), list(by_lower), n=3, cutoff=0.4)
    return [by_lower[c] for c in close]


def not_in_graph(q: str, lex, toks: list[Tok], versioned: list[tuple[int, int]],
                 unknown: list[list[int]]) -> list[dict]:
    """The names the graph does not hold, with the closest known names: versioned model
    names first, then the unknown names in text order."""
    out = []
    for a, b in versioned:
        out.append({"text": q[a:b], "closest": closest(lex, q[a:b])})
    for grp in unknown:
        end = toks[grp[-1]].end
        if toks[grp[-1]].norm == "al" and q[end:end + 1] == ".":
            end += 1
        text = q[toks[grp[0]].start:end]
        out.append({"text": text, "closest": closest(lex, text)})
    return out
