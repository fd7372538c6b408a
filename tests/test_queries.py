"""Data-driven SPARQL cases, in the shape of the W3C test suites: each tests/queries/*.yaml
holds cases, each a ``name``, a ``query`` (the project's prefixes are known), optional
``bindings`` and ``about``, and the expected ``rows`` (or ``boolean`` for an ASK). Every case
runs on the shared in-memory store, and in the slow tier on an embedded Oxigraph store
loaded with the same graph.

Writing a case: an expected cell that is a prefixed name (``rdi:model-ddpm``) or an
``<IRI>`` is that IRI; a YAML number or boolean is a literal of that value (xsd:integer,
xsd:boolean); any other string is a literal compared by its text (language and datatype
aside); ``null`` is unbound. Rows are compared in order when the query says ORDER BY, else
as a multiset. Bindings are Turtle terms: ``'"Gradient inversion"@en'``,
``rdi:threat-membership-inference``. Take the expected rows from the survey and the curated
files, not from a run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.util import from_n3

from kg.vocab import PREFIXES
from tests.tiers import slow

CASES_DIR = Path(__file__).parent / "queries"
KEYS = {"name", "about", "query", "bindings", "rows", "boolean"}


def _cases() -> list:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            out.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return out


CASES = _cases()


def _iri(text: str) -> str | None:
    """The IRI a cell written as ``prefix:local`` (a known prefix) or ``<IRI>`` names."""
    if m := re.fullmatch(r"<(.+)>", text):
        return m[1]
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and " " not in local:
        return str(PREFIXES[prefix]) + local
    return None


def expected_cell(v) -> tuple | None:
    if v is None:
        return None
    if isinstance(v, bool | int | float):
        return ("value", v)
    text = str(v)
    iri = _iri(text)
    return ("iri", iri) if iri is not None else ("text", text)


def actual_cell(term) -> tuple | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, bool | int | float) and not isinstance(value, str):
            return ("value", value)
        return ("text", str(term))
    return ("other", str(term))


def _bindings(case: dict) -> dict:
    g = Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns, override=True)
    return {k: from_n3(v, nsm=g.namespace_manager) for k, v in (case.get("bindings") or {}).items()}


@pytest.fixture(scope="module")
def oxigraph(graph):
    from kg.stores.oxigraph import OxigraphStore

    ox = OxigraphStore()
    ox.load(graph)
    return ox


def test_cases_are_well_formed():
    assert len(CASES) >= 15
    names = [c.values[0]["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names are unique"
    for c in CASES:
        case = c.values[0]
        assert set(case) <= KEYS and {"name", "query"} <= set(case), case
        assert ("rows" in case) != ("boolean" in case), case["name"]


@pytest.mark.parametrize("backend", ["memory", pytest.param("oxigraph", marks=slow)])
@pytest.mark.parametrize("case", CASES)
def test_query_case(case, backend, request):
    store = request.getfixturevalue("store" if backend == "memory" else "oxigraph")
    query, bindings = case["query"], _bindings(case)
    if "boolean" in case:
        assert store.ask(query, bindings) is case["boolean"]
        return
    res = store.select(query, bindings)
    got = [{v: actual_cell(r.get(v)) for v in res.vars} for r in res.rows]
    want = [{v: expected_cell(row.get(v)) for v in res.vars} for row in case["rows"]]
    for row in case["rows"]:
        assert set(row) <= set(res.vars), f"{case['name']}: {set(row) - set(res.vars)} not projected"
    if not re.search(r"\bORDER\s+BY\b", query, re.IGNORECASE):
        got, want = sorted(got, key=repr), sorted(want, key=repr)
    assert got == want, f"{case['name']} on {backend}"
