"""Curated data files in data/: aliases and the model hierarchy.

Each loader validates its file and names file and entry in errors. Facts taken from
these files are labelled curated in the graph (rd:CuratedEntry with rd:sourceFile).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import settings
from .errors import SourceError, UnknownLabelError
from .files import display_path, load_section, load_yaml

ALIAS_KINDS = ("knowledge", "threats", "models", "methods", "papers", "venues")
MODEL_KINDS = ("DiffusionModel", "GenerativeAdversarialNetwork", "AutoregressiveModel",
               "GenerativeModel")


def norm(label: str) -> str:
    return " ".join(label.split()).casefold()


@dataclass
class Aliases:
    """Canonical label <- surface forms, per kind of node."""

    file: str
    canonical: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> norm -> label
    variants: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # kind -> label -> alts

    def resolve(self, kind: str, text: str) -> str | None:
        """The canonical label of ``text``, or None when the file does not know it."""
        return self.canonical.get(kind, {}).get(norm(text))

    def add_canonical(self, kind: str, label: str) -> None:
        """Make a canonical label resolvable to itself (labels from the ontology or models)."""
        self.canonical.setdefault(kind, {}).setdefault(norm(label), label)
        self.variants.setdefault(kind, {}).setdefault(label, [])

    def require(self, kind: str, text: str, where: str = "") -> str:
        found = self.resolve(kind, text)
        if found is None:
            known = list(self.variants.get(kind, {}))
            raise UnknownLabelError(_KIND_NAMES.get(kind, kind), text, known, where)
        return found


_KIND_NAMES = {"knowledge": "attacker-knowledge label", "threats": "threat category",
               "models": "target model", "methods": "defense method", "papers": "paper title",
               "venues": "venue"}


def load_aliases(path: Path | None = None) -> Aliases:
    """data/aliases.yaml (or ``path``), checked: SourceError naming file and entry."""
    path = path or settings.DATA_DIR / "aliases.yaml"
    return aliases_from_data(load_yaml(path), display_path(path))


def aliases_from_data(data: dict, rel: str) -> Aliases:
    """The aliases of a parsed aliases file (``rel``: its name in errors), checked."""
    out = Aliases(file=rel)
    for kind in ALIAS_KINDS:
        section = data.get(kind) or {}
        if not isinstance(section, dict):
            raise SourceError(f"section {kind!r} must map labels to lists of aliases", file=rel)
        for label, alts in section.items():
            alts = alts or []
            if not isinstance(alts, list) or not all(isinstance(a, str) for a in alts):
                raise SourceError(f"entry {kind}/{label!r}: aliases must be a list of strings",
                                  file=rel)
            out.add_canonical(kind, str(label))
            for alt in alts:
                prev = out.canonical[kind].get(norm(alt))
                if prev is not None and prev != label:
                    raise SourceError(f"entry {kind}/{label!r}: alias {alt!r} already names "
                                      f"{prev!r}", file=rel)
                out.canonical[kind][norm(alt)] = str(label)
                out.variants[kind][str(label)].append(alt)
    unknown = set(data) - set(ALIAS_KINDS) - {"source"}
    if unknown:
        raise SourceError(f"unknown section(s) {sorted(unknown)}; expected {ALIAS_KINDS}",
                          file=rel)
    return out


@dataclass(frozen=True)
class ModelEntry:
    label: str
    kind: str
    broader: str | None
    family: bool
    text_to_image: bool
    citation: str


def load_models(path: Path | None = None) -> tuple[str, list[ModelEntry]]:
    """data/models.yaml (or ``path``), checked: SourceError naming file and entry."""
    path = path or settings.DATA_DIR / "models.yaml"
    rel = display_path(path)
    return rel, models_from_data(load_yaml(path), rel)


def models_from_data(data: dict, rel: str) -> list[ModelEntry]:
    """The entries of a parsed models file, checked: a label, a kind, a citation, no label
    twice, every ``broader`` a label of the file, and the tree a tree (no ``broader`` chain
    comes back to where it started)."""
    entries: list[ModelEntry] = []
    seen: set[str] = set()
    for i, e in enumerate(data.get("models") or [], start=1):
        where = f"entry {i}"
        if not isinstance(e, dict) or not str(e.get("label") or "").strip():
            raise SourceError(f"{where}: needs a non-empty 'label'", file=rel)
        label = str(e["label"]).strip()
        kind = e.get("kind")
        if kind not in MODEL_KINDS:
            raise SourceError(f"{where} ({label!r}): kind {kind!r} is not one of {MODEL_KINDS}",
                              file=rel)
        if not str(e.get("citation") or "").strip():
            raise SourceError(f"{where} ({label!r}): needs a 'citation' (its source)", file=rel)
        if label in seen:
            raise SourceError(f"{where}: duplicate label {label!r}", file=rel)
        seen.add(label)
        entries.append(ModelEntry(label, kind, e.get("broader"), bool(e.get("family")),
                                  bool(e.get("text_to_image")), str(e["citation"]).strip()))
    for e in entries:
        if e.broader is not None and e.broader not in seen:
            raise UnknownLabelError("broader model", e.broader, seen,
                                    f"{rel}, entry {e.label!r}")
    parent = {e.label: e.broader for e in entries}
    for e in entries:
        chain, at = [e.label], e.broader
        while at is not None:
            if at in chain:
                raise SourceError(f"entry {e.label!r}: the broader chain "
                                  f"{' -> '.join([*chain, at])} is a cycle; the models "
                                  "form a tree", file=rel)
            chain.append(at)
            at = parent[at]
    return entries


DEFINITION_KINDS = ("threats", "knowledge", "methods", "models")


@dataclass(frozen=True)
class Definition:
    """One curated sentence defining a concept, with the public source it paraphrases."""

    kind: str  # a DEFINITION_KINDS section
    label: str
    text: str
    source: str
    quote: str


def load_definitions(path: Path | None = None) -> tuple[str, list[Definition]]:
    """data/definitions.yaml: ``definitions: {kind: {label: {definition, source, quote}}}``.
    An entry whose definition could not be verified has ``definition: null`` and says what
    was searched in ``unverified``; it yields no definition."""
    rel, sections = load_section(path, "definitions.yaml", "definitions", dict)
    assert isinstance(sections, dict)
    unknown = set(sections) - set(DEFINITION_KINDS)
    if unknown:
        raise SourceError(f"unknown section(s) {sorted(unknown)}; expected "
                          f"{DEFINITION_KINDS}", file=rel)
    out: list[Definition] = []
    for kind in DEFINITION_KINDS:
        section = sections.get(kind) or {}
        if not isinstance(section, dict):
            raise SourceError(f"section {kind!r} must map labels to entries", file=rel)
        for label, e in section.items():
            where = f"entry {kind}/{label!r}"
            if not isinstance(e, dict):
                raise SourceError(f"{where}: expected a mapping with 'definition' and "
                                  "'source'", file=rel)
            text = " ".join(str(e.get("definition") or "").split())
            if not text:
                if not str(e.get("unverified") or "").strip():
                    raise SourceError(f"{where}: no definition and no 'unverified' note "
                                      "saying why", file=rel)
                continue
            source = " ".join(str(e.get("source") or "").split())
            if not source:
                raise SourceError(f"{where}: the definition names no 'source'", file=rel)
            if not text.endswith("."):
                raise SourceError(f"{where}: a definition is one sentence ending with a "
                                  "period", file=rel)
            out.append(Definition(kind, str(label), text, source,
                                  " ".join(str(e.get("quote") or "").split())))
    return rel, out
