"""What the test workers keep between tests (tests/built.py, tests/conftest.py) gives what
computing it anew gives, and a kept answer cannot be changed by the test that received it."""

from __future__ import annotations

import hashlib

import pytest
from pyparsing import ParseException
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

import kg.version as version
from kg.stores.memory import MemoryStore
from kg.vocab import RD
from tests.built import KeptGraph

CLASS_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a ?cls ; ?p ?o }"


def test_a_kept_construct_answer_is_the_answer_and_read_only(store, graph):
    fresh = MemoryStore(graph).construct(CLASS_TRIPLES, {"cls": RD.Attack})
    first = store.construct(CLASS_TRIPLES, {"cls": RD.Attack})
    assert isinstance(first, KeptGraph) and len(first) == len(fresh) > 0
    assert isomorphic(first, fresh)
    triple = (URIRef("http://example.org/x"), RD.threat, Literal("changed"))
    for change in (lambda: first.add(triple), lambda: first.remove(next(iter(first))),
                   lambda: first.__iadd__([triple]), lambda: first.bind("x", "http://e.org/")):
        with pytest.raises(TypeError, match="read only"):
            change()
    again = store.construct(CLASS_TRIPLES, {"cls": RD.Attack})
    assert len(again) == len(fresh) and isomorphic(again, fresh)
    both = first + store.construct(CLASS_TRIPLES, {"cls": RD.DefenseEvaluation})
    both.add(triple)  # a graph made from kept answers is a graph of its own
    assert triple in both and triple not in store.construct(CLASS_TRIPLES, {"cls": RD.Attack})


def test_the_kept_hash_of_the_session_graph_is_its_hash(store, graph):
    copy = Graph()
    copy += graph  # not the session graph: hashed anew
    assert version.graph_hash(graph) == version.graph_hash(copy) == hashlib.sha256(
        version.canonical_nt(copy).encode("utf-8")).hexdigest()
    small = Graph()
    small.add((URIRef("http://example.org/a"), RD.threat, Literal("b")))
    assert version.graph_hash(small) != version.graph_hash(graph)


def test_a_query_text_parsed_once_is_evaluated_anew_each_time():
    g = Graph()
    q = "SELECT ?o WHERE { <http://example.org/a> <http://example.org/p> ?o }"
    assert list(g.query(q)) == []
    g.add((URIRef("http://example.org/a"), URIRef("http://example.org/p"), Literal(1)))
    assert [r.o for r in g.query(q)] == [Literal(1)]
    for _ in range(2):  # a text that does not parse raises every time
        with pytest.raises(ParseException):
            g.query("SELECT WHERE {")
