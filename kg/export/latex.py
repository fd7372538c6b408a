"""LaTeX tables (booktabs) shaped like the survey's two tables, citing with \\cite{key}.

Needs ``\\usepackage{booktabs}`` and ``\\usepackage{hyperref}`` (for the code links); on
pdfLaTeX also ``\\usepackage[utf8]{inputenc}`` and ``\\usepackage[T1]{fontenc}`` (author
names keep their accents). Special characters in the survey text are escaped (a cell's
``\\input{...}`` is typeset as those characters); ``\\href`` is written only for a valid
http(s) URL, with ``%`` and ``#`` escaped.
"""

from __future__ import annotations

import re

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


def _code(urls: tuple[str, ...]) -> str:
    """The first valid http(s) repository URL as a link (kg.urls); no other is linked."""
    web = [u for u in urls if is_web_url(u)]
    return "\\href{" + escape_url(web[0]) + "}{code}" if web else "--"


def _table(columns: list[tuple[str, str]], body: list[list[str]], groups: list[str],
           caption: str, label: str) -> list[str]:
    spec = "@{}" + "".join(c for _, c in columns) + "@{}"
    out = ["\\begin{table*}[t]", "\\centering", "\\scriptsize",
           f"\\caption{{{caption}}}", f"\\label{{{label}}}",
           f"\\begin{{tabular}}{{{spec}}}", "\\toprule",
           " & ".join(h for h, _ in columns) + " \\\\", "\\midrule"]
    for i, cells in enumerate(body):
        if i and groups[i] != groups[i - 1]:
            out.append("\\midrule")
        out.append(" & ".join(cells) + " \\\\")
    out += ["\\bottomrule", "\\end{tabular}", "\\end{table*}"]
    return out


def _blank_repeats(rows, first: str, second: str) -> list[tuple[bool, bool]]:
    """Which rows show the group cells (the survey's rowspans: threat, then paper)."""
    shown = []
    prev = (None, None)
    for r in rows:
        a, b = getattr(r, first), getattr(r, second)
        shown.append((a != prev[0], (a, b) != prev))
        prev = (a, b)
    return shown


def attacks_table(rows: tuple[AttackRow, ...], caption: str) -> list[str]:
    columns = [("Category", "p{0.09\\linewidth}"), ("Ref.", "l"),
               ("Attacker's knowledge", "p{0.08\\linewidth}"),
               ("Target Models", "p{0.13\\linewidth}"), ("Effectiveness", "p{0.25\\linewidth}"),
               ("Limitations", "p{0.23\\linewidth}"), ("Code", "l")]
    body, groups = [], []
    for r, (new_threat, new_paper) in zip(rows, _blank_repeats(rows, "threat", "paper"),
                                          strict=True):
        body.append([
            f"\\textbf{{{escape(r.threat)}}}" if new_threat else "",
            cite([r.paper.key]) if new_paper else "",
            escape(", ".join(r.knowledge)), escape(", ".join(r.models)),
            escape(r.effectiveness), escape(r.limitation), _code(r.code_urls)])
        groups.append(r.threat)
    return _table(columns, body, groups, caption, "tab:kg-attacks")


def defenses_table(rows: tuple[DefenseRow, ...], caption: str) -> list[str]:
    columns = [("Threats", "p{0.1\\linewidth}"), ("Ref.", "l"),
               ("Key Methods", "p{0.14\\linewidth}"), ("Target Models", "p{0.13\\linewidth}"),
               ("Effectiveness", "p{0.42\\linewidth}"), ("Code", "l")]
    body, groups = [], []
    for r, (new_threat, new_paper) in zip(rows, _blank_repeats(rows, "threat", "paper"),
                                          strict=True):
        body.append([
            f"\\textbf{{{escape(r.threat)}}}" if new_threat else "",
            cite([r.paper.key]) if new_paper else "",
            escape(r.method), escape(", ".join(r.models)), escape(r.effectiveness),
            _code(r.code_urls) if new_paper else ""])
        groups.append(r.threat)
    return _table(columns, body, groups, caption, "tab:kg-defenses")


def to_latex(view: View) -> str:
    """The view's attack and defense rows as booktabs tables (one per kind present)."""
    what = escape(view.spec.describe()) if view.spec.construct is None else "a SPARQL view"
    out = [comment(view.header("latex") + ["needs: " + " ".join(PACKAGES)]).rstrip("\n")]
    if view.attacks:
        out += [""] + attacks_table(view.attacks, f"Privacy attacks on diffusion models ({what}).")
    if view.defenses:
        out += [""] + defenses_table(view.defenses,
                                     f"Defenses and their evaluation ({what}).")
    if not view.attacks and not view.defenses:
        out += ["% the view selects no attack or defense row"]
    return "\n".join(out) + "\n"
