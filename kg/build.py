"""kg build: survey -> validated graph -> build directory, atomically and byte-stable."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from rdflib import RDF, Graph, URIRef

from . import settings, snapshot
from .additions import AdditionReport, load_additions
from .coverage.counts import SUMMARY_CLASSES
from .errors import CurationNeeded, SourceChangedError, SourceError
from .files import atomic_write, display_path
from .graph import build_graph
from .ingest import read_survey
from .tasks import Tasks, render_tasks
from .validate import require_valid
from .version import (
    canonical_nt,
    graph_hash,  # noqa: F401  (re-exported: callers import it from here)
    read_version,
    sha256_file,
    source_files,
)
from .version import dumps as version_dumps
from .version import version_record as _version_record
from .vocab import PREFIXES

LOCK_FILE = settings.DATA_DIR / "survey.lock.json"
PREVIOUS = "previous.nt"  # the graph of the last build whose content differed (kg.diff)


def read_lock(lock: Path = LOCK_FILE) -> dict:
    try:
        return json.loads(lock.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, json.JSONDecodeError) as e:
        raise SourceError(f"unreadable lock file: {e}", file=display_path(lock)) from None


def write_lock(source: Path, lock: Path = LOCK_FILE) -> dict:
    record = {"source": display_path(source), "sha256": sha256_file(source)}
    atomic_write(lock, json.dumps(record, indent=2) + "\n")
    return record


def check_lock(source: Path, lock: Path = LOCK_FILE) -> None:
    """Refuse a default source whose hash differs from the recorded one."""
    record = read_lock(lock)
    if not record or record.get("source") != display_path(source):
        return  # the lock records another file (or none): nothing to compare
    actual = sha256_file(source)
    if record.get("sha256") != actual:
        raise SourceChangedError(
            f"{display_path(source)} changed: sha256 {actual} differs from "
            f"{record.get('sha256')} recorded in {display_path(lock)}; review the change "
            "(kg diff) and run 'kg build --update-lock' to accept it")


def turtle_of(nt: str) -> str:
    """graph.ttl from the canonical N-Triples: pyoxigraph's Turtle writer (~20x faster
    than rdflib's), subjects in the sorted order of the N-Triples, the project's prefixes
    that the graph uses in sorted order (the writer's own order is a hash map's), a blank
    line before each subject. Byte-stable; the same triples as graph.nt (tests/test_build.py)."""
    data = nt.encode("utf-8")
    used = {p: str(ns) for p, ns in PREFIXES.items() if f"<{ns}".encode() in data}
    quads = pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    text = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.TURTLE,
                                prefixes=used).decode("utf-8")
    # every literal is one line (N-Triples escapes): a line not indented starts a subject
    lines = text.splitlines()
    head = sorted(x for x in lines if x.startswith("@prefix "))
    body = [("\n" + x if not x.startswith((" ", "\t")) else x)
            for x in lines if not x.startswith("@prefix ")]
    return "\n".join(head) + "\n" + "\n".join(body) + "\n"


def write_dir_atomically(target: Path, files: dict[str, str | bytes],
                         carry: dict[str, Path] | None = None) -> Path:
    """Publish ``files`` as the new content of the build directory ``target`` in one atomic
    step (:func:`kg.snapshot.publish`: a version directory switched in by the rename of
    ``target/current``; a copied build directory repaired or refused in one line, the new
    version removed on any failure). ``carry``: files of the old version kept in the new
    one. The ``.<name>.stage.*`` siblings older versions made are removed first. Returns
    the new version directory."""
    for old in target.parent.glob(f".{target.name}.stage.*"):  # left by older versions
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return snapshot.publish(target, files, carry, _label(files), what="build dir")


def _label(files: dict[str, str | bytes]) -> str:
    """The version directory's label: the build's version string, when there is one."""
    try:
        return str(json.loads(files["version.json"])["version"])
    except (KeyError, ValueError, TypeError):
        return ""


@dataclass
class BuildResult:
    graph: Graph
    build_dir: Path
    version: dict
    counts: list[tuple[str, int]]
    additions: AdditionReport | None = None
    previous_kept: bool = False  # the old graph.nt was kept as previous.nt (content changed)
    tasks: Tasks | None = None  # curation tasks of the additions held back

    def as_dict(self) -> dict:
        """The build's summary as ``kg build --json`` prints it."""
        return {"build_dir": str(self.build_dir), "version": self.version,
                "counts": dict(self.counts), "conforms": True,
                "additions": self.additions.as_dict() if self.additions else None,
                "previous_kept": self.previous_kept,
                "tasks": self.tasks.as_list() if self.tasks else []}


