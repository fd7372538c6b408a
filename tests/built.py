"""The survey built once per test run, shared read-only by every test and every worker.

``kg build`` of the survey (parse, build, SHACL validation, serialisation: a few seconds)
runs once per pytest run into a directory all xdist workers of the run share (the run's
base temporary directory), guarded by a file lock: the first worker that needs it builds,
the others wait and read. Each worker builds the same graph in memory once (the session
``graph`` fixture); tests/test_graph.py checks that it is the build's ``graph.nt``, which
``tests/golden/graph.nt`` pins byte for byte, so every test reads the one validated graph.

Read only: a test that changes a build works on a copy (:func:`copy_build`), a test that
changes the graph on a copy of it (``Graph() += graph``).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from kg.stores.base import Bindings, Rows
from kg.stores.memory import MemoryStore


def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory every worker of this pytest run shares: the base temporary directory
    of the run (an xdist worker's own base directory is one level below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if absent) for the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def shared_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The survey's validated build directory (kg.build.build of data/: graph.ttl,
    graph.nt, version.json behind its ``current`` link), built by the first caller of the
    run and reused by every later one, in any worker."""
    from kg.build import build

    out = run_dir(tmp_path_factory) / "survey-build"
    with locked(out.with_name("survey-build.lock")):
        if not (out / "version.json").is_file():
            build(build_dir=out)  # raises (ValidationError: the SHACL report) if invalid
    return out


def copy_build(build_dir: Path, to: Path) -> Path:
    """A private copy of a build directory (its links kept as links): for a test that
    builds over it, edits it or breaks it."""
    shutil.copytree(build_dir, to, symlinks=True)
    return to


class KeptGraph(Graph):
    """A kept CONSTRUCT answer handed out without a copy (copying a class's triples cost
    more than the rest of a view's subgraph): it reads as the answer, and changing it
    raises, so no caller can change the answer the next caller gets. (A graph made from it,
    ``a + b``, is a graph of its own.)"""

    def __init__(self, kept: Graph | None = None) -> None:
        if kept is None:  # what rdflib makes for ``a + b``, ``a - b``: a graph of its own
            super().__init__()
            self._kept = False
            return
        super().__init__(store=kept.store, identifier=kept.identifier,
                         namespace_manager=kept.namespace_manager)
        self._kept = True

    def _read_only(self, *_args, **_kwargs):
        if self._kept:
            raise TypeError("a kept CONSTRUCT answer of the shared store is read only: "
                            "copy it (Graph() += answer) to change it")

    def add(self, triple):
        self._read_only()
        return super().add(triple)

    def addN(self, quads):  # noqa: N802 (rdflib's name)
        self._read_only()
        return super().addN(quads)

    def remove(self, triple):
        self._read_only()
        return super().remove(triple)

    def bind(self, *args, **kwargs):
        self._read_only()
        return super().bind(*args, **kwargs)


class SharedStore(MemoryStore):
    """The survey's store that the tests, the kg commands and the app pages of one worker
    share (conftest: the ``store`` fixture, and what ``open_store('memory')`` gives for the
    survey): a MemoryStore that keeps its answer to each query (text and bindings) after
    the first evaluation. The graph is read only for the whole run and rdflib gives the
    same rows for the same query on the same graph; about half the query time of the fast
    tier was the same queries asked again (measured: 40 of 77 s per worker; the same view,
    page or command in another test). Rows are handed out as copies, graphs read only
    (:class:`KeptGraph`); load() forgets them, and the graph's hash (:meth:`graph_hash`). User SPARQL
    (kg.worker) reads the graph in its own process and is always evaluated."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(graph)
        self._answers: dict = {}

    def _known(self, kind: str, sparql: str, bindings, evaluate):
        key = (kind, sparql, tuple(sorted((bindings or {}).items())))
        if key not in self._answers:
            self._answers[key] = evaluate(sparql, bindings)
        return self._answers[key]

    def select(self, sparql: str, bindings: Bindings | None = None) -> Rows:
        rows = self._known("select", sparql, bindings, super().select)
        return Rows(list(rows.vars), [dict(r) for r in rows.rows])

    def ask(self, sparql: str, bindings: Bindings | None = None) -> bool:
        return self._known("ask", sparql, bindings, super().ask)

    def construct(self, sparql: str, bindings: Bindings | None = None) -> Graph:
        return KeptGraph(self._known("construct", sparql, bindings, super().construct))

    def graph_hash(self, compute) -> str:
        """``compute(self.graph)`` (kg.version.graph_hash), kept like an answer: an export,
        a release or a page stamps the same graph again and again (82 ms a stamp here)."""
        return self._known("graph_hash", "", None, lambda _s, _b: compute(self.graph))

    @MemoryStore.graph.setter
    def graph(self, value: Graph) -> None:
        self._answers.clear()
        MemoryStore.graph.fset(self, value)

    def load(self, graph: Graph, prepare=None) -> int:
        self._answers.clear()
        return super().load(graph, prepare)
