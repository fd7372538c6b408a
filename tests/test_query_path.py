"""The query path of `kg ask` imports no rdflib: a cold `kg ask` pays for pyoxigraph and
the question, not for rdflib's import (~0.2 s here) or its SPARQL engine. rdflib stays
where it serves (building, SHACL, Turtle, exports) and is imported there, when used.

The import checks run in a fresh interpreter and read its ``sys.modules``; the text forms
the query path writes instead of rdflib's terms are checked against those terms."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# questions of every shape the cold path takes: a listing with linked names, a count per
# item, a year range (the graph's years bound as literals), a negation, a gaps question
QUESTIONS = [
    "membership inference attacks on Stable Diffusion",
    "Which model is attacked most often?",
    "membership inference papers before 2024",
    "which gray-box attacks are not membership inference?",
    "where are the open research gaps for Stable Diffusion?",
]


def loaded(code: str, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a fresh interpreter (this checkout first on the path); its last
    line of output, as JSON."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, env=full_env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


REPORT = ("import json, sys\n"
          "print(json.dumps({'rdflib': sorted(m for m in sys.modules if m.startswith('rdflib')),"
          " 'yaml': 'yaml' in sys.modules}))\n")


def test_ask_import_path_loads_no_rdflib():
    out = loaded("import kg.cli\n"
                 "from kg.cli import COMMANDS\n"
                 "import importlib\n"
                 "module, name = COMMANDS['ask'].split(':')\n"
                 "getattr(importlib.import_module(module), name)\n"
                 "import kg.ask, kg.ask.gaps, kg.query, kg.stores.open, kg.lexicon_cache\n"
                 + REPORT)
    assert out["rdflib"] == []


def test_answering_on_the_build_loads_no_rdflib(survey_build):
    """Questions answered by the CLI on a current build (the memory store on Oxigraph's
    engine, the lexicon written by the build): rdflib is never imported."""
    code = ("from kg.cli import main\n"
            f"for q in {QUESTIONS!r}:\n"
            "    main(['ask', q, '--json'], prog_name='kg', standalone_mode=False)\n"
            + REPORT)
    out = loaded(code, {"KG_BUILD_DIR": str(survey_build), "KG_STORE": "memory"})
    assert out["rdflib"] == []


def test_the_vocabulary_as_text_is_the_vocabulary():
    """The text forms the query path uses name exactly the rdflib terms the builders use."""
    from rdflib.namespace import DefinedNamespace

    from kg import vocab

    assert {p: str(ns) for p, ns in vocab.PREFIXES.items()} == vocab.PREFIX_IRIS
    assert [vocab.rd_iri(t) for t in vocab.RD_TERMS] == [str(vocab.RD[t]) for t in vocab.RD_TERMS]
    assert issubclass(vocab.RD, DefinedNamespace) and set(vocab.RD_TERMS) == set(
        vocab.RD.__annotations__)
    assert vocab.iri_text("model", "Stable Diffusion", "v1.5") == str(
        vocab.iri("model", "Stable Diffusion", "v1.5"))
    assert str(vocab.ONTOLOGY_IRI) == vocab.rd_iri("Paper").removesuffix("#Paper")
    for bad in ("Papr", "paper"):
        with pytest.raises(AttributeError):
            vocab.rd_iri(bad)
        with pytest.raises(AttributeError):
            getattr(vocab.RD, bad)


def test_literals_and_iris_are_written_as_rdflib_terms_are():
    """sparql_literal / iri_ref write what sparql_term writes for rdflib's terms."""
    from rdflib import Literal, URIRef

    from kg.errors import QueryError
    from kg.sparql_text import iri_ref, sparql_literal, sparql_term

    for v in (2023, 0, -4, "word", 'a "quoted"\nline\\', "ümlaut"):
        assert sparql_literal(v) == sparql_term(Literal(v))
    assert sparql_literal("x", language="en") == sparql_term(Literal("x", lang="en"))
    assert iri_ref("https://example.org/a") == sparql_term(URIRef("https://example.org/a"))
    with pytest.raises(QueryError):
        iri_ref("https://example.org/a b")
