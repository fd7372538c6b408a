"""Virtuoso's SPARQL dialect: what OpenLink Virtuoso (7.2) does differently from SPARQL
1.1, in one place (:class:`Virtuoso`), used by :class:`kg.stores.remote.RemoteStore` when
the endpoint's ``Server`` header names Virtuoso or ``dialect="virtuoso"`` is given."""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Mapping
from typing import Protocol

from ..errors import EndpointError, KGError
from ..sparql_text import iri_ref, skip_token


class Endpoint(Protocol):
    """What the dialect uses of its :class:`~kg.stores.remote.RemoteStore`."""

    url: str
    store_url: str | None

    def _request(self, url: str, data: bytes | None, headers: dict[str, str],
                 method: str = "POST", what: str = "query",
                 answer_headers: dict[str, str] | None = None) -> bytes: ...

    def _update(self, text: str) -> bytes: ...


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
        j = skip_token(sparql, i)
        if j != i:
            if sparql[i] == "<" and sparql[i + 1:j - 1] in names:
                out.append(sparql[start:i] + iri_ref(names[sparql[i + 1:j - 1]]))
                start = j
            i = j
        else:
            i += 1
    return "".join(out) + sparql[start:]


class Virtuoso:
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

    def __init__(self, store: Endpoint) -> None:
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
        triples = "".join(f"{iri_ref(version)} <{_MAPS}> {iri_ref(g)} . {iri_ref(g)} <{_NAME}> "
                          f"{iri_ref(n)} .\n" for n, g in sorted(mapping.items()))
        try:
            self._update(f"INSERT DATA {{ GRAPH <{_CATALOG}> {{\n{triples}}} }}")
        except KGError:
            for g in new:
                with contextlib.suppress(KGError):
                    self._update(f"DROP SILENT GRAPH {iri_ref(g)}")
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
                ops.append(f"DROP SILENT GRAPH {iri_ref(g)}")
                ops.append(f"DELETE WHERE {{ GRAPH <{_CATALOG}> {{ {iri_ref(g)} <{_NAME}> ?n }} }}")
            ops.append(f"DELETE WHERE {{ GRAPH <{_CATALOG}> {{ {iri_ref(v)} <{_MAPS}> ?g }} }}")
            with contextlib.suppress(KGError):
                self._update(" ;\n".join(ops))

    def load(self, body: bytes, named: Mapping[str, bytes]) -> None:
        new: list[str] = []
        try:
            mapping = {_DEFAULT: self._put(body)}
            new.append(mapping[_DEFAULT])
            for name, data in named.items():
                iri_ref(name)
                mapping[name] = self._put(data)
                new.append(mapping[name])
        except KGError:
            for g in new:
                with contextlib.suppress(KGError):
                    self._update(f"DROP SILENT GRAPH {iri_ref(g)}")
            raise
        self._switch(mapping, new)

    def put_named_graph(self, name: str, ntriples: bytes) -> None:
        """A new version: the live one with ``name`` mapped to a new graph."""
        iri_ref(name)
        mapping = dict(self.live(fresh=True)) or {_DEFAULT: _NO_GRAPH}
        mapping[name] = self._put(ntriples)
        self._switch(mapping, [mapping[name]])

