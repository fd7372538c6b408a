"""Entity linking: the threats, knowledge levels, models, methods and papers a text names.

Surface forms come from the graph (labels, ``skos:altLabel`` — the curated aliases of
data/aliases.yaml —, paper titles, the head of a title before its colon, the name of a
paper's code repository) and from the ``papers`` section of data/aliases.yaml. Text is
normalised (case, accents, hyphens, plural ``s``, letter/digit boundaries) on both sides,
then matched longest-first; spans that match nothing exactly may match a surface form
within a small edit distance (typos), found through a deletion index (SymSpell style).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import URIRef

from .errors import KGError
from .files import replacing
from .stores.base import Store, select_values

KINDS = ("threat", "knowledge", "model", "method", "paper", "author", "venue")

_SURFACE = """
SELECT ?n ?form ?how WHERE {
  { ?n a ?cls ; skos:prefLabel|rdfs:label ?form . BIND("label" AS ?how) }
  UNION { ?n a ?cls ; skos:altLabel ?form . BIND("alias" AS ?how) }
}"""
_PAPERS = """
SELECT ?n ?form ?how WHERE {
  { ?n a rd:Paper ; dcterms:title ?form . BIND("label" AS ?how) }
  UNION { ?n a rd:Paper ; rd:codeRepository ?repo . BIND(STR(?repo) AS ?form)
          BIND("repository" AS ?how) }
  UNION { ?n a rd:Paper ; rd:shortName ?form . BIND("short" AS ?how) }
}"""
# first authors ("Carlini et al.", "Pang and Wang", "Li et al. 2025") and people
_FIRST_AUTHORS = """
SELECT ?n ?pos ?family ?year WHERE {
  ?n rd:hasAuthorship ?a . ?a rd:authorPosition ?pos ; rd:author ?p .
  ?p foaf:familyName ?family .
  OPTIONAL { ?n rd:publicationYear ?year }
}"""
_CITATION_LABELS = "SELECT ?n ?l WHERE { ?n a rd:Paper ; rd:citationLabel ?l }"
_PEOPLE = """
SELECT ?n ?name ?family WHERE { ?n a rd:Person ; foaf:name ?name ; foaf:familyName ?family }"""

STOPWORDS = frozenset("""
a an the of for to in on at by with from and or not no is are was were be been do does did
what which who whom whose how many much any all some that this these those there their its it
me my we our you your they them i can could would should will shall may might must has have had
than then so such as into onto about against between over under via per also only just
""".split())


def _ascii(text: str) -> str:
    text = text.replace("ℓ", "l").replace("·", " ")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _stem(tok: str) -> str:
    if len(tok) >= 5 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if len(tok) >= 3 and tok.endswith("s") and not tok.endswith(("ss", "us", "is")):
        return tok[:-1]
    return tok


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Normalised tokens of ``text`` with their character spans in it."""
    out = []
    for m in re.finditer(r"[^\W\d_]+|[0-9]+", text):  # letters of any script ("Tramèr")
        tok = _ascii(m.group()).lower()
        if tok:
            out.append((_stem(tok), m.start(), m.end()))
    return out


def normal(text: str) -> str:
    return " ".join(t for t, _, _ in tokens(text))


@dataclass(frozen=True)
class Entity:
    iri: str
    kind: str
    label: str


@dataclass(frozen=True)
class Mention:
    """A span of the text that names an entity."""

    text: str
    start: int
    end: int
    entity: Entity
    surface: str  # the surface form it matched
    exact: bool

    def as_dict(self) -> dict:
        return {"text": self.text, "iri": self.entity.iri, "label": self.entity.label,
                "type": self.entity.kind, "matched": self.surface,
                "match": "exact" if self.exact else "fuzzy"}


