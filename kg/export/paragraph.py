"""A related-work paragraph skeleton, in LaTeX (``\\cite{key}``) and Markdown (pandoc
``[@key]``), grouping the view's papers by threat and then by attacker knowledge, naming
the models each was evaluated on, and ending each threat with the defenses evaluated.

The sentences are scaffolding to rewrite: each states only facts of the view (the
survey's effectiveness and limitation cells are quoted as such), escaped as text for
LaTeX or Markdown: a cell never becomes markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..markup import md_text
from . import latex
from .views import AttackRow, DefenseRow, Paper, View


@dataclass(frozen=True)
class _Syntax:
    heading: Callable[[str], str]
    subheading: Callable[[str], str]
    cite: Callable[[list[str]], str]
    text: Callable[[str], str]
    comment: Callable[[list[str]], str]
    tie: str  # between a name and its citation


LATEX = _Syntax(
    heading=lambda t: f"\\paragraph{{{latex.escape(t)}.}}",
    subheading=lambda t: f"\\emph{{{latex.escape(t)}.}}",
    cite=lambda keys: latex.cite(keys),
    text=latex.escape,
    comment=lambda lines: latex.comment(lines).rstrip("\n"),
    tie="~",
)


def md_comment(lines: list[str]) -> str:
    body = "\n".join(line.replace("-->", "-- >").replace("--!>", "--! >") for line in lines)
    return f"<!--\n{body}\n-->"


MARKDOWN = _Syntax(
    heading=lambda t: f"### {md_text(t)}",
    subheading=lambda t: f"**{md_text(t)}.**",
    cite=lambda keys: "[" + "; ".join("@" + k for k in dict.fromkeys(keys)) + "]",
    text=md_text,
    comment=md_comment,
    tie=" ",
)


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _knowledge_groups(attacks: list[AttackRow]) -> list[tuple[str, list[AttackRow]]]:
    """Attacks by each attacker-knowledge level they assume (an attack that assumes
    several levels is named under each)."""
    levels = sorted({k for a in attacks for k in a.knowledge})
    return [(k, [a for a in attacks if k in a.knowledge]) for k in levels]


def _attack_sentence(s: _Syntax, a: AttackRow) -> str:
    who = s.text(a.paper.short()) + s.tie + s.cite([a.paper.key])
    return (f"{who} evaluate on {s.text(_and(list(a.models)))}; reported effectiveness: "
            f"{s.text(_sentence(a.effectiveness))} Limitation: {s.text(_sentence(a.limitation))}")


def _defense_sentences(s: _Syntax, threat: str, defenses: list[DefenseRow]) -> list[str]:
    by_paper: dict[Paper, list[DefenseRow]] = {}
    for d in defenses:
        by_paper.setdefault(d.paper, []).append(d)
    parts = []
    for p, rows in by_paper.items():
        methods = _and([s.text(r.method) for r in rows])
        models = sorted({m for r in rows for m in r.models})
        parts.append(f"{methods}{s.tie}{s.cite([p.key])} (evaluated on "
                     f"{s.text(_and(models))})")
    out = [f"Defenses evaluated against {s.text(threat.lower())} include {_and(parts)}."]
    for d in defenses:
        out.append(f"For {s.text(d.method)}, {s.text(d.paper.short())}{s.tie}"
                   f"{s.cite([d.paper.key])} report: {s.text(_sentence(d.effectiveness))}")
    return out


def paragraphs(view: View, s: _Syntax, fmt: str) -> str:
    out = [s.comment(view.header(fmt) + [
        "A skeleton to rewrite in your own words: every sentence states facts of the view."])]
    for threat in view.threats():
        attacks = [a for a in view.attacks if a.threat == threat]
        defenses = [d for d in view.defenses if d.threat == threat]
        out.append("")
        out.append(s.heading(threat))
        if attacks:
            keys = [a.paper.key for a in attacks]
            out.append(f"{s.text(threat)} attacks on diffusion models are studied in "
                       f"{s.cite(keys)}.")
        for level, rows in _knowledge_groups(attacks):
            out.append("")
            out.append(s.subheading(f"{level} setting"))
            out.append(f"Under {s.text(level.lower())} access, "
                       f"{s.text(threat.lower())} attacks are proposed in "
                       f"{s.cite([a.paper.key for a in rows])}.")
            out += [_attack_sentence(s, a) for a in rows]
        if defenses:
            out.append("")
            out.append(s.subheading("Defenses"))
            out += _defense_sentences(s, threat, defenses)
    if not view.attacks and not view.defenses:
        out += ["", s.comment(["the view selects no attack or defense row"])]
    return "\n".join(out) + "\n"


def to_paragraph_latex(view: View) -> str:
    return paragraphs(view, LATEX, "paragraph")


def to_paragraph_markdown(view: View) -> str:
    return paragraphs(view, MARKDOWN, "paragraph-md")
