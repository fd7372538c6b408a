"""One query interface for every query of the package, on three backends.

A store answers SPARQL SELECT / ASK / CONSTRUCT with bound values (never text pasted
into the query):

* :class:`MemoryStore` — rdflib in memory (the default); values via ``initBindings``.
* :class:`OxigraphStore` — embedded, persistent Oxigraph (pyoxigraph) in a directory;
  values via pyoxigraph's ``substitutions``. A load writes a new Oxigraph directory beside
  the live one and switches an ``active`` link to it (kg.snapshot): all or nothing.
* :class:`RemoteStore` — any SPARQL 1.1 endpoint over HTTP (urllib); values via a
  ``VALUES`` block written from the RDF terms (checked IRIs, escaped literals) at the
  start of the query's top-level group; loads through the Graph Store Protocol (one PUT
  of the whole default graph) or, failing that, SPARQL Update (a temporary named graph
  moved to the default graph in one request). Virtuoso's differences (its union default
  graph, loads readers see half done, ASK as a row, results cut at ResultSetMaxRows) are
  handled in one place, :class:`_Virtuoso`, chosen by the endpoint's ``Server`` header or
  ``dialect="virtuoso"``. Every request has one deadline for connect,
  send and receive together (``KG_QUERY_TIMEOUT``); a down or slow endpoint is an
  :class:`EndpointError` naming the endpoint.

Every load parses its input fully before it replaces anything: a malformed line is a
:class:`GraphDataError` naming the line, and the store keeps what it held.

:func:`open_store` picks one from the ``store`` setting: ``memory``, ``oxigraph:PATH``
or an ``http(s)://`` URL. Every query carries the standard prefixes (:func:`with_prefixes`).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import http.client
import io
import json
import os
import re
import secrets
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import rdflib.plugins.sparql as rdflib_sparql
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from . import settings, snapshot
from .errors import KGError, QueryError
from .vocab import SPARQL_PREFIXES

# rdflib would otherwise fetch any URL named in FROM / FROM NAMED.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False

Bindings = Mapping[str, Node]


class EndpointError(KGError):
    """A SPARQL endpoint is unreachable, too slow, or refuses a request."""


class StoreError(KGError):
    """A store setting names nothing usable (bad setting, locked or empty directory)."""


class GraphDataError(KGError, ValueError):
    """Triples to load that are not N-Triples: the line, the column and what is wrong.
    Raised before anything is replaced."""


#: ``prepare(staged_store, triples)``: called by a load on the new content before the switch
#: (kg load materialises the coverage summary there, so it switches with the graph).
Prepare = Callable[[object, int], object]


@dataclass
class Rows:
    """A SELECT result: variable names and rows (variable -> RDF term or None)."""

    vars: list[str]
    rows: list[dict[str, Node | None]] = field(default_factory=list)

    def __iter__(self) -> Iterator[dict[str, Node | None]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class Store(Protocol):
    name: str

    def select(self, sparql: str, bindings: Bindings | None = None) -> Rows: ...

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool: ...

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph: ...


def with_prefixes(sparql: str) -> str:
    return SPARQL_PREFIXES + sparql


# ------------------------------------------------------------------ rdflib (memory)


@functools.lru_cache(maxsize=512)
def _prepared(sparql: str):
    """The parsed and translated query (rdflib's parser, not its evaluation, is most of the
    cost of a small query: ~50 ms each); bindings are applied per call, so one parse serves
    every call of the same text. A parse error is raised each time (not cached)."""
    return rdflib_sparql.prepareQuery(with_prefixes(sparql))


class MemoryStore:
    """The embedded default: an rdflib Graph in memory."""

    name = "memory"
    kind = "memory"

    def __init__(self, graph: Graph | None = None, *,
                 loader: Callable[[], Graph] | None = None,
                 content_id: str | None = None) -> None:
        """``graph``, or ``loader`` to make it on first use (a command whose answer is
        cached never parses the graph). ``content_id`` names the graph's exact content
        (the build's graph SHA-256) so derived data can be cached against it."""
        if graph is None and loader is None:
            raise ValueError("a MemoryStore needs a graph or a loader")
        self._graph = graph
        self._loader = loader
        self._lock = threading.Lock()  # the app's sessions share one store
        self.content_id = content_id

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            with self._lock:
                if self._graph is None:
                    assert self._loader is not None
                    self._graph, self._loader = self._loader(), None
        return self._graph

    @graph.setter
    def graph(self, value: Graph) -> None:
        self._graph, self._loader = value, None

    def _query(self, sparql: str, bindings: Bindings | None):
        return self.graph.query(_prepared(sparql), initBindings=dict(bindings or {}))

    def select(self, sparql: str, bindings: Bindings | None = None) -> Rows:
        res = self._query(sparql, bindings)
        names = [str(v) for v in (res.vars or [])]
        return Rows(names, [{n: r[i] for i, n in enumerate(names)} for r in res])

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        return bool(self._query(sparql, bindings).askAnswer)

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        res = self._query(sparql, bindings)
        out = Graph()
        for t in res:
            out.add(t)
        return out

    def load(self, graph: Graph, prepare: Prepare | None = None) -> int:
        """Replace the graph's content by ``graph`` (idempotent)."""
        self.content_id = None
        self.graph.remove((None, None, None))
        self.graph += graph
        if prepare is not None:
            prepare(self, len(self.graph))
        return len(self.graph)

    def load_ntriples(self, chunks: Iterable[bytes | str], prepare: Prepare | None = None) -> int:
        """Replace the graph's content by the triples of ``chunks`` (checked first)."""
        self.content_id = None
        data = [c.encode("utf-8") if isinstance(c, str) else c for c in chunks]
        check_ntriples(data)
        g = Graph()
        for d in data:
            g.parse(data=d, format="nt")
        return self.load(g, prepare)

    def triple_count(self) -> int:
        return len(self.graph)

    def put_named_graph(self, name: str, ntriples: bytes) -> bool:
        """An rdflib Graph has no named graphs: nothing is kept (callers compute live)."""
        return False


# ------------------------------------------------------------------ Oxigraph (embedded)


def _ox():
    import pyoxigraph

    return pyoxigraph


def to_oxigraph(term: Node):
    ox = _ox()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"cannot bind {term!r}: not an IRI, blank node or literal")


def from_oxigraph(term) -> Node | None:
    if term is None:
        return None
    ox = _ox()
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == str(XSD.string) else Literal(term.value,
                                                                         datatype=URIRef(dt))
    raise QueryError(f"unsupported term in a result: {term!r}")