@dataclass
class Lexicon:
    """Normalised surface form -> entities, and a deletion index for typo lookups."""

    forms: dict[str, list[tuple[Entity, str, int]]] = field(default_factory=dict)
    deletions: dict[str, set[str]] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    # form -> (entity, spelling) registered as case-sensitive: only that spelling matches
    case_sensitive: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    citation_labels: dict[str, str] = field(default_factory=dict)  # paper -> "SecMI — Duan et al., 2023"
    max_len: int = 1

    def add(self, entity: Entity, surface: str, priority: int,
            exact_case: bool = False, fuzzy: bool = True, max_edits: int = 2,
            key: str | None = None) -> None:
        """Index ``surface`` (``key``: its :func:`normal` form, when already known)."""
        key = normal(surface) if key is None else key
        if not key:
            return
        lst = self.forms.setdefault(key, [])
        old = next((x for x in lst if x[0] == entity), None)
        if old is not None:  # the same name again: the laxer case rule, the better priority
            if not exact_case:
                strict = self.case_sensitive.get(key, set())
                strict.discard((entity.iri, old[1]))
            if priority < old[2]:
                lst[lst.index(old)] = (entity, old[1], priority)
                lst.sort(key=lambda x: x[2])
            return
        lst.append((entity, surface, priority))
        lst.sort(key=lambda x: x[2])
        self.entities[entity.iri] = entity
        self.max_len = max(self.max_len, len(key.split()))
        if exact_case:
            self.case_sensitive.setdefault(key, set()).add((entity.iri, surface))
        if fuzzy and len(key) >= 5 and not exact_case:
            for d in _deletes(key, min(max_edits, 2 if len(key) >= 9 else 1)):
                self.deletions.setdefault(d, set()).add(key)

    def lookup(self, key: str, original: str) -> list[tuple[Entity, str, int]]:
        hits = self.forms.get(key, [])
        strict = self.case_sensitive.get(key)
        if strict:
            typed = original.strip()
            hits = [h for h in hits if (h[0].iri, h[1]) not in strict or h[1] == typed]
        return hits

    def hits(self, key: str) -> list[tuple[Entity, str, int]]:
        """Every (entity, surface, priority) indexed under the normal form ``key``."""
        return self.forms.get(key, [])

    def labels(self, kinds: Iterable[str]) -> list[str]:
        """The labels of the entities of these kinds."""
        kinds = set(kinds)
        return sorted({e.label for e in self.entities.values() if e.kind in kinds})

    def candidates(self, dels: set[str]) -> set[str]:
        """The surface forms that share a deletion with the query's ``dels``."""
        out: set[str] = set()
        for d in dels:
            out |= self.deletions.get(d, set())
        return out

    def fuzzy(self, key: str) -> list[tuple[str, int]]:
        """Surface forms within edit distance 1 (2 for long forms) of ``key``."""
        return _fuzzy(self, key)


def _fuzzy(lex, key: str) -> list[tuple[str, int]]:
    if len(key) < 5:
        return []
    found: dict[str, int] = {}
    for cand in lex.candidates(_deletes(key, 2 if len(key) >= 9 else 1)):
        if cand[0] != key[0]:
            continue
        limit = 2 if len(cand) >= 9 else 1
        dist = osa_distance(key, cand, limit)
        if dist <= limit:
            found[cand] = dist
    return sorted(found.items(), key=lambda x: (x[1], x[0]))


