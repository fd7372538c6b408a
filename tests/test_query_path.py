"""The query path of `kg ask` imports no rdflib: a cold `kg ask` pays for pyoxigraph and
the question, not for rdflib's import (~0.2 s here) or its SPARQL engine. rdflib stays
where it serves (building, SHACL, Turtle, exports) and is imported there, when used.

Each check runs in a fresh interpreter and reads its ``sys.modules``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