_PARSER_ERROR = re.compile(r"Parser error at line \d+ between columns (\d+) and \d+: (.*)", re.S)


def _ntriples_error(e: SyntaxError, lines_before: int) -> GraphDataError:
    text = str(e.args[0]) if e.args else str(e)
    m = _PARSER_ERROR.match(text)
    col, reason = (m.group(1), m.group(2)) if m else (e.offset, text)
    reason = " ".join(str(reason).split())[:200]
    return GraphDataError(f"line {lines_before + (e.lineno or 1)}, column {col}: "
                          f"not N-Triples ({reason})")


def _chunks_bytes(chunks: Iterable[bytes | str]) -> Iterator[bytes]:
    for c in chunks:
        yield c.encode("utf-8") if isinstance(c, str) else c


def check_ntriples(chunks: Iterable[bytes]) -> int:
    """Parse every triple of ``chunks`` (a GraphDataError at the first bad line, counted
    across the chunks); the number of triples."""
    ox, lines, n = _ox(), 0, 0
    for data in chunks:
        try:
            for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
                n += 1
        except SyntaxError as e:
            raise _ntriples_error(e, lines) from None
        lines += data.count(b"\n")
    return n


def _bulk_load(target, chunks: Iterable[bytes | str]) -> None:
    """Load N-Triples chunks into the pyoxigraph store ``target`` (a fresh one: a syntax
    error leaves part of it written)."""
    ox, lines = _ox(), 0
    for data in _chunks_bytes(chunks):
        try:
            target.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as e:
            raise _ntriples_error(e, lines) from None
        lines += data.count(b"\n")


ACTIVE = "active"  # the link naming a store's live Oxigraph directory (Oxigraph has a CURRENT)
_OPEN_DIRS: set[str] = set()  # Oxigraph directories this process has open (holds their lock)
_ROCKSDB_FILE = re.compile(r"(CURRENT|IDENTITY|LOCK|LOG(\.old\..*)?|MANIFEST-\d+|OPTIONS-\d+"
                           r"|\d+\.(sst|log|blob)|.*\.dbtmp)")


def _key(path: Path) -> str:
    return os.path.abspath(path)


def _flat(location: Path) -> bool:
    """An Oxigraph directory written by an older version of this package (no link)."""
    return (location / "CURRENT").is_file()


