"""Hybrid ranking of graph nodes: dense (embeddings) + lexical (BM25) + name boosts.

The core is pure functions over arrays, like sentence-transformers'
``util.semantic_search``: :func:`build_index` turns node texts and their vectors into a
:class:`SearchIndex`; :func:`rank` scores a query (its text, its vector and the entities
the linker found in it) against the index; :func:`dense_rank` is the dense-only
baseline the quality benchmark compares against. :class:`Searcher` is the edge that
ties a store, the embedding model and the disk cache together.

score = dense cosine + W_LEX * BM25 / max BM25 + W_NAME * (share of the query's words
that name the node — its label, an alias or a title).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy import sparse

from . import name_search, settings
from .embed import NodeText, embed_nodes, node_texts, query_embedder
from .errors import KGError, UnknownLabelError
from .files import replacing
from .lexicon import Entity, Lexicon, osa_distance
from .lexicon_cache import StoredLexicon, content_key, lexicon
from .linking import Mention, keep_person, link
from .name_search import (  # noqa: F401  (re-exported: kg.search is where callers look)
    MAX_QUERY_CHARS,
    NAME_SEARCH_WORDS,
    SEMANTIC_FALLBACK_MAX_PAPERS,
    Hit,
    check_query,
    content_tokens,
    more_papers_than,
    name_hits,
    name_words,
)
from .sentence_model import Embedder, lazy_embedder
from .stores.base import Store, select_values
from .vocab import NODE_TYPES

_PAPERS_OF = """
SELECT ?n ?p ?title WHERE {
  { ?p dcterms:creator ?n } UNION { ?p rd:publishedAt ?n }
  ?p a rd:Paper ; dcterms:title ?title .
}"""

W_LEX = 0.35
W_NAME = 0.6
K1, B = 1.2, 0.75


@dataclass
class SearchIndex:
    nodes: list[NodeText]
    vectors: np.ndarray  # (n, d) float32, rows L2-normalised
    type_codes: np.ndarray  # (n,) int8, index into TYPE_LIST
    terms: sparse.csc_matrix  # (n, vocab) BM25 weights
    vocab: dict[str, int]
    row: dict[str, int] = field(default_factory=dict)  # iri -> row
    _deletions: dict[str, set[str]] | None = None


TYPE_LIST = list(NODE_TYPES)


def build_index(nodes: Sequence[NodeText], vectors: np.ndarray) -> SearchIndex:
    """The arrays search needs: vectors, type codes and a BM25 term matrix."""
    nodes = list(nodes)
    vocab: dict[str, int] = {}
    rows, cols, tfs = [], [], []
    lengths = np.zeros(len(nodes), dtype=np.float32)
    for i, n in enumerate(nodes):
        # the label counts twice: a word of the name matters more than one of the context
        toks = content_tokens(n.label) * 2 + content_tokens(n.text)
        lengths[i] = len(toks)
        counts: dict[int, int] = {}
        for t in toks:
            j = vocab.setdefault(t, len(vocab))
            counts[j] = counts.get(j, 0) + 1
        for j, c in counts.items():
            rows.append(i)
            cols.append(j)
            tfs.append(c)
    n_docs = max(len(nodes), 1)
    tf = np.asarray(tfs, dtype=np.float32)
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    df = np.bincount(c, minlength=len(vocab)).astype(np.float32)
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    avg = float(lengths.mean()) if len(nodes) else 1.0
    norm = K1 * (1 - B + B * lengths[r] / max(avg, 1e-9))
    w = idf[c] * tf * (K1 + 1) / (tf + norm)
    terms = sparse.csc_matrix((w, (r, c)), shape=(len(nodes), len(vocab)), dtype=np.float32)
    codes = np.asarray([TYPE_LIST.index(n.type) for n in nodes], dtype=np.int8)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    return SearchIndex(nodes, vectors, codes, terms, vocab,
                       {n.iri: i for i, n in enumerate(nodes)})


def _vocab_deletions(index: SearchIndex) -> dict[str, set[str]]:
    if index._deletions is None:
        d: dict[str, set[str]] = {}
        for w in index.vocab:
            if len(w) >= 5 and not w.isdigit():
                for i in range(len(w)):
                    d.setdefault(w[:i] + w[i + 1:], set()).add(w)
                d.setdefault(w, set()).add(w)
        index._deletions = d
    return index._deletions


def query_terms(index: SearchIndex, query: str) -> list[str]:
    """The query's content words in the index vocabulary; a misspelt word (one edit)
    stands for the vocabulary word it is closest to."""

    out = []
    for t in content_tokens(query):
        if t in index.vocab:
            out.append(t)
        elif len(t) >= 5:
            dels = _vocab_deletions(index)
            cands = set()
            for v in [t] + [t[:i] + t[i + 1:] for i in range(len(t))]:
                cands |= dels.get(v, set())
            best = sorted((osa_distance(t, c, 1), c) for c in cands)
            if best and best[0][0] <= 1:
                out.append(best[0][1])
    return out


def type_mask(index: SearchIndex, types: Sequence[str] | None) -> np.ndarray | None:
    if not types:
        return None
    for t in types:
        if t not in NODE_TYPES:
            raise UnknownLabelError("node type", t, NODE_TYPES)
    codes = [TYPE_LIST.index(t) for t in types]
    return np.isin(index.type_codes, codes)


def _top(scores: np.ndarray, k: int, mask: np.ndarray | None) -> np.ndarray:
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def dense_rank(index: SearchIndex, query_vector: np.ndarray, k: int = 10,
               types: Sequence[str] | None = None) -> list[Hit]:
    """The dense-only baseline: cosine similarity of query and node vectors."""
    scores = index.vectors @ np.asarray(query_vector, dtype=np.float32)
    top = _top(scores, k, type_mask(index, types))
    return [Hit(index.nodes[i].iri, index.nodes[i].label, index.nodes[i].type,
                float(scores[i]), _semantic_why(index.nodes[i])) for i in top]


def rank(
    index: SearchIndex,
    query: str,
    query_vector: np.ndarray,
    mentions: Sequence[Mention] = (),
    k: int = 10,
    types: Sequence[str] | None = None,
    w_lex: float = W_LEX,
    w_name: float = W_NAME,
) -> list[Hit]:
    """The shipped ranking: dense + normalised BM25 + boosts for nodes the query names."""
    dense = index.vectors @ np.asarray(query_vector, dtype=np.float32)
    scores = dense.copy()
    terms = query_terms(index, query)
    lex = None
    if terms and w_lex:
        cols = [index.vocab[t] for t in terms]
        lex = np.asarray(index.terms[:, cols].sum(axis=1)).ravel()
        top_lex = float(lex.max())
        if top_lex > 0:
            scores += w_lex * lex / top_lex
    n_words = max(len(content_tokens(query)), 1)
    named: dict[int, Mention] = {}
    for m in mentions:
        i = index.row.get(m.entity.iri)
        if i is None:
            continue
        share = min(1.0, len(content_tokens(m.text)) / n_words)
        scores[i] += w_name * share * (1.0 if m.exact else 0.8)
        named.setdefault(i, m)
    top = _top(scores, k, type_mask(index, types))
    hits = []
    for i in top:
        node = index.nodes[i]
        if i in named:
            why = _name_why(named[i])
        else:
            why = _lexical_why(node, terms) or _semantic_why(node)
        hits.append(Hit(node.iri, node.label, node.type, float(scores[i]), why))
    return hits


def _name_why(m: Mention) -> str:
    kind = "label" if m.surface == m.entity.label else "alias"
    how = "" if m.exact else " (spelling corrected)"
    return f'{kind} "{m.surface}" matched "{m.text}"{how}'


def _lexical_why(node: NodeText, terms: Sequence[str]) -> str | None:
    if not terms:
        return None
    wanted = set(terms)
    best, best_n = None, 0
    for name, text in node.fields:
        found = wanted & set(content_tokens(text))
        if len(found) > best_n:
            best, best_n = (name, text, found), len(found)
    if best is None:
        return None
    name, text, found = best
    return f'{name}: "{_short(text)}" (words: {", ".join(sorted(found))})'


_DESCRIPTIVE = ("effectiveness", "limitation", "definition", "title", "kind", "mitigates")


def _semantic_why(node: NodeText) -> str:
    for want in _DESCRIPTIVE:
        for name, text in node.fields:
            if name == want:
                return f'meaning close to {name}: "{_short(text)}"'
    return f'meaning close to label: "{_short(node.label)}"'


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


# --------------------------------------------------------------------------- edge


class Searcher:
    """A store's nodes, their cached embeddings and the model that embeds queries."""

    def __init__(self, store: Store, embedder: Embedder, model_id: str,
                 cache_dir=None, corpus: tuple[Embedder, str] | None = None,
                 max_uncached: int | None = None, progress: bool | None = False) -> None:
        """``corpus`` (embedder, id) embeds the nodes instead of ``embedder``: the speed
        benchmark passes random vectors there to skip embedding 100k synthetic papers.
        ``max_uncached``: refuse (KGError) to embed more nodes than that when not cached.
        ``progress``: embedding progress on stderr (see :func:`kg.embed.embed_nodes`)."""
        self.store = store
        self.embed = embedder
        self.model_id = model_id
        nodes, self.lexicon, self.papers_of = _search_data(store, cache_dir)
        corpus_embed, corpus_id = corpus or (embedder, model_id)
        vectors = embed_nodes(nodes, corpus_embed, corpus_id, cache_dir, max_uncached,
                              progress=progress)
        self.index = build_index(nodes, vectors)
        _vocab_deletions(self.index)  # typo lookups ready before the first query
        ready = _ready_file(store, cache_dir)
        if ready is not None:
            try:
                ready.parent.mkdir(parents=True, exist_ok=True)
                ready.write_text(model_id, encoding="utf-8")
            except OSError:
                pass  # the app then searches names on a large graph: slower to find, not wrong

    def query_vector(self, query: str) -> np.ndarray:
        return np.asarray(self.embed([query]), dtype=np.float32)[0]

    def search(self, query: str, k: int = 10, types: Sequence[str] | None = None,
               dense_only: bool = False) -> list[Hit]:
        q = check_query(query)
        if k < 1:
            raise KGError(f"-k {k}: give a number of results of at least 1")
        type_mask(self.index, types)  # unknown type -> error before the model runs
        vec = self.query_vector(q)
        if dense_only:
            return dense_rank(self.index, vec, k, types)
        return rank(self.index, q, vec, self.mentions(q), k, types)

    def mentions(self, q: str) -> list[Mention]:
        """The nodes a query names; an author or venue becomes the papers it names."""
        out = []
        for m in link(q, self.lexicon):
            if not keep_person(q, m, query=True):
                continue
            if m.entity.kind in ("author", "venue"):
                out += [replace(m, entity=e) for e in self.papers_of.get(m.entity.iri, ())]
            else:
                out.append(m)
        return out


