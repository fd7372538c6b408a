"""Markdown tables (shaped like the survey's, with pandoc citations) and one CSV of the
view's rows (attacks and defense evaluations; a ``kind`` column tells them apart).

Cell text is text, never markup: Markdown's special characters are escaped and links are
written only for valid http(s) URLs; a CSV field that a spreadsheet would run as a formula
(``= + - @`` ...) starts with ``'``. CSV has no comment syntax, so the CSV carries no
header comment; the other exports of the same view (and ``kg export ... --json``) give the
graph hash and the filter.
"""

from __future__ import annotations

import csv
import io

from ..markup import csv_cell, md_link, md_text, md_url
from ..urls import is_web_url
from .paragraph import md_comment
from .views import View

CSV_COLUMNS = ("kind", "survey_row", "threat", "citation_key", "title", "attacker_knowledge",
               "target_models", "method", "effectiveness", "limitation", "paper_url",
               "code_url", "code_availability", "node", "graph_sha256")


def _md_cell(text: str) -> str:
    """Cell text as Markdown text, never markup (kg.markup)."""
    return md_text(text)


def _ref(title: str, url: str | None, key: str) -> str:
    return md_link(title, url) + f" [@{key}]"


#: How the table shows a paper's code without a link, and the legend under each table.
CODE_MARK = {"marked": "code (no link in the survey)", "none": "—"}
CODE_KEY = ("_Code: a link to the repository; “code (no link in the survey)”: the survey marks "
            "code but gives no link; “—”: the survey marks no code._")


def _code(urls: tuple[str, ...], state: str = "none") -> str:
    web = [u for u in urls if is_web_url(u)]
    if web:
        return f"[code]({md_url(web[0])})"
    return CODE_MARK["marked" if state == "linked" else state]


def to_markdown(view: View) -> str:
    out = [md_comment(view.header("markdown"))]
    if view.attacks:
        out += ["", "**Privacy attacks**", "",
                "| Category | Ref. | Attacker's knowledge | Target Models | Effectiveness "
                "| Limitations | Code |", "|---|---|---|---|---|---|---|"]
        for a in view.attacks:
            out.append("| " + " | ".join([
                _md_cell(a.threat), _ref(a.paper.title, a.reference_url, a.paper.key),
                _md_cell(", ".join(a.knowledge)), _md_cell(", ".join(a.models)),
                _md_cell(a.effectiveness), _md_cell(a.limitation), _code(a.code_urls, a.paper.code)])
                + " |")
    if view.defenses:
        out += ["", "**Defenses**", "",
                "| Threats | Ref. | Key Methods | Target Models | Effectiveness | Code |",
                "|---|---|---|---|---|---|"]
        for d in view.defenses:
            out.append("| " + " | ".join([
                _md_cell(d.threat), _ref(d.paper.title, d.reference_url, d.paper.key),
                _md_cell(d.method), _md_cell(", ".join(d.models)), _md_cell(d.effectiveness),
                _code(d.code_urls, d.paper.code)]) + " |")
    if view.attacks or view.defenses:
        out += ["", CODE_KEY]
    else:
        out += ["", "_The view selects no attack or defense row._"]
    return "\n".join(out) + "\n"


def to_csv(view: View) -> str:
    """The view's rows as CSV, one row per attack or defense evaluation; each row names the
    graph hash it came from (`graph_sha256`: CSV has no comments for the export header)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for a in view.attacks:
        w.writerow([csv_cell(v) for v in (
            "attack", a.row, a.threat, a.paper.key, a.paper.title, "; ".join(a.knowledge),
            "; ".join(a.models), "", a.effectiveness, a.limitation,
            a.reference_url or "", "; ".join(a.code_urls), a.paper.code, str(a.iri),
            view.graph_sha256)])
    for d in view.defenses:
        w.writerow([csv_cell(v) for v in (
            "defense", d.row, d.threat, d.paper.key, d.paper.title, "",
            "; ".join(d.models), d.method, d.effectiveness, "",
            d.reference_url or "", "; ".join(d.code_urls), d.paper.code, str(d.iri),
            view.graph_sha256)])
    return buf.getvalue()