def _in_use(directory: Path) -> bool:
    """Whether a process has the Oxigraph directory open: this one (it would lose its lock if
    it tested it), or another one holding the lock Oxigraph's RocksDB takes (fcntl)."""
    if _key(directory) in _OPEN_DIRS:
        return True
    try:
        fd = os.open(directory / "LOCK", os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # releases the test lock
    return False


class OxigraphStore:
    """Embedded, persistent Oxigraph in a directory (``path=None``: in memory).

    The directory (its *location*) holds versions (kg.snapshot): ``active`` links to the
    live Oxigraph directory ``.v-*``, the one :attr:`path` names. A load writes a new one
    beside it, with the coverage summary, and switches the link only when all is in; the
    version replaced goes once no process has it open, and what a killed load left goes on
    the next open or load. A query notices a switch made by another process and reopens.
    A directory an older version of this package wrote (Oxigraph's own files at the top)
    is opened as it is and converted by the next load.
    """

    kind = "oxigraph"

    def __init__(self, path: Path | str | None = None) -> None:
        ox = _ox()
        self.location = Path(path) if path is not None else None
        self.name = f"oxigraph:{self.location}" if self.location else "oxigraph:memory"
        self.path: Path | None = None  # the Oxigraph directory open now (None: in memory)
        self._layout = self.location is not None
        self._switching = threading.Lock()
        if self.location is None:
            self.ox = ox.Store()
            return
        try:
            self.location.mkdir(parents=True, exist_ok=True)
            live = snapshot.target(self.location, ACTIVE)
            if live is None and _flat(self.location):
                self._open(self.location)
            elif live is None:
                self._create()
            else:
                try:
                    self._open(live)
                except OSError as e:  # another process has it open: a load can still
                    if "lock" not in str(e).lower():  # switch; a query opens it (_follow)
                        raise
                    self.ox, self.path = None, live
        except OSError as e:
            raise self._open_error(e) from None
        self._tidy()

    @classmethod
    def _direct(cls, path: Path) -> OxigraphStore:
        """The Oxigraph directory ``path`` itself (a load's new version), no layout."""
        self = cls.__new__(cls)
        self.location, self.name, self._layout = None, f"oxigraph:{path}", False
        self._switching = threading.Lock()
        self._open(path)
        return self

    def _open_error(self, e: OSError) -> StoreError:
        msg = str(e)
        hint = (" (it is in use by another process: stop that process, or query it "
                "through `oxigraph serve` and a URL store)") if "lock" in msg.lower() else ""
        return StoreError(f"store {self.name}: cannot open the Oxigraph directory{hint}: {msg}")

    def _open(self, directory: Path) -> None:
        self.ox = _ox().Store(str(directory))
        self.path = directory
        _OPEN_DIRS.add(_key(directory))

    def _create(self) -> None:
        """A new, empty store: an empty version and the link to it."""
        assert self.location is not None
        with snapshot.locked(self.location):
            live = snapshot.target(self.location, ACTIVE)
            if live is not None:  # another process made it meanwhile
                self._open(live)
                return
            version = snapshot.new_version(self.location)
            self._open(version)
            self.ox.flush()
            snapshot.switch(self.location, version, ACTIVE)

    def _follow(self) -> None:
        """Open the live directory when another process switched the link (staying on the
        old one while that process still has the new one open), or when it was in use at
        open (then its error is raised)."""
        if not self._layout or self.location is None:
            return
        live = snapshot.target(self.location, ACTIVE) or self.path
        if live == self.path and self.ox is not None:
            return
        with self._switching:
            if live == self.path and self.ox is not None:
                return
            try:
                new = _ox().Store(str(live))
            except OSError as e:
                if self.ox is None:
                    raise self._open_error(e) from None
                return
            old, self.ox, self.path = self.path, new, live
            _OPEN_DIRS.add(_key(live))
            if old is not None:
                _OPEN_DIRS.discard(_key(old))

    def _tidy(self) -> None:
        """Remove versions no process has open and what a killed load left (nothing while
        another process loads)."""
        if not self._layout or self.location is None:
            return
        try:
            with snapshot.locked(self.location, wait=False) as mine:
                if mine:
                    self._prune()
        except OSError:
            pass  # a read-only location: nothing to tidy

    def _prune(self) -> None:
        """Under the location's lock: no load runs, so every version but the live one is
        either left by a killed load or replaced; remove those no process has open."""
        assert self.location is not None
        snapshot.prune(self.location, keep=[self.path] if self.path else [], in_use=_in_use,
                       link=ACTIVE)
        if snapshot.target(self.location, ACTIVE) is not None and _flat(self.location) \
                and not _in_use(self.location):
            for p in self.location.iterdir():  # the older flat layout's files, now replaced
                if p.is_file() and not p.is_symlink() and _ROCKSDB_FILE.fullmatch(p.name):
                    p.unlink(missing_ok=True)

    @property
    def content_id(self) -> str | None:
        """Names the default graph's exact content while this store reads one version
        (kg.snapshot): a version is written once, by the load that made it, and never
        again (a load makes a new one; ``kg summarize`` writes only the summary's named
        graph), so derived data (the lexicon, search data) can be cached against it. None
        for an in-memory store and the older flat layout."""
        self._follow()
        if not self._layout or self.path is None or self.path == self.location:
            return None
        try:
            ino = self.path.stat().st_ino
        except OSError:
            return None
        return f"oxigraph:{self.path.resolve()}:{ino}"

    def _query(self, sparql: str, bindings: Bindings | None):
        # Oxigraph substitutes only variables a SELECT projects (SEP-0007); the others are
        # bound by a VALUES block written from the terms, as for a remote endpoint.
        bindings = dict(bindings or {})
        shown = projected_vars(sparql) if bindings else None
        subs = {_ox().Variable(k): to_oxigraph(v) for k, v in bindings.items()
                if shown is None or k in shown}
        rest = {k: v for k, v in bindings.items() if k not in {s.value for s in subs}}
        self._follow()
        try:
            return self.ox.query(with_prefixes(with_values(sparql, rest)),
                                 substitutions=subs or None)
        except SyntaxError as e:
            raise QueryError(f"store {self.name}: SPARQL syntax error: {e}") from None
        except OSError as e:
            raise StoreError(f"store {self.name}: {e}") from None

    def select(self, sparql: str, bindings: Bindings | None = None) -> Rows:
        res = self._query(sparql, bindings)
        names = [v.value for v in res.variables]
        return Rows(names, [{n: from_oxigraph(sol[n]) for n in names} for sol in res])

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        return bool(self._query(sparql, bindings))

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        out = Graph()
        for t in self._query(sparql, bindings):
            out.add((from_oxigraph(t.subject), from_oxigraph(t.predicate),
                     from_oxigraph(t.object)))
        return out

    def load(self, graph: Graph, prepare: Prepare | None = None) -> int:
        """Replace the default graph by ``graph`` (idempotent): N-Triples, bulk loader."""
        return self.load_ntriples([graph.serialize(format="nt", encoding="utf-8")], prepare)

    def load_ntriples(self, chunks: Iterable[bytes | str], prepare: Prepare | None = None) -> int:
        """Replace the store's content by the triples of ``chunks``, all or nothing: they are
        bulk-loaded into a new Oxigraph directory beside the live one, ``prepare(new, n)``
        adds what goes with them (the coverage summary), and only then is the ``active``
        link switched (one rename). A malformed line (GraphDataError), any other error or
        a kill before the switch leaves the store as it was. Loads of one directory run
        one at a time (its lock)."""
        if not self._layout or self.location is None:  # in memory: a new store, swapped in
            staged = OxigraphStore()
            _bulk_load(staged.ox, chunks)
            n = staged.triple_count()
            if prepare is not None:
                prepare(staged, n)
            self.ox = staged.ox
            return n
        with snapshot.locked(self.location):
            self._prune()
            version = snapshot.new_version(self.location)
            staged = None
            try:
                staged = OxigraphStore._direct(version)
                _bulk_load(staged.ox, chunks)
                n = staged.triple_count()
                if prepare is not None:
                    prepare(staged, n)
                staged.ox.flush()
            except BaseException:
                if staged is not None:
                    staged.close()
                import shutil

                shutil.rmtree(version, ignore_errors=True)
                raise
            snapshot.switch(self.location, version, ACTIVE)
            with self._switching:  # this handle takes over the new directory
                old, self.ox, self.path = self.path, staged.ox, version
            if old is not None:
                _OPEN_DIRS.discard(_key(old))
            del staged
            gc.collect()  # release the old directory before testing whether it is in use
            self._prune()
        return n

    def triple_count(self) -> int:
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])

    def put_named_graph(self, name: str, ntriples: bytes) -> bool:
        """Replace the named graph ``name`` by the triples of ``ntriples`` in one
        transaction, so a reader sees the old graph or the new one: a graph the store does
        not hold yet (a new version in ``kg load``) is loaded (one transactional load: 21 s
        for 450k summary triples at 100k papers), one it holds is dropped and inserted in
        one update (59 s there: the SPARQL update's parse and per-quad insert)."""
        check_ntriples([ntriples])
        self._follow()
        graph = _iri(name)
        ox = _ox()
        if not self.ox.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"):
            self.ox.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
            self.ox.flush()
            return True
        self.ox.update(f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n"
                       + ntriples.decode("utf-8") + "\n} }")
        self.ox.flush()
        return True

    def close(self) -> None:
        """Release the directory (its lock) so another process can open it."""
        self.ox = None
        if self.path is not None:
            _OPEN_DIRS.discard(_key(self.path))
        gc.collect()


def select_values(store: Store, sparql: str,
                  bindings: Bindings | None = None) -> tuple[list[str], list[tuple]]:
    """A SELECT's variables and rows as tuples of plain values (IRI, literal lexical form,
    blank node id, or None), for large results: on Oxigraph no rdflib terms are made."""
    if isinstance(store, OxigraphStore):
        res = store._query(sparql, bindings)
        return ([v.value for v in res.variables],
                [tuple(None if t is None else t.value for t in sol) for sol in res])
    rows = store.select(sparql, bindings)
    return rows.vars, [tuple(None if r[v] is None else str(r[v]) for v in rows.vars)
                       for r in rows]


