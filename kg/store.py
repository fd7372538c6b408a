"""One query interface for every query of the package, on three backends.

A store answers SPARQL SELECT / ASK / CONSTRUCT with bound values (never text pasted
into the query):

* :class:`MemoryStore` — rdflib in memory (the default); values via ``initBindings``.
* :class:`OxigraphStore` — embedded, persistent Oxigraph (pyoxigraph) in a directory;
  values via pyoxigraph's ``substitutions``.
* :class:`RemoteStore` — any SPARQL 1.1 endpoint over HTTP (urllib); values via a
  ``VALUES`` block written from the RDF terms (checked IRIs, escaped literals) at the
  start of the query's top-level group; loads through the Graph Store Protocol (PUT of
  the default graph) or, failing that, SPARQL Update. Every request has a timeout; a
  down or slow endpoint is an :class:`EndpointError` naming the endpoint.

:func:`open_store` picks one from the ``store`` setting: ``memory``, ``oxigraph:PATH``
or an ``http(s)://`` URL. Every query carries the standard prefixes (:func:`with_prefixes`).
"""

from __future__ import annotations

import functools
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import rdflib.plugins.sparql as rdflib_sparql
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from . import settings
from .errors import KGError, QueryError
from .vocab import SPARQL_PREFIXES

# rdflib would otherwise fetch any URL named in FROM / FROM NAMED.
rdflib_sparql.SPARQL_LOAD_GRAPHS = False

Bindings = Mapping[str, Node]


class EndpointError(KGError):
    """A SPARQL endpoint is unreachable, too slow, or refuses a request."""


class StoreError(KGError):
    """A store setting names nothing usable (bad setting, locked or empty directory)."""


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

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

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

    def load(self, graph: Graph) -> int:
        """Replace the graph's content by ``graph`` (idempotent)."""
        self.graph.remove((None, None, None))
        self.graph += graph
        return len(self.graph)

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


