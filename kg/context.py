"""The store a command works on: chosen once per process by the ``store`` setting
(KG_STORE, or a command's ``--store``), opened once and reused."""

from __future__ import annotations

import functools
from pathlib import Path

from . import settings
from .store import AnyStore, MemoryStore, store_kind
from .store import open_store as _open

_override: str | None = None


def use_store(setting: str | None) -> None:
    """Make ``setting`` the store of this process's commands (``--store``); None: KG_STORE."""
    global _override
    if setting is not None:
        store_kind(setting)  # a bad setting fails here, naming the option
    _override = setting


def current_setting() -> str:
    return (_override or settings.get("store")).strip()


@functools.lru_cache(maxsize=4)
def _memory_store(source: Path) -> MemoryStore:
    """The graph of ``source``: the build directory's graph.nt when it is a complete build
    of exactly the current sources by the current code (kg.version.current_build: the same
    triples, parsed in a fraction of the time), else built from the sources."""
    from .version import current_build

    if source == settings.path("source").resolve():
        nt = current_build(settings.path("build_dir"), source)
        if nt is not None:
            from .version import read_version

            def parse():
                from rdflib import Graph

                from .vocab import PREFIXES

                g = Graph()
                g.parse(nt, format="nt")
                for p, ns in PREFIXES.items():
                    g.bind(p, ns, override=True)
                return g

            # parsed on first use: a search answered from its cache never needs it
            rec = read_version(nt.parent) or {}
            return MemoryStore(loader=parse, content_id=rec.get("graph_sha256"))
    from .graph import graph_from_files

    return MemoryStore(graph_from_files(source))


@functools.lru_cache(maxsize=8)
def _other_store(setting: str) -> AnyStore:
    return _open(setting)


def open_store(source: Path | None = None, store: str | None = None) -> AnyStore:
    """The store to query: the graph of ``source`` in memory (default), or the persistent /
    remote store the setting names (``source`` is then not used: load it with ``kg load``)."""
    setting = (store or current_setting()).strip()
    if store_kind(setting) == "memory":
        return _memory_store((source or settings.path("source")).resolve())
    return _other_store(setting)
