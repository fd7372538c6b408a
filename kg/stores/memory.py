"""The embedded default store: an rdflib Graph in memory; values bound by ``initBindings``."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable

import rdflib.plugins.sparql as rdflib_sparql
from rdflib import Graph

from ..sparql_text import with_prefixes
from .base import Bindings, Prepare, Rows
from .oxigraph import check_ntriples

# rdflib would otherwise fetch any URL named in FROM / FROM NAMED.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False


@functools.lru_cache(maxsize=512)
def _prepared(sparql: str):
    """The parsed and translated query (rdflib's parser, not its evaluation, is most of the
    cost of a small query: ~50 ms each); bindings are applied per call, so one parse serves
    every call of the same text. A parse error is raised each time (not cached)."""
    return rdflib_sparql.prepareQuery(with_prefixes(sparql))


class MemoryStore:
    """The embedded default: an rdflib Graph in memory."""

    name = "memory"
    kind = "memory"

    def __init__(self, graph: Graph | None = None, *,
                 loader: Callable[[], Graph] | None = None,
                 content_id: str | None = None) -> None:
        """``graph``, or ``loader`` to make it on first use (a command whose answer is
        cached never parses the graph). ``content_id`` names the graph's exact content
        (the build's graph SHA-256) so derived data can be cached against it."""
        if graph is None and loader is None:
            raise ValueError("a MemoryStore needs a graph or a loader")
        self._graph = graph
        self._loader = loader
        self._lock = threading.Lock()  # the app's sessions share one store
        self.content_id = content_id

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            with self._lock:
                if self._graph is None:
                    assert self._loader is not None
                    self._graph, self._loader = self._loader(), None
        return self._graph

    @graph.setter
    def graph(self, value: Graph) -> None:
        self._graph, self._loader = value, None

    def _query(self, sparql: str, bindings: Bindings | None):
        return self.graph.query(_prepared(sparql), initBindings=dict(bindings or {}))

    def select(self, sparql: str, bindings: Bindings | None = None) -> Rows:
        res = self._query(sparql, bindings)
        names = [str(v) for v in (res.vars or [])]
        return Rows(names, [{n: r[i] for i, n in enumerate(names)} for r in res])

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        return bool(self._query(sparql, bindings).askAnswer)

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        res = self._query(sparql, bindings)
        out = Graph()
        for t in res:
            out.add(t)
        return out

    def load(self, graph: Graph, prepare: Prepare | None = None) -> int:
        """Replace the graph's content by ``graph`` (idempotent)."""
        self.content_id = None
        self.graph.remove((None, None, None))
        self.graph += graph
        if prepare is not None:
            prepare(self, len(self.graph))
        return len(self.graph)

    def load_ntriples(self, chunks: Iterable[bytes | str], prepare: Prepare | None = None) -> int:
        """Replace the graph's content by the triples of ``chunks`` (checked first)."""
        self.content_id = None
        data = [c.encode("utf-8") if isinstance(c, str) else c for c in chunks]
        check_ntriples(data)
        g = Graph()
        for d in data:
            g.parse(data=d, format="nt")
        return self.load(g, prepare)

    def triple_count(self) -> int:
        return len(self.graph)

    def put_named_graph(self, name: str, ntriples: bytes) -> bool:
        """An rdflib Graph has no named graphs: nothing is kept (callers compute live)."""
        return False

