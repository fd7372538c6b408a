"""Family semantics in one place: a family covers every model below it (``skos:broader*``).

:func:`model_tree` reads the small target-model tree of a store once; :meth:`ModelTree.covers`
is the one function that decides whether model ``m`` falls under family ``f`` — ask, export
and the query core (:mod:`kg.query`) use it, and the coverage engine is to follow.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .stores.base import Store, select_values

_TREE = """
SELECT ?m ?b ?label ?family WHERE {
  ?m a rd:TargetModel .
  OPTIONAL { ?m skos:broader ?b }
  OPTIONAL { ?m skos:prefLabel ?label }
  BIND(EXISTS { ?m a rd:ModelFamily } AS ?family)
}"""


@dataclass(frozen=True)
class ModelTree:
    """Target models (IRIs as strings) with their broader models and labels."""

    broader: dict[str, frozenset[str]]
    labels: dict[str, str]
    families: frozenset[str] = frozenset()
    #: :meth:`below` per family, computed once (the tree does not change)
    _below: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def ancestors(self, model: str) -> frozenset[str]:
        """``model`` and every model above it (``skos:broader*``)."""
        seen = {model}
        todo = [model]
        while todo:
            for b in self.broader.get(todo.pop(), ()):
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return frozenset(seen)

    def covers(self, family: str, model: str) -> bool:
        """Whether ``model`` falls under ``family`` (itself included)."""
        return family in self.ancestors(model)

    def below(self, family: str) -> frozenset[str]:
        """``family`` and every model under it, the set a family condition matches."""
        got = self._below.get(family)
        if got is None:
            got = self._below[family] = frozenset(
                m for m in self.broader if self.covers(family, m)) | {family}
        return got

    def has_children(self, model: str) -> bool:
        return any(model in bs for bs in self.broader.values())

    def families_of(self, model: str) -> tuple[str, ...]:
        """The family columns ``model`` counts under: every rd:ModelFamily that covers it,
        nearest first; the model itself when no family covers it (a model outside every
        family is its own column)."""
        depth = {}
        todo, seen = [(model, 0)], set()
        while todo:
            m, d = todo.pop(0)
            if m in seen:
                continue
            seen.add(m)
            depth[m] = d
            todo += [(b, d + 1) for b in sorted(self.broader.get(m, ()))]
        fams = sorted((f for f in depth if f in self.families), key=lambda f: (depth[f], f))
        return tuple(fams) or (model,)


def tree_from_rows(rows) -> ModelTree:
    broader: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    families = set()
    for m, b, label, fam in rows:
        broader.setdefault(m, set())
        if b:
            broader[m].add(b)
        if label:
            labels.setdefault(m, label)
        if fam in ("true", "1", True):
            families.add(m)
    return ModelTree({m: frozenset(bs) for m, bs in broader.items()}, labels,
                     frozenset(families))


@functools.lru_cache(maxsize=8)
def model_tree(store: Store) -> ModelTree:
    """The store's model tree, read once per store object."""
    return tree_from_rows(select_values(store, _TREE)[1])


__all__ = ["ModelTree", "model_tree", "tree_from_rows"]
