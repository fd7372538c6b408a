"""ui/ calls only the kg package: no rdflib import, no SPARQL text in any page, and of the
kg package only kg.app (the app's backend, one module per page) and the package root."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parent.parent / "ui"
KG = UI.parent / "kg"
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


def kg_imports(tree: ast.AST) -> set[str]:
    """The kg modules a file imports: ``from kg import x`` counts as ``kg.x`` when x is a
    module of the package (a file or a folder in kg/), as ``kg`` when it is a name of the
    package root."""
    out = set()
    for mod in imported_modules(tree):
        if mod == "kg" or mod.startswith("kg."):
            out.add(mod)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "kg" and not node.level:
            for a in node.names:
                if (KG / f"{a.name}.py").is_file() or (KG / a.name / "__init__.py").is_file():
                    out.add(f"kg.{a.name}")
    return out


def outside_app(tree: ast.AST) -> list[str]:
    return sorted(m for m in kg_imports(tree)
                  if m not in ("kg", "kg.app") and not m.startswith("kg.app."))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(UI)))
def test_only_kg_app_imports(path):
    bad = outside_app(ast.parse(path.read_text(encoding="utf-8")))
    assert not bad, f"{path.name} imports {bad}; ui/ calls only kg.app (and the kg package root)"


@pytest.mark.parametrize("text", [
    "from kg import search", "from kg import app, settings", "from kg.errors import KGError",
    "import kg.export", "def f():\n    from kg.search import searcher",
    "__import__('kg.profile')", "from kg.coverage import summary",
])
def test_detector_catches_kg_imports_outside_app(text):
    assert outside_app(ast.parse(text))


@pytest.mark.parametrize("text", [
    "from kg.app import names", "from kg.app.names import KGError", "import kg.app.coverage",
    "from kg import app", "import kg", "from kg import KGError", "import resources",
])
def test_detector_passes_kg_app_imports(text):
    assert not outside_app(ast.parse(text))


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
