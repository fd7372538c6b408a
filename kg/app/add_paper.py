"""The Add a paper page: one attack or defense row of a paper, checked as ``kg add`` checks
it, previewed before anything is written, then written and rebuilt.

The preview (:func:`preview`) is the entry checked by :meth:`kg.curation.Curation.prepare`
(the whole additions directory as it would be, built on the survey and SHACL-validated;
an unknown label noted as a curation task, not refused) and compared with the sources as
they are: the review structure of :mod:`kg.diff` (rows added, cells changed, gaps opened
and closed, the entry's curation tasks) and the coverage cells whose counts change
(:func:`kg.coverage.counts.compute` on both sides). :func:`confirm` writes the entry
atomically (:meth:`kg.curation.Curation.write`) and rebuilds (:func:`kg.build.build`); it
refuses unless the ``app_writes`` setting (KG_APP_WRITES) is ``on``, since the page writes
files on the machine that serves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import settings
from ..additions import entry_fields
from ..build import build
from ..coverage import labels as coverage_labels
from ..coverage.counts import compute
from ..curation import open_curation
from ..diff import diff_graphs
from ..errors import KGError
from ..stores.base import Store, select_values
from ..stores.memory import MemoryStore
from ..stores.open import forget_memory_stores
from ..tasks import Tasks
from .names import PICKER_MAX, EntityIndex, Matches, browse_entities

WRITES_OFF = ("Writing is off on this deployment: the page previews an addition but does "
              "not write it. Set KG_APP_WRITES=on where the app may write data/additions "
              "and rebuild (e.g. a maintainer's own machine).")

MODELS_QUERY = """
SELECT ?label ?parent WHERE {
  ?m a rd:TargetModel ; skos:prefLabel ?label .
  OPTIONAL { ?m skos:broader ?p . ?p skos:prefLabel ?parent }
}
"""
THREATS_QUERY = "SELECT ?label WHERE { ?t a rd:ThreatCategory ; skos:prefLabel ?label }"
KNOWLEDGE_QUERY = "SELECT ?label WHERE { ?k a rd:AttackerKnowledge ; skos:prefLabel ?label }"
METHOD_KIND = "Defense method"


def writes_enabled() -> bool:
    """The ``app_writes`` setting is ``on``."""
    return settings.get("app_writes").strip() == "on"


@dataclass(frozen=True)
class Choices:
    """What the form offers: threats, knowledge levels, the first known defense methods
    (at most ``names.PICKER_MAX``; ``methods_total`` counts them all: at 100k papers there
    are 54k, searched with :func:`known_methods`, never all sent to the page), and the
    models as a tree (``model_paths``: label -> its path from the root, "Diffusion model ›
    DDPM")."""

    threats: list[str]
    knowledge: list[str]
    methods: list[str]
    model_paths: dict[str, str]
    methods_total: int = 0


def choices(store: Store, limit: int = PICKER_MAX) -> Choices:
    """The form's choices, from the graph the app reads; at most ``limit`` methods listed."""
    parent: dict[str, str | None] = {}
    for label, p in select_values(store, MODELS_QUERY)[1]:
        parent[str(label)] = str(p) if p is not None else None

    def path(m: str) -> str:
        seen, out = set(), [m]
        while parent.get(out[0]) and out[0] not in seen:
            seen.add(out[0])
            out.insert(0, parent[out[0]])  # type: ignore[arg-type]
        return " › ".join(out)

    paths = {m: path(m) for m in parent}

    def labels(q: str) -> list[str]:
        return sorted({str(r[0]) for r in select_values(store, q)[1]})

    first = browse_entities(store, [METHOD_KIND], limit)
    return Choices(labels(THREATS_QUERY), labels(KNOWLEDGE_QUERY),
                   sorted({e.label for e in first.entities}, key=str.casefold),
                   dict(sorted(paths.items(), key=lambda kv: kv[1].casefold())), first.total)


def known_methods(index: EntityIndex, text: str, limit: int = 10) -> Matches:
    """The known defense methods whose name contains ``text`` (every word of it), best
    first, at most ``limit`` (the picker index's search; KGError on text over 500
    characters)."""
    return index.search(text, [METHOD_KIND], limit=limit)


def form_fields(kind: str) -> list[tuple[str, bool]]:
    """The fields of a ``kind`` row (attack or defense) in file order, with whether each is
    required: the same list ``kg add`` asks for."""
    return entry_fields(kind)


@dataclass(frozen=True)
class CellChange:
    """A coverage cell whose counts the entry changes: view, threat, column (labels), and
    the attacks / defenses / papers counted before and after."""

    view: str
    threat: str
    column: str
    before: tuple[int, int, int]
    after: tuple[int, int, int]


@dataclass
class Preview:
    """What an entry would change, or why it cannot be written (``error``)."""

    fields: dict
    error: str | None = None
    file: str = ""
    key: str = ""
    review: dict = field(default_factory=dict)  # the review structure (kg.diff.Diff.as_dict)
    cells: list[CellChange] = field(default_factory=list)

    @property
    def tasks(self) -> list[dict]:
        return self.review.get("tasks", [])

    @property
    def ready(self) -> bool:
        """Nothing stops the write: checked, and no name the vocabulary does not know."""
        return self.error is None and not any(t["blocking"] for t in self.tasks)


def clean(fields: dict) -> dict:
    """The form's values as an entry's fields: text trimmed, empty fields and lists left
    out, lists kept as lists."""
    out: dict = {}
    for k, v in fields.items():
        if isinstance(v, (list, tuple)):
            v = [str(x).strip() for x in v if str(x).strip()]
        elif v is not None:
            v = str(v).strip()
        if v:
            out[k] = v
    return out


def _cells(before: Store, after: Store) -> list[CellChange]:
    a, b = compute(before), compute(after)
    names = coverage_labels(after) | coverage_labels(before)
    out = []
    for key in sorted(set(a.cells) | set(b.cells), key=str):
        ca, cb = a.cells.get(key), b.cells.get(key)
        na = (ca.attacks, ca.defenses, ca.papers) if ca else (0, 0, 0)
        nb = (cb.attacks, cb.defenses, cb.papers) if cb else (0, 0, 0)
        if na != nb:
            view, threat, column = key
            out.append(CellChange(view, names.get(threat, threat),
                                  names.get(column, column or "") if column else "", na, nb))
    return out


def preview(fields: dict, source: Path | None = None,
            directory: Path | None = None) -> Preview:
    """The entry of ``fields`` checked and compared with the sources as they are; nothing
    is written. A check that fails is the preview's ``error`` (one line, where and why)."""
    fields = clean(fields)
    out = Preview(fields)
    if not fields.get("title"):
        out.error = "field 'title': missing"
        return out
    try:
        cur = open_curation(source, directory)
        prepared = cur.prepare(fields, tasks=Tasks())
        before = cur.current_graph()
    except KGError as e:
        out.error = str(e)
        return out
    out.file, out.key = str(prepared.target), prepared.key
    mine = Tasks()
    for t in prepared.tasks:
        if any(f"entry {prepared.key!r}" in c for c in t.cells):
            mine.items[(t.kind, t.label.casefold())] = t
    d = diff_graphs(before, prepared.graph, {"kind": "sources as they are"},
                    {"kind": "with this entry"}, tasks=mine)
    out.review = d.as_dict()
    out.cells = _cells(MemoryStore(before), MemoryStore(prepared.graph))
    return out


@dataclass(frozen=True)
class Confirmed:
    """The entry written and the graph rebuilt: the file, the key, the paper's title (the
    Entity page finds it by label) and the new build's version."""

    file: str
    key: str
    title: str
    version: str


def confirm(fields: dict, source: Path | None = None, directory: Path | None = None,
            build_dir: Path | None = None) -> Confirmed:
    """Write the entry (checked again) and rebuild; KGError when writing is off, the entry
    fails a check or names what the vocabulary does not know (nothing written then)."""
    if not writes_enabled():
        raise KGError(WRITES_OFF)
    fields = clean(fields)
    cur = open_curation(source, directory)
    added = cur.add(fields)  # checked again under the writers' lock, then written
    result = build(source, build_dir, additions_dir=directory)
    forget_memory_stores()  # the app's next open reads the new build
    return Confirmed(added.file, added.key, fields["title"],
                     str(result.version.get("version", "")))


__all__ = ["WRITES_OFF", "CellChange", "Choices", "Confirmed", "Preview", "choices", "clean",
           "confirm", "form_fields", "known_methods", "preview", "writes_enabled"]