class StoredLexicon:
    """A :class:`Lexicon` written to an SQLite file and read by indexed lookups: opening
    it costs nothing, however many forms it holds (at 100k papers, ~155k forms and 1.4M
    typo deletions: building them takes ~20 s, reading them back as JSON as long). The
    same answers as the Lexicon it was written from (tested on every benchmark question).
    Read-only; one connection shared by the app's threads under a lock."""

    def __init__(self, path: Path) -> None:
        import sqlite3
        import threading

        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        meta = dict(self._q("SELECT name, value FROM meta"))
        if meta.get("version") != LEXICON_CACHE_VERSION:
            raise ValueError(f"{path}: lexicon file version {meta.get('version')!r}")
        self.max_len = int(meta["max_len"])
        self.citation_labels = _Column(self, "SELECT label FROM cites WHERE iri = ?")
        self._hits: dict[str, list[tuple[Entity, str, int]]] = {}
        self._labels: dict[tuple[str, ...], list[str]] = {}

    def _q(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def hits(self, key: str) -> list[tuple[Entity, str, int]]:
        got = self._hits.get(key)
        if got is None:
            got = [(Entity(iri, kind, label), surface, prio) for iri, kind, label, surface, prio
                   in self._q("SELECT f.iri, e.kind, e.label, f.surface, f.prio FROM forms f "
                              "JOIN entities e ON e.iri = f.iri WHERE f.key = ? "
                              "ORDER BY f.rank", (key,))]
            if len(self._hits) > 4096:
                self._hits.clear()
            self._hits[key] = got
        return got

    def lookup(self, key: str, original: str) -> list[tuple[Entity, str, int]]:
        hits = self.hits(key)
        if hits:
            strict = {(iri, surface) for iri, surface in self._q(
                "SELECT iri, surface FROM forms WHERE key = ? AND strict = 1", (key,))}
            if strict:
                typed = original.strip()
                hits = [h for h in hits if (h[0].iri, h[1]) not in strict or h[1] == typed]
        return hits

    @property
    def forms(self) -> _Forms:
        return _Forms(self)

    def labels(self, kinds: Iterable[str]) -> list[str]:
        kinds = tuple(sorted(set(kinds)))
        got = self._labels.get(kinds)
        if got is None:  # read once: the closest names of every unknown name scan them
            marks = ",".join("?" * len(kinds))
            got = self._labels[kinds] = sorted({lab for lab, in self._q(
                f"SELECT label FROM entities WHERE kind IN ({marks})", kinds)})
        return got

    def candidates(self, dels: set[str]) -> set[str]:
        out: set[str] = set()
        ds = sorted(dels)
        for i in range(0, len(ds), 500):
            part = ds[i:i + 500]
            out |= {k for k, in self._q("SELECT key FROM deletions WHERE d IN "
                                        f"({','.join('?' * len(part))})", part)}
        return out

    def fuzzy(self, key: str) -> list[tuple[str, int]]:
        return _fuzzy(self, key)


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

    def get(self, key: str, default=None):
        row = self._lex._q(self._sql, (key,))
        return row[0][0] if row else default

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
    import sqlite3

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


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        nxt = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1:])
        out |= nxt
        frontier = nxt
    return out


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (edits incl. adjacent transposition), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _title_head(title: str) -> str | None:
    head = title.split(":", 1)[0].strip() if ":" in title else ""
    return head if 3 <= len(head) <= 40 else None


#: A kind of entity with more surface forms than this is indexed for one-edit typos only.
TWO_EDITS_MAX_FORMS = 2000


