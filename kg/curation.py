"""A new curated addition (``kg add``): an entry made from the fields a curator gives,
checked as ``kg build`` checks additions, then written. Nothing is written unless all pass.

:func:`open_curation` reads the survey and the labels once (the ontology's concepts and the
models of ``data/models.yaml`` registered with the aliases), so each field can be checked
as it is given (:meth:`Curation.check_field`: "did you mean" for an unknown label).
:meth:`Curation.add` makes the entry (its key from the title, kind and threat or method
unless given; its file named after the title unless given; parsed as a file's entry is,
:func:`kg.additions.parse_entry`) and refuses it unless the additions directory as it would
be — the other files, and this file with the entry — builds on the survey with this entry
in the graph (not skipped, not an exact duplicate of a row the graph has) and the graph
conforms to the SHACL shapes. Then the file is written atomically (:mod:`kg.files`); the
read, the check and the write hold the directory's and the file's locks
(:func:`kg.files.locked`), so concurrent writers run one after another and lose nothing; bad
entries of other files are reported with the result, not refused here (they stop
``kg build``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import settings
from .additions import (
    AdditionReport,
    Additions,
    Entry,
    Rejected,
    addition_files,
    default_dir,
    load_additions,
    parse_additions,
    parse_entry,
    with_entry,
)
from .curated import Aliases, load_aliases
from .errors import AdditionError, KGError
from .files import atomic_write, display_path, locked
from .graph import build_graph, split_multi
from .ingest import Survey, read_survey
from .tasks import Tasks
from .validate import require_valid
from .vocab import slug

if TYPE_CHECKING:
    from rdflib import Graph

# entry field -> the alias kind its labels must belong to (a closed vocabulary)
LABEL_KINDS = {"threat": "threats", "knowledge": "knowledge", "models": "models"}


@dataclass(frozen=True)
class Added:
    """An entry written: the file (as displayed), its key, the entry, and the entries of
    other files that are bad (they will stop ``kg build``)."""

    file: str
    key: str
    entry: Entry
    other_bad: list[Rejected] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"file": self.file, "key": self.key, "entry": self.entry.as_yaml_dict(),
                "other_bad_entries": [r.as_dict() for r in self.other_bad]}


@dataclass
class Prepared:
    """An entry checked and ready to write: its file, the file's new text, the entry, and
    the graph of the survey with every addition and this one (``tasks``: names it uses that
    the vocabulary does not know, when asked to note them; then it is held back)."""

    target: Path
    text: str
    key: str
    entry: Entry
    graph: Graph
    report: AdditionReport
    tasks: Tasks

    @property
    def held(self) -> bool:
        """The entry names what the vocabulary does not know: it would not enter the graph."""
        return any(r.key == self.key and r.file == display_path(self.target)
                   for r in self.report.pending)


@dataclass
class Curation:
    """The survey and labels a new addition is checked against, and where it is written."""

    survey: Survey
    aliases: Aliases  # with the ontology's and the models' labels registered
    directory: Path

    def check_field(self, name: str, text: str) -> str:
        """``text`` unchanged when every label it gives is known (a threat, a comma-separated
        list of knowledge levels or models); an UnknownLabelError with "did you mean"
        otherwise. Fields that are not labels are not checked here."""
        if name in LABEL_KINDS:
            for part in ([text] if name == "threat" else split_multi(text)):
                self.aliases.require(LABEL_KINDS[name], part, f"field {name!r}")
        return text

    def add(self, fields: dict, *, key: str | None = None,
            file_name: str | None = None) -> Added:
        """Write the entry of ``fields`` (kind, title, ... as in a file) into its additions
        file, once it passes every check of the module's rule; KGError otherwise. One writer
        at a time: the check reads every file of the directory, so its lock (beside it)
        covers them; a file outside the directory takes its own lock too."""
        target = _target(file_name, self.directory, fields["title"])
        inside = target.resolve().parent == self.directory.resolve()
        with locked(self.directory), (contextlib.nullcontext() if inside else locked(target)):
            return self.write(self.prepare(fields, key=key, file_name=file_name))

    def write(self, p: Prepared) -> Added:
        """Write a prepared entry's file whole (refused when the entry is held back)."""
        if p.held:
            raise KGError(f"entry {p.key!r} names what the vocabulary does not know "
                          f"({', '.join(t.label for t in p.tasks.blocking)}); resolve the "
                          "curation tasks first; nothing written")
        atomic_write(p.target, p.text)
        return Added(display_path(p.target), p.key, p.entry, list(p.report.skipped))

    def prepare(self, fields: dict, *, key: str | None = None, file_name: str | None = None,
                tasks: Tasks | None = None) -> Prepared:
        """The entry of ``fields`` checked as :meth:`add` checks it, nothing written; with
        ``tasks``, an unknown label is noted there (the entry held back) instead of refused."""
        target = _target(file_name, self.directory, fields["title"])
        rel = display_path(target)
        old_text = target.read_text(encoding="utf-8") if target.is_file() else None
        existing = parse_additions(old_text or "", rel)
        taken = {e.key for e in existing.entries}
        key = key if key is not None else _new_key(fields, taken)
        entry = parse_entry({"key": key, **fields}, rel, len(existing.entries) + 1, set(taken))
        new_text = with_entry(old_text, entry)
        report, g = self._check(target, new_text, key, tasks)
        return Prepared(target, new_text, key, entry, g, report,
                        tasks if tasks is not None else Tasks())

    def _check(self, target: Path, new_text: str, key: str,
               tasks: Tasks | None = None) -> tuple[AdditionReport, Graph]:
        """The whole additions directory as it would be, built on the survey and validated;
        raises unless the entry ``key`` of ``target`` enters the graph (or, with ``tasks``,
        is held back for the names it uses that the vocabulary does not know)."""
        rel = display_path(target)
        others = Additions()
        for p in addition_files(self.directory):
            if p.resolve() != target.resolve():
                one = load_additions(p)
                others.files += one.files
                others.entries += one.entries
                others.rejected += one.rejected
        mine = parse_additions(new_text, rel)
        if mine.rejected:
            raise AdditionError(mine.rejected)
        report = AdditionReport()
        g = build_graph(self.survey, aliases=load_aliases(), additions=Additions(
            others.files + mine.files, others.entries + mine.entries, others.rejected),
            skip_bad=True, report=report, tasks=tasks)
        bad = [r for r in report.skipped if r.file == rel]
        if bad:
            raise AdditionError(bad)
        for e, where in report.unchanged:
            if e.file == rel and e.key == key:
                raise KGError(f"file {rel}, entry {key!r}: already in the graph ({where}); "
                              "nothing written")
        require_valid(g)
        return report, g

    def current_graph(self) -> Graph:
        """The graph of the survey with the additions as they are (the side a preview
        compares against)."""
        return build_graph(self.survey, aliases=load_aliases(),
                           additions=load_additions(self.directory), skip_bad=True,
                           tasks=Tasks())


