"""The coverage engine's shared ground: the views (threats x target model, attacker knowledge
or defense method; models at model or family level), the small vocabularies their rows and
columns come from, with labels, and the family roll-up.

Every coverage module (:mod:`kg.coverage.cells` the item lists per cell,
:mod:`kg.coverage.counts` the counts, :mod:`kg.coverage.summary` the counts kept in the
store, :mod:`kg.coverage.gaps` the typed gaps, :mod:`kg.coverage.page` the bounded pages)
reads its columns from here, so two views never disagree on what a column is. Two kinds of
computed fact appear in coverage and are labelled as such:

* roll-up: at family level an attack or defense evaluated on a model counts under every
  family that covers the model (each rd:ModelFamily above it, ``skos:broader*``, the one
  family semantics of kg.family; a model outside every family is its own column); the
  item keeps the model it was evaluated on (``evaluated_on``) and says ``rolled_up``.
* derived link: the survey never says which attack a defense was evaluated against; we
  derive "evaluation E was evaluated against attack A" when one paper reports both for
  the same threat (kg.derive, materialised by the build). Such items carry ``derived: true`` and
  the path. A defense's attacker knowledge is known only through this link; when no link
  exists its knowledge is *unknown* (listed under ``unknown``), never "none".

The queries are module constants, so benchmarks can run them per store.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UnknownLabelError
from ..family import model_tree
from ..stores.base import Store, select_values

BYS = ("model", "knowledge", "defense")
LEVELS = ("model", "family")

THREATS = """
SELECT ?node ?label WHERE { ?node a rd:ThreatCategory ; skos:prefLabel ?label . }
"""

KNOWLEDGE = """
SELECT ?node ?label WHERE { ?node a rd:AttackerKnowledge ; skos:prefLabel ?label . }
"""

LABELS = """
SELECT ?node ?label WHERE {
  { ?node a rd:TargetModel ; skos:prefLabel ?label . }
  UNION { ?node a rd:DefenseMethod ; rdfs:label ?label . }
  UNION { ?node a rd:Paper ; dcterms:title ?label . }
  UNION { ?node a rd:Attack ; rdfs:label ?label . }
  UNION { ?node a rd:DefenseEvaluation ; rdfs:label ?label . }
}
"""
# The small vocabularies' labels (threats, knowledge levels, models, methods).
VOCAB_LABELS = """
SELECT ?node ?label WHERE {
  { ?node a rd:TargetModel ; skos:prefLabel ?label . }
  UNION { ?node a rd:DefenseMethod ; rdfs:label ?label . }
}
"""

# The target models, and their labels.
TARGET_MODELS = "SELECT ?node WHERE { ?node a rd:TargetModel . }"
MODEL_LABELS = "SELECT ?node ?label WHERE { ?node a rd:TargetModel ; skos:prefLabel ?label . }"

COLUMN_KIND = {"model": "target model", "knowledge": "attacker knowledge",
               "defense": "defense method"}
LEVEL_NOTES = {
    ("model", "model"): "model level: each attack/defense counts under the models the survey names",
    ("model", "family"): "family level: a family covers every model below it (skos:broader*); "
                         "a model outside every family is its own column; items keep "
                         "evaluated_on",
    ("knowledge", "model"): "attacker knowledge: attacks as stated; defenses only through the "
                            "derived link (same paper, same threat); 'unknown' lists defenses "
                            "whose attacker knowledge is unknown (not none)",
    ("defense", "model"): "defense method: evaluations as stated; attacks only through the "
                          "derived link (same paper, same threat)",
}


@dataclass(frozen=True)
class Node:
    """A node of a view (a threat, a column, an item or a paper): its IRI and label."""

    iri: str
    label: str

    def as_dict(self) -> dict:
        return {"iri": self.iri, "label": self.label}


def find_node(nodes: list[Node], text: str, kind: str) -> Node:
    """The node named by ``text`` (IRI, label, or label in any case), else
    UnknownLabelError listing the labels of ``kind``."""
    for n in nodes:
        if text in (n.iri, n.label) or text.casefold() == n.label.casefold():
            return n
    raise UnknownLabelError(kind, text, [n.label for n in nodes])


def labels(store: Store) -> dict[str, str]:
    """IRI -> label of the nodes coverage names (models, methods, papers, attacks, defense
    evaluations; threats and knowledge levels last, so their labels win)."""
    out = {str(r["node"]): str(r["label"]) for r in store.select(LABELS)}
    for q in (THREATS, KNOWLEDGE):
        out.update({str(r["node"]): str(r["label"]) for r in store.select(q)})
    return out


def families(store: Store) -> dict[str, tuple[str, ...]]:
    """Every node -> the family columns it counts under (kg.family: every rd:ModelFamily
    that covers it via skos:broader*, nearest first; else the node itself)."""
    return _FamilyMap(model_tree(store))


class _FamilyMap(dict):
    """node -> families, computed on first use from the model tree."""

    def __init__(self, tree) -> None:
        super().__init__()
        self.tree = tree

    def __missing__(self, node: str) -> tuple[str, ...]:
        self[node] = out = self.tree.families_of(node)
        return out


def family_of(store: Store) -> dict[str, str]:
    """Model IRI -> its nearest family (nearest ancestor-or-self rd:ModelFamily, else
    itself): the context a model-level gap names."""
    fam = families(store)
    return {m: fam[m][0] for m, in select_values(store, TARGET_MODELS)[1]}


def vocab_labels(store: Store, methods: bool = True) -> dict[str, str]:
    """Labels of the small vocabularies: threats, knowledge levels, models, methods (the
    defense methods, a vocabulary that grows with the papers, only with ``methods``)."""
    out = {}
    for q in (VOCAB_LABELS if methods else MODEL_LABELS, THREATS, KNOWLEDGE):
        out.update(select_values(store, q)[1])
    return out


__all__ = ["BYS", "COLUMN_KIND", "LEVELS", "LEVEL_NOTES", "Node", "families", "family_of",
           "labels", "vocab_labels"]
