"""The version stamp of a build: content hash of the graph, hashes of its sources, date.

Rebuilding unchanged input changes no byte, so the date is not "now":

1. ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), else
2. the date of the previous build in the same directory when its graph and sources
   are identical (a rebuild keeps its stamp, even after a checkout touched the files), else
3. the modification time of the newest source file: the moment the input last changed.

The version string is ``YYYYMMDD-<first 12 hex of the graph hash>``: it sorts by date
and names the content. The CLI (``kg version``), the app and every export show it
(:func:`version_line`).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph

from . import settings, snapshot
from .errors import KGError
from .files import display_path

VERSION_FILE = "version.json"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def canonical_nt(g: Graph) -> str:
    """N-Triples, one triple a line, sorted: byte-stable for unchanged input."""
    lines = g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return "\n".join(sorted(set(line for line in lines if line.strip()))) + "\n"


def graph_hash(g: Graph) -> str:
    return hashlib.sha256(canonical_nt(g).encode("utf-8")).hexdigest()


def source_files(source: Path | None = None, additions_dir: Path | None = None,
                 *, with_additions: bool = True) -> list[Path]:
    """Every file the graph is built from: survey, curated files, ontology, additions."""
    from .additions import addition_files

    files = [source or settings.path("source")]
    files += [settings.DATA_DIR / "aliases.yaml", settings.DATA_DIR / "models.yaml",
              settings.DATA_DIR / "atlas_crosswalk.yaml"]
    files += sorted(settings.ONTOLOGY_DIR.glob("*.ttl"))
    if with_additions:
        files += addition_files(additions_dir)
    return files


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_date(files: list[Path]) -> str:
    """SOURCE_DATE_EPOCH, else the newest source file's modification time (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return _iso(float(epoch))
        except (ValueError, OverflowError, OSError):
            raise KGError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time in seconds") from None
    return _iso(max((p.stat().st_mtime for p in files if p.exists()), default=0))


def version_record(g: Graph, files: list[Path], previous: dict | None = None) -> dict:
    """The stamp of graph ``g`` built from ``files``; ``previous`` is the record of the
    last build in the same directory (kept as is when nothing changed)."""
    sources = {display_path(p): sha256_file(p) for p in files}
    digest = graph_hash(g)
    if (previous and "version" in previous and "build_date" in previous
            and previous.get("graph_sha256") == digest
            and previous.get("sources") == sources
            and not os.environ.get("SOURCE_DATE_EPOCH", "").strip()):
        return previous
    date = build_date(files)
    return {
        "version": f"{date[:10].replace('-', '')}-{digest[:12]}",
        "graph_sha256": digest,
        "triples": len(g),
        "sources": sources,
        "build_date": date,
    }


# The modules that turn the sources into the graph: a build made by other code is not current.
BUILDER_MODULES = ("ingest", "curated", "additions", "graph", "vocab", "crosswalk", "derive")


def builder_hash() -> str:
    """SHA-256 of the code that builds the graph (kg.ingest, kg.graph, ...)."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in BUILDER_MODULES:
        h.update((here / f"{name}.py").read_bytes())
    return h.hexdigest()


def current_build(build_dir: Path, source: Path) -> Path | None:
    """The build directory's graph.nt when it was built, with every addition, by this code
    from exactly the current sources (their SHA-256), else None. The path is inside the
    build's version directory (kg.snapshot), so it stays the graph the record describes
    even when a new build switches the directory meanwhile."""
    build_dir = snapshot.resolve(build_dir)
    rec = read_version(build_dir)
    nt = build_dir / "graph.nt"
    if not rec or rec.get("builder") != builder_hash() or not nt.is_file():
        return None
    try:
        sources = {display_path(p): sha256_file(p) for p in source_files(source)}
    except OSError:
        return None
    return nt if rec.get("sources") == sources else None


def read_version(build_dir: Path | None = None) -> dict | None:
    """The version record of a build directory (of the build its ``current`` link names),
    or None when it has none."""
    p = snapshot.resolve(build_dir or settings.path("build_dir")) / VERSION_FILE
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as e:
        raise KGError(f"file {display_path(p)}: unreadable version record: {e}") from None


def dumps(record: dict) -> str:
    return json.dumps(record, indent=2, sort_keys=True) + "\n"


def stamp(g: Graph, source: Path | None = None, additions_dir: Path | None = None,
          build_dir: Path | None = None) -> dict:
    """The stamp of an in-memory graph (what an export or the app shows): the build
    directory's record when it holds this very graph, else one computed the same way."""
    return version_record(g, source_files(source, additions_dir), read_version(build_dir))


def version_line(record: dict) -> str:
    """One line naming the version, for the head of an export or the app's footer."""
    return (f"Responsible Diffusion KG {record['version']} (graph sha256 "
            f"{record['graph_sha256'][:16]}, {record['triples']} triples, "
            f"built {record['build_date']})")


__all__ = ["BUILDER_MODULES", "build_date", "builder_hash", "canonical_nt", "current_build",
           "graph_hash", "read_version", "source_files",
           "stamp", "version_line", "version_record"]
