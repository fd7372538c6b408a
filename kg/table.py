"""The survey's two tables regenerated from the graph alone (SPARQL over the graph).

One row per Attack / DefenseEvaluation, in survey row order (rows from curated
additions follow, by file and entry), keyed by the survey's own column headers;
multi-valued cells are lists (sorted: RDF keeps no order).
"""

from __future__ import annotations

import csv
import html
import io
import json

from .errors import KGError
from .store import Store

SEP = "\u001f"

ATTACKS_QUERY = f"""
SELECT ?node ?n ?threat ?title ?ref ?eff ?lim ?code
       (GROUP_CONCAT(DISTINCT ?kl; separator="{SEP}") AS ?knowledge)
       (GROUP_CONCAT(DISTINCT ?ml; separator="{SEP}") AS ?models)
WHERE {{
  ?node a rd:Attack ; rd:fromPaper ?p ; rd:threat ?t ;
        rd:effectiveness ?eff ; rd:limitation ?lim ; prov:wasDerivedFrom ?row .
  ?row a ?rowType . FILTER (?rowType IN (rd:SourceRow, rd:AdditionEntry))
  OPTIONAL {{ ?row rd:rowNumber ?rowNumber }}
  OPTIONAL {{ ?row rd:sourceFile ?file ; rd:entryKey ?entry }}
  BIND (COALESCE(?rowNumber, 1000000000) AS ?n)
  BIND (COALESCE(CONCAT(?file, "#", ?entry), "") AS ?key)
  ?t skos:prefLabel ?threat .
  ?p dcterms:title ?title .
  ?node rd:assumesKnowledge/skos:prefLabel ?kl .
  ?node rd:evaluatedOn/skos:prefLabel ?ml .
  OPTIONAL {{ ?node rd:referenceURL ?ref }}
  OPTIONAL {{ ?p rd:codeRepository ?code }}
}}
GROUP BY ?node ?n ?key ?threat ?title ?ref ?eff ?lim ?code
ORDER BY ?n ?key
"""

DEFENSES_QUERY = f"""
SELECT ?node ?n ?threat ?title ?ref ?method ?eff ?code
       (GROUP_CONCAT(DISTINCT ?ml; separator="{SEP}") AS ?models)
WHERE {{
  ?node a rd:DefenseEvaluation ; rd:fromPaper ?p ; rd:mitigates ?t ; rd:method ?m ;
        rd:effectiveness ?eff ; prov:wasDerivedFrom ?row .
  ?row a ?rowType . FILTER (?rowType IN (rd:SourceRow, rd:AdditionEntry))
  OPTIONAL {{ ?row rd:rowNumber ?rowNumber }}
  OPTIONAL {{ ?row rd:sourceFile ?file ; rd:entryKey ?entry }}
  BIND (COALESCE(?rowNumber, 1000000000) AS ?n)
  BIND (COALESCE(CONCAT(?file, "#", ?entry), "") AS ?key)
  ?t skos:prefLabel ?threat .
  ?m rdfs:label ?method .
  ?p dcterms:title ?title .
  ?node rd:evaluatedOn/skos:prefLabel ?ml .
  OPTIONAL {{ ?node rd:referenceURL ?ref }}
  OPTIONAL {{ ?p rd:codeRepository ?code }}
}}
GROUP BY ?node ?n ?key ?threat ?title ?ref ?method ?eff ?code
ORDER BY ?n ?key
"""

COLUMNS = {
    "attacks": ["Category", "Ref.", "Attacker's knowledge", "Target Models", "Effectiveness",
                "Limitations", "Paper URL", "Code URL"],
    "defenses": ["Threats", "Ref.", "Key Methods", "Target Models", "Effectiveness",
                 "Paper URL", "Code URL"],
}
FORMATS = ("md", "html", "csv", "json")


def _s(v) -> str | None:
    return None if v is None else str(v)


def _list(v) -> list[str]:
    return sorted(str(v).split(SEP)) if v is not None and str(v) else []


def table_rows(store: Store, name: str) -> list[dict]:
    """The rows of the 'attacks' or 'defenses' table, as the survey shows them."""
    if name == "attacks":
        return [{
            "Category": _s(r["threat"]),
            "Ref.": _s(r["title"]),
            "Attacker's knowledge": _list(r["knowledge"]),
            "Target Models": _list(r["models"]),
            "Effectiveness": _s(r["eff"]),
            "Limitations": _s(r["lim"]),
            "Paper URL": _s(r["ref"]),
            "Code URL": _s(r["code"]),
        } for r in store.select(ATTACKS_QUERY)]
    if name == "defenses":
        return [{
            "Threats": _s(r["threat"]),
            "Ref.": _s(r["title"]),
            "Key Methods": _s(r["method"]),
            "Target Models": _list(r["models"]),
            "Effectiveness": _s(r["eff"]),
            "Paper URL": _s(r["ref"]),
            "Code URL": _s(r["code"]),
        } for r in store.select(DEFENSES_QUERY)]
    raise KGError(f"unknown table {name!r}; expected 'attacks' or 'defenses'")


def _flat(v, sep: str = ", ") -> str:
    if v is None:
        return ""
    return sep.join(v) if isinstance(v, list) else str(v)


def render(rows: list[dict], name: str, fmt: str) -> str:
    cols = COLUMNS[name]
    if fmt == "json":
        return json.dumps({"table": name, "rows": rows}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([_flat(r[c], "; ") for c in cols])
        return buf.getvalue()
    shown = [c for c in cols if c not in ("Paper URL", "Code URL")] + ["Code"]
    if fmt == "md":
        def md(r: dict, c: str) -> str:
            if c == "Ref.":
                v = f"[{r[c]}]({r['Paper URL']})" if r["Paper URL"] else r[c]
            elif c == "Code":
                v = f"[code]({r['Code URL']})" if r["Code URL"] else "no public code"
            else:
                v = _flat(r[c])
            return v.replace("|", "\\|")

        lines = ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
        lines += ["| " + " | ".join(md(r, c) for c in shown) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    if fmt == "html":
        return _html(rows, shown)
    raise KGError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _html(rows: list[dict], shown: list[str]) -> str:
    """HTML with the survey's rowspans: equal consecutive threat / reference cells merge."""
    esc = html.escape
    merge = [c for c in shown[:2]]  # the threat column and Ref.
    spans: dict[tuple[int, str], int] = {}
    for c in merge:
        i = 0
        while i < len(rows):
            j = i
            key = [rows[i][m] for m in merge[: merge.index(c) + 1]]
            while j + 1 < len(rows) and [rows[j + 1][m] for m in merge[: merge.index(c) + 1]] == key:
                j += 1
            spans[(i, c)] = j - i + 1
            for k in range(i + 1, j + 1):
                spans[(k, c)] = 0
            i = j + 1
    out = ["<table>", "  <tr>" + "".join(f"<th>{esc(c)}</th>" for c in shown) + "</tr>"]
    for i, r in enumerate(rows):
        tds = []
        for c in shown:
            span = spans.get((i, c), 1)
            if span == 0:
                continue
            if c == "Ref.":
                v = (f'<a href="{esc(r["Paper URL"])}">{esc(r[c])}</a>' if r["Paper URL"]
                     else esc(r[c]))
            elif c == "Code":
                v = f'<a href="{esc(r["Code URL"])}">code</a>' if r["Code URL"] else "code"
            else:
                v = esc(_flat(r[c]))
            attr = f' rowspan="{span}"' if span > 1 else ""
            tds.append(f"<td{attr}>{v}</td>")
        out.append("  <tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "\n".join(out) + "\n"
