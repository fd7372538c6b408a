"""Phrases with two established readings: the question is asked back, never read one way.

"Attacks that only need black-box access" is read by some as "needing no more than
black-box" (any attack that black-box access is among the levels of) and by others as
"black-box only" (the attack's knowledge levels are exactly black-box): the project's own
benchmark reads it the first way, two independently written held-out sets the second. When a
question says "only need(s) / only require(s) / only assume(s) / need(s) only" before the
knowledge level it names, and the first reading applied that level with mode ``any`` or
``only``, :func:`other_reading` gives the form with the other mode; the caller answers both
and asks back when they differ (:func:`kg.ask.question.ask`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..query import Form

#: "only" with a verb of needing, either order ("only need", "needs only", "only requiring")
ONLY_NEED = re.compile(r"\bonly\s+(?:need|requir|assum)\w*\b|\b(?:need|requir|assum)\w*\s+"
                       r"only\b", re.I)


def other_reading(question: str, form: Form) -> tuple[Form, str, str] | None:
    """(the other form, how the first reading reads the phrase, how the other does) when the
    question holds an "only need" phrase and the form applies one knowledge level (or
    levels) with mode ``any`` or ``only``: the other form has the other mode. None
    otherwise."""
    if not ONLY_NEED.search(question):
        return None
    hits = [i for i, c in enumerate(form.conds) if c.kind == "knowledge"
            and c.mode in ("any", "only") and not c.negated and c.values]
    if len(hits) != 1:
        return None
    c = form.conds[hits[0]]
    level = " or ".join(v.label for v in c.values)
    readings = {"any": f"needing no more than {level} (any attack with {level} among its "
                       "levels)",
                "only": f"{level} only (attacks whose only knowledge level is {level})"}
    other = "only" if c.mode == "any" else "any"
    conds = list(form.conds)
    conds[hits[0]] = replace(c, mode=other)
    return replace(form, conds=tuple(conds)), readings[c.mode], readings[other]


__all__ = ["ONLY_NEED", "other_reading"]
