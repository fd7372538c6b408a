"""The graph's SPARQL 1.1 Protocol endpoint (``kg serve``): a Starlette app served by uvicorn.

The rule: every query a client sends runs through :func:`kg.sparql.run_query`, the
console's own path — the read-only check, the per-query deadline, the memory cap, the text
cap and the row limit, in a worker process forked for that query alone (kg.worker) — so
the endpoint refuses what the console refuses and stops what the console stops. The
serving process never evaluates a query: a request waits for its worker in a thread of its
own (at most ``max_queries`` at once, the rest queued), so a runaway query holds one worker
until its deadline while other clients' queries run in theirs.

Routes: ``/sparql`` — GET with ``query``, POST form-encoded or ``application/sparql-query``;
results negotiated (:mod:`kg.media`); an update (``update=``, ``application/sparql-update``,
or update text), SERVICE, FROM and a request naming a dataset (``default-graph-uri``) are
a 400 with the reason; a GET without a query is the SPARQL 1.1 Service Description.
``/health`` — the graph's version stamp (the one every export and ``kg release`` name).
CORS is off unless origins are given (``--cors``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import anyio
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import media
from .errors import KGError, QueryError
from .export.views import graph_version
from .sparql import run_query
from .stores.base import Store
from .urls import url_problem

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
#: The W3C format IRIs of what the endpoint writes (service description).
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
FORM_TYPE = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
#: Parameters a client may use to name the result format instead of Accept.
FORMAT_PARAMS = ("format", "output", "results")
READ_ONLY = ("this endpoint is read-only: updates are refused (the graph changes only by "
             "`kg build` and `kg load`)")


@dataclass(frozen=True)
class Config:
    """What one server answers with: its store, limits and allowed origins."""

    store: Store
    limit: int | None = None  # rows (None: KG_ROW_LIMIT)
    timeout: float | None = None  # seconds per query (None: KG_QUERY_TIMEOUT)
    max_queries: int = 4  # queries evaluated at once; more wait their turn
    cors: tuple[str, ...] = ()


def check_origin(origin: str) -> str:
    """A ``--cors`` origin: ``*`` or ``http(s)://host[:port]`` (no path); KGError otherwise."""
    o = origin.strip().rstrip("/")
    if o == "*":
        return o
    why = url_problem(o)
    if why is None and o.count("/") > 2:
        why = "has a path (an origin is scheme://host[:port])"
    if why:
        raise KGError(f"--cors {origin!r}: {why}")
    return o


def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status)