def values_block(names: list[str], rows: Iterable[tuple]) -> str:
    """``VALUES (?a ?b) { (x y) ... }`` of IRIs taken from a store's own results, written
    as checked SPARQL terms (:func:`sparql_term`); an empty ``rows`` matches nothing."""
    for n in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n):
            raise QueryError(f"cannot bind variable {n!r}: not a SPARQL variable name")
    body = " ".join("(" + " ".join(sparql_term(URIRef(v)) for v in row) + ")" for row in rows)
    return f"VALUES ({' '.join('?' + n for n in names)}) {{ {body} }}"


# ------------------------------------------------------------------ remote endpoint

_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"^[a-zA-Z]+(-[a-zA-Z0-9]+)*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _iri(value: str) -> str:
    if _IRI_BAD.search(value):
        raise QueryError(f"cannot bind {value!r}: not a valid IRI")
    return f"<{value}>"


def sparql_term(term: Node) -> str:
    """An RDF term written as SPARQL (its N-Triples form): IRIs checked, literals escaped.
    The one way a bound value reaches the text of a query sent to an endpoint."""
    if isinstance(term, URIRef):
        return _iri(str(term))
    if isinstance(term, Literal):
        text = '"' + "".join(_ESCAPES.get(ch, ch) for ch in str(term)) + '"'
        if term.language:
            if not _LANG.match(term.language):
                raise QueryError(f"cannot bind a literal with language tag {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^{_iri(str(term.datatype))}"
        return text
    raise QueryError(f"cannot bind {term!r} on a remote endpoint: only IRIs and literals")


def _skip(text: str, i: int) -> int:
    """Index after a string, IRI or comment starting at ``text[i]`` (else ``i``)."""
    ch = text[i]
    if ch == "#":
        j = text.find("\n", i)
        return len(text) if j < 0 else j + 1
    if ch == "<":
        m = re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:])
        return i + m.end() if m else i
    if ch in "'\"":
        q3 = ch * 3
        if text.startswith(q3, i):
            j = i + 3
            while True:
                k = text.find(q3, j)
                if k < 0:
                    return len(text)
                if text[k - 1] != "\\":
                    return k + 3
                j = k + 1
        j = i + 1
        while j < len(text) and text[j] != ch:
            j += 2 if text[j] == "\\" else 1
        return j + 1
    return i