#: A fallback's semantic searcher embeds at most this many uncached texts (~1.5 min).
FALLBACK_EMBED_MAX = 2000


def semantic_hits(store: Store, query: str, k: int,
                  max_uncached: int = FALLBACK_EMBED_MAX) -> list[Hit]:
    """A fallback's semantic search: the store's searcher, embedding at most
    ``max_uncached`` texts (KGError beyond: the caller falls back to names)."""
    return searcher(store, max_uncached=max_uncached).search(query, k)


def fallback_hits(store: Store, query: str, k: int = 5, held: Searcher | None = None,
                  max_uncached: int = FALLBACK_EMBED_MAX) -> list[Hit]:
    """kg.name_search.fallback_hits with this module's semantic search on a small graph."""
    return name_search.fallback_hits(
        store, query, k, held,
        semantic=lambda s, q, n: semantic_hits(s, q, n, max_uncached=max_uncached))


#: Bump when what _search_data stores changes shape.
SEARCH_DATA_VERSION = "2"


def _search_data(store: Store, cache_dir=None) -> tuple[list[NodeText], Lexicon | StoredLexicon,
                                                        dict[str, list[Entity]]]:
    """The node texts, the lexicon and the papers of each author and venue: from the
    store's queries, or — for a store whose content is known exactly (``content_id``: a
    build's graph, an Oxigraph version) — from a JSON cache file keyed by that content, the
    curated aliases and this code (the lexicon from its own cache, kg.lexicon_cache), so a warm
    ``kg search`` runs no query and never parses the graph."""

    key = _search_data_key(store)
    path = None
    if key is not None:
        base = Path(cache_dir) if cache_dir is not None else settings.path("cache_dir")
        path = base / "search" / f"{key[:32]}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            nodes = [NodeText(i, t, lab, tuple(tuple(f) for f in fs))
                     for i, t, lab, fs in data["nodes"]]
            papers = {a: [Entity(p, "paper", title) for p, title in ps]
                      for a, ps in data["papers_of"].items()}
            return nodes, lexicon(store), papers
        except (OSError, ValueError, KeyError, TypeError):
            pass
    nodes = node_texts(store)
    lex = lexicon(store)
    papers: dict[str, list[Entity]] = {}
    for n, p, title in select_values(store, _PAPERS_OF)[1]:
        papers.setdefault(n, []).append(Entity(p, "paper", title))
    if path is not None:
        data = {"nodes": [[n.iri, n.type, n.label, [list(f) for f in n.fields]]
                          for n in nodes],
                "papers_of": {a: [[e.iri, e.label] for e in es] for a, es in papers.items()}}
        text = json.dumps(data, ensure_ascii=False)
        try:
            with replacing(path, prefix=path.name, suffix=".tmp") as tmp:
                tmp.write_text(text, encoding="utf-8")
        except OSError:
            pass  # a cache that cannot be written costs time, not the answer
    return nodes, lex, papers


