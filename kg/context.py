"""The graph a command works on: built once per process from the sources."""

from __future__ import annotations

import functools
from pathlib import Path

from . import settings
from .graph import graph_from_files
from .store import MemoryStore


@functools.lru_cache(maxsize=4)
def _memory_store(source: Path) -> MemoryStore:
    return MemoryStore(graph_from_files(source))


def open_store(source: Path | None = None) -> MemoryStore:
    """The embedded default store on the graph of ``source`` (the survey copy in data/)."""
    return _memory_store((source or settings.path("source")).resolve())
