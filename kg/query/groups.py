"""Groups: the items a form selects counted per publication year or per venue of their rows'
papers ("attacks on DDPM by year", "MIA attacks per venue", "how many papers per year"), and
the groups picked by that count ("venues with more than one paper", "the year with the most
papers").

The rule: an item (as a listing of the form gives it, :func:`kg.query.compile_form`) belongs to
the group of each value its selected rows' papers hold (a model evaluated in a 2023 and a 2024
paper is in both years); a group's count is the number of distinct items in it. One SPARQL
SELECT, the form's listing as a sub-select, grouped on the value; a threshold (``more_than`` /
``fewer_than``) is a HAVING of that SELECT; ``top`` / ``bottom`` keep the groups whose count is
the largest / smallest of the counted groups (a group with no item is never counted).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..stores.base import Store, select_values
from .compiler import compile_form, context
from .form import Form, describe

#: what a form's items are grouped by -> the pattern binding ?group (and its ?glabel)
GROUP_BY = {
    "year": "?p rd:publicationYear ?group . BIND(STR(?group) AS ?glabel)",
    "venue": "?p rd:publishedAt ?group . ?group skos:prefLabel ?glabel .",
}
NOUN = {"year": "publication year", "venue": "venue"}
#: how groups are picked by their count
PICKS = ("all", "more_than", "fewer_than", "top", "bottom")


@dataclass
class Groups:
    """The groups of a form's items: each with its value (``label``), the node or literal
    (``iri``) and the number of distinct items ``n``; the SELECT that counted them."""

    by: str
    form: Form
    sparql: str
    groups: list[dict]
    understood_as: str


def groups_sparql(form: Form, by: str, ctx, pick: str = "all", n: int = 0) -> str:
    """One SELECT: the form's listing as a sub-select, its items counted per ``by`` value of
    their rows' papers; a threshold pick as HAVING."""
    listing = compile_form(Form(form.target, form.conds, None, form.parts), ctx).sparql
    inner = "\n".join("    " + line for line in listing.splitlines())
    having = {"more_than": f"\nHAVING (COUNT(DISTINCT ?key) > {int(n)})",
              "fewer_than": f"\nHAVING (COUNT(DISTINCT ?key) < {int(n)})"}.get(pick, "")
    return (f"SELECT ?group ?glabel (COUNT(DISTINCT ?key) AS ?n) WHERE {{\n  {{\n{inner}\n"
            f"  }}\n  ?row rd:fromPaper ?p .\n  {GROUP_BY[by]}\n}}\nGROUP BY ?group ?glabel"
            f"{having}\nORDER BY DESC(?n) ?glabel")


def grouped(store: Store, form: Form, by: str, pick: str = "all", n: int = 0) -> Groups:
    """The items ``form`` selects counted per ``by`` ("year" | "venue") and the groups
    ``pick`` keeps (see the module's rule)."""
    if by not in GROUP_BY or pick not in PICKS:
        raise ValueError(f"unknown grouping {by!r} / {pick!r}")
    ctx = context(store)
    sparql = groups_sparql(form, by, ctx, pick, n)
    names, rows = select_values(store, sparql)
    ix = {k: i for i, k in enumerate(names)}
    out = [{"iri": str(r[ix["group"]]), "label": str(r[ix["glabel"]]),
            "n": int(str(r[ix["n"]]))} for r in rows]
    if pick in ("top", "bottom") and out:
        best = (max if pick == "top" else min)(g["n"] for g in out)
        out = [g for g in out if g["n"] == best]
    said = {"all": "", "more_than": f", the {NOUN[by]}s with more than {n}",
            "fewer_than": f", the {NOUN[by]}s with fewer than {n}",
            "top": f", the {NOUN[by]} with the most", "bottom": f", the {NOUN[by]} with the "
            "fewest"}[pick]
    return Groups(by, form, sparql, out, f"{describe(form, ctx.tree)} · counted per "
                  f"{NOUN[by]}{said}")
