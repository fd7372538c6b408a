"""LaTeX tables (booktabs) shaped like the survey's two tables, citing with \\cite{key}.

Tables are as wide as the text block (``tabularx``; ``xltabular`` for a long table in a
one-column document, page-wide ``table*`` floats in a two-column one): see
:class:`Layout`. Needs ``\\usepackage{booktabs}``, ``array``, ``tabularx`` (and
``xltabular`` for a long one-column table: :func:`packages` lists them) and
``\\usepackage{hyperref}`` (for the code links); on
pdfLaTeX also ``\\usepackage[utf8]{inputenc}`` and ``\\usepackage[T1]{fontenc}`` (author
names keep their accents). Special characters in the survey text are escaped (a cell's
``\\input{...}`` is typeset as those characters); ``\\href`` is written only for a valid
http(s) URL, with ``%`` and ``#`` escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import KGError
from ..survey import CATEGORY, CODE, EFFECTIVENESS, LIMITATIONS, METHODS, MODELS, REF, THREATS
from ..urls import is_web_url
from .views import AttackRow, DefenseRow, View

PACKAGES = ("\\usepackage[utf8]{inputenc}", "\\usepackage[T1]{fontenc}",
            "\\usepackage{booktabs}", "\\usepackage{hyperref}")

_SPECIAL = {
    "\\": "\\textbackslash{}", "&": "\\&", "%": "\\%", "$": "\\$", "#": "\\#", "_": "\\_",
    "{": "\\{", "}": "\\}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}",
    "ℓ": "$\\ell$", "–": "--", "—": "---", "’": "'", "‘": "`", "“": "``", "”": "''",
    "…": "\\ldots{}", "×": "$\\times$", "≈": "$\\approx$", "≤": "$\\leq$", "≥": "$\\geq$",
    "<": "\\textless{}", ">": "\\textgreater{}", "\u00a0": "~",
    # the query core's words for a question's reading ("model ∈ Stable Diffusion family")
    "·": "\\textperiodcentered{}", "∈": "$\\in$", "∉": "$\\notin$", "∋": "$\\ni$",
    "≠": "$\\neq$", "→": "$\\rightarrow$",
}
_SPECIAL_RE = re.compile("|".join(re.escape(k) for k in _SPECIAL))


def escape(text: str) -> str:
    """Text safe to typeset: LaTeX specials escaped, a few Unicode symbols spelt in LaTeX."""
    return _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], text)


def escape_url(url: str) -> str:
    """A URL as the argument of \\href / \\url: only %, # and \\ need protecting."""
    return url.replace("\\", "\\\\").replace("%", "\\%").replace("#", "\\#")


def comment(lines: list[str]) -> str:
    return "".join(f"% {line}".rstrip() + "\n" for line in lines)


def cite(keys: list[str] | tuple[str, ...]) -> str:
    return "\\cite{" + ",".join(dict.fromkeys(keys)) + "}"


#: How a table shows a paper's code in each state (kg.export.views.CODE_STATES), and the
#: legend its caption gives, so "--" is never read as "no code" where the survey marks some.
CODE_MARK = {"marked": "code\\textsuperscript{\\dag}", "none": "--"}
CODE_KEY = ("Code: a link to the repository; code\\textsuperscript{\\dag}: the survey marks "
            "code but gives no link; --: the survey marks no code.")


def _code(urls: tuple[str, ...], state: str = "none") -> str:
    """The first valid http(s) repository URL as a link (kg.urls; no other is linked);
    without one, the state the survey gives (code marked without a link, or none)."""
    web = [u for u in urls if is_web_url(u)]
    if web:
        return "\\href{" + escape_url(web[0]) + "}{code}"
    return CODE_MARK["marked" if state == "linked" else state]


# A table with more rows than this is long: one column, a longtable (xltabular) that breaks
# across pages; two columns, several page-wide floats of at most this many rows each.
LONG_ROWS = 12