def build_lexicon(store: Store, paper_aliases: dict[str, list[str]] | None = None) -> Lexicon:
    """The lexicon of a graph: labels and curated aliases of every linkable node."""
    from .vocab import RD

    lex = Lexicon()
    classes = (("threat", RD.ThreatCategory), ("knowledge", RD.AttackerKnowledge),
               ("model", RD.TargetModel), ("method", RD.DefenseMethod), ("venue", RD.Venue))
    labels: dict[str, str] = {}
    rows = []
    for kind, cls in classes:  # plain values: no rdflib term per row (100k-paper graphs)
        names, found = select_values(store, _SURFACE, {"cls": cls})
        for t in found:
            r = dict(zip(names, t, strict=True))
            rows.append((kind, r))
            if r["how"] == "label":
                labels.setdefault(r["n"], r["form"])
    # A kind with many surface forms (defense methods grow with the papers) gets a one-edit
    # typo index: two edits of 84,000 method names would be ~14 million deletion strings.
    per_kind: dict[str, int] = {}
    for kind, _ in rows:
        per_kind[kind] = per_kind.get(kind, 0) + 1
    for kind, r in rows:
        n = r["n"]
        ent = Entity(n, kind, labels.get(n, r["form"]))
        lex.add(ent, r["form"], 0 if r["how"] == "label" else 1,
                max_edits=2 if per_kind[kind] <= TWO_EDITS_MAX_FORMS else 1)
    paper_rows = select_values(store, _PAPERS)[1]  # (n, form, how)
    titles = {n: form for n, form, how in paper_rows if how == "label"}
    by_title: dict[str, str] = {}
    for n, form, how in paper_rows:
        ent = Entity(n, "paper", titles.get(n, n))
        if how == "label":
            key = normal(form)
            by_title[key] = n
            lex.add(ent, form, 0, fuzzy=False, key=key)
            head = _title_head(form)
            hkey = normal(head) if head else ""
            # a head another node already holds ("PriSampler", the method) is kept too, at
            # priority 3: linking still prefers that node, and ask reads "the PriSampler
            # paper" from here (no scan of every title)
            if head and not any(e.kind == "paper" for e, _, _ in lex.forms.get(hkey, ())):
                lex.add(ent, head, 3, exact_case=len(head) < 7, fuzzy=False, key=hkey)
        elif how == "short":  # SecMI, CLiD: a paper's acronym, as its authors write it;
            # a short capitals-only one (SIDE, PIA) only in capitals: "side" is a word
            lex.add(ent, form, 1, exact_case=len(form) <= 4 and form.isupper(), fuzzy=False)
        elif how == "repository" and "github.com" in form:
            name = form.rstrip("/").rsplit("/", 1)[-1]
            if len(name) >= 3 and normal(name) not in lex.forms:
                lex.add(ent, name, 3, exact_case=len(name) < 7, fuzzy=False)
    _add_people(store, lex, titles)
    lex.citation_labels = dict(select_values(store, _CITATION_LABELS)[1])
    for title, alts in (paper_aliases or {}).items():
        n = by_title.get(normal(title))
        if n:
            for alt in alts:
                lex.add(Entity(n, "paper", titles[n]), alt, 1, fuzzy=False)
    return lex


#: Priority of a bare family name ("Kong"): below labels and aliases of other nodes.
FAMILY_NAME = 2


def _add_people(store: Store, lex: Lexicon, titles: dict[str, str]) -> None:
    """Authors by full name ("Nicholas Carlini") and family name ("Carlini"), and papers
    by their first authors ("Carlini et al.", "Pang and Wang", "Li et al. 2025")."""
    for n, name, family in select_values(store, _PEOPLE)[1]:
        ent = Entity(n, "author", name)
        lex.add(ent, name, 0)
        lex.add(ent, family, FAMILY_NAME, fuzzy=False)
    first: dict[str, dict[int, str]] = {}
    years: dict[str, str] = {}
    count: dict[str, int] = {}
    for n, pos, family, year in select_values(store, _FIRST_AUTHORS)[1]:
        count[n] = max(count.get(n, 0), int(pos))
        if int(pos) <= 2:
            first.setdefault(n, {})[int(pos)] = family
        if year:
            years[n] = str(year)
    for n, fam in first.items():
        if 1 not in fam or n not in titles:
            continue
        ent = Entity(n, "paper", titles[n])
        forms = [f"{fam[1]} et al."] + ([f"{fam[1]} and {fam[2]}"] if count[n] == 2 else [])
        if count[n] == 1:
            forms = [fam[1]]
        for form in forms:
            lex.add(ent, form, 1, fuzzy=False)
            if n in years:
                lex.add(ent, f"{form} {years[n]}", 1, fuzzy=False)


def content_key(store: Store, kind: str, version: str, code: Iterable[str]) -> str | None:
    """A cache key for data derived from ``store``'s graph: its exact content
    (``store.content_id``: a build's graph SHA-256, an Oxigraph version), the curated
    aliases and the code (module files of this package) that derive it. None when the
    store cannot name its content (nothing is cached then)."""
    content = getattr(store, "content_id", None)
    if not content:
        return None
    from . import settings

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
    from . import settings
    from .curated import load_aliases

    key = content_key(store, "lexicon", LEXICON_CACHE_VERSION, ("linking.py",))
    path = settings.path("cache_dir") / "lexicon" / f"{key[:32]}.sqlite" if key else None
    if path is not None and path.is_file():
        try:
            return StoredLexicon(path)
        except Exception:  # noqa: BLE001  (a torn or foreign file: rebuilt below)
            pass
    try:
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


