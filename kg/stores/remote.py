"""Any SPARQL 1.1 endpoint over HTTP (urllib): values bound by a ``VALUES`` block written
from the RDF terms (checked IRIs, escaped literals) at the start of the query's top-level
group; loads through the Graph Store Protocol (one PUT of the whole default graph) or,
failing that, SPARQL Update (a temporary named graph moved to the default graph in one
request). Virtuoso's differences are handled in :mod:`kg.stores.virtuoso`, chosen by the
endpoint's ``Server`` header or ``dialect="virtuoso"``. Every request has one deadline for
connect, send and receive together (``KG_QUERY_TIMEOUT``, :mod:`kg.stores.http`); a down
or slow endpoint is an :class:`~kg.errors.EndpointError` naming the endpoint.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .. import settings
from ..errors import EndpointError, KGError, QueryError, StoreError
from ..sparql_text import iri_ref, with_prefixes, with_values
from . import http as deadline_http
from .base import Bindings, Prepare, Rows
from .oxigraph import XSD_STRING, OxigraphStore, bulk_load, check_ntriples, rdf_terms
from .virtuoso import Virtuoso

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node


def _from_json(t: dict | None) -> Node | None:
    if t is None:
        return None
    kind, value = t.get("type"), t.get("value", "")
    URIRef, BNode, Literal = rdf_terms()
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    lang, dt = t.get("xml:lang"), t.get("datatype")
    if lang:
        return Literal(value, lang=lang)
    if dt and dt != XSD_STRING:
        return Literal(value, datatype=URIRef(dt))
    return Literal(value)


class RemoteStore:
    """A SPARQL 1.1 endpoint over HTTP.

    ``url`` is the query endpoint. Loading uses the Graph Store Protocol endpoint
    ``store_url`` (PUT ``?default``) when given or derivable (``…/query`` → ``…/store``,
    as `oxigraph serve`), else SPARQL Update on ``update_url`` (``…/query`` → ``…/update``).
    ``dialect`` (``sparql11`` | ``virtuoso``; default: asked from the endpoint once per
    process) picks how queries and loads are sent (:class:`Virtuoso`).
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
        #: bytes an answer may have: a longer one is an error, never read to the end
        self.max_bytes = int(settings.number("response_max_mb")) * 1_000_000
        if dialect is not None and dialect not in DIALECTS:
            raise StoreError(f"store {url!r}: unknown SPARQL dialect {dialect!r} (one of "
                             f"{', '.join(sorted(DIALECTS))})")
        self._dialect_name = dialect
        self._virtuoso: Virtuoso | None = None

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

    def _virt(self) -> Virtuoso | None:
        if self.dialect != "virtuoso":
            return None
        if self._virtuoso is None:
            self._virtuoso = Virtuoso(self)
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
        opener = deadline_http.opener(deadline)
        try:
            with opener.open(req, timeout=self.timeout) as resp:
                if answer_headers is not None:
                    answer_headers.update({k.lower(): v for k, v in resp.headers.items()})
                chunks, size, cap = [], 0, self.max_bytes
                while chunk := resp.read(1 << 16):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > cap:
                        raise EndpointError(
                            f"SPARQL endpoint {url} answered the {what} with more than "
                            f"{cap / 1e6:g} MB and was cut off there; narrow the query, or "
                            "raise the cap (KG_RESPONSE_MAX_MB)")
                    deadline_http.left(deadline)
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
            return Virtuoso.ask_answer(res)
        return bool(res.get("boolean"))

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        from rdflib import Graph

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
        import pyoxigraph as ox

        scratch = OxigraphStore()
        bulk_load(scratch.ox, chunks)
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
                ops.append(f"DROP SILENT GRAPH {iri_ref(name)}")
                if data.strip():
                    ops.append(f"INSERT DATA {{ GRAPH {iri_ref(name)} {{\n{data.decode()}\n}} }}")
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


#: The dialects a :class:`RemoteStore` speaks: the standard, and Virtuoso's differences.
DIALECTS = {"sparql11": "SPARQL 1.1 as the standard says (oxigraph serve, Fuseki, ...)",
            "virtuoso": "OpenLink Virtuoso: versioned graphs behind a catalog (see Virtuoso)"}
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

