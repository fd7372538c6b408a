"""The one opener: a ``store`` setting to a store, for the CLI, the app, the front door and
the tests alike.

A setting is ``memory`` (the default: the graph of the survey in memory — the current
build's ``graph.nt`` when it is a complete build of exactly the current sources by the
current code, else built from the sources), ``oxigraph:PATH`` (an embedded Oxigraph
directory) or an ``http(s)://`` SPARQL endpoint URL. The setting comes from the argument,
else from a command's ``--store`` (:func:`use_store`), else from ``KG_STORE``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import settings
from ..errors import StoreError
from .memory import MemoryStore
from .oxigraph import OxigraphStore

if TYPE_CHECKING:
    from .remote import RemoteStore

    AnyStore = MemoryStore | OxigraphStore | RemoteStore

_override: str | None = None


def use_store(setting: str | None) -> None:
    """Make ``setting`` the store of this process's commands (``--store``); None: KG_STORE."""
    global _override
    if setting is not None:
        store_kind(setting)  # a bad setting fails here, naming the option
    _override = setting


def current_setting() -> str:
    """The store setting in force: ``--store`` (:func:`use_store`), else KG_STORE."""
    return (_override or settings.get("store")).strip()


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


@functools.lru_cache(maxsize=4)
def _memory_store(source: Path) -> MemoryStore:
    """The graph of ``source``: the build directory's graph.nt when it is a complete build
    of exactly the current sources by the current code (kg.version.current_build: the same
    triples, bulk-loaded by the query engine and parsed by rdflib only when asked for),
    else built from the sources."""
    from ..version import current_build, read_version

    if source == settings.path("source").resolve():
        nt = current_build(settings.path("build_dir"), source)
        if nt is not None:
            def parse():
                from rdflib import Graph

                from ..vocab import PREFIXES

                g = Graph()
                g.parse(nt, format="nt")
                for p, ns in PREFIXES.items():
                    g.bind(p, ns, override=True)
                return g

            # parsed on first use: a search answered from its cache never needs it
            rec = read_version(nt.parent) or {}
            return MemoryStore(loader=parse, ntriples=nt.read_bytes,
                               content_id=rec.get("graph_sha256"))
    from ..graph import graph_from_files  # the builders (bs4, the ingest) only to build

    return MemoryStore(graph_from_files(source))


_MEMORY_STORES = _memory_store  # the cache itself (a test may wrap the function)


def forget_memory_stores() -> None:
    """Drop the memory stores made so far: after a rebuild, the next open reads the new
    build (the app's Add a paper page, once it has written and rebuilt)."""
    _MEMORY_STORES.cache_clear()


_OX_HANDLES: dict[Path, OxigraphStore] = {}


def _oxigraph_handle(path: Path) -> OxigraphStore:
    """One handle per Oxigraph directory per process: the directory is locked while open,
    so a second ``Store(path)`` in the same process (kg load, then a query) would fail."""
    key = path.resolve()
    if key not in _OX_HANDLES:
        _OX_HANDLES[key] = OxigraphStore(path)
    return _OX_HANDLES[key]


def open_store(setting: str | None = None, *, source: Path | None = None,
               check: bool = True) -> AnyStore:
    """The store ``setting`` names (default: :func:`current_setting`).

    ``memory`` is the graph of ``source`` (default the survey in data/), made once per
    process; ``oxigraph:PATH`` opens the directory (one handle per directory and process);
    a URL names an endpoint. With ``check``, a persistent or remote store must answer and
    hold a graph (a clear error otherwise: load it with ``kg load``)."""
    setting = (setting or current_setting()).strip()
    kind = store_kind(setting)
    if kind == "memory":
        return _memory_store((source or settings.path("source")).resolve())
    store: AnyStore
    if kind == "oxigraph":
        path = oxigraph_path(setting)
        if check and not path.is_dir():
            raise StoreError(f"store {setting}: no Oxigraph directory at {path}; create it with "
                             f"`kg load --store {setting}`")
        store = _oxigraph_handle(path)
    else:
        from .remote import RemoteStore  # urllib and http.client only for an endpoint

        store = RemoteStore(setting)
    if check and not store.ask("ASK { ?s a rd:Paper }"):
        raise StoreError(f"store {store.name} holds no papers; load the graph with "
                         f"`kg load --store {setting}`")
    return store


@dataclass(frozen=True)
class StoreChoice:
    """A store a user can pick (the app lists these)."""

    setting: str
    kind: str  # memory | oxigraph | remote
    description: str


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
