"""The survey's two tables regenerated from the graph alone (SPARQL over the graph).

Two wordings (``words``):

* ``"survey"`` — every cell in the survey's own words, as the graph keeps them in its
  provenance: each row node's ``rd:SourceRow`` has one ``rd:SourceCell`` per column
  (``rd:cellText`` as written, ``rd:cellLink`` its hrefs, ``rd:writtenInRow`` the row a
  rowspan carried it from), under the survey's headers (``rd:SourceColumn`` /
  ``rd:header``, in ``rd:columnIndex`` order). Rows from curated additions have no survey
  words: they follow, their cells written from the graph's values.
* ``"canonical"`` — one row per Attack / DefenseEvaluation, keyed by the survey's column
  headers, in the graph's canonical labels; multi-valued cells are lists (sorted: RDF
  keeps no order).

Both are in survey row order (rows from curated additions follow, by file and entry).
In the rendered formats (md, html) only ``http``/``https`` links are written as links;
any other href (``javascript:`` ...) leaves the cell's text as plain text.
"""

from __future__ import annotations

import csv
import html
import io
import json

from rdflib import Literal

from .errors import KGError
from .markup import csv_cell, html_link, md_link, md_text, md_url
from .stores.base import Store
from .survey import (
    CATEGORY,
    CODE,
    CODE_URL,
    EFFECTIVENESS,
    KNOWLEDGE,
    LIMITATIONS,
    METHODS,
    MODELS,
    PAPER_URL,
    REF,
    THREATS,
)
from .survey import COLUMNS as SURVEY_COLUMNS
from .urls import is_web_url

SEP = "\u001f"
ADDITION = 1000000000  # the row number sorting addition rows after the survey's