def render_text(r: BuildResult) -> str:
    """The build's summary in words (``kg build``): triples, version, counts per class,
    additions already in the graph or skipped, and whether the previous graph was kept."""
    lines = [f"Built {r.version['triples']} triples -> {r.build_dir}/graph.ttl, graph.nt",
             f"version {r.version.get('version', '?')}  graph sha256 "
             f"{r.version['graph_sha256'][:16]}…  SHACL: conforms"]
    width = max(len(n) for n, _ in r.counts)
    lines += [f"  {name.ljust(width)}  {n:>5}" for name, n in r.counts]
    if r.additions:
        lines += [f"addition already in the graph, nothing added: file {e.file}, "
                  f"entry {e.key!r} ({where})" for e, where in r.additions.unchanged]
        lines += [f"skipped bad addition: {s}" for s in r.additions.skipped]
        lines += [f"held back until curated: {s}" for s in r.additions.pending]
    if r.tasks:
        lines += render_tasks(list(r.tasks))
    if r.previous_kept:
        lines.append("content changed: the previous graph is kept as previous.nt "
                     f"('kg diff {r.build_dir}/previous.nt {r.build_dir}' shows what changed)")
    return "\n".join(lines)


def counts(g: Graph) -> list[tuple[str, int]]:
    return [(name, len(set(g.subjects(RDF.type, URIRef(cls))))) for name, cls in SUMMARY_CLASSES]




def version_record(g: Graph, source: Path, additions_dir: Path | None = None,
                   previous: dict | None = None) -> dict:
    """The build's version stamp (kg.version): graph hash, source hashes, build date."""
    return _version_record(g, source_files(source, additions_dir), previous)


def load_and_validate(source: Path | None = None, additions_dir: Path | None = None,
                      skip_bad: bool = False, report: AdditionReport | None = None,
                      tasks: Tasks | None = None) -> Graph:
    """The graph of the survey and the additions, validated. A name the vocabulary does not
    know is a curation task: in the survey it stops the build (CurationNeeded listing every
    one); in an addition the entry is held back and the task noted in ``tasks``."""
    source = source or settings.path("source")
    tasks = tasks if tasks is not None else Tasks()
    g = build_graph(read_survey(source, display_path(source)),
                    additions=load_additions(additions_dir), skip_bad=skip_bad, report=report,
                    tasks=tasks)
    if tasks.in_survey:
        raise CurationNeeded(tasks.in_survey)
    require_valid(g)
    return g


def build(source: Path | None = None, build_dir: Path | None = None,
          update_lock: bool = False, additions_dir: Path | None = None,
          skip_bad_additions: bool = False) -> BuildResult:
    """Build, validate and write the graph. Nothing is written unless all succeed.

    Curated additions (data/additions/) are part of the build; a bad one stops it
    unless ``skip_bad_additions``, and then the result lists what was skipped. When the
    graph's content changed, the old graph.nt is kept as previous.nt (for kg diff).
    """
    source = source or settings.path("source")
    build_dir = build_dir or settings.path("build_dir")
    snapshot.check(build_dir)  # a copied build directory that cannot be repaired: refused now
    if update_lock:
        write_lock(source)
    else:
        check_lock(source)
    report = AdditionReport()
    tasks = Tasks()
    g = load_and_validate(source, additions_dir, skip_bad_additions, report, tasks)
    nt = canonical_nt(g)
    files: dict[str, str | bytes] = {"graph.ttl": turtle_of(nt), "graph.nt": nt}
    # The current build is read from the one directory its link names (a consistent set);
    # a concurrent build switching it between these reads only makes this stamp's date or
    # previous.nt come from the build it replaces.
    current = snapshot.resolve(build_dir)
    version = version_record(g, source, additions_dir, read_version(current))
    if not report.skipped and not report.pending:  # complete: these sources, this code
        from .version import BUILDER_FILE, builder_record

        digest, files[BUILDER_FILE] = builder_record()
        version = {**version, "builder": digest}
    files["version.json"] = version_dumps(version)
    old = current / "graph.nt"
    kept = False
    carry: dict[str, Path] = {}
    if old.is_file():
        old_nt = old.read_bytes()
        if old_nt != files["graph.nt"].encode("utf-8"):
            files[PREVIOUS] = old_nt
            kept = True
        else:  # same content: the previous graph of the build it replaces stays
            carry[PREVIOUS] = current / PREVIOUS
    write_dir_atomically(build_dir, files, carry)
    return BuildResult(g, build_dir, version, counts(g), report, kept, tasks)


def load_built(build_dir: Path | None = None) -> Graph:
    """The graph from a build directory (N-Triples: the fastest to parse)."""
    build_dir = build_dir or settings.path("build_dir")
    nt = snapshot.resolve(build_dir) / "graph.nt"
    if not nt.exists():
        raise SourceError(f"no built graph in {build_dir}; run 'kg build' first")
    g = Graph()
    g.parse(nt, format="nt")

    for p, ns in PREFIXES.items():
        g.bind(p, ns, override=True)
    return g