def _top_level_braces(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each top-level ``{ … }`` group of a query."""
    depth, start, i = 0, -1, 0
    while i < len(text):
        j = _skip(text, i)
        if j != i:
            i = j
            continue
        ch = text[i]
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                yield start, i
        i += 1


def with_values(sparql: str, bindings: Bindings | None) -> str:
    """``sparql`` with ``VALUES (?a ?b) { (x y) }`` opening its WHERE group, so the
    values bind the whole pattern (as rdflib's initBindings and Oxigraph's substitutions
    do). For a CONSTRUCT with a template, the WHERE group is the second top-level group."""
    if not bindings:
        return sparql
    names = list(bindings)
    for n in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n):
            raise QueryError(f"cannot bind variable {n!r}: not a SPARQL variable name")
    block = (" VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
             + " ".join(sparql_term(bindings[n]) for n in names) + ") } ")
    groups = list(_top_level_braces(sparql))
    if not groups:
        raise QueryError("cannot bind values: the query has no WHERE group")
    blank = _blank(sparql)
    keyword = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", blank, re.I)
    pick = 0
    if keyword and keyword.group(1).upper() == "CONSTRUCT":
        after = blank[keyword.end():groups[0][0]]
        if not re.search(r"\bWHERE\b", after, re.I) and len(groups) > 1:
            pick = 1
    at = groups[pick][0] + 1
    return sparql[:at] + block + sparql[at:]


def _blank(text: str) -> str:
    """``text`` with strings, IRIs and comments replaced by spaces (same length)."""
    out, i = [], 0
    while i < len(text):
        j = _skip(text, i)
        if j != i:
            out.append(" " * (j - i))
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def projected_vars(sparql: str) -> set[str] | None:
    """The variables a SELECT query projects; None for ``SELECT *`` and other forms."""
    blank = _blank(sparql)
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", blank, re.I)
    if not m or m.group(1).upper() != "SELECT":
        return None
    end = blank.find("{", m.end())
    clause = blank[m.end(): end if end >= 0 else len(blank)]
    clause = re.split(r"\b(WHERE|FROM)\b", clause, flags=re.I)[0]
    out, depth = set(), 0
    for tok in re.finditer(r"\(|\)|\*|\bAS\s+[?$](\w+)|[?$](\w+)", clause, re.I):
        t = tok.group(0)
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif t == "*" and depth == 0:
            return None
        elif tok.group(1):
            out.add(tok.group(1))
        elif tok.group(2) and depth == 0:
            out.add(tok.group(2))
    return out


def _from_json(t: dict | None) -> Node | None:
    if t is None:
        return None
    kind, value = t.get("type"), t.get("value", "")
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    lang, dt = t.get("xml:lang"), t.get("datatype")
    if lang:
        return Literal(value, lang=lang)
    if dt and dt != str(XSD.string):
        return Literal(value, datatype=URIRef(dt))
    return Literal(value)


def _left(deadline: float) -> float:
    """Seconds left before ``deadline`` (time.monotonic); TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the request's deadline passed")
    return left


class _DeadlineSocket:
    """A connected socket whose every send and receive ends by ``deadline``: its timeout is
    set to the time left before each call, so a server that sends one byte at a time cannot
    stretch a request (a plain socket timeout restarts at every byte received)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock, self._deadline = sock, deadline

    def _arm(self) -> None:
        self._sock.settimeout(_left(self._deadline))

    def sendall(self, data, *args):
        self._arm()
        return self._sock.sendall(data, *args)

    def send(self, data, *args):
        self._arm()
        return self._sock.send(data, *args)

    def recv(self, n, *args):
        self._arm()
        return self._sock.recv(n, *args)

    def recv_into(self, buffer, *args):
        self._arm()
        return self._sock.recv_into(buffer, *args)

    def makefile(self, mode="rb", buffering=None, **_):
        """The file http.client reads the status line, headers and body from: every read
        goes through :meth:`recv_into`, under the deadline."""
        raw = socket.SocketIO(self, mode)
        self._sock._io_refs += 1  # as socket.makefile: close() waits for the file's close
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)

    def _decref_socketios(self) -> None:  # called by SocketIO.close
        self._sock._decref_socketios()

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _deadline_connect(deadline: float):
    """socket.create_connection whose attempts (one per address) share ``deadline``."""

    def create(address, timeout=None, source_address=None, *args, **kwargs):
        host, port = address
        err: OSError | None = None
        for af, kind, proto, _, addr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
            sock = socket.socket(af, kind, proto)
            try:
                sock.settimeout(_left(deadline))
                if source_address:
                    sock.bind(source_address)
                sock.connect(addr)
                sock.settimeout(_left(deadline))  # a TLS handshake next is bounded by this
                return sock
            except OSError as e:
                sock.close()
                err = e
                if isinstance(e, TimeoutError):
                    break
        raise err or OSError(f"no address for {host}")

    return create


class _DeadlineConnection(http.client.HTTPConnection):
    def __init__(self, *args, deadline: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._create_connection = _deadline_connect(deadline)

    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock, self._deadline)


class _DeadlineTLSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, deadline: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._create_connection = _deadline_connect(deadline)

    def connect(self) -> None:
        super().connect()  # TCP connect, then the TLS handshake (bounded by the time left)
        self.sock = _DeadlineSocket(self.sock, self._deadline)


class _DeadlineHTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req):
        return self.do_open(functools.partial(_DeadlineConnection, deadline=self._deadline), req)


class _DeadlineHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req):
        return self.do_open(functools.partial(_DeadlineTLSConnection, deadline=self._deadline),
                            req, context=self._context)


class RemoteStore:
    """A SPARQL 1.1 endpoint over HTTP.

    ``url`` is the query endpoint. Loading uses the Graph Store Protocol endpoint
    ``store_url`` (PUT ``?default``) when given or derivable (``…/query`` → ``…/store``,
    as `oxigraph serve`), else SPARQL Update on ``update_url`` (``…/query`` → ``…/update``).
    ``dialect`` (``sparql11`` | ``virtuoso``; default: asked from the endpoint once per
    process) picks how queries and loads are sent (:class:`_Virtuoso`).
    """

    kind = "remote"

    def __init__(self, url: str, *, update_url: str | None = None,
                 store_url: str | None = None, timeout: float | None = None,
                 dialect: str | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreError(f"store {url!r}: not an http(s) endpoint URL")
        self.url = url
        self.name = url
        base = url[: -len("/query")] if parts.path.endswith("/query") else None
        self.update_url = update_url or (base + "/update" if base else url)
        self.store_url = store_url or (base + "/store" if base else None)
        self.timeout = float(timeout if timeout is not None else settings.get("query_timeout"))
        if dialect is not None and dialect not in DIALECTS:
            raise StoreError(f"store {url!r}: unknown SPARQL dialect {dialect!r} (one of "
                             f"{', '.join(sorted(DIALECTS))})")
        self._dialect_name = dialect
        self._virtuoso: _Virtuoso | None = None

    # -- dialect
    @property
    def dialect(self) -> str:
        """``sparql11`` (the endpoint as the standard says) or ``virtuoso``: given, else
        the endpoint's ``Server`` header, asked once per URL and process."""
        if self._dialect_name is None:
            if self.url not in _DIALECTS:
                _DIALECTS[self.url] = _probe_dialect(self)
            self._dialect_name = _DIALECTS[self.url]
        return self._dialect_name

    def _virt(self) -> _Virtuoso | None:
        if self.dialect != "virtuoso":
            return None
        if self._virtuoso is None:
            self._virtuoso = _Virtuoso(self)
        return self._virtuoso

    # -- HTTP
    def _request(self, url: str, data: bytes | None, headers: dict[str, str],
                 method: str = "POST", what: str = "query",
                 answer_headers: dict[str, str] | None = None) -> bytes:
        """One HTTP request whose connect, send and receive together end within
        ``self.timeout`` seconds (redirects included): every socket call waits only for the
        time left, and the answer is read in chunks against the same deadline. The answer's
        headers go into ``answer_headers`` when given (lower-case names; also on an HTTP
        error, before it is raised)."""
        deadline = time.monotonic() + self.timeout
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        opener = urllib.request.build_opener(_DeadlineHTTP(deadline), _DeadlineHTTPS(deadline))
        try:
            with opener.open(req, timeout=self.timeout) as resp:
                if answer_headers is not None:
                    answer_headers.update({k.lower(): v for k, v in resp.headers.items()})
                chunks = []
                while chunk := resp.read(1 << 16):
                    chunks.append(chunk)
                    _left(deadline)
                return b"".join(chunks)
        except urllib.error.HTTPError as e:
            if answer_headers is not None and e.headers is not None:
                answer_headers.update({k.lower(): v for k, v in e.headers.items()})
            try:
                body = e.read(4096).decode("utf-8", "replace").strip().splitlines()
            except (OSError, http.client.HTTPException):
                body = []
            detail = body[0][:300] if body else e.reason
            err = QueryError if e.code == 400 else EndpointError
            raise err(f"SPARQL endpoint {url} refused the {what} (HTTP {e.code}): "
                      f"{detail}") from None
        except TimeoutError:
            raise self._too_slow(url, what) from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, TimeoutError):
                raise self._too_slow(url, what) from None
            raise EndpointError(f"SPARQL endpoint {url} is unreachable ({reason}); check "
                                "that it is running, or choose another store "
                                "(--store / KG_STORE)") from None
        except http.client.HTTPException as e:
            raise EndpointError(f"SPARQL endpoint {url} broke off its answer to the {what} "
                                f"({type(e).__name__}); is it overloaded or down?") from None
        except (ConnectionError, OSError) as e:
            raise EndpointError(f"SPARQL endpoint {url} is unreachable ({e}); check that "
                                "it is running, or choose another store "
                                "(--store / KG_STORE)") from None

    def _too_slow(self, url: str, what: str) -> EndpointError:
        return EndpointError(f"SPARQL endpoint {url} did not answer within {self.timeout:g} s "
                             f"(the deadline for the whole {what}: connect, send and receive; "
                             "KG_QUERY_TIMEOUT); is it overloaded or down?")

    def _post_query(self, sparql: str, bindings: Bindings | None, accept: str) -> bytes:
        text = with_prefixes(with_values(sparql, bindings))
        virt = self._virt()
        if virt is None:
            data = urllib.parse.urlencode({"query": text}).encode()
            return self._request(self.url, data, {
                "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        return virt.query(text, accept)

    def _results(self, sparql: str, bindings: Bindings | None) -> dict:
        raw = self._post_query(sparql, bindings, "application/sparql-results+json")
        try:
            return json.loads(raw)
        except ValueError:
            raise EndpointError(f"SPARQL endpoint {self.url} answered with something that is "
                                "not SPARQL JSON results") from None

    # -- Store protocol
    def select(self, sparql: str, bindings: Bindings | None = None) -> Rows:
        res = self._results(sparql, bindings)
        names = list(res.get("head", {}).get("vars", []))
        return Rows(names, [{n: _from_json(b.get(n)) for n in names}
                            for b in res.get("results", {}).get("bindings", [])])

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        res = self._results(sparql, bindings)
        if "boolean" not in res and self._virt() is not None:
            return _Virtuoso.ask_answer(res)
        return bool(res.get("boolean"))

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        raw = self._post_query(sparql, bindings, "application/n-triples")
        out = Graph()
        out.parse(data=raw.decode("utf-8"), format="nt")
        return out

    # -- loading
    def load(self, graph: Graph, prepare: Prepare | None = None) -> int:
        return self.load_ntriples([graph.serialize(format="nt", encoding="utf-8")], prepare)

    def _update(self, text: str) -> bytes:
        return self._request(self.update_url, urllib.parse.urlencode({"update": text}).encode(),
                             {"Content-Type": "application/x-www-form-urlencoded"}, what="update")

    def load_ntriples(self, chunks: Iterable[bytes | str], prepare: Prepare | None = None) -> int:
        """Replace the default graph by the triples of ``chunks``, all or nothing.

        They are parsed first, into a scratch in-memory Oxigraph store (a malformed line is
        a GraphDataError and nothing is sent); ``prepare(scratch, n)`` adds what goes with
        them (kg load: the coverage summary, a named graph). Then:

        * Graph Store Protocol (``store_url``, as `oxigraph serve`): ONE PUT of the whole
          default graph, which the endpoint replaces in that request (never a CLEAR then an
          INSERT), then one PUT per named graph ``prepare`` made. Between the two the
          summary graph is the old one; its fingerprint no longer matches the graph, so
          readers count live meanwhile (kg.coverage.summary.get).
        * SPARQL Update only: the triples go into a temporary named graph (INSERT DATA,
          several requests for a large graph), then ONE update request MOVEs it to the
          default graph and replaces the named graphs. An error before that leaves the
          default graph as it was (the temporary graph is dropped; a killed process leaves
          it behind, a named graph no query of the package reads).
        """
        ox = _ox()
        scratch = OxigraphStore()
        _bulk_load(scratch.ox, chunks)
        n = scratch.triple_count()
        if prepare is not None:
            prepare(scratch, n)
        nt = ox.RdfFormat.N_TRIPLES
        body = scratch.ox.dump(format=nt, from_graph=ox.DefaultGraph())
        named = {g.value: scratch.ox.dump(format=nt, from_graph=g)
                 for g in scratch.ox.named_graphs() if isinstance(g, ox.NamedNode)}
        virt = self._virt()
        if virt is not None:
            virt.load(body, named)
            return n
        if self.store_url:
            self._request(self.store_url + "?default", body,
                          {"Content-Type": "application/n-triples"}, method="PUT",
                          what="graph upload")
            for name, data in named.items():
                self.put_named_graph(name, data)
            return n
        tmp = f"urn:kg:load:{secrets.token_hex(8)}"
        try:
            for piece in _pieces(body, 4 << 20):
                self._update(f"INSERT DATA {{ GRAPH <{tmp}> {{\n{piece}\n}} }}")
            ops = [f"MOVE GRAPH <{tmp}> TO DEFAULT" if n else "DROP SILENT DEFAULT"]
            for name, data in named.items():
                ops.append(f"DROP SILENT GRAPH {_iri(name)}")
                if data.strip():
                    ops.append(f"INSERT DATA {{ GRAPH {_iri(name)} {{\n{data.decode()}\n}} }}")
            self._update(" ;\n".join(ops))
        except QueryError:  # refused: the endpoint answers, so the scratch graph can go
            with contextlib.suppress(KGError):
                self._update(f"DROP SILENT GRAPH <{tmp}>")
            raise
        return n

    def triple_count(self) -> int:
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])

    def put_named_graph(self, name: str, ntriples: bytes) -> bool:
        """Replace the named graph ``name``: Graph Store Protocol PUT ``?graph=``, else
        SPARQL Update (DROP + INSERT DATA in one request)."""
        virt = self._virt()
        if virt is not None:
            check_ntriples([ntriples])
            virt.put_named_graph(name, ntriples)
            return True
        if self.store_url:
            self._request(self.store_url + "?" + urllib.parse.urlencode({"graph": name}),
                          ntriples, {"Content-Type": "application/n-triples"}, method="PUT",
                          what="graph upload")
            return True
        update = (f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n"
                  + ntriples.decode("utf-8") + "\n} }")
        self._request(self.update_url, urllib.parse.urlencode({"update": update}).encode(),
                      {"Content-Type": "application/x-www-form-urlencoded"}, what="update")
        return True