def open_curation(source: Path | None = None, directory: Path | None = None) -> Curation:
    """The survey of ``source`` (default: KG_SOURCE) and the labels new additions are
    checked against; ``directory`` is where they are written (default: KG_ADDITIONS_DIR,
    else data/additions/)."""
    source = source or settings.path("source")
    survey = read_survey(source, display_path(source))
    aliases = load_aliases()
    build_graph(survey, aliases=aliases, tasks=Tasks())  # registers the ontology's and
    # models' labels (a survey name the vocabulary does not know is a task, not a stop)
    return Curation(survey, aliases, directory or default_dir())


def _target(file_name: str | None, directory: Path, title: str) -> Path:
    """The additions file: ``file_name`` (a name in ``directory``, or a path; ``.yaml``
    added when it has no suffix), else one file per paper, named after its title."""
    if not file_name:
        return directory / f"{slug(title)[:60]}.yaml"
    p = Path(file_name)
    if not p.suffix:
        p = p.with_suffix(".yaml")
    return p if (p.is_absolute() or len(p.parts) > 1) else directory / p


def _new_key(fields: dict, taken: set[str]) -> str:
    """A key from the title, kind and threat (attacks) or method (defenses), numbered
    (``-2``, ``-3``, ...) past the keys the file already has."""
    kind = fields["kind"]
    what = fields.get("threat") if kind == "attack" else fields.get("method")
    stem = f"{slug(fields['title'])[:48]}-{kind}-{slug(str(what))[:24]}".strip("-")
    key, n = stem, 2
    while key in taken:
        key, n = f"{stem}-{n}", n + 1
    return key


__all__ = ["Added", "Curation", "LABEL_KINDS", "Prepared", "open_curation"]
