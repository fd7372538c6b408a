"""The version stamp of a build: content hash of the graph, hashes of its sources, date.

Rebuilding unchanged input changes no byte, so the date is not "now":

1. ``SOURCE_DATE_EPOCH`` when set (the reproducible-builds convention), else
2. the date of the previous build in the same directory when its graph and sources
   are identical (a rebuild keeps its stamp, even after a checkout touched the files), else
3. the modification time of the newest source file: the moment the input last changed.

The version string is ``YYYYMMDD-<first 12 hex of the graph hash>``: it sorts by date
and names the content. The CLI (``kg version``), the app and every export show it
(:func:`version_line`).

One rule says whether a build is current (:class:`BuildState`): built, with every
addition, by this code from exactly the current sources. The in-memory store and
``kg load`` read a current build instead of rebuilding (:func:`current_build`);
``kg version`` says what keeps a build from being current (:func:`describe_build`).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import settings, snapshot
from .additions import addition_files
from .errors import KGError
from .files import display_path

if TYPE_CHECKING:
    from rdflib import Graph

VERSION_FILE = "version.json"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def canonical_nt(g: Graph) -> str:
    """N-Triples, one triple a line, sorted: byte-stable for unchanged input."""
    lines = g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return "\n".join(sorted(set(line for line in lines if line.strip()))) + "\n"


def graph_hash(g: Graph) -> str:
    return hashlib.sha256(canonical_nt(g).encode("utf-8")).hexdigest()


#: The curated files of data/ a build reads besides the survey and the additions (a test
#: traces the files a build opens and holds this list to them).
CURATED_INPUTS = ("aliases.yaml", "models.yaml", "atlas_crosswalk.yaml", "bibliography.yaml",
                  "definitions.yaml", "survey.lock.json")


def source_files(source: Path | None = None, additions_dir: Path | None = None,
                 *, with_additions: bool = True) -> list[Path]:
    """Every file the graph is built from: survey, curated files, ontology, additions."""

    files = [source or settings.path("source")]
    files += [settings.DATA_DIR / name for name in CURATED_INPUTS]
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


#: Where the code that builds the graph starts: the graph builder and the SHACL check.
BUILDER_ROOTS = ("graph", "validate")
_KG_DIR = Path(__file__).resolve().parent


def _module_file(kg_dir: Path, name: str) -> Path | None:
    base = kg_dir.joinpath(*name.split("."))
    for p in (base.with_suffix(".py"), base / "__init__.py"):
        if p.is_file():
            return p
    return None


def _imported(kg_dir: Path, name: str, tree: ast.AST, package: bool) -> set[str]:
    """The kg modules a module's source imports, anywhere in it (function-local too)."""
    here = name.split(".") if package else name.split(".")[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
            elif node.module and node.module.split(".")[0] == "kg":
                base = []
                node = ast.ImportFrom(module=node.module.partition(".")[2] or None,
                                      names=node.names, level=1)
            else:
                continue
            mod = base + (node.module.split(".") if node.module else [])
            if mod:
                out.add(".".join(mod))
            out |= {".".join(mod + [a.name]) for a in node.names
                    if _module_file(kg_dir, ".".join(mod + [a.name]))}
        elif isinstance(node, ast.Import):
            out |= {a.name.partition(".")[2] for a in node.names
                    if a.name.startswith("kg.")}
    return {m for m in out if m and _module_file(kg_dir, m)}


def builder_modules(kg_dir: Path = _KG_DIR) -> list[str]:
    """The modules that turn the sources into the graph and judge it: :data:`BUILDER_ROOTS`
    and every kg module they import at any depth (read from their source, function-local
    imports included), and the package's ``__init__``; sorted."""
    seen: set[str] = set()
    todo = list(BUILDER_ROOTS)
    while todo:
        name = todo.pop()
        path = _module_file(kg_dir, name)
        if name in seen or path is None:
            continue
        seen.add(name)
        todo += _imports_of(kg_dir, name, path.read_bytes(), path.name == "__init__.py")
    return sorted(seen | {"__init__"})


@functools.lru_cache(maxsize=512)
def _imports_of(kg_dir: Path, name: str, source: bytes, package: bool) -> tuple[str, ...]:
    """:func:`_imported` of a module's source, parsed once per distinct source text (the
    key holds the text itself, so an edited module is read again)."""
    tree = ast.parse(source, filename=str(_module_file(kg_dir, name)))
    return tuple(sorted(_imported(kg_dir, name, tree, package)))


def builder_hash(kg_dir: Path = _KG_DIR, modules: list[str] | None = None) -> str:
    """SHA-256 of the code that builds the graph (:func:`builder_modules`, or the
    ``modules`` a build recorded): editing any of those modules makes a build not current.
    A module gone hashes as missing, so that build is not current either."""
    h = hashlib.sha256()
    for name in modules if modules is not None else builder_modules(kg_dir):
        path = _module_file(kg_dir, name)
        h.update(name.encode() + b"\0" + (path.read_bytes() if path else b"\0missing"))
    return h.hexdigest()


#: Beside version.json: the builder modules the build hashed. A later check hashes those
#: files (no parse of the code at every process start: 0.56 s of a cold ``kg ask``); a new
#: import can only come from editing one of them, which changes the hash.
BUILDER_FILE = "builder.json"


def builder_record(kg_dir: Path = _KG_DIR) -> tuple[str, str]:
    """(the builder hash, the text of :data:`BUILDER_FILE`) for a build made now."""
    modules = builder_modules(kg_dir)
    return builder_hash(kg_dir, modules), json.dumps({"modules": modules}, indent=1) + "\n"


def _recorded_modules(version_dir: Path) -> list[str] | None:
    try:
        modules = json.loads((version_dir / BUILDER_FILE).read_text(encoding="utf-8"))["modules"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a build from before the file, or a damaged one: parse the code
    return modules if isinstance(modules, list) and all(isinstance(m, str) for m in modules) \
        else None


@dataclass(frozen=True)
class BuildState:
    """A build directory's record held against the current sources and code.

    The one rule of a current build: built, with every addition, by this code (the
    record's ``builder`` is :func:`builder_hash`; a build that skipped bad additions
    records none) from exactly the current sources (:func:`source_files`: the same files
    with the same SHA-256), and its graph.nt is there."""

    build_dir: Path  # as given
    record: dict
    graph: Path  # graph.nt inside the build's version directory (kg.snapshot)
    sources_changed: list[str]  # recorded or current sources whose hash differs, or gone
    not_current: list[str]  # what else keeps the build from being current

    @property
    def current(self) -> bool:
        return not self.sources_changed and not self.not_current

    def as_dict(self) -> dict:
        """The record with the build directory and the changes (``kg version --json``)."""
        out = {**self.record, "build_dir": display_path(self.build_dir),
               "sources_changed": self.sources_changed}
        if self.not_current:
            out["not_current"] = self.not_current
        return out


def build_state(build_dir: Path, source: Path) -> BuildState | None:
    """The build directory's state by the rule of :class:`BuildState` (``source``: the
    survey file the current sources start from), or None when it has no version record."""
    version_dir = snapshot.resolve(build_dir)
    rec = read_version(version_dir)
    if not rec:
        return None
    was = rec.get("sources") or {}
    now = {}
    for p in source_files(source):
        try:
            now[display_path(p)] = sha256_file(p)
        except OSError:
            now[display_path(p)] = None  # gone or unreadable: never a recorded hash
    changed = sorted(p for p in was.keys() | now.keys()
                     if now.get(p) is None or now[p] != was.get(p))
    nt = version_dir / "graph.nt"
    other = []
    if "builder" not in rec:
        other.append("built without every addition (kg build --skip-bad-additions), or by a "
                     "kg that did not record its code")
    elif rec["builder"] != builder_hash(modules=_recorded_modules(version_dir)):
        other.append("built by other code: the modules that build the graph changed since")
    if not nt.is_file():
        other.append(f"{display_path(nt)} is missing")
    return BuildState(build_dir, rec, nt, changed, other)


def current_build(build_dir: Path, source: Path) -> Path | None:
    """The build directory's graph.nt when the build is current (:class:`BuildState`: by
    this code, with every addition, from exactly the current sources), else None. The
    path is inside the build's version directory (kg.snapshot), so it stays the graph the
    record describes even when a new build switches the directory meanwhile."""
    state = build_state(build_dir, source)
    return state.graph if state is not None and state.current else None


def describe_build(build_dir: Path | None = None) -> BuildState:
    """The state of a build directory (default: KG_BUILD_DIR) against the configured
    sources (``kg version``); KGError when it holds no build."""
    build_dir = build_dir or settings.path("build_dir")
    state = build_state(build_dir, settings.path("source").resolve())
    if state is None or "version" not in state.record:
        raise KGError(f"no version record in {display_path(build_dir)}; run 'kg build'")
    return state


def render_text(state: BuildState) -> str:
    """``kg version``: the version line, each recorded source's hash, and what changed."""
    lines = [version_line(state.record)]
    lines += [f"  {digest[:16]}  {path}"
              for path, digest in sorted(state.record.get("sources", {}).items())]
    if state.sources_changed:
        lines.append("sources changed since this build (run 'kg build'): "
                     + ", ".join(state.sources_changed))
    else:
        lines.append("sources unchanged since this build")
    lines += [f"not current (run 'kg build'): {why}" for why in state.not_current]
    return "\n".join(lines)


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


__all__ = ["BUILDER_ROOTS", "CURATED_INPUTS", "BuildState", "build_date", "build_state",
           "builder_hash", "builder_modules", "canonical_nt", "current_build", "describe_build",
           "graph_hash", "read_version", "render_text", "source_files", "stamp", "version_line",
           "version_record"]