def _pieces(data: bytes, size: int) -> Iterator[str]:
    """``data`` (N-Triples) in pieces of about ``size`` bytes, cut at line ends."""
    start = 0
    while start < len(data):
        if start + size >= len(data):
            end = len(data)
        else:
            cut = data.rfind(b"\n", start, start + size)
            if cut < start:  # one line longer than size: up to its end
                cut = data.find(b"\n", start + size)
            end = len(data) if cut < 0 else cut + 1
        yield data[start:end].decode("utf-8")
        start = end


# ------------------------------------------------------------------ SPARQL dialects

#: The dialects a :class:`RemoteStore` speaks: the standard, and Virtuoso's differences.
DIALECTS = {"sparql11": "SPARQL 1.1 as the standard says (oxigraph serve, Fuseki, ...)",
            "virtuoso": "OpenLink Virtuoso: versioned graphs behind a catalog (see _Virtuoso)"}
_DIALECTS: dict[str, str] = {}  # endpoint URL -> dialect, asked once per process


def _probe_dialect(store: RemoteStore) -> str:
    """The dialect of ``store``'s endpoint, from the ``Server`` header of its answer to
    ``ASK {}`` (an HTTP error still names the server; an unreachable or silent endpoint is
    the EndpointError any request would raise)."""
    headers: dict[str, str] = {}
    url = store.url + ("&" if "?" in store.url else "?") + urllib.parse.urlencode(
        {"query": "ASK {}"})
    try:
        store._request(url, None, {"Accept": "application/sparql-results+json"},
                       method="GET", answer_headers=headers)
    except QueryError:
        pass  # refused (HTTP 400): the headers still name the server
    except EndpointError as e:
        if "(HTTP " not in str(e):  # unreachable or too slow, not a refusal
            raise
    return "virtuoso" if headers.get("server", "").startswith("Virtuoso") else "sparql11"


