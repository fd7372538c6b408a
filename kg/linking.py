"""Entity linking: the threats, knowledge levels, models, methods, papers, authors and
venues a text names, found in the graph's lexicon (:mod:`kg.lexicon`).

The text is normalised as the lexicon's surface forms are, then matched longest-first;
spans that match nothing exactly may match a surface form within a small edit distance
(typos), never one whose numbers differ ("DALL-E 1" is not DALL-E 2); a four-letter name
in capitals is found with two neighbouring letters swapped ("DDMP"), never with a letter
changed (DDIM and DDPM are one letter apart). A bare family name
is a person only where the text says so (:func:`keep_person`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import AmbiguousNameError, KGError
from .lexicon import STOPWORDS, Entity, Lexicon, tokens
from .lexicon_cache import lexicon
from .stores.base import Store

if TYPE_CHECKING:
    from rdflib import URIRef

KINDS = ("threat", "knowledge", "model", "method", "paper", "author", "venue")


@dataclass(frozen=True)
class Mention:
    """A span of the text that names an entity."""

    text: str
    start: int
    end: int
    entity: Entity
    surface: str  # the surface form it matched
    exact: bool

    def as_dict(self) -> dict:
        return {"text": self.text, "iri": self.entity.iri, "label": self.entity.label,
                "type": self.entity.kind, "matched": self.surface,
                "match": "exact" if self.exact else "fuzzy"}



def link(text: str, lex: Lexicon, kinds: Iterable[str] = KINDS) -> list[Mention]:
    """Non-overlapping mentions, longest and exact first, in text order."""
    kinds = set(kinds)
    toks = tokens(text)
    taken = [False] * len(toks)
    out: list[Mention] = []

    def emit(i: int, j: int, key: str, hits, exact: bool) -> bool:
        hits = [h for h in hits if h[0].kind in kinds]
        if not hits:
            return False
        best = hits[0][2]
        start, end = toks[i][1], toks[j - 1][2]
        for ent, surface, prio in hits:
            if prio == best:
                out.append(Mention(text[start:end], start, end, ent, surface, exact))
        for k in range(i, j):
            taken[k] = True
        return True

    words = [t for t, _, _ in toks]
    keys = {(i, n): " ".join(words[i:i + n]) for n in range(min(lex.max_len, len(toks)), 0, -1)
            for i in range(len(toks) - n + 1)}  # every span, longest first
    lex.prefetch(keys.values())  # their forms read at once
    # exact matches, longest span first
    for (i, n), key in keys.items():
        if any(taken[i:i + n]):
            continue
        if n == 1 and key in STOPWORDS:
            continue
        hits = lex.lookup(key, text[toks[i][1]:toks[i + n - 1][2]])
        if hits:
            emit(i, i + n, key, hits, True)
    # typos: spans of up to 4 free tokens
    for n in range(min(4, len(toks)), 0, -1):
        for i in range(len(toks) - n + 1):
            if any(taken[i:i + n]):
                continue
            parts = [t for t, _, _ in toks[i:i + n]]
            if parts[0] in STOPWORDS or parts[-1] in STOPWORDS:
                continue
            key = " ".join(parts)
            for cand, _ in lex.fuzzy(key):
                if _digits(parts) != _digits(cand.split()):
                    continue  # never across a number or version: "DALL-E 1" is not DALL-E 2
                if emit(i, i + n, key, lex.forms[cand], False):
                    break
    for i, (word, a, b) in enumerate(toks):  # "DDMP": an acronym with two letters swapped
        if not taken[i] and len(word) == 4 and word.isalpha() and text[a:b].isupper():
            written = _swaps(text[a:b])
            found = {lex.forms[k][0][0].iri: k for k, w in written.items() if lex.lookup(k, w)}
            if len(found) == 1:
                emit(i, i + 1, word, lex.forms[next(iter(found.values()))], False)
    return sorted(out, key=lambda m: (m.start, m.entity.kind, m.entity.iri))


def _swaps(word: str) -> dict[str, str]:
    """The words ``word`` becomes with two neighbouring letters swapped, as written, keyed
    by their lower-case form."""
    out = {}
    for k in range(len(word) - 1):
        w = word[:k] + word[k + 1] + word[k] + word[k + 2:]
        if w.lower() != word.lower():
            out[w.lower()] = w
    return out


def _digits(parts: list[str]) -> list[str]:
    return [p for p in parts if p.isdigit()]


# "by", "authored by", "co-authored by", "with": a bare family name after these is an author
_AUTHOR_CUE = re.compile(r"(\bby|\bauthors?|authored|\bco-?authors?|\bwriters?|\bwritten|"
                         r"\bwith|\bfrom|\bincluding|\band|\bor|,)\s*$", re.I)


def keep_person(text: str, m: Mention, query: bool = False) -> bool:
    """A bare family name ("kong", "He") names an author when written with a capital
    after the first word, or after an author cue ("by kong"): "he" is a pronoun. In a
    search ``query`` (a few keywords) a capitalised name or one of 4+ letters counts
    anywhere ("Carlini", "kong")."""
    if m.entity.kind != "author" or " " in m.surface.strip():
        return True
    if _AUTHOR_CUE.search(text[:m.start]):
        return True
    if query:
        return m.text[:1].isupper() or len(m.text) >= 4
    return m.text[:1].isupper() and bool(text[:m.start].strip())


def resolve(store: Store, text: str, scan: bool = True) -> URIRef:
    """The node a name names: the one resolver of ``kg explain``, the graph commands, the
    entity page and the front door, reading names as ``kg ask`` does.

    An IRI or prefixed name is looked up as it is. Other text is read with the question
    lexicon (labels, aliases, abbreviations, short names such as SecMI, "Kong et al.",
    authors, venues) when one exact name spans all of it; a name with several readings
    (PIA: a threat's abbreviation and a paper's short name) is an
    :class:`AmbiguousNameError` listing them. Else it is a local name or a label (any case;
    a paper's short name or citation label too), with "did you mean" hints unless ``scan``
    is False (a large graph's caller searches its own index)."""
    from rdflib import URIRef  # a node to explain: rdflib's term (kg ask needs none)

    from .explain import resolve_node

    name = " ".join((text or "").split())
    toks = tokens(name)
    if not toks or name.startswith(("http://", "https://")) or re.match(r"\w+:\S", name):
        return resolve_node(store, text, scan=scan)
    whole = [m for m in link(name, lexicon(store)) if m.exact and m.start <= toks[0][1]
             and m.end >= toks[-1][2]]
    readings = list(dict.fromkeys(m.entity for m in whole))
    if len(readings) == 1:
        return URIRef(readings[0].iri)
    if len(readings) > 1:
        raise AmbiguousNameError(name, [(e.kind, e.label, e.iri) for e in readings])
    return resolve_node(store, text, scan=scan)


def entities(mentions: Iterable[Mention], kind: str) -> list[Entity]:
    """The distinct entities of one kind, in order of mention."""
    seen: dict[str, Entity] = {}
    for m in mentions:
        if m.entity.kind == kind:
            seen.setdefault(m.entity.iri, m.entity)
    return list(seen.values())


def check_words(text: str, what: str, limit: int, empty: str, no_words: str) -> str:
    """User text with whitespace collapsed, or KGError: empty (``empty`` says what to
    type), longer than ``limit`` characters, or with no letter or digit (``no_words``)."""
    q = " ".join((text or "").split())
    if not q:
        raise KGError(empty)
    if len(q) > limit:
        raise KGError(f"{what} too long ({len(q)} characters; at most {limit})")
    if not any(ch.isalnum() for ch in q):
        raise KGError(f"{what} {q!r} {no_words}")
    return q
