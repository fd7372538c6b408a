"""Derived "evaluated against" links, listed: evaluation E was evaluated against attack A
because one paper reports both for the same threat (the rule of kg.derive, evaluated by its
one query), each with the labels of its four nodes and its derivation path, sorted by
evaluation then attack label. Derived, never stated by the survey.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..derive import EVALUATED_AGAINST, derivation_path
from ..stores.base import Store
from . import Node, labels


@dataclass(frozen=True)
class DerivedLink:
    """Evaluation E was evaluated against attack A: same paper, same threat (derived)."""

    evaluation: Node
    attack: Node
    paper: Node
    threat: Node
    path: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"derived": True, "predicate": "rd:evaluatedAgainst",
                "evaluation": self.evaluation.as_dict(), "attack": self.attack.as_dict(),
                "paper": self.paper.as_dict(), "threat": self.threat.as_dict(),
                "path": list(self.path)}


def evaluated_against(store: Store) -> list[DerivedLink]:
    lab = labels(store)

    def node(t) -> Node:
        return Node(str(t), lab.get(str(t), str(t)))

    out = []
    for r in store.select(EVALUATED_AGAINST):
        e, a, p, t = (str(r[k]) for k in ("evaluation", "attack", "paper", "threat"))
        out.append(DerivedLink(node(e), node(a), node(p), node(t),
                               derivation_path(lab, e, a, p, t)))
    return sorted(out, key=lambda d: (d.evaluation.label, d.attack.label))


__all__ = ["DerivedLink", "evaluated_against"]