_CATALOG = "urn:kg:catalog"  # Virtuoso: the named graph of the versions
_MAPS, _NAME = "urn:kg:maps", "urn:kg:name"  # version -maps-> graph; graph -name-> its name
_DEFAULT = "urn:kg:default"  # the name a version gives its default graph
_NO_GRAPH = "urn:kg:graph:none"  # the default graph of a store never loaded: empty
_LIVE_TTL = 2.0  # seconds a resolved live version is used before it is asked again
_GRACE = 120.0  # seconds a replaced version is kept for readers that resolved it before


def _rename_iris(sparql: str, names: Mapping[str, str]) -> str:
    """``sparql`` with each IRI token ``<n>`` whose ``n`` is a key of ``names`` written as
    ``<names[n]>`` (strings and comments untouched)."""
    if not names:
        return sparql
    out, i, start = [], 0, 0
    while i < len(sparql):
        j = _skip(sparql, i)
        if j != i:
            if sparql[i] == "<" and sparql[i + 1:j - 1] in names:
                out.append(sparql[start:i] + _iri(names[sparql[i + 1:j - 1]]))
                start = j
            i = j
        else:
            i += 1
    return "".join(out) + sparql[start:]


class _Virtuoso:
    """What Virtuoso (7.2) does differently from SPARQL 1.1, in one place.

    * Its default graph is the union of ALL graphs (its own system graphs included), and a
      request that names a default graph sees no ``GRAPH <g>`` unless ``g`` is also named
      (``named-graph-uri``). Queries are sent with the dataset named: the default graph and
      the named graphs of the live version (below); ``GRAPH <name>`` in a query is written
      as the graph that holds that name in the version.
    * A Graph Store Protocol PUT, MOVE, DROP + INSERT are not isolated from readers (they
      see the graph empty or half written), and INSERT DATA of a few thousand triples
      exhausts its parser. So a load PUTs its graphs (``/sparql-graph-crud``) into fresh
      graphs no reader uses (``urn:kg:graph:<token>``) and then adds ONE version to the
      catalog graph (``<version> urn:kg:maps <graph>``, ``<graph> urn:kg:name <name>``;
      versions ordered by their IRI, which starts with the time). Readers use the newest
      version that has a default graph (resolved again every ``_LIVE_TTL`` s); a load
      drops the versions replaced more than ``_GRACE`` s ago and the graphs only they map,
      so a reader that resolved a version just before a switch still reads all of it.
    * ASK answers as a SELECT of ``__ASK_RETVAL`` (1 or no row), not ``{"boolean": …}``.
    * A result cut at its ``ResultSetMaxRows`` says so only in the ``X-SPARQL-MaxRows``
      header: that is an error here, never a silently short answer.
    * Updates on ``/sparql`` need the ``SPARQL`` user to hold ``SPARQL_UPDATE``; the
      Graph Store endpoint ``/sparql-graph-crud`` needs the same.
    """

    def __init__(self, store: RemoteStore) -> None:
        self.store = store
        self.crud_url = store.store_url or urllib.parse.urljoin(store.url, "sparql-graph-crud")
        self._live: tuple[float, dict[str, str]] | None = None
        self._lock = threading.Lock()

    # -- reading
    @staticmethod
    def ask_answer(res: dict) -> bool:
        rows = res.get("results", {}).get("bindings", [])
        return any(str(v.get("value", "0")) not in ("0", "false")
                   for r in rows for v in r.values())

    def _versions(self) -> dict[str, dict[str, str]]:
        """version IRI -> {name -> graph} from the catalog."""
        q = (f"SELECT ?v ?g ?n WHERE {{ GRAPH <{_CATALOG}> {{ ?v <{_MAPS}> ?g . "
             f"?g <{_NAME}> ?n }} }}")
        raw = self._post(urllib.parse.urlencode({"query": q}), "application/sparql-results+json")
        out: dict[str, dict[str, str]] = {}
        for b in json.loads(raw).get("results", {}).get("bindings", []):
            out.setdefault(b["v"]["value"], {})[b["n"]["value"]] = b["g"]["value"]
        return out

    def live(self, fresh: bool = False) -> dict[str, str]:
        """The live version's {name -> graph} (``_DEFAULT`` names the default graph)."""
        now = time.monotonic()
        with self._lock:
            if not fresh and self._live is not None and now - self._live[0] < _LIVE_TTL:
                return self._live[1]
        complete = {v: m for v, m in self._versions().items() if _DEFAULT in m}
        live = complete[max(complete)] if complete else {}
        with self._lock:
            self._live = (now, live)
        return live

    def _post(self, form: str, accept: str) -> bytes:
        headers: dict[str, str] = {}
        raw = self.store._request(self.store.url, form.encode(), {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
            answer_headers=headers)
        if "x-sparql-maxrows" in headers:
            raise EndpointError(f"SPARQL endpoint {self.store.url} cut the answer at "
                                f"{headers['x-sparql-maxrows']} rows (Virtuoso's "
                                "[SPARQL] ResultSetMaxRows); raise it, or ask for fewer rows")
        return raw

    def query(self, text: str, accept: str) -> bytes:
        live = self.live()
        names = {n: g for n, g in live.items() if n != _DEFAULT}
        params = [("query", _rename_iris(text, names)),
                  ("default-graph-uri", live.get(_DEFAULT, _NO_GRAPH))]
        params += [("named-graph-uri", g) for g in sorted(names.values())]
        return self._post(urllib.parse.urlencode(params), accept)

    # -- writing
    def _update(self, text: str) -> None:
        self.store._update(text)

    def _put(self, ntriples: bytes) -> str:
        graph = f"urn:kg:graph:{secrets.token_hex(8)}"
        self.store._request(self.crud_url + "?" + urllib.parse.urlencode({"graph": graph}),
                            ntriples, {"Content-Type": "application/n-triples"}, method="PUT",
                            what="graph upload")
        return graph

    def _switch(self, mapping: dict[str, str], new: list[str]) -> None:
        """Add the version ``mapping`` (name -> graph) to the catalog: the switch. The
        graphs in ``new`` (written for it) are dropped if it fails."""
        version = f"urn:kg:version:{time.time_ns():020d}-{secrets.token_hex(4)}"
        triples = "".join(f"{_iri(version)} <{_MAPS}> {_iri(g)} . {_iri(g)} <{_NAME}> "
                          f"{_iri(n)} .\n" for n, g in sorted(mapping.items()))
        try:
            self._update(f"INSERT DATA {{ GRAPH <{_CATALOG}> {{\n{triples}}} }}")
        except KGError:
            for g in new:
                with contextlib.suppress(KGError):
                    self._update(f"DROP SILENT GRAPH {_iri(g)}")
            raise
        with self._lock:
            self._live = None
        self._prune()

    def _prune(self) -> None:
        """Drop the versions replaced more than ``_GRACE`` s ago and the graphs only they
        map (graphs no version maps yet, another process's load in flight, are never
        seen). A version's IRI starts with its time, and it replaces the one before."""
        versions = self._versions()
        order = sorted(versions)
        cut = time.time_ns() - int(_GRACE * 1e9)
        old = [v for v, nxt in zip(order, order[1:], strict=False)
               if int(nxt.rsplit(":", 1)[1].split("-")[0]) < cut]
        keep = [v for v in order if v not in old]
        kept = {g for v in keep for g in versions[v].values()}
        for v in old:
            ops = []
            for g in sorted(set(versions[v].values()) - kept):
                ops.append(f"DROP SILENT GRAPH {_iri(g)}")
                ops.append(f"DELETE WHERE {{ GRAPH <{_CATALOG}> {{ {_iri(g)} <{_NAME}> ?n }} }}")
            ops.append(f"DELETE WHERE {{ GRAPH <{_CATALOG}> {{ {_iri(v)} <{_MAPS}> ?g }} }}")
            with contextlib.suppress(KGError):
                self._update(" ;\n".join(ops))

    def load(self, body: bytes, named: Mapping[str, bytes]) -> None:
        new: list[str] = []
        try:
            mapping = {_DEFAULT: self._put(body)}
            new.append(mapping[_DEFAULT])
            for name, data in named.items():
                _iri(name)
                mapping[name] = self._put(data)
                new.append(mapping[name])
        except KGError:
            for g in new:
                with contextlib.suppress(KGError):
                    self._update(f"DROP SILENT GRAPH {_iri(g)}")
            raise
        self._switch(mapping, new)

    def put_named_graph(self, name: str, ntriples: bytes) -> None:
        """A new version: the live one with ``name`` mapped to a new graph."""
        _iri(name)
        mapping = dict(self.live(fresh=True)) or {_DEFAULT: _NO_GRAPH}
        mapping[name] = self._put(ntriples)
        self._switch(mapping, [mapping[name]])


# ------------------------------------------------------------------ choosing a store

AnyStore = MemoryStore | OxigraphStore | RemoteStore


@dataclass(frozen=True)
class StoreChoice:
    """A store a user can pick (the app lists these)."""

    setting: str
    kind: str  # memory | oxigraph | remote
    description: str


def store_kind(setting: str) -> str:
    s = setting.strip()
    if s == "memory":
        return "memory"
    if s.startswith("oxigraph:"):
        return "oxigraph"
    if s.startswith(("http://", "https://")):
        return "remote"
    raise StoreError(f"store setting {setting!r}: expected 'memory', 'oxigraph:PATH' or an "
                     "http(s):// SPARQL endpoint URL (--store / KG_STORE)")


def oxigraph_path(setting: str) -> Path:
    raw = setting.strip()[len("oxigraph:"):]
    if not raw:
        raise StoreError(f"store setting {setting!r}: name the directory, e.g. "
                         "'oxigraph:build/oxigraph'")
    p = Path(raw).expanduser()
    return p if p.is_absolute() else settings.ROOT / p


_OX_HANDLES: dict[Path, OxigraphStore] = {}


def _oxigraph_handle(path: Path) -> OxigraphStore:
    """One handle per Oxigraph directory per process: the directory is locked while open,
    so a second ``Store(path)`` in the same process (kg load, then a query) would fail."""
    key = path.resolve()
    if key not in _OX_HANDLES:
        _OX_HANDLES[key] = OxigraphStore(path)
    return _OX_HANDLES[key]


def open_store(setting: str | None = None, source: Path | None = None,
               check: bool = True) -> AnyStore:
    """The store a setting names (default: the ``store`` setting, KG_STORE).

    ``memory`` builds the graph of ``source`` (the survey in data/); ``oxigraph:PATH`` opens
    the directory; a URL names an endpoint. With ``check``, a persistent or remote store
    must answer and hold a graph (a clear error otherwise: load it with ``kg load``)."""
    setting = (setting or settings.get("store")).strip()
    kind = store_kind(setting)
    if kind == "memory":
        from .graph import graph_from_files

        return MemoryStore(graph_from_files(source or settings.path("source")))
    store: AnyStore
    if kind == "oxigraph":
        path = oxigraph_path(setting)
        if check and not path.is_dir():
            raise StoreError(f"store {setting}: no Oxigraph directory at {path}; create it with "
                             f"`kg load --store {setting}`")
        store = _oxigraph_handle(path)
    else:
        store = RemoteStore(setting)
    if check and not store.ask("ASK { ?s a rd:Paper }"):
        raise StoreError(f"store {store.name} holds no papers; load the graph with "
                         f"`kg load --store {setting}`")
    return store


def available_stores() -> list[StoreChoice]:
    """The stores a user can pick: memory, the configured store, and Oxigraph directories
    under the build directory (``build/oxigraph*``)."""
    out = [StoreChoice("memory", "memory", "rdflib in memory, built from the survey")]
    configured = settings.get("store").strip()
    seen = {"memory"}
    build_dir = settings.path("build_dir")
    candidates = [configured]
    if build_dir.is_dir():
        candidates += [f"oxigraph:{p}" for p in sorted(build_dir.glob("oxigraph*"))
                       if p.is_dir()]
    for s in candidates:
        if s in seen:
            continue
        seen.add(s)
        try:
            kind = store_kind(s)
        except StoreError:
            continue
        desc = {"oxigraph": "embedded Oxigraph directory", "remote": "SPARQL endpoint",
                "memory": ""}[kind]
        out.append(StoreChoice(s, kind, desc + (" (configured)" if s == configured else "")))
    return out
