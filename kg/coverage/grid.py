"""A coverage view as a plain-text grid: one line per threat, one column per view column,
``Na/Md`` (attacks / defense evaluations) in each cell and ``.`` where nothing falls, the
view's level note above and, for attacker knowledge, the defenses of unknown knowledge after
each row. The same text from the item lists (:func:`render_text`) and from the counts
(:func:`render_counts`, what ``kg coverage`` prints at any scale).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import LEVEL_NOTES, Node

if TYPE_CHECKING:
    from .cells import Matrix


def render_text(m: Matrix) -> str:
    """The matrix as a plain-text grid: 'a/d' = attacks/defenses per cell."""
    counts = {k: (len(c.attacks), len(c.defenses)) for k, c in m.cells.items()}
    unknown = {t: len(items) for t, items in m.unknown.items() if items}
    return render_counts(m.by, m.level, m.rows, m.cols, counts, unknown)


def render_counts(by: str, level: str, rows: list[Node], cols: list[Node],
                  counts: dict[tuple[str, str], tuple[int, int]], unknown: dict[str, int]) -> str:
    """A plain-text grid of (attacks, defenses) per (threat IRI, column IRI) cell; each
    column as wide as its name and its cells, so no name is cut."""
    width = max([len(r.label) for r in rows] + [6])
    cell = {k: f"{n[0]}a/{n[1]}d" for k, n in counts.items()}
    colw = [max([5, len(c.label)] + [len(cell.get((r.iri, c.iri), "")) for r in rows])
            for c in cols]
    head = "threat".ljust(width) + "  " + "  ".join(c.label.ljust(w)
                                                    for c, w in zip(cols, colw, strict=True))
    out = [f"coverage by {by} ({LEVEL_NOTES[(by, level)]})", "", head.rstrip(),
           "-" * len(head.rstrip())]
    for r in rows:
        parts = []
        for c, w in zip(cols, colw, strict=True):
            parts.append(cell.get((r.iri, c.iri), ".").ljust(w))
        line = r.label.ljust(width) + "  " + "  ".join(parts)
        if unknown.get(r.iri):
            line += f"   +{unknown[r.iri]}d unknown knowledge"
        out.append(line.rstrip())
    out += ["", "a = attacks, d = defense evaluations, . = nothing; "
            "derived items count where a derived link places them (see --json)"]
    return "\n".join(out)


__all__ = ["render_counts", "render_text"]
