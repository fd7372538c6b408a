"""The store protocol: what every backend answers, and the types its answers come in.

A store answers SPARQL SELECT / ASK / CONSTRUCT with bound values (never text pasted into
the query); every query carries the standard prefixes (:func:`kg.sparql_text.with_prefixes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # rdflib is imported by what makes terms, not by the query path
    from rdflib import Graph
    from rdflib.term import Node

Bindings = Mapping[str, "Node"]

#: ``prepare(staged_store, triples)``: called by a load on the new content before the switch
#: (kg load materialises the coverage summary there, so it switches with the graph).
Prepare = Callable[[object, int], object]


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


def select_values(store: Store, sparql: str,
                  bindings: Bindings | None = None) -> tuple[list[str], list[tuple]]:
    """A SELECT's variables and rows as tuples of plain values (IRI, literal lexical form,
    blank node id, or None), for large results: a store with a ``select_values`` of its own
    (Oxigraph) makes no rdflib terms."""
    own = getattr(store, "select_values", None)
    if own is not None:
        return own(sparql, bindings)
    rows = store.select(sparql, bindings)
    return rows.vars, [tuple(None if r[v] is None else str(r[v]) for v in rows.vars)
                       for r in rows]