ATTACKS_QUERY = f"""
SELECT ?node ?n ?key ?threat ?title ?ref ?eff ?lim ?code
       (GROUP_CONCAT(DISTINCT ?kl; separator="{SEP}") AS ?knowledge)
       (GROUP_CONCAT(DISTINCT ?ml; separator="{SEP}") AS ?models)
WHERE {{
  ?node a rd:Attack ; rd:fromPaper ?p ; rd:threat ?t ;
        rd:effectiveness ?eff ; rd:limitation ?lim ; prov:wasDerivedFrom ?row .
  ?row a ?rowType . FILTER (?rowType IN (rd:SourceRow, rd:AdditionEntry))
  OPTIONAL {{ ?row rd:rowNumber ?rowNumber }}
  OPTIONAL {{ ?row rd:sourceFile ?file ; rd:entryKey ?entry }}
  BIND (COALESCE(?rowNumber, {ADDITION}) AS ?n)
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
SELECT ?node ?n ?key ?threat ?title ?ref ?method ?eff ?code
       (GROUP_CONCAT(DISTINCT ?ml; separator="{SEP}") AS ?models)
WHERE {{
  ?node a rd:DefenseEvaluation ; rd:fromPaper ?p ; rd:mitigates ?t ; rd:method ?m ;
        rd:effectiveness ?eff ; prov:wasDerivedFrom ?row .
  ?row a ?rowType . FILTER (?rowType IN (rd:SourceRow, rd:AdditionEntry))
  OPTIONAL {{ ?row rd:rowNumber ?rowNumber }}
  OPTIONAL {{ ?row rd:sourceFile ?file ; rd:entryKey ?entry }}
  BIND (COALESCE(?rowNumber, {ADDITION}) AS ?n)
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

# The survey's headers of one table (?table bound to the table's key), in column order.
HEADERS_QUERY = """
SELECT ?header ?idx WHERE {
  ?t a rd:SourceTable ; rd:entryKey ?table .
  ?col a rd:SourceColumn ; rd:inTable ?t ; rd:header ?header ; rd:columnIndex ?idx .
}
ORDER BY ?idx
"""

# Every cell of one survey table (?table bound), one result per cell and link.
CELLS_QUERY = """
SELECT ?n ?where ?idx ?header ?text ?written ?link WHERE {
  ?t a rd:SourceTable ; rd:entryKey ?table .
  ?row a rd:SourceRow ; rd:inTable ?t ; rd:rowNumber ?n ; rd:hasCell ?cell .
  OPTIONAL { ?row rdfs:label ?where }
  ?cell rd:column ?col ; rd:cellText ?text .
  ?col rd:header ?header ; rd:columnIndex ?idx .
  OPTIONAL { ?cell rd:writtenInRow ?written }
  OPTIONAL { ?cell rd:cellLink ?link }
}
ORDER BY ?n ?idx
"""

COLUMNS = {name: [c for c in cols if c != CODE] + [PAPER_URL, CODE_URL]
           for name, cols in SURVEY_COLUMNS.items()}
FORMATS = ("md", "html", "csv", "json")
WORDS = ("survey", "canonical")


def _s(v) -> str | None:
    return None if v is None else str(v)


def _list(v) -> list[str]:
    return sorted(str(v).split(SEP)) if v is not None and str(v) else []


def _check(name: str, words: str) -> None:
    if name not in COLUMNS:
        raise KGError(f"unknown table {name!r}; expected 'attacks' or 'defenses'")
    if words not in WORDS:
        raise KGError(f"unknown wording {words!r}; expected one of {', '.join(WORDS)}")


def _canonical(store: Store, name: str) -> list[tuple[int, str, dict]]:
    """(row number or ADDITION, addition "file#entry" or "", canonical row) per node."""
    if name == "attacks":
        return [(int(r["n"]), str(r["key"] or ""), {
            CATEGORY: _s(r["threat"]),
            REF: _s(r["title"]),
            KNOWLEDGE: _list(r["knowledge"]),
            MODELS: _list(r["models"]),
            EFFECTIVENESS: _s(r["eff"]),
            LIMITATIONS: _s(r["lim"]),
            PAPER_URL: _s(r["ref"]),
            CODE_URL: _s(r["code"]),
        }) for r in store.select(ATTACKS_QUERY)]
    return [(int(r["n"]), str(r["key"] or ""), {
        THREATS: _s(r["threat"]),
        REF: _s(r["title"]),
        METHODS: _s(r["method"]),
        MODELS: _list(r["models"]),
        EFFECTIVENESS: _s(r["eff"]),
        PAPER_URL: _s(r["ref"]),
        CODE_URL: _s(r["code"]),
    }) for r in store.select(DEFENSES_QUERY)]


def table_rows(store: Store, name: str, words: str = "canonical") -> list[dict]:
    """The rows of the 'attacks' or 'defenses' table.

    ``words="canonical"`` (the default): one dict per row keyed by the survey's column
    headers (with 'Paper URL' / 'Code URL' for the Ref. and Code links), in the graph's
    labels. ``words="survey"``: :func:`survey_rows`.
    """
    _check(name, words)
    if words == "survey":
        return survey_rows(store, name)
    return [row for _, _, row in _canonical(store, name)]


def survey_headers(store: Store, name: str) -> list[str]:
    """The survey's column headers of table ``name``, in the survey's order."""
    _check(name, "survey")
    got = [str(r["header"]) for r in store.select(HEADERS_QUERY, {"table": Literal(name)})]
    return got or list(SURVEY_COLUMNS[name])


def _cell(text: str, links: list[str], written: int | None) -> dict:
    return {"text": text, "links": links, "written_in_row": written}


def survey_rows(store: Store, name: str) -> list[dict]:
    """Table ``name`` in the survey's words, in survey row order, rowspans expanded:

    ``{"row": n, "source": "attacks table, row n", "cells": {header: {"text", "links",
    "written_in_row"}}}`` per row, ``cells`` keyed by the survey's headers in their order.
    ``links`` are the cell's hrefs (sorted: RDF keeps no order); ``written_in_row`` the row
    the cell is written in (a rowspan carries it down). Rows from curated additions follow
    (``row`` None, ``source`` "file: entry"), written from the graph's values.
    """
    _check(name, "survey")
    headers = survey_headers(store, name)
    rows: dict[int, dict] = {}
    for r in store.select(CELLS_QUERY, {"table": Literal(name)}):
        n = int(r["n"])
        row = rows.setdefault(n, {"row": n, "source": _s(r["where"]) or f"{name} table, row {n}",
                                  "cells": {}})
        header = str(r["header"])
        cell = row["cells"].setdefault(header, _cell(
            str(r["text"]), [], None if r["written"] is None else int(r["written"])))
        if r["link"] is not None and str(r["link"]) not in cell["links"]:
            cell["links"].append(str(r["link"]))
    out = []
    for n in sorted(rows):
        cells = rows[n]["cells"]
        for c in cells.values():
            c["links"].sort()
        rows[n]["cells"] = {h: cells.get(h, _cell("", [], None)) for h in headers}
        out.append(rows[n])
    for n, key, row in _canonical(store, name):
        if n == ADDITION:
            file, _, entry = key.rpartition("#")
            out.append({"row": None, "source": f"{file}: {entry}",
                        "cells": _addition_cells(row, name, headers)})
    return out


def _addition_cells(row: dict, name: str, headers: list[str]) -> dict:
    """An addition row's cells under the survey's headers, from the graph's values."""
    def links(v: str | None) -> list[str]:
        return [v] if v else []

    known = {
        REF: _cell(row[REF] or "", links(row[PAPER_URL]), None),
        CODE: _cell("code", links(row[CODE_URL]), None),
    }
    for h in COLUMNS[name]:
        if h not in known and h not in (PAPER_URL, CODE_URL):
            known[h] = _cell(_flat(row[h]), [], None)
    return {h: known.get(h, _cell("", [], None)) for h in headers}


def _flat(v, sep: str = ", ") -> str:
    if v is None:
        return ""
    return sep.join(v) if isinstance(v, list) else str(v)


# ------------------------------------------------------------------ links and escaping

def web_link(url: str | None) -> bool:
    """True for a valid ``http``/``https`` URL (kg.urls), the only kind written as a link;
    any other scheme (``javascript:``, ``data:``, relative ...) is never written as one."""
    return is_web_url(url)