class Refused(Exception):
    """A request the endpoint answers with an error status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _params(request: Request) -> dict[str, list[str]]:
    """The request's parameters (URL, and a form body), each name with all its values;
    an ``application/sparql-query`` body is the ``query``. Refused: updates, datasets."""
    params: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        params.setdefault(k, []).append(v)
    if request.method == "POST":
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == FORM_TYPE:
            for k, v in (await request.form()).multi_items():
                params.setdefault(k, []).append(str(v))
        elif ctype == QUERY_TYPE:
            body = await request.body()
            try:
                params.setdefault("query", []).append(body.decode("utf-8"))
            except UnicodeDecodeError:
                raise Refused(400, "the query body is not UTF-8") from None
        elif ctype == UPDATE_TYPE:
            raise Refused(400, READ_ONLY)
        elif ctype or await request.body():
            raise Refused(415, f"POST a query as {FORM_TYPE} (query=...) or as {QUERY_TYPE}; "
                               f"got Content-Type {ctype or 'none'!r}")
    if "update" in params:
        raise Refused(400, READ_ONLY)
    for name in ("default-graph-uri", "named-graph-uri", "using-graph-uri"):
        if name in params:
            raise Refused(400, f"refused: {name} is not allowed; queries run on the knowledge "
                               "graph as it is (FROM and FROM NAMED are refused too)")
    if len(params.get("query", [])) > 1:
        raise Refused(400, "give one query parameter, not several")
    return params


def _accept(request: Request, params: dict[str, list[str]]) -> str:
    """The Accept header, or what a format parameter names instead."""
    for name in FORMAT_PARAMS:
        if params.get(name):
            return media.format_accept(params[name][0])
    return request.headers.get("accept", "")


class Endpoint:
    """The app's state: the configuration, the limiter of evaluations, the version stamp."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.limiter = anyio.CapacityLimiter(config.max_queries)

    @functools.cached_property
    def version(self) -> dict:
        """The graph's version stamp (kg.export.views.graph_version, as every export)."""
        return graph_version(self.config.store)

    async def sparql(self, request: Request) -> Response:
        try:
            params = await _params(request)
        except Refused as e:
            return _error(e.status, str(e))
        accept = _accept(request, params)
        if not params.get("query"):
            if request.method == "POST":
                return _error(400, "no query: send query=... (form) or an "
                                   f"{QUERY_TYPE} body")
            return self.description(request, accept)
        text = params["query"][0]
        try:
            res = await anyio.to_thread.run_sync(
                functools.partial(run_query, self.config.store, text,
                                  limit=self.config.limit, timeout=self.config.timeout),
                limiter=self.limiter)
        except QueryError as e:
            return _error(400, str(e))
        except KGError as e:  # the store failed (an endpoint behind this one)
            return _error(502, str(e))
        choice = media.negotiate(accept, media.offers(res.form))
        if choice is None:
            return _error(406, f"a {res.form.upper()} result can be sent as: "
                               + ", ".join(media.offers(res.form)))
        body = media.serialize(res, choice)
        headers = {"Vary": "Accept"}
        if res.truncated:
            headers["KG-Truncated"] = ("rows cut at the row limit (KG_ROW_LIMIT)"
                                       if res.form == "select" else
                                       "triples cut at KG_CONSTRUCT_MAX_TRIPLES")
        return Response(body.content, media_type=body.media_type, headers=headers)

    def description(self, request: Request, accept: str) -> Response:
        """The SPARQL 1.1 Service Description of this endpoint, in a negotiated syntax."""
        choice = media.negotiate(accept, media.offers("construct"))
        if choice is None:
            return _error(406, "the service description can be sent as: "
                               + ", ".join(media.offers("construct")))
        g = service_description(str(request.url.replace(query="")), self.version)
        data = g.serialize(format=media.GRAPH_TYPES[choice], encoding="utf-8")
        return Response(data, media_type=choice + "; charset=utf-8", headers={"Vary": "Accept"})

    async def health(self, request: Request) -> Response:
        v = self.version
        return JSONResponse({"status": "ok", "version": v["version"],
                             "graph_sha256": v["graph_sha256"], "triples": v["triples"],
                             "store": self.config.store.name})


def service_description(endpoint: str, version: dict) -> Graph:
    """The endpoint described in the SPARQL 1.1 Service Description vocabulary: SPARQL 1.1
    Query only, its result formats, its one default graph (triples, version hash)."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    s, ds, dg = URIRef(endpoint), BNode("dataset"), BNode("defaultGraph")
    g.add((s, RDF.type, SD.Service))
    g.add((s, SD.endpoint, s))
    g.add((s, SD.supportedLanguage, SD.SPARQL11Query))
    for f in RESULT_FORMATS:
        g.add((s, SD.resultFormat, FORMATS[f]))
    g.add((s, SD.defaultDataset, ds))
    g.add((ds, RDF.type, SD.Dataset))
    g.add((ds, SD.defaultGraph, dg))
    g.add((dg, RDF.type, SD.Graph))
    g.add((dg, VOID.triples, Literal(int(version["triples"]), datatype=XSD.integer)))
    g.add((dg, DCTERMS.hasVersion, Literal(version["version"])))
    g.add((dg, DCTERMS.identifier, Literal(f"sha256:{version['graph_sha256']}")))
    g.add((s, DCTERMS.description, Literal(
        "The Responsible Diffusion privacy knowledge graph, read-only: updates, SERVICE "
        "and FROM are refused; each query has a deadline, a memory cap and a row limit.")))
    return g


def make_app(config: Config) -> Starlette:
    """The endpoint as an ASGI app (``/sparql``, ``/health``; CORS for ``config.cors``)."""
    ep = Endpoint(config)
    middleware = []
    if config.cors:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors),
                                     allow_methods=["GET", "POST", "OPTIONS"],
                                     allow_headers=["Content-Type", "Accept"],
                                     expose_headers=["KG-Truncated"], max_age=600))
    app = Starlette(routes=[Route("/sparql", ep.sparql, methods=["GET", "POST"]),
                            Route("/health", ep.health, methods=["GET"])],
                    middleware=middleware)
    app.state.endpoint = ep
    return app


def serve(config: Config, host: str, port: int) -> None:
    """Serve ``config``'s endpoint with uvicorn until interrupted; the version stamp and an
    in-memory graph are made before the first request."""
    import uvicorn

    app = make_app(config)
    app.state.endpoint.version  # noqa: B018  (computed once, before serving)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


__all__ = ["Config", "check_origin", "make_app", "serve", "service_description"]