def _ready_file(store: Store, cache_dir=None) -> Path | None:
    """Marks a graph whose search data and vectors are all cached (a searcher was built)."""
    key = _search_data_key(store)
    if key is None:
        return None
    base = Path(cache_dir) if cache_dir is not None else settings.path("cache_dir")
    return base / "search" / f"{key[:32]}.ready"


def search_ready(store: Store) -> bool:
    """Whether a searcher of ``store``'s exact content was built before (its node texts and
    vectors are cached), so building one costs reading them, not embedding."""
    ready = _ready_file(store)
    return ready is not None and ready.is_file()


def _search_data_key(store: Store) -> str | None:
    return content_key(store, "search", SEARCH_DATA_VERSION,
                       ("embed.py", "lexicon.py", "linking.py", "search.py"))


@functools.lru_cache(maxsize=4)
def _searcher(store: Store, model: str, max_uncached: int | None,
              progress: bool | None) -> Searcher:
    # queries through the ONNX export when there is one; node texts (on a cache miss only)
    # through sentence-transformers, the reference
    return Searcher(store, query_embedder(model), model,
                    corpus=(lazy_embedder(model), model), max_uncached=max_uncached,
                    progress=progress)


def searcher(store: Store, model: str | None = None, max_uncached: int | None = None,
             progress: bool | None = False) -> Searcher:
    """The store's searcher with the configured model, built once per process.
    ``max_uncached``: see :class:`Searcher` (the app passes one; the CLI embeds anything).
    ``progress``: embedding progress on stderr — the CLI asks for it, the app never."""

    return _searcher(store, model or settings.get("model"), max_uncached, progress)


__all__ = ["Hit", "SearchIndex", "Searcher", "build_index", "rank", "dense_rank", "searcher",
           "check_query", "fallback_hits", "name_hits"]