def lexicon(store: Store) -> Lexicon | StoredLexicon:
    """The store's lexicon, built (or opened) once per store object."""
    return _lexicon_for(store)


def link(text: str, lex: Lexicon, kinds: Iterable[str] = KINDS) -> list[Mention]:
    """Non-overlapping mentions, longest and exact first, in text order."""
    kinds = set(kinds)
    toks = tokens(text)
    taken = [False] * len(toks)
    out: list[Mention] = []

    def emit(i: int, j: int, key: str, hits, exact: bool) -> bool:
        hits = [h for h in hits if h[0].kind in kinds]
        if not hits:
            return False
        best = hits[0][2]
        start, end = toks[i][1], toks[j - 1][2]
        for ent, surface, prio in hits:
            if prio == best:
                out.append(Mention(text[start:end], start, end, ent, surface, exact))
        for k in range(i, j):
            taken[k] = True
        return True

    # exact matches, longest span first
    for n in range(min(lex.max_len, len(toks)), 0, -1):
        for i in range(len(toks) - n + 1):
            if any(taken[i:i + n]):
                continue
            key = " ".join(t for t, _, _ in toks[i:i + n])
            if n == 1 and key in STOPWORDS:
                continue
            original = text[toks[i][1]:toks[i + n - 1][2]]
            hits = lex.lookup(key, original)
            if hits:
                emit(i, i + n, key, hits, True)
    # typos: spans of up to 4 free tokens
    for n in range(min(4, len(toks)), 0, -1):
        for i in range(len(toks) - n + 1):
            if any(taken[i:i + n]):
                continue
            parts = [t for t, _, _ in toks[i:i + n]]
            if parts[0] in STOPWORDS or parts[-1] in STOPWORDS:
                continue
            key = " ".join(parts)
            for cand, _ in lex.fuzzy(key):
                if emit(i, i + n, key, lex.forms[cand], False):
                    break
    return sorted(out, key=lambda m: (m.start, m.entity.kind, m.entity.iri))


# "by", "authored by", "co-authored by", "with": a bare family name after these is an author
_AUTHOR_CUE = re.compile(r"(\bby|\bauthors?|authored|\bco-?authors?|\bwriters?|\bwritten|"
                         r"\bwith|\bfrom|\bincluding|\band|\bor|,)\s*$", re.I)


def keep_person(text: str, m: Mention, query: bool = False) -> bool:
    """A bare family name ("kong", "He") names an author when written with a capital
    after the first word, or after an author cue ("by kong"): "he" is a pronoun. In a
    search ``query`` (a few keywords) a capitalised name or one of 4+ letters counts
    anywhere ("Carlini", "kong")."""
    if m.entity.kind != "author" or " " in m.surface.strip():
        return True
    if _AUTHOR_CUE.search(text[:m.start]):
        return True
    if query:
        return m.text[:1].isupper() or len(m.text) >= 4
    return m.text[:1].isupper() and bool(text[:m.start].strip())


def entities(mentions: Iterable[Mention], kind: str) -> list[Entity]:
    """The distinct entities of one kind, in order of mention."""
    seen: dict[str, Entity] = {}
    for m in mentions:
        if m.entity.kind == kind:
            seen.setdefault(m.entity.iri, m.entity)
    return list(seen.values())


def as_term(entity: Entity) -> URIRef:
    return URIRef(entity.iri)


def check_words(text: str, what: str, limit: int, empty: str, no_words: str) -> str:
    """User text with whitespace collapsed, or KGError: empty (``empty`` says what to
    type), longer than ``limit`` characters, or with no letter or digit (``no_words``)."""
    q = " ".join((text or "").split())
    if not q:
        raise KGError(empty)
    if len(q) > limit:
        raise KGError(f"{what} too long ({len(q)} characters; at most {limit})")
    if not any(ch.isalnum() for ch in q):
        raise KGError(f"{what} {q!r} {no_words}")
    return q
