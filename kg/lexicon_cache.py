"""The lexicon cache: a store's lexicon built once per process, and written once per content.

For a store that names its content (``content_id``) the built :class:`kg.lexicon.Lexicon`
is written to an SQLite file keyed by :func:`content_key` (the content, the curated aliases
and the code that derives it), and the next process opens it as a :class:`StoredLexicon`:
indexed lookups, the same answers. A file that cannot be read or written costs time, never
a wrong answer.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from . import settings
from .files import replacing
from .lexicon import Entity, Lexicon, build_lexicon, fuzzy_forms
from .stores.base import Store


class StoredLexicon:
    """A :class:`Lexicon` written to an SQLite file and read by indexed lookups: opening
    it costs nothing, however many forms it holds (at 100k papers, ~155k forms and 1.4M
    typo deletions: building them takes ~20 s, reading them back as JSON as long). The
    same answers as the Lexicon it was written from (tested on every benchmark question).
    Read-only; one connection shared by the app's threads under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        meta = dict(self._q("SELECT name, value FROM meta"))
        if meta.get("version") != LEXICON_CACHE_VERSION:
            raise ValueError(f"{path}: lexicon file version {meta.get('version')!r}")
        self.max_len = int(meta["max_len"])
        self.citation_labels = _Column(self, "SELECT label FROM cites WHERE iri = ?")
        # per key, read once (a long-lived process asks the same words again; bounded)
        self._hits: dict[str, list[tuple[Entity, str, int]]] = {}
        self._strict: dict[str, frozenset[tuple[str, str]]] = {}
        self._fuzzy: dict[str, list[tuple[str, int]]] = {}
        self._labels: dict[tuple[tuple[str, ...], str], list[str]] = {}
        self._counts: dict[tuple[str, ...], int] = {}

    def _q(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def named(self, words: list[str], limit: int) -> list[tuple[Entity, int]]:
        """(entity, how many of ``words`` its label contains), best first (more words, then
        shorter labels), at most ``limit``: one scan of the entities table (SQLite's LIKE,
        case-insensitive), however large the graph. ``words``: letters and digits only."""
        if not words:
            return []
        score = " + ".join("(label LIKE ?)" for _ in words)
        rows = self._q(f"SELECT iri, kind, label, {score} AS s FROM entities WHERE s > 0 "
                       "ORDER BY s DESC, length(label), label LIMIT ?",
                       [f"%{w}%" for w in words] + [limit])
        return [(Entity(iri, kind, label), s) for iri, kind, label, s in rows]

    def hits(self, key: str) -> list[tuple[Entity, str, int]]:
        got = self._hits.get(key)
        if got is None:
            got = [(Entity(iri, kind, label), surface, prio) for iri, kind, label, surface, prio
                   in self._q("SELECT f.iri, e.kind, e.label, f.surface, f.prio FROM forms f "
                              "JOIN entities e ON e.iri = f.iri WHERE f.key = ? "
                              "ORDER BY f.rank", (key,))]
            _remember(self._hits, key, got)
        return got

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the forms of every key of ``keys`` not read yet in one query per 500 keys
        (a question's spans: one query, not one per span)."""
        todo = sorted({k for k in keys if k not in self._hits})
        for i in range(0, len(todo), 500):
            part = todo[i:i + 500]
            got: dict[str, list] = {k: [] for k in part}
            strict: dict[str, set] = {k: set() for k in part}
            for key, iri, kind, label, surface, prio, st in self._q(
                    "SELECT f.key, f.iri, e.kind, e.label, f.surface, f.prio, f.strict "
                    "FROM forms f JOIN entities e ON e.iri = f.iri WHERE f.key IN "
                    f"({','.join('?' * len(part))}) ORDER BY f.key, f.rank", part):
                got[key].append((Entity(iri, kind, label), surface, prio))
                if st == 1:
                    strict[key].add((iri, surface))
            for k in part:
                _remember(self._hits, k, got[k])
                _remember(self._strict, k, frozenset(strict[k]))

    def lookup(self, key: str, original: str) -> list[tuple[Entity, str, int]]:
        hits = self.hits(key)
        if hits:
            strict = self._strict.get(key)
            if strict is None:
                strict = _remember(self._strict, key, frozenset(self._q(
                    "SELECT iri, surface FROM forms WHERE key = ? AND strict = 1", (key,))))
            if strict:
                typed = original.strip()
                hits = [h for h in hits if (h[0].iri, h[1]) not in strict or h[1] == typed]
        return hits

    @property
    def forms(self) -> _Forms:
        return _Forms(self)

    def labels(self, kinds: Iterable[str], head: str = "") -> list[str]:
        """The labels of these kinds (that begin with ``head``, case-insensitive: SQLite's
        LIKE, one scan — a large graph's unknown name reads only its candidates)."""
        kinds = tuple(sorted(set(kinds)))
        got = self._labels.get((kinds, head))
        if got is None:  # read once: the closest names of every unknown name scan them
            marks = ",".join("?" * len(kinds))
            like = head.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            got = self._labels[(kinds, head)] = sorted({lab for lab, in self._q(
                f"SELECT label FROM entities WHERE kind IN ({marks}) "
                "AND label LIKE ? ESCAPE '\\'", (*kinds, like))})
        return got

    def label_count(self, kinds: Iterable[str]) -> int:
        """How many entities of these kinds (distinct labels may be fewer)."""
        kinds = tuple(sorted(set(kinds)))
        if kinds not in self._counts:  # read once (a read-only file)
            marks = ",".join("?" * len(kinds))
            self._counts[kinds] = int(self._q(
                f"SELECT COUNT(*) FROM entities WHERE kind IN ({marks})", kinds)[0][0])
        return self._counts[kinds]

    def of_kind(self, kind: str) -> list[Entity]:
        """The entities of one kind, by label (as :meth:`Lexicon.of_kind`)."""
        return [Entity(iri, k, label) for iri, k, label in self._q(
            "SELECT iri, kind, label FROM entities WHERE kind = ? ORDER BY label, iri", (kind,))]

    def candidates(self, dels: set[str]) -> set[str]:
        out: set[str] = set()
        ds = sorted(dels)
        for i in range(0, len(ds), 500):
            part = ds[i:i + 500]
            out |= {k for k, in self._q("SELECT key FROM deletions WHERE d IN "
                                        f"({','.join('?' * len(part))})", part)}
        return out

    def fuzzy(self, key: str) -> list[tuple[str, int]]:
        got = self._fuzzy.get(key)
        if got is None:
            got = _remember(self._fuzzy, key, fuzzy_forms(self, key))
        return got


def _remember(cache: dict, key, value):
    """``value``, kept in ``cache`` under ``key`` (emptied past 65536 keys)."""
    if len(cache) > 65536:
        cache.clear()
    cache[key] = value
    return value


class _Forms:
    """``lex.forms[key]`` of a stored lexicon."""

    def __init__(self, lex: StoredLexicon) -> None:
        self._lex = lex

    def __getitem__(self, key: str) -> list[tuple[Entity, str, int]]:
        return self._lex.hits(key)

    def get(self, key: str, default=None):
        return self._lex.hits(key) or default

    def __contains__(self, key: str) -> bool:
        return bool(self._lex.hits(key))


class _Column:
    def __init__(self, lex: StoredLexicon, sql: str) -> None:
        self._lex, self._sql = lex, sql
        self._got: dict[str, str | None] = {}  # per key, read once

    def get(self, key: str, default=None):
        if key not in self._got:
            row = self._lex._q(self._sql, (key,))
            _remember(self._got, key, row[0][0] if row else None)
        got = self._got[key]
        return default if got is None else got

    def __getitem__(self, key: str) -> str:
        got = self.get(key)
        if got is None:
            raise KeyError(key)
        return got

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


def write_lexicon(lex: Lexicon, path: Path) -> None:
    """``lex`` as the SQLite file :class:`StoredLexicon` reads, written whole or not at all
    (a temporary file in the same directory, renamed over ``path``)."""
    with replacing(path) as tmp:
        db = sqlite3.connect(tmp)
        db.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE entities (iri TEXT PRIMARY KEY, kind TEXT, label TEXT);
            CREATE TABLE forms (key TEXT, rank INTEGER, iri TEXT, surface TEXT, prio INTEGER,
                                strict INTEGER);
            CREATE TABLE deletions (d TEXT, key TEXT);
            CREATE TABLE cites (iri TEXT PRIMARY KEY, label TEXT);
        """)
        db.executemany("INSERT INTO meta VALUES (?, ?)", [
            ("version", LEXICON_CACHE_VERSION), ("max_len", str(lex.max_len))])
        db.executemany("INSERT INTO entities VALUES (?, ?, ?)",
                       ((e.iri, e.kind, e.label) for e in lex.entities.values()))
        db.executemany("INSERT INTO forms VALUES (?, ?, ?, ?, ?, ?)", (
            (k, i, e.iri, surface, prio, int((e.iri, surface) in lex.case_sensitive.get(k, ())))
            for k, lst in lex.forms.items() for i, (e, surface, prio) in enumerate(lst)))
        db.executemany("INSERT INTO deletions VALUES (?, ?)",
                       ((d, k) for d, ks in lex.deletions.items() for k in ks))
        db.executemany("INSERT INTO cites VALUES (?, ?)", lex.citation_labels.items())
        db.executescript("CREATE INDEX forms_key ON forms (key);"
                         "CREATE INDEX deletions_d ON deletions (d);")
        db.commit()
        db.close()



def content_key(store: Store, kind: str, version: str, code: Iterable[str]) -> str | None:
    """A cache key for data derived from ``store``'s graph: its exact content
    (``store.content_id``: a build's graph SHA-256, an Oxigraph version), the curated
    aliases and the code (module files of this package) that derive it. None when the
    store cannot name its content (nothing is cached then)."""
    content = getattr(store, "content_id", None)
    if not content:
        return None
    h = hashlib.sha256(f"{kind}\0{version}\0{content}".encode())
    here = Path(__file__).resolve().parent
    for f in [*(here / name for name in code), settings.DATA_DIR / "aliases.yaml"]:
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"-")
    return h.hexdigest()


#: Bump when what the lexicon cache file holds changes shape.
LEXICON_CACHE_VERSION = "2"


@functools.lru_cache(maxsize=8)
def _lexicon_for(store: Store) -> Lexicon | StoredLexicon:
    """Built from the store's labels; for a store that names its content, also written to
    an SQLite file (:func:`write_lexicon`) that the next process opens instead of building
    (at 100k papers the build reads ~155k surface forms and indexes 1.4M typo deletions)."""
    key = content_key(store, "lexicon", LEXICON_CACHE_VERSION, ("lexicon.py", "lexicon_cache.py"))
    path = settings.path("cache_dir") / "lexicon" / f"{key[:32]}.sqlite" if key else None
    if path is not None and path.is_file():
        try:
            return StoredLexicon(path)
        except Exception:  # noqa: BLE001  (a torn or foreign file: rebuilt below)
            pass
    try:
        from .curated import load_aliases  # read to build a lexicon, not to open one

        papers = load_aliases().variants.get("papers", {})
    except Exception:  # a broken aliases file is reported by the build, not here
        papers = {}
    lex = build_lexicon(store, {k: v for k, v in papers.items() if v})
    if path is not None:
        try:
            write_lexicon(lex, path)
        except Exception:  # noqa: BLE001  (a cache that cannot be written costs time only)
            pass
    return lex


def prepare(store: Store) -> float:
    """Write the lexicon file of a store that names its content now — ``kg build`` and
    ``kg load`` call this, so the first question after them opens the file instead of
    building it (23.5 s at 100k papers); the seconds it took (0 for a store without a
    content id: its lexicon lives in the asking process only)."""
    if getattr(store, "content_id", None) is None:
        return 0.0
    t = time.perf_counter()
    _lexicon_for(store)
    return time.perf_counter() - t


def lexicon(store: Store) -> Lexicon | StoredLexicon:
    """The store's lexicon, built (or opened) once per store object."""
    return _lexicon_for(store)

