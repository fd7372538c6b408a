"""ui/ calls only the kg package: no rdflib import, no SPARQL text in any page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parent.parent / "ui"
FILES = sorted(UI.rglob("*.py"))

SPARQL_TEXT = re.compile(
    r"\b(SELECT|CONSTRUCT|DESCRIBE)\b[^\n]*\bWHERE\b|\bASK\s*\{|\bPREFIX\s+\w*:\s*<"
    r"|\bINSERT\s+DATA\b|\bDELETE\s+(DATA|WHERE)\b|\?\w+\s+(a|rdf:type|rd:\w+|skos:\w+)\s"
    r"|\b(rd|rdi|skos|dcterms|prov):[A-Za-z]", re.IGNORECASE)
GRAPH_MODULES = ("rdflib", "pyoxigraph", "oxigraph", "networkx", "SPARQLWrapper")


def test_there_are_pages():
    assert (UI / "app.py") in FILES
    assert len([f for f in FILES if f.parent.name == "views"]) >= 8


def imported_modules(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            out |= {a.value for a in node.args if isinstance(a, ast.Constant)}
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(UI)))
def test_no_graph_library_imports(path):
    mods = imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    bad = sorted(m for m in mods if m.split(".")[0] in GRAPH_MODULES or m.startswith("importlib"))
    assert not bad, f"{path.name} imports {bad}; pages call only the kg package"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(UI)))
def test_no_sparql_text(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            m = SPARQL_TEXT.search(node.value)
            assert not m, f"{path.name}:{node.lineno} holds SPARQL text {m.group(0)!r}"


@pytest.mark.parametrize("text", [
    "SELECT ?s WHERE { ?s ?p ?o }", "ASK { ?a a rd:Attack }",
    "PREFIX rd: <https://x/>", "?a rd:threat ?t .", "INSERT DATA { <a> <b> <c> }",
])
def test_detector_catches_sparql(text):
    assert SPARQL_TEXT.search(text)


@pytest.mark.parametrize("text", [
    "Ask & search", "Select a threat", "Read-only: updates, LOAD, SERVICE and FROM are refused.",
    "Where are the gaps?",
])
def test_detector_passes_prose(text):
    assert not SPARQL_TEXT.search(text)