@dataclass(frozen=True)
class Layout:
    """How the tables are set: ``columns`` of the document (1 or 2). Tables are as wide as
    the text (tabularx); a table of more than ``LONG_ROWS`` rows breaks across pages
    (xltabular in one column, floats of ``LONG_ROWS`` rows in two, where a longtable
    cannot be used)."""

    columns: int = 1

    def __post_init__(self) -> None:
        if self.columns not in (1, 2):
            raise KGError(f"--columns {self.columns}: give 1 (one-column document) or 2 "
                          "(two-column, e.g. \\documentclass[twocolumn]{article})")

    def long(self, rows: int) -> bool:
        return rows > LONG_ROWS

    def chunk(self, rows: int) -> int:
        """Rows per float (every row in one float unless a long two-column table)."""
        return LONG_ROWS if self.long(rows) and self.columns == 2 else max(rows, 1)


ONE_COLUMN = Layout(1)
TWO_COLUMNS = Layout(2)

Column = tuple[str, str, float]  # header, "X" (a share of the free width) or "l", weight


def _spec(columns: list[Column]) -> str:
    xs = [w for _, kind, w in columns if kind == "X"]
    scale = len(xs) / sum(xs)
    out = []
    for _, kind, w in columns:
        if kind == "X":
            out.append(f">{{\\raggedright\\arraybackslash\\hspace{{0pt}}"
                       f"\\hsize={w * scale:.3f}\\hsize}}X")
        else:
            out.append(kind)
    return "@{}" + "".join(out) + "@{}"


def _body(body: list[list[str]], groups: list[str]) -> list[str]:
    out = []
    for i, cells in enumerate(body):
        if i and groups[i] != groups[i - 1]:
            out.append("\\midrule")
        out.append(" & ".join(cells) + " \\\\")
    return out


def _table(columns: list[Column], body: list[list[str]], groups: list[str],
           caption: str, label: str, layout: Layout) -> list[str]:
    spec = _spec(columns)
    head = [" & ".join(h for h, _, _ in columns) + " \\\\"]
    setup = ["\\scriptsize", "\\setlength{\\tabcolsep}{3pt}"]
    if layout.long(len(body)) and layout.columns == 1:
        cont = (f"\\multicolumn{{{len(columns)}}}{{@{{}}l}}{{\\emph{{Table~\\ref{{{label}}}, "
                "continued}} \\\\")
        return (["\\begingroup", *setup, f"\\begin{{xltabular}}{{\\linewidth}}{{{spec}}}",
                 f"\\caption{{{caption}}}\\label{{{label}}} \\\\",
                 "\\toprule", *head, "\\midrule", "\\endfirsthead",
                 cont, "\\toprule", *head, "\\midrule", "\\endhead",
                 "\\bottomrule", "\\endlastfoot"]
                + _body(body, groups) + ["\\end{xltabular}", "\\endgroup"])
    env, width = ("table", "\\linewidth") if layout.columns == 1 else ("table*", "\\textwidth")
    size = layout.chunk(len(body))
    out: list[str] = []
    for start in range(0, len(body), size):
        first = start == 0
        title = (f"\\caption{{{caption}}}\\label{{{label}}}" if first else
                 f"\\emph{{Table~\\ref{{{label}}}, continued.}}\\par\\smallskip")
        out += ([""] if out else []) + [
            f"\\begin{{{env}}}[tbp]", "\\centering", *setup, title,
            f"\\begin{{tabularx}}{{{width}}}{{{spec}}}", "\\toprule", *head, "\\midrule",
            *_body(body[start:start + size], groups[start:start + size]),
            "\\bottomrule", "\\end{tabularx}", f"\\end{{{env}}}"]
    return out


def _blank_repeats(rows, first: str, second: str, chunk: int) -> list[tuple[bool, bool]]:
    """Which rows show the group cells (the survey's rowspans: threat, then paper); each
    float of a split table starts with them shown."""
    shown = []
    prev = (None, None)
    for i, r in enumerate(rows):
        if i % chunk == 0:
            prev = (None, None)
        a, b = getattr(r, first), getattr(r, second)
        shown.append((a != prev[0], (a, b) != prev))
        prev = (a, b)
    return shown


