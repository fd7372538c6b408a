"""One query interface for every query of the package.

A store answers SPARQL SELECT / ASK / CONSTRUCT with bound values (never text
pasted into the query). The default is the in-memory rdflib graph; other backends
(persistent Oxigraph, remote endpoint) implement the same protocol.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import rdflib.plugins.sparql as rdflib_sparql
from rdflib import Graph
from rdflib.term import Node

from .vocab import SPARQL_PREFIXES

# rdflib would otherwise fetch any URL named in FROM / FROM NAMED.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False

Bindings = Mapping[str, Node]


@dataclass
class Rows:
    """A SELECT result: variable names and rows (variable -> RDF term or None)."""

    vars: list[str]
    rows: list[dict[str, Node | None]] = field(default_factory=list)

    def __iter__(self) -> Iterator[dict[str, Node | None]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class Store(Protocol):
    name: str

    def select(self, sparql: str, bindings: Bindings | None = None) -> Rows: ...

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool: ...

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph: ...


def with_prefixes(sparql: str) -> str:
    return SPARQL_PREFIXES + sparql


class MemoryStore:
    """The embedded default: an rdflib Graph in memory."""

    name = "memory"

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def _query(self, sparql: str, bindings: Bindings | None):
        return self.graph.query(with_prefixes(sparql), initBindings=dict(bindings or {}))

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
