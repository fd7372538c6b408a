"""Where the survey disagrees with itself, reported with every source; nothing is resolved
silently (both sides are kept and shown).

Finding kinds:

* ``target_models_differ``: a paper's target models differ between its attack rows and
  its defense rows (the relation says subset / superset / overlap / disjoint);
* ``threat_differs``: a paper's threat differs between the two tables;
* ``paper_urls_differ``: the Ref. cells of one paper link to different URLs;
* ``code_link_differs``: one paper's Code cells disagree (a link in one, none in another,
  or different links).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Literal

from .coverage import labels
from .sparql_text import sparql_term
from .stores.base import Store
from .survey import CODE, MODELS, REF

KINDS = ("target_models_differ", "threat_differs", "paper_urls_differ", "code_link_differs")

# A paper's facts per row, with the survey cell each one comes from.
ROW_MODELS = f"""
SELECT ?paper ?table ?node ?value ?where ?text WHERE {{
  ?node rd:fromPaper ?paper ; rd:evaluatedOn ?value ; prov:wasDerivedFrom ?row .
  ?row a rd:SourceRow ; rd:inTable/rd:entryKey ?table ; rd:hasCell ?cell .
  ?cell rd:column/rd:header {sparql_term(Literal(MODELS))} ; rd:cellText ?text ; rdfs:label ?where .
}}
"""

ROW_THREATS = """
SELECT ?paper ?table ?node ?value ?where ?text WHERE {
  VALUES ?p { rd:threat rd:mitigates }
  ?node rd:fromPaper ?paper ; ?p ?value ; prov:wasDerivedFrom ?row .
  ?row a rd:SourceRow ; rd:inTable/rd:entryKey ?table ; rd:hasCell ?cell .
  ?cell rd:column ?col ; rd:cellText ?text ; rdfs:label ?where .
  ?col rd:mapsTo ?p .
}
"""

# Ref. / Code cells of every row a paper comes from, with their links (if any).
PAPER_CELLS = f"""
SELECT ?paper ?header ?table ?where ?text ?link WHERE {{
  VALUES ?header {{ {sparql_term(Literal(REF))} {sparql_term(Literal(CODE))} }}
  ?paper a rd:Paper ; prov:wasDerivedFrom ?row .
  ?row a rd:SourceRow ; rd:inTable/rd:entryKey ?table ; rd:hasCell ?cell .
  ?cell rd:column/rd:header ?header ; rd:cellText ?text ; rdfs:label ?where .
  OPTIONAL {{ ?cell rd:cellLink ?link }}
}}
"""


@dataclass
class Finding:
    kind: str
    subject: dict  # {"iri", "label"} of the paper
    message: str
    sources: list[dict] = field(default_factory=list)  # each side: table, cells, values
    relation: str | None = None

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "subject": self.subject, "message": self.message,
             "sources": self.sources, "resolution": "none: both sources are kept and shown"}
        if self.relation:
            d["relation"] = self.relation
        return d


def _natural(cell: tuple[str, ...]) -> list:
    """Sort key for cell labels: 'row 9' before 'row 10'."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", cell[0])] + list(cell[1:])


def _side(lab: dict[str, str], table: str, rows: list[dict]) -> dict:
    cells = sorted({(str(r["where"]), str(r["text"])) for r in rows}, key=_natural)
    values = sorted({lab.get(str(r["value"]), str(r["value"])) for r in rows})
    return {"table": table, "values": values,
            "cells": [{"where": w, "text": t} for w, t in cells]}


def _relation(a: set, d: set) -> str:
    if d < a:
        return "defense models are a subset of attack models"
    if a < d:
        return "attack models are a subset of defense models"
    return "overlap" if a & d else "disjoint"


def _across_tables(store: Store, query: str, kind: str, what: str,
                   lab: dict[str, str]) -> list[Finding]:
    by: dict[str, dict[str, list[dict]]] = {}
    for r in store.select(query):
        by.setdefault(str(r["paper"]), {}).setdefault(str(r["table"]), []).append(r)
    out = []
    for paper, tables in sorted(by.items()):
        if len(tables) < 2:
            continue
        a, d = tables.get("attacks", []), tables.get("defenses", [])
        av, dv = {str(r["value"]) for r in a}, {str(r["value"]) for r in d}
        if av == dv:
            continue
        subject = {"iri": paper, "label": lab.get(paper, paper)}

        def names(vs: set[str]) -> str:
            return ", ".join(sorted(lab.get(v, v) for v in vs))

        msg = (f"{subject['label']}: the attack table names {what} {names(av)}; the defense "
               f"table names {names(dv)}")
        rel = _relation(av, dv) if kind == "target_models_differ" else None
        out.append(Finding(kind, subject, msg, [_side(lab, "attacks", a), _side(lab, "defenses", d)],
                           rel))
    return out


def _cells(store: Store, lab: dict[str, str]) -> list[Finding]:
    by: dict[tuple[str, str], dict[tuple[str, str, str], set[str]]] = {}
    for r in store.select(PAPER_CELLS):
        key = (str(r["paper"]), str(r["header"]))
        cell = (str(r["table"]), str(r["where"]), str(r["text"]))
        links = by.setdefault(key, {}).setdefault(cell, set())
        if r["link"] is not None:
            links.add(str(r["link"]))
    out = []
    for (paper, header), cells in sorted(by.items()):
        distinct = {frozenset(v) for v in cells.values()}
        if len(distinct) < 2:
            continue
        subject = {"iri": paper, "label": lab.get(paper, paper)}
        sources = [{"table": t, "where": w, "text": x, "links": sorted(v)}
                   for (t, w, x), v in sorted(cells.items(), key=lambda kv: _natural(kv[0][1:]))]
        all_links = sorted(set().union(*cells.values()))
        if header == REF:
            msg = (f"{subject['label']}: its Ref. cells link to {len(all_links)} different URLs "
                   f"({', '.join(all_links)}); the graph keeps all as rd:paperURL")
            out.append(Finding("paper_urls_differ", subject, msg, sources))
        else:
            without = [s for s in sources if not s["links"]]
            if without:
                msg = (f"{subject['label']}: {len(sources) - len(without)} Code cell(s) link to "
                       f"code and {len(without)} do not; the graph records code linked (a link "
                       f"exists), and both cells are shown here")
            else:
                msg = (f"{subject['label']}: its Code cells link to different repositories "
                       f"({', '.join(all_links)})")
            out.append(Finding("code_link_differs", subject, msg, sources))
    return out


def findings(store: Store) -> list[Finding]:
    """Every place the survey disagrees with itself, sorted by kind then paper."""
    lab = labels(store)
    out = (_across_tables(store, ROW_MODELS, "target_models_differ", "target models", lab)
           + _across_tables(store, ROW_THREATS, "threat_differs", "threat", lab)
           + _cells(store, lab))
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(out, key=lambda f: (order[f.kind], f.subject["label"]))


def render_text(fs: list[Finding]) -> str:
    out = []
    for f in fs:
        out.append(f"{f.kind}: {f.message}" + (f" [{f.relation}]" if f.relation else ""))
        for s in f.sources:
            if "cells" in s:
                for c in s["cells"]:
                    out.append(f"    <- {c['where']}: \"{c['text']}\"")
            else:
                links = ", ".join(s["links"]) or "no link"
                out.append(f"    <- {s['where']}: \"{s['text']}\" ({links})")
    out.append(f"{len(fs)} finding{'s' if len(fs) != 1 else ''}; nothing was resolved: "
               "both sources are kept")
    return "\n".join(out)


__all__ = ["Finding", "findings", "render_text", "KINDS"]