def attacks_table(rows: tuple[AttackRow, ...], caption: str,
                  layout: Layout = ONE_COLUMN) -> list[str]:
    columns: list[Column] = [
        (CATEGORY, "X", 0.75), (REF, "l", 0), ("Knowledge", "X", 0.7),
        (MODELS, "X", 1.0), (EFFECTIVENESS, "X", 1.45),
        (LIMITATIONS, "X", 1.35), (CODE, "l", 0)]
    body, groups = [], []
    for r, (new_threat, new_paper) in zip(
            rows, _blank_repeats(rows, "threat", "paper", layout.chunk(len(rows))), strict=True):
        body.append([
            f"\\textbf{{{escape(r.threat)}}}" if new_threat else "",
            cite([r.paper.key]) if new_paper else "",
            escape(", ".join(r.knowledge)), escape(", ".join(r.models)),
            escape(r.effectiveness), escape(r.limitation), _code(r.code_urls, r.paper.code)])
        groups.append(r.threat)
    return _table(columns, body, groups, caption, "tab:kg-attacks", layout)


def defenses_table(rows: tuple[DefenseRow, ...], caption: str,
                   layout: Layout = ONE_COLUMN) -> list[str]:
    columns: list[Column] = [
        (THREATS, "X", 0.8), (REF, "l", 0), (METHODS, "X", 1.0),
        (MODELS, "X", 0.9), (EFFECTIVENESS, "X", 2.3), (CODE, "l", 0)]
    body, groups = [], []
    for r, (new_threat, new_paper) in zip(
            rows, _blank_repeats(rows, "threat", "paper", layout.chunk(len(rows))), strict=True):
        body.append([
            f"\\textbf{{{escape(r.threat)}}}" if new_threat else "",
            cite([r.paper.key]) if new_paper else "",
            escape(r.method), escape(", ".join(r.models)), escape(r.effectiveness),
            _code(r.code_urls, r.paper.code) if new_paper else ""])
        groups.append(r.threat)
    return _table(columns, body, groups, caption, "tab:kg-defenses", layout)


def header(view: View, fmt: str, layout: Layout) -> list[str]:
    """The view's header lines, the regenerating command with its ``--columns``."""
    lines = view.header(fmt)
    if layout.columns != 1:
        lines = [line + f" --columns {layout.columns}" if line.startswith("regenerate: ")
                 else line for line in lines]
    return lines


def packages(view: View, layout: Layout = ONE_COLUMN) -> list[str]:
    """The \\usepackage lines the view's table needs (xltabular only for a long
    one-column table)."""
    out = list(PACKAGES[:3]) + ["\\usepackage{array}", "\\usepackage{tabularx}"]
    if layout.columns == 1 and any(layout.long(len(rows))
                                   for rows in (view.attacks, view.defenses)):
        out.append("\\usepackage{xltabular}")
    return out + [PACKAGES[3]]


def to_latex(view: View, layout: Layout = ONE_COLUMN) -> str:
    """The view's attack and defense rows as booktabs tables as wide as the text (one per
    kind present), set for a one- or two-column document."""
    what = escape(view.spec.describe()) if view.spec.construct is None else "a SPARQL view"
    out = [comment(header(view, "latex", layout) + [
        f"layout: a {'two' if layout.columns == 2 else 'one'}-column document",
        "needs: " + " ".join(packages(view, layout))]).rstrip("\n")]
    if view.attacks:
        out += [""] + attacks_table(view.attacks,
                                    f"Privacy attacks on diffusion models ({what}). {CODE_KEY}",
                                    layout)
    if view.defenses:
        out += [""] + defenses_table(view.defenses,
                                     f"Defenses and their evaluation ({what}). {CODE_KEY}",
                                     layout)
    if not view.attacks and not view.defenses:
        out += ["% the view selects no attack or defense row"]
    return "\n".join(out) + "\n"
