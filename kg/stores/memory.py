"""The embedded default store: the graph in memory, answered by Oxigraph's engine.

Queries run on an in-memory pyoxigraph store (values bound as in
:class:`~kg.stores.oxigraph.OxigraphStore`): the native engine parses and evaluates a small
query in a fraction of rdflib's time, and a build's ``graph.nt`` is bulk-loaded into it
without rdflib parsing a triple. The rdflib Graph of the same triples (:attr:`graph`) stays
for what needs rdflib: exports, SHACL, the console's worker. Both are made on first use; a
load or a new :attr:`graph` replaces both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .base import Bindings, Prepare, Rows
from .oxigraph import OxigraphStore, bulk_load, check_ntriples

if TYPE_CHECKING:
    from rdflib import Graph


class MemoryStore:
    """The embedded default: the graph in memory, queried through Oxigraph."""

    name = "memory"
    kind = "memory"

    def __init__(self, graph: Graph | None = None, *,
                 loader: Callable[[], Graph] | None = None,
                 ntriples: Callable[[], bytes] | None = None,
                 content_id: str | None = None) -> None:
        """``graph``, or ``loader`` to make it on first use (a command whose answer is
        cached never parses the graph). ``ntriples`` gives the same graph's N-Triples for
        the query engine (a build's graph.nt: no rdflib parse on the query path).
        ``content_id`` names the graph's exact content (the build's graph SHA-256) so
        derived data can be cached against it."""
        if graph is None and loader is None:
            raise ValueError("a MemoryStore needs a graph or a loader")
        self._graph = graph
        self._loader = loader
        self._ntriples = ntriples
        self._engine: OxigraphStore | None = None
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
        with self._lock:
            self._graph, self._loader, self._ntriples, self._engine = value, None, None, None

    @property
    def engine(self) -> OxigraphStore:
        """The in-memory Oxigraph store that answers queries (made on first use)."""
        engine = self._engine
        if engine is None:
            data = self._ntriples() if self._ntriples is not None else \
                self.graph.serialize(format="nt", encoding="utf-8")
            with self._lock:
                if self._engine is None:
                    fresh = OxigraphStore(None)
                    bulk_load(fresh.ox, [data])
                    self._engine = fresh
                engine = self._engine
        return engine

    def select(self, sparql: str, bindings: Bindings | None = None) -> Rows:
        return self.engine.select(sparql, bindings)

    def select_values(self, sparql: str,
                      bindings: Bindings | None = None) -> tuple[list[str], list[tuple]]:
        return self.engine.select_values(sparql, bindings)

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        return self.engine.ask(sparql, bindings)

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        return self.engine.construct(sparql, bindings)

    def load(self, graph: Graph, prepare: Prepare | None = None) -> int:
        """Replace the graph's content by ``graph`` (idempotent)."""
        self.content_id = None
        g = self.graph  # replaced in place: who holds the Graph sees the new content
        g.remove((None, None, None))
        g += graph
        self.graph = g
        if prepare is not None:
            prepare(self, len(g))
        return len(g)

    def load_ntriples(self, chunks: Iterable[bytes | str], prepare: Prepare | None = None) -> int:
        """Replace the graph's content by the triples of ``chunks`` (checked first)."""
        self.content_id = None
        data = [c.encode("utf-8") if isinstance(c, str) else c for c in chunks]
        check_ntriples(data)
        from rdflib import Graph

        g = Graph()
        for d in data:
            g.parse(data=d, format="nt")
        return self.load(g, prepare)

    def triple_count(self) -> int:
        return len(self.graph) if self._engine is None else len(self._engine.ox)

    def put_named_graph(self, name: str, ntriples: bytes) -> bool:
        """Nothing is kept beside the graph in memory (callers compute live)."""
        return False