def _linked(cell: dict, link) -> str:
    """A survey cell with its links: the first http(s) link on the cell's text, any
    further ones as numbered links after it (the graph does not record which words each
    link covered; the survey has at most one link per cell)."""
    web = [u for u in cell["links"] if web_link(u)]
    if not web:
        return link(cell["text"], None)
    return " ".join([link(cell["text"], web[0])]
                    + [link(f"[{i}]", u) for i, u in enumerate(web[1:], start=2)])


# ------------------------------------------------------------------ rendering

def render(rows: list[dict], name: str, fmt: str, words: str = "canonical") -> str:
    """``rows`` (from :func:`table_rows` with the same ``words``) as md, html, csv or json."""
    _check(name, words)
    if fmt not in FORMATS:
        raise KGError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if words == "survey":
        return _render_survey(rows, name, fmt)
    cols = COLUMNS[name]
    if fmt == "json":
        return json.dumps({"table": name, "rows": rows}, indent=2, ensure_ascii=False)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([csv_cell(_flat(r[c], "; ")) for c in cols])
        return buf.getvalue()
    shown = [c for c in cols if c not in (PAPER_URL, CODE_URL)] + [CODE]
    if fmt == "md":
        def md(r: dict, c: str) -> str:
            if c == REF:
                return md_link(r[c] or "", r[PAPER_URL])
            if c == CODE:
                return (f"[code]({md_url(r['Code URL'])})" if web_link(r[CODE_URL])
                        else "no code link")
            return md_text(_flat(r[c]))

        lines = ["| " + " | ".join(md_text(c) for c in shown) + " |", "|" + "---|" * len(shown)]
        lines += ["| " + " | ".join(md(r, c) for c in shown) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    return _html(rows, shown)


def _survey_headers(rows: list[dict], name: str) -> list[str]:
    return list(rows[0]["cells"]) if rows else list(SURVEY_COLUMNS[name])


def _render_survey(rows: list[dict], name: str, fmt: str) -> str:
    headers = _survey_headers(rows, name)
    if fmt == "json":
        return json.dumps({"table": name, "words": "survey", "headers": headers,
                           "rows": rows}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        # the cell texts; after each column whose cells carry links, its links
        linked = [h for h in headers if any(r["cells"][h]["links"] for r in rows)]
        cols = [c for h in headers for c in ([h, f"{h} links"] if h in linked else [h])]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([csv_cell(v) for h in headers for v in (
                [r["cells"][h]["text"], " ".join(r["cells"][h]["links"])] if h in linked
                else [r["cells"][h]["text"]])])
        return buf.getvalue()
    if fmt == "md":
        lines = ["| " + " | ".join(md_text(h) for h in headers) + " |",
                 "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(_linked(r["cells"][h], md_link) for h in headers) + " |"
                  for r in rows]
        return "\n".join(lines) + "\n"
    return _html_survey(rows, headers)


def _survey_spans(rows: list[dict], headers: list[str]) -> dict[tuple[int, str], int]:
    """The survey's rowspans, from the cells' rd:writtenInRow: a cell carried down from the
    row above (same written-in row) merges into it (span 0); the first cell spans them all."""
    spans: dict[tuple[int, str], int] = {}
    for h in headers:
        start = None
        for i, r in enumerate(rows):
            w = r["cells"][h]["written_in_row"]
            if (start is not None and w is not None and r["row"] is not None
                    and rows[i - 1]["row"] == r["row"] - 1
                    and rows[start]["cells"][h] == r["cells"][h]):
                spans[(start, h)] += 1
                spans[(i, h)] = 0
            else:
                start = i
                spans[(i, h)] = 1
    return spans


def _html_survey(rows: list[dict], headers: list[str]) -> str:
    """HTML with the survey's headers, cells and rowspans (parse_survey reads it back)."""
    spans = _survey_spans(rows, headers)
    out = ["<table>", "  <tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers)
           + "</tr>"]
    for i, r in enumerate(rows):
        tds = []
        for h in headers:
            span = spans[(i, h)]
            if span == 0:
                continue
            attr = f' rowspan="{span}"' if span > 1 else ""
            tds.append(f"<td{attr}>{_linked(r['cells'][h], html_link)}</td>")
        out.append("  <tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "\n".join(out) + "\n"


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
            if c == REF:
                v = html_link(r[c], r[PAPER_URL])
            elif c == CODE:
                v = f'<a href="{esc(r[CODE_URL])}">code</a>' if web_link(r[CODE_URL]) else "code"
            else:
                v = esc(_flat(r[c]))
            attr = f' rowspan="{span}"' if span > 1 else ""
            tds.append(f"<td{attr}>{v}</td>")
        out.append("  <tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "\n".join(out) + "\n"


def table_text(store: Store, name: str, fmt: str = "md", words: str = "survey") -> str:
    """Table ``name`` rendered as ``fmt``, in the survey's words (default) or canonical."""
    return render(table_rows(store, name, words), name, fmt, words)
