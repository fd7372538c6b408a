"""Embedded, persistent Oxigraph (pyoxigraph) in a directory; values bound by pyoxigraph's
``substitutions`` for the variables a SELECT projects, by a ``VALUES`` block for the others.

A load writes a new Oxigraph directory beside the live one and switches an ``active`` link
to it (kg.snapshot): all or nothing. Every load parses its input fully before it replaces
anything: a malformed line is a :class:`~kg.errors.GraphDataError` naming the line, and the
store keeps what it held. The N-Triples check and the term conversions here serve the
other stores too.
"""

from __future__ import annotations

import fcntl
import functools
import gc
import os
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .. import snapshot
from ..errors import GraphDataError, QueryError, StoreError
from ..sparql_text import iri_ref, projected_vars, with_prefixes, with_values
from .base import Bindings, Prepare, Rows

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _ox():
    import pyoxigraph

    return pyoxigraph


@functools.cache
def rdf_terms() -> tuple:
    """rdflib's ``(URIRef, BNode, Literal)``, imported when a term is first made or read:
    the query path (:meth:`OxigraphStore.select_values`) makes none."""
    from rdflib import BNode, Literal, URIRef

    return URIRef, BNode, Literal


def to_oxigraph(term: Node):
    ox = _ox()
    URIRef, BNode, Literal = rdf_terms()
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
    URIRef, BNode, Literal = rdf_terms()
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == XSD_STRING else Literal(term.value,
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


def bulk_load(target, chunks: Iterable[bytes | str]) -> None:
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


def _open_reader(directory: Path):
    """The Oxigraph directory opened for reading and writing, or read-only when another
    process holds it (the app, a load that has just switched to it): a reader keeps
    answering, on the version it opened, while others write (RocksDB's read-only mode takes
    no lock). A read-only handle refuses writes (:meth:`OxigraphStore.put_named_graph`)."""
    ox = _ox()
    try:
        return ox.Store(str(directory))
    except OSError as e:
        if "lock" not in str(e).lower():
            raise
        return ox.Store.read_only(str(directory))


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
                self._open(live)
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
        self.ox = _open_reader(directory)
        self.path = directory
        _OPEN_DIRS.add(_key(directory))

    def follow(self) -> Path | None:
        """The Oxigraph directory this handle reads after following a switch another
        process made (what a forked worker reopens): every reader reads the live version."""
        self._follow()
        return self.path

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
                new = _open_reader(live)
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

    def select_values(self, sparql: str,
                      bindings: Bindings | None = None) -> tuple[list[str], list[tuple]]:
        """A SELECT's variables and rows as tuples of plain values, no rdflib terms made
        (kg.stores.base.select_values)."""
        res = self._query(sparql, bindings)
        return ([v.value for v in res.variables],
                [tuple(None if t is None else t.value for t in sol) for sol in res])

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        return bool(self._query(sparql, bindings))

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        from rdflib import Graph

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
            bulk_load(staged.ox, chunks)
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
                bulk_load(staged.ox, chunks)
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
        graph = iri_ref(name)
        ox = _ox()
        try:
            if not self.ox.query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"):
                self.ox.load(ntriples, format=ox.RdfFormat.N_TRIPLES,
                             to_graph=ox.NamedNode(name))
            else:
                self.ox.update(f"DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n"
                               + ntriples.decode("utf-8") + "\n} }")
            self.ox.flush()
        except (OSError, RuntimeError) as e:  # read-only: another process holds the directory
            raise StoreError(f"store {self.name}: cannot write: it is in use by another process "
                             f"(stop that process, or use `kg load`): {e}; nothing changed") from None
        return True

    def close(self) -> None:
        """Release the directory (its lock) so another process can open it."""
        self.ox = None
        if self.path is not None:
            _OPEN_DIRS.discard(_key(self.path))
        gc.collect()

