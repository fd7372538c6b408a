"""Search by name, without a model: what an answer shows when no query answers it.

:func:`fallback_hits` is the one bounded fallback of ``kg ask`` and the app's Ask page: the
searcher the caller holds, else a semantic searcher on a small graph (kg.search: numpy,
scipy and the embedding model, imported only then), else :func:`name_hits` over the
lexicon written at load — no model, no embedding, whatever the graph's size. This module
imports neither numpy nor the model, so a cold ``kg ask`` on a large store that falls back
to names does not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .errors import KGError
from .lexicon import STOPWORDS, tokens
from .lexicon_cache import StoredLexicon, lexicon
from .linking import check_words
from .stores.base import Store, select_values

MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    type: str
    score: float
    why: str
    source: str = "semantic search"  # or "name search" (:func:`name_hits`)

    def as_dict(self) -> dict:
        return {"iri": self.iri, "label": self.label, "type": self.type,
                "score": round(self.score, 4), "why": self.why}


def content_tokens(text: str) -> list[str]:
    return [t for t, _, _ in tokens(text) if (t not in STOPWORDS and len(t) > 1) or t.isdigit()]


def check_query(query: str) -> str:
    """The query to search for, or KGError for one there is nothing to search in."""
    return check_words(query, "query", MAX_QUERY_CHARS,
                       "empty query: give some words to search for, e.g. "
                       "kg search \"membership inference on Stable Diffusion\"",
                       "has no letters or digits to search for")


#: Above this many papers an answer's fallback (:func:`fallback_hits`) searches node names
#: (the lexicon written at load), never the embeddings, unless the caller holds a searcher
#: already: a fresh searcher at 100k papers reads ~300k node texts and their vectors.
SEMANTIC_FALLBACK_MAX_PAPERS = 2000

#: The question's words a name search uses (the first ones): one scan each of the labels.
NAME_SEARCH_WORDS = 8

_PAPERS_UP_TO = """SELECT (COUNT(*) AS ?n) WHERE {
  { SELECT ?p WHERE { ?p a rd:Paper } LIMIT %d } }"""


def more_papers_than(store: Store, n: int) -> bool:
    """Whether ``store`` holds more than ``n`` papers (a count that stops at n + 1)."""
    rows = select_values(store, _PAPERS_UP_TO % (int(n) + 1))[1]
    return int(rows[0][0]) > n


def name_words(query: str) -> list[str]:
    """The words a name search looks for: the query's content words (normalised, stemmed)
    of three characters or more ("et al." is not a name), the first NAME_SEARCH_WORDS."""
    words = [w for w in content_tokens(query) if len(w) >= 3 or w.isdigit()]
    return list(dict.fromkeys(words))[:NAME_SEARCH_WORDS]


def name_hits(store: Store, query: str, k: int = 5) -> list[Hit]:
    """The nodes whose names hold the most words of ``query`` (shorter names first), from
    the store's lexicon (kg.lexicon_cache: written by ``kg load``): bounded by one scan of
    the names per word, with no model and no embedding, whatever the graph's size."""
    words = name_words(check_query(query))
    lex = lexicon(store)
    if isinstance(lex, StoredLexicon):
        found = lex.named(words, k)
    else:
        scored = []
        for e in lex.entities.values():
            folded = e.label.casefold()
            n = sum(w in folded for w in words)
            if n:
                scored.append((-n, len(e.label), e.label, e))
        found = [(e, -n) for n, _, _, e in sorted(scored, key=lambda t: t[:3])[:k]]
    out = []
    for e, n in found:
        hit = [w for w in words if w in e.label.casefold()]
        out.append(Hit(e.iri, e.label, e.kind, n / len(words),
                       "name holds " + ", ".join(repr(w) for w in hit), source="name search"))
    return out


class HeldSearch(Protocol):
    """A searcher a caller holds (kg.search.Searcher: the app's)."""

    def search(self, query: str, k: int) -> list[Hit]: ...


#: The semantic search of a small graph: (store, query, k) -> hits (kg.search's searcher).
Semantic = Callable[[Store, str, int], list[Hit]]


def fallback_hits(store: Store, query: str, k: int = 5, held: HeldSearch | None = None,
                  semantic: Semantic | None = None) -> list[Hit]:
    """Hits for a question answered by no query, bounded on any graph: the searcher the
    caller holds (``held``, the app's), else ``semantic`` on a graph of at most
    SEMANTIC_FALLBACK_MAX_PAPERS papers (kg.search.fallback_hits passes its searcher; a
    caller passes one that imports kg.search only when called), else — and when that
    search cannot be had (KGError: no model, too much to embed) — :func:`name_hits`."""
    if held is not None:
        return held.search(query, k)
    if semantic is not None and not more_papers_than(store, SEMANTIC_FALLBACK_MAX_PAPERS):
        try:
            return semantic(store, query, k)
        except KGError:
            pass  # no model, or too much to embed: the names still answer
    return name_hits(store, query, k)


__all__ = ["HeldSearch", "Hit", "MAX_QUERY_CHARS", "NAME_SEARCH_WORDS",
           "SEMANTIC_FALLBACK_MAX_PAPERS", "check_query", "content_tokens", "fallback_hits",
           "more_papers_than", "name_hits", "name_words", "Semantic"]
