"""Loading a graph into a store (``kg load``), all or nothing.

The input is, in this order: a synthetic survey-shaped graph (``synthetic``), an N-Triples
file (``graph_file``), the current build's graph.nt when it is a build of exactly the
current sources by this code (:func:`kg.version.current_build`, the rule the in-memory store
follows), else the graph built from the sources (saying why the build was not used). The
input is parsed in full first; the store switches to the new graph, with its coverage
summary, only when all of it is in, and a build's graph.nt must have the hash its
version.json records. ``memory`` loads into a graph of its own (a check of the input):
the process's store stays as it is.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from . import settings
from .coverage.summary import materialize
from .errors import GraphDataError, KGError
from .graph import graph_from_files
from .lexicon_cache import prepare as prepare_lexicon
from .snapshot import resolve
from .stores.memory import MemoryStore
from .stores.open import open_store, store_kind
from .synthetic import generate_ntriples
from .version import current_build


@dataclass(frozen=True)
class Loaded:
    """What a load did: the store, the triples loaded and from where, the time taken by
    the load and by its coverage summary (counted on the new graph before the switch)."""

    store: str
    kind: str
    triples: int
    origin: str
    seconds: float  # the load, without the summary
    summary_cells: int
    summary_seconds: float
    fingerprint: str
    lexicon_seconds: float = 0.0  # the lexicon file written for the first question

    def as_dict(self) -> dict:
        return {"store": self.store, "kind": self.kind, "triples": self.triples,
                "from": self.origin, "seconds": round(self.seconds, 3),
                "summary_cells": self.summary_cells,
                "summary_seconds": round(self.summary_seconds, 3),
                "lexicon_seconds": round(self.lexicon_seconds, 3)}


def load(setting: str, *, source: Path | None = None, graph_file: Path | None = None,
         synthetic: int | None = None, seed: int = 0, force: bool = False) -> Loaded:
    """Replace the default graph of the store ``setting`` names by the chosen input (see
    the module's rule) and store its coverage summary; the store is unchanged on error.
    A ``graph_file`` holding no paper (empty, or another graph) is refused before the
    switch unless ``force``."""
    store = (MemoryStore(Graph()) if store_kind(setting) == "memory"
             else open_store(setting, check=False))
    done: dict = {}

    def summarize_staged(staged, triples: int) -> None:  # on the new graph, before the switch
        if graph_file is not None and not force and not staged.ask("ASK { ?p a rd:Paper }"):
            raise KGError(f"file {graph_file}: holds no paper (rd:Paper) in its {triples:,} "
                          f"triples, so it is not a graph of the survey; nothing was loaded: "
                          f"{store.name} is unchanged (--force loads it anyway)")
        t = time.perf_counter()
        done["summary"] = materialize(staged, triples=triples)
        done["seconds"] = time.perf_counter() - t

    t0 = time.perf_counter()
    built = (_current_built_graph() if synthetic is None and graph_file is None and source is None
             else None)
    if synthetic is not None:
        if synthetic < 1:
            raise KGError(f"--synthetic {synthetic}: give a number of papers, at least 1")
        origin = f"synthetic graph of {synthetic} papers (seed {seed})"
        n = store.load_ntriples(generate_ntriples(synthetic, seed), prepare=summarize_staged)
    elif graph_file is not None or built is not None:
        path = graph_file or settings.path("build_dir") / "graph.nt"
        chunks = _read_graph(graph_file or built, shown=path, store=store.name)
        origin = str(path)
        try:
            n = store.load_ntriples(chunks, prepare=summarize_staged)
        except GraphDataError as e:
            raise KGError(f"file {path}, {e}; nothing was loaded: {store.name} is "
                          "unchanged") from None
    else:
        origin = _sources_origin(source)
        n = store.load(graph_from_files(source or settings.path("source")),
                       prepare=summarize_staged)
    s, summary_seconds = done["summary"], done["seconds"]
    seconds = time.perf_counter() - t0 - summary_seconds
    return Loaded(store.name, store.kind, n, origin, seconds, len(s.cells), summary_seconds,
                  s.fingerprint, prepare_lexicon(store))


def _sources_origin(source: Path | None) -> str:
    """Where a graph built from the sources comes from, and why the build was not used."""
    src = source or settings.path("source")
    origin = f"graph built from {src}"
    if source is None and _built_graph().is_file():  # the same graph memory queries read
        origin += (f" ({settings.path('build_dir') / 'graph.nt'} is not a build of the "
                   "current sources by this code: run 'kg build', or pass it as --graph "
                   "to load it as it is)")
    return origin


def _current_built_graph() -> Path | None:
    """The build's graph.nt when it is a build of exactly the current sources by this code
    (kg.version.current_build, the rule the in-memory store follows), else None."""
    return current_build(settings.path("build_dir"), settings.path("source").resolve())


def _built_graph() -> Path:
    """The current build's graph.nt, inside its version directory (kg.snapshot)."""
    return resolve(settings.path("build_dir")) / "graph.nt"


#: The bytes read and handed to the bulk loader at a time: the file is never held whole.
CHUNK_BYTES = 64 * 1024 * 1024


def _read_graph(path: Path, shown: Path, store: str) -> Iterator[bytes]:
    """The N-Triples file to load, in chunks of whole lines, hashed as it is read: a build's
    graph.nt must have the hash its version.json records (a truncated copy can still parse,
    one line short), so the last chunk is followed by the check, which raises before the
    load is switched in (the store's all-or-nothing load discards what it staged)."""
    record = path.resolve().parent / "version.json"
    expected = None
    if path.name == "graph.nt" and record.is_file():
        try:
            expected = json.loads(record.read_text(encoding="utf-8")).get("graph_sha256")
        except (OSError, ValueError, AttributeError):
            expected = None
    try:
        f = path.open("rb")
    except OSError as e:
        raise KGError(f"file {shown}: cannot read the graph: {e.strerror}") from None
    digest, rest = hashlib.sha256(), b""
    with f:
        while True:
            try:
                block = f.read(CHUNK_BYTES)
            except OSError as e:
                raise KGError(f"file {shown}: cannot read the graph: {e.strerror}; nothing "
                              f"was loaded: {store} is unchanged") from None
            if not block:
                break
            digest.update(block)
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest += block
                continue
            yield rest + block[:cut]
            rest = block[cut:]
    if expected and digest.hexdigest() != expected:
        raise KGError(f"file {shown}: its SHA-256 is not the graph_sha256 its build "
                      f"recorded in {record} (truncated or edited?); rebuild it with "
                      f"'kg build'; nothing was loaded: {store} is unchanged")
    if rest:
        yield rest
