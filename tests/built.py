"""The survey built once per test run, shared read-only by every test and every worker.

``kg build`` of the survey (parse, build, SHACL validation, serialisation: a few seconds)
runs once per pytest run into a directory all xdist workers of the run share (the run's
base temporary directory), guarded by a file lock: the first worker that needs it builds,
the others wait and read. Each worker parses the build's ``graph.nt`` once (the session
``graph`` fixture), so every test reads the one validated graph that
``tests/golden/graph.nt`` pins byte for byte.

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

BUILD_FILES = ("graph.ttl", "graph.nt", "version.json")


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
