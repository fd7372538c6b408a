"""A question whose form would hold a condition and its own negation ("model ∈ DDPM family ·
model ∉ DDPM family") is never answered as is.

The rule, per kind of name: a value that a positive and a negated condition both hold is a
conflict. When every name of the question that says the value is negated ("which grey-box
MIAs were not evaluated on DDPM"), the negated reading wins: the value leaves the positive
condition (the positive came from another reading of the same words), and a note says so.
When the question itself names the value once plainly and once negated ("MIAs on DDPM that
were not evaluated on DDPM"), the conflict is named and the question is not answered.
"""

from __future__ import annotations

from dataclasses import replace

from ..linking import Mention
from ..query import Cond
from .conditions import named_by_kind
from .mentions import entities_of
from .tokens import Tok

#: the kinds whose conditions name graph nodes
_VALUE_KINDS = ("threat", "knowledge", "model", "method", "paper", "author", "venue")


def contradictions(q: str, toks: list[Tok], mentions: list[Mention], neg_at: set[int],
                   same: dict, conds: list[Cond]) -> tuple[list[Cond], list[str], list[str]]:
    """``conds`` without the positive values a negated name overrides, the notes saying
    so, and the conflicts the question itself states (each in words: then no answer)."""
    by_kind = named_by_kind(q, toks, mentions, neg_at)
    out, notes, conflicts = list(conds), [], []
    for kind in _VALUE_KINDS:
        pos = {v.iri: v.label for c in out if c.kind == kind and not c.negated
               for v in c.values}
        neg = {v.iri for c in out if c.kind == kind and c.negated for v in c.values}
        both = set(pos) & neg
        if not both:
            continue
        plain = {e.iri for m, negated in by_kind.get(kind, []) if not negated
                 for e in entities_of(m, same)}
        stated = both & plain
        for iri in sorted(stated, key=pos.get):
            conflicts.append(f"{kind} {pos[iri]!r} is asked for both with and without a "
                             "negation")
        dropped = both - stated
        if not dropped:
            continue
        kept = []
        for c in out:
            if c.kind == kind and not c.negated and {v.iri for v in c.values} & dropped:
                values = tuple(v for v in c.values if v.iri not in dropped)
                if not values:
                    continue
                c = replace(c, values=values, mode=c.mode if len(values) > 1 or c.mode in (
                    "only", "every") else "any")
            kept.append(c)
        out = kept
        notes.append("read " + ", ".join(repr(pos[i]) for i in sorted(dropped, key=pos.get))
                     + " only as negated (the negation governs the name)")
    return out, notes, conflicts
