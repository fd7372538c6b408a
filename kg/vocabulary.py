"""The curated vocabulary grown by command: a new target model under a family
(``kg add model``) and another name of a known label (``kg add alias``).

Every change is checked before anything is written: a new name is never a name the graph
already gives anything, of any kind (a model named like a threat's alias would make a cell
ambiguous), and has no comma (cells list names with commas); a model's family is a known
model and the tree stays a tree (:func:`kg.curated.models_from_data` re-checks the file as
it would be); a source is a valid http(s) URL (:func:`kg.urls.url_problem`). The files are
then written whole (:func:`kg.files.atomic_write`), keeping their comments: a model entry
carries its citation (its source URL), an alias a comment naming its source. The names
known are read from the curated files and the survey, built tolerating its unknown names
(they are what these commands resolve).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from rdflib import RDF, RDFS

from . import settings
from .curated import ALIAS_KINDS, Aliases, aliases_from_data, load_aliases, models_from_data, norm
from .errors import KGError, SourceError, UnknownLabelError
from .files import SAFE_LOADER, atomic_write, display_path, locked
from .graph import build_graph
from .ingest import read_survey
from .tasks import KINDS, Tasks
from .urls import url_problem
from .vocab import RD

# a task's kind (model, threat, knowledge, method) -> its section of data/aliases.yaml
SECTIONS = {v: k for k, v in KINDS.items()}


@dataclass(frozen=True)
class Written:
    """What a vocabulary command wrote: the files (as displayed) and the entry."""

    files: list[str]
    entry: dict
    what: str  # in words

    def as_dict(self) -> dict:
        return {"files": self.files, "entry": self.entry, "what": self.what}


@dataclass
class Vocabulary:
    """The curated files and every name known, of every kind."""

    models_path: Path
    aliases_path: Path
    aliases: Aliases  # with the ontology's and the models' labels registered
    methods: set[str]  # the defense methods the survey names

    def owner(self, text: str) -> tuple[str, str] | None:
        """(kind, canonical label) of a name known as a label or an alias of any kind."""
        for kind in ALIAS_KINDS:
            found = self.aliases.resolve(kind, text)
            if found is not None:
                return kind, found
        for m in self.methods:
            if norm(m) == norm(text):
                return "methods", m
        return None

    def require_new(self, text: str, what: str) -> str:
        """``text`` (spaces collapsed) when no node has that name and it has no comma."""
        text = " ".join(str(text).split())
        if not text:
            raise KGError(f"{what}: empty")
        if "," in text:
            raise KGError(f"{what} {text!r}: a name has no comma (cells list names with "
                          "commas)")
        known = self.owner(text)
        if known is not None:
            raise KGError(f"{what} {text!r} already names the {known[0].rstrip('s')} "
                          f"{known[1]!r} (data/aliases.yaml, data/models.yaml or the survey);"
                          " a name means one thing")
        return text

    def add_model(self, name: str, broader: str, *, aliases: tuple[str, ...] = (),
                  source: str | None = None, citation: str | None = None,
                  kind: str | None = None, family: bool = False,
                  text_to_image: bool = False) -> Written:
        """Add a model under ``broader`` (a known model or family; an alias is resolved),
        with its other names and its source, to data/models.yaml (and data/aliases.yaml)."""
        name = self.require_new(name, "model")
        parent = self.aliases.resolve("models", broader)
        if parent is None:
            raise UnknownLabelError("broader model", broader,
                                    self.aliases.variants.get("models", {}), "--broader")
        alts = _new_aliases(self, aliases, {norm(name)})
        cite = _citation(source, citation, "kg add model")
        data = _yaml(self.models_path)
        entries = {e.label: e for e in models_from_data(data, display_path(self.models_path))}
        entry = {"label": name, "kind": kind or entries[parent].kind, "broader": parent}
        if family:
            entry["family"] = True
        if text_to_image:
            entry["text_to_image"] = True
        entry["citation"] = cite
        models_text = _with_model(self.models_path.read_text(encoding="utf-8"), entry)
        models_from_data(yaml.load(models_text, Loader=SAFE_LOADER),
                         display_path(self.models_path))  # the file as it would be: still valid
        files = {self.models_path: models_text}
        if alts:
            files[self.aliases_path] = self._aliases_text("models", name, alts, source)
        return self._write(files, {**entry, "aliases": alts},
                           f"model {name!r} under {parent!r}")

    def add_alias(self, alias: str, label: str, *, kind: str | None = None,
                  source: str | None = None) -> Written:
        """Make ``alias`` another name of the known ``label`` (of ``kind``: model, threat,
        knowledge, method; found from ``label`` when it names one kind only)."""
        section, canonical = self._target(label, kind)
        alts = _new_aliases(self, (alias,), set())
        if source is not None:
            _citation(source, None, "kg add alias")
        text = self._aliases_text(section, canonical, alts, source)
        return self._write({self.aliases_path: text},
                           {"kind": KINDS[section], "label": canonical, "aliases": alts,
                            "source": source},
                           f"{', '.join(map(repr, alts))} another name of the "
                           f"{KINDS[section]} {canonical!r}")

    def _target(self, label: str, kind: str | None) -> tuple[str, str]:
        if kind is not None and kind not in SECTIONS:
            raise KGError(f"--kind {kind!r}: one of {', '.join(SECTIONS)}")
        found = []
        for section in ([SECTIONS[kind]] if kind else list(KINDS)):
            hit = self.aliases.resolve(section, label)
            if hit is None and section == "methods":
                hit = next((m for m in sorted(self.methods) if norm(m) == norm(label)), None)
            if hit is not None:
                found.append((section, hit))
        if not found:
            known = [n for s in ([SECTIONS[kind]] if kind else KINDS)
                     for n in self.aliases.variants.get(s, {})]
            raise UnknownLabelError(NAMES_OF.get(kind or "", "label"), label,
                                    known + sorted(self.methods), "--for")
        if len(found) > 1:
            raise KGError(f"--for {label!r} names a {' and a '.join(KINDS[s] for s, _ in found)}"
                          "; pass --kind")
        return found[0]

    def _aliases_text(self, section: str, label: str, alts: list[str],
                      source: str | None) -> str:
        text = with_alias(self.aliases_path.read_text(encoding="utf-8"), section, label, alts,
                          source)
        checked = aliases_from_data(yaml.load(text, Loader=SAFE_LOADER),
                                    display_path(self.aliases_path))
        for a in alts:  # the file as it would be resolves each new name to its label
            if checked.resolve(section, a) != label:
                raise KGError(f"{display_path(self.aliases_path)}: alias {a!r} would not "
                              f"name {label!r}; nothing written")
        return text

    def _write(self, files: dict[Path, str], entry: dict, what: str) -> Written:
        for path, text in files.items():  # every file checked above; now written whole
            atomic_write(path, text)
        return Written([display_path(p) for p in files], entry, what)


NAMES_OF = {"model": "target model", "threat": "threat category",
            "knowledge": "attacker-knowledge label", "method": "defense method"}


def _yaml(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as e:
        raise SourceError(f"cannot read: {e}", file=display_path(path)) from None
    return data if isinstance(data, dict) else {}


def _new_aliases(v: Vocabulary, given: tuple[str, ...], taken: set[str]) -> list[str]:
    out: list[str] = []
    for a in given:
        a = v.require_new(a, "alias")
        if norm(a) in taken:
            raise KGError(f"alias {a!r} is given twice (or is the name itself)")
        taken.add(norm(a))
        out.append(a)
    return out


def _citation(source: str | None, citation: str | None, command: str) -> str:
    if source is not None:
        why = url_problem(source)
        if why:
            raise KGError(f"--source {source!r} is not a valid http(s) URL: it {why}")
    if citation is not None and not " ".join(citation.split()):
        raise KGError("--citation: empty")
    if source is None and citation is None:
        raise KGError(f"{command}: a curated name needs its source: pass --source URL (the "
                      "page that describes it) or --citation TEXT")
    return " ".join((citation or "").split()) or f"{source} (added with '{command}')"


def _with_model(text: str, entry: dict) -> str:
    """The models file's text with ``entry`` appended to its list (the list is the file's
    last section); values written as JSON strings, which YAML reads as they are."""
    lines = [f"  - label: {json.dumps(entry['label'], ensure_ascii=False)}"]
    for k, v in entry.items():
        if k != "label":
            lines.append(f"    {k}: {json.dumps(v, ensure_ascii=False)}")
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def with_alias(text: str, section: str, label: str, alts: list[str],
               source: str | None = None) -> str:
    """The aliases file's text with ``alts`` added to ``label``'s list in ``section``
    (the line rewritten, or a new line at the end of the section, or a new section),
    comments kept; a comment above names the source when one is given."""
    lines = text.splitlines()
    note = [f"  # {', '.join(alts)}: {source}"] if source else []
    start = next((i for i, ln in enumerate(lines) if ln.rstrip() == f"{section}:"), None)
    if start is None:
        return text.rstrip("\n") + f"\n{section}:\n" + "\n".join(
            [*note, f"  {json.dumps(label, ensure_ascii=False)}: "
                    f"{json.dumps(alts, ensure_ascii=False)}"]) + "\n"
    end, last = start + 1, start
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "#"))):
        if lines[end].startswith("  ") and not lines[end].lstrip().startswith("#"):
            last = end
            entry = yaml.load(lines[end].strip(), Loader=SAFE_LOADER)
            if isinstance(entry, dict) and norm(str(next(iter(entry)))) == norm(label):
                had = list(next(iter(entry.values())) or [])
                cut = lines[end].rfind(": [")
                if cut < 0:
                    raise SourceError(f"entry {section}/{label!r} is not written as a "
                                      "[...] list; add the alias by hand", file="aliases")
                key = lines[end][:cut]
                lines[end] = f"{key}: {json.dumps(had + alts, ensure_ascii=False)}"
                return "\n".join(lines[:end] + note + lines[end:]) + "\n"
        end += 1
    new = [*note, f"  {json.dumps(label, ensure_ascii=False)}: "
                  f"{json.dumps(alts, ensure_ascii=False)}"]
    return "\n".join(lines[:last + 1] + new + lines[last + 1:]) + "\n"


def open_vocabulary(source: Path | None = None) -> Vocabulary:
    """The curated files (data/models.yaml, data/aliases.yaml) and the names the graph of
    ``source`` (default KG_SOURCE) knows, its unknown names tolerated."""
    source = source or settings.path("source")
    aliases = load_aliases()
    g = build_graph(read_survey(source, display_path(source)), aliases=aliases, tasks=Tasks())
    methods = {str(lbl) for m in g.subjects(RDF.type, RD.DefenseMethod)
               for lbl in g.objects(m, RDFS.label)}
    return Vocabulary(settings.DATA_DIR / "models.yaml", settings.DATA_DIR / "aliases.yaml",
                      aliases, methods)


@contextlib.contextmanager
def writing(source: Path | None = None) -> Iterator[Vocabulary]:
    """:func:`open_vocabulary` under the writers' locks of both curated files (always in
    this order): read, check and write inside the block, so concurrent writers (this
    command, ``kg add``, the app) never lose an entry."""
    with locked(settings.DATA_DIR / "models.yaml"), locked(settings.DATA_DIR / "aliases.yaml"):
        yield open_vocabulary(source)


__all__ = ["Vocabulary", "Written", "open_vocabulary", "with_alias", "writing"]