class OxigraphStore:
    """Embedded, persistent Oxigraph in a directory (``path=None``: in memory)."""

    kind = "oxigraph"

    def __init__(self, path: Path | str | None = None) -> None:
        ox = _ox()
        self.path = Path(path) if path is not None else None
        self.name = f"oxigraph:{self.path}" if self.path else "oxigraph:memory"
        try:
            if self.path is None:
                self.ox = ox.Store()
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.ox = ox.Store(str(self.path))
        except OSError as e:
            msg = str(e)
            hint = (" (it is in use by another process: stop that process, or query it "
                    "through `oxigraph serve` and a URL store)") if "lock" in msg.lower() else ""
            raise StoreError(f"store {self.name}: cannot open the Oxigraph directory{hint}: "
                             f"{msg}") from None

    def _query(self, sparql: str, bindings: Bindings | None):
        # Oxigraph substitutes only variables a SELECT projects (SEP-0007); the others are
        # bound by a VALUES block written from the terms, as for a remote endpoint.
        bindings = dict(bindings or {})
        shown = projected_vars(sparql) if bindings else None
        subs = {_ox().Variable(k): to_oxigraph(v) for k, v in bindings.items()
                if shown is None or k in shown}
        rest = {k: v for k, v in bindings.items() if k not in {s.value for s in subs}}
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

    def load(self, graph: Graph) -> int:
        """Replace the default graph by ``graph`` (idempotent): N-Triples, bulk loader."""
        return self.load_ntriples([graph.serialize(format="nt", encoding="utf-8")])

    def load_ntriples(self, chunks: Iterable[bytes | str]) -> int:
        ox = _ox()
        self.ox.clear_graph(ox.DefaultGraph())
        for chunk in chunks:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            self.ox.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        self.ox.flush()
        return self.triple_count()

    def triple_count(self) -> int:
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])

    def put_named_graph(self, name: str, ntriples: bytes) -> bool:
        """Replace the named graph ``name`` by the triples of ``ntriples`` (one transaction)."""
        ox = _ox()
        g = ox.NamedNode(name)
        quads = [ox.Quad(t.subject, t.predicate, t.object, g)
                 for t in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
        self.ox.clear_graph(g)
        self.ox.extend(quads)
        self.ox.flush()
        return True

    def close(self) -> None:
        """Release the directory (its lock) so another process can open it."""
        import gc

        self.ox = None
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


class RemoteStore:
    """A SPARQL 1.1 endpoint over HTTP.

    ``url`` is the query endpoint. Loading uses the Graph Store Protocol endpoint
    ``store_url`` (PUT ``?default``) when given or derivable (``…/query`` → ``…/store``,
    as `oxigraph serve`), else SPARQL Update on ``update_url`` (``…/query`` → ``…/update``).
    """

    kind = "remote"

    def __init__(self, url: str, *, update_url: str | None = None,
                 store_url: str | None = None, timeout: float | None = None) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StoreError(f"store {url!r}: not an http(s) endpoint URL")
        self.url = url
        self.name = url
        base = url[: -len("/query")] if parts.path.endswith("/query") else None
        self.update_url = update_url or (base + "/update" if base else url)
        self.store_url = store_url or (base + "/store" if base else None)
        self.timeout = float(timeout if timeout is not None else settings.get("query_timeout"))

    # -- HTTP
    def _request(self, url: str, data: bytes | None, headers: dict[str, str],
                 method: str = "POST", what: str = "query") -> bytes:
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        deadline = time.monotonic() + self.timeout
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                chunks = []
                while chunk := resp.read(1 << 16):
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TimeoutError
                return b"".join(chunks)
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace").strip().splitlines()
            detail = body[0][:300] if body else e.reason
            err = QueryError if e.code == 400 else EndpointError
            raise err(f"SPARQL endpoint {url} refused the {what} (HTTP {e.code}): "
                      f"{detail}") from None
        except TimeoutError:
            raise EndpointError(f"SPARQL endpoint {url} did not answer within "
                                f"{self.timeout:g} s (timeout, KG_QUERY_TIMEOUT); is it "
                                "overloaded or down?") from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, TimeoutError):
                raise EndpointError(f"SPARQL endpoint {url} did not answer within "
                                    f"{self.timeout:g} s (timeout, KG_QUERY_TIMEOUT); is it "
                                    "overloaded or down?") from None
            raise EndpointError(f"SPARQL endpoint {url} is unreachable ({reason}); check "
                                "that it is running, or choose another store "
                                "(--store / KG_STORE)") from None
        except (ConnectionError, OSError) as e:
            raise EndpointError(f"SPARQL endpoint {url} is unreachable ({e}); check that "
                                "it is running, or choose another store "
                                "(--store / KG_STORE)") from None

    def _post_query(self, sparql: str, bindings: Bindings | None, accept: str) -> bytes:
        text = with_prefixes(with_values(sparql, bindings))
        data = urllib.parse.urlencode({"query": text}).encode()
        return self._request(self.url, data, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})

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
        return bool(self._results(sparql, bindings).get("boolean"))

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        raw = self._post_query(sparql, bindings, "application/n-triples")
        out = Graph()
        out.parse(data=raw.decode("utf-8"), format="nt")
        return out

    # -- loading
    def load(self, graph: Graph) -> int:
        return self.load_ntriples([graph.serialize(format="nt", encoding="utf-8")])

    def load_ntriples(self, chunks: Iterable[bytes | str]) -> int:
        """Replace the default graph by the triples of ``chunks`` (idempotent)."""
        first = True
        for chunk in chunks:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            if self.store_url:  # Graph Store Protocol: PUT replaces, POST adds
                self._request(self.store_url + "?default", data,
                              {"Content-Type": "application/n-triples"},
                              method="PUT" if first else "POST", what="graph upload")
            else:
                update = ("DROP SILENT DEFAULT ;\n" if first else "") + \
                         "INSERT DATA {\n" + data.decode("utf-8") + "\n}"
                self._request(self.update_url, urllib.parse.urlencode(
                    {"update": update}).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded"}, what="update")
            first = False
        if first:  # nothing to load: still empty the default graph
            self._request(self.update_url, urllib.parse.urlencode(
                {"update": "DROP SILENT DEFAULT"}).encode(),
                {"Content-Type": "application/x-www-form-urlencoded"}, what="update")
        return self.triple_count()

    def triple_count(self) -> int:
        return int(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"])

    def put_named_graph(self, name: str, ntriples: bytes) -> bool:
        """Replace the named graph ``name``: Graph Store Protocol PUT ``?graph=``, else
        SPARQL Update (DROP + INSERT DATA in one request)."""
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
