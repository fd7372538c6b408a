"""A related-work section in prose, in LaTeX (``\\cite{key}``) and Markdown (pandoc
``[@key]``): one paragraph per threat, its attacks grouped by the attacker knowledge they
assume, then the defenses evaluated against it.

Every sentence is built from the view's facts by a template (subject, verb, the models as
"A, B and C", the knowledge in words, the effectiveness or limitation cell rephrased by
the rules of :mod:`kg.export.phrasing` — or quoted whole, as the survey's words, when no
rule fits —, the citation at the end of the clause), and is preceded by a comment naming
the survey rows it rests on (``% rows: attacks:5 defenses:8``: table and row number of the
survey, as ``kg explain`` and the CSV's ``survey_row`` give them). Text from the graph is
escaped for the format: a cell never becomes markup.

:func:`blocks` gives the section as data (headings, sentences with their rows, paragraph
breaks) for any rows — a filter view, a question's answer, an audit profile —;
:func:`render` writes it in one syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..markup import md_text
from . import latex
from .phrasing import QUOTE_CLOSE, QUOTE_OPEN, attack_effect, defense_effect, limitation
from .views import AttackRow, DefenseRow, Paper, View


@dataclass(frozen=True)
class _Syntax:
    heading: Callable[[str], str]
    cite: Callable[[list[str]], str]
    text: Callable[[str], str]
    comment: Callable[[list[str]], str]
    quote: tuple[str, str]
    tie: str  # between the text and its citation


def _latex_text(text: str) -> str:
    """Escaped text; the space after 'et al.' is an inter-word space (not a sentence end)."""
    return latex.escape(text).replace("et al. ", "et al.\\ ")


LATEX = _Syntax(
    heading=lambda t: f"\\paragraph{{{latex.escape(t)}.}}",
    cite=lambda keys: latex.cite(keys),
    text=_latex_text,
    comment=lambda lines: latex.comment(lines).rstrip("\n"),
    quote=("``", "''"),
    tie="~",
)


def md_comment(lines: list[str]) -> str:
    body = "\n".join(line.replace("-->", "-- >").replace("--!>", "--! >") for line in lines)
    return f"<!--\n{body}\n-->" if len(lines) > 1 else f"<!-- {body} -->"


MARKDOWN = _Syntax(
    heading=lambda t: f"### {md_text(t)}",
    cite=lambda keys: "[" + "; ".join("@" + k for k in dict.fromkeys(keys)) + "]",
    text=md_text,
    comment=md_comment,
    quote=("\u201c", "\u201d"),
    tie=" ",
)

KNOWLEDGE_ORDER = ("Black-box", "Gray-box", "White-box")
ATTACK_VERBS = ("propose", "present", "introduce")  # what the authors do with their attack
NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
           "seventeen", "eighteen", "nineteen", "twenty")


# ------------------------------------------------------------------ the section as data

@dataclass(frozen=True)
class Sentence:
    """One sentence: its plain text (quotes marked by phrasing.QUOTE_OPEN/CLOSE), the
    citation keys it ends with, the survey rows it rests on and, when it states a number,
    the selection that number counts (``counts``: the rows of the view it counts, in
    words; the number is the size of ``rows``)."""

    text: str
    keys: tuple[str, ...]
    rows: tuple[str, ...]
    counts: str = ""


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Break:
    """A paragraph break."""


Block = Sentence | Heading | Break


def row_id(row: AttackRow | DefenseRow) -> str:
    """The survey row a view row derives from: ``attacks:5`` / ``defenses:8``."""
    return f"{'attacks' if isinstance(row, AttackRow) else 'defenses'}:{row.row}"


def and_list(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C' (no serial comma)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def number(n: int, capital: bool = False) -> str:
    word = NUMBERS[n] if n < len(NUMBERS) else str(n)
    return word[:1].upper() + word[1:] if capital else word


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _authors(paper: Paper) -> tuple[str, bool]:
    """The paper's authors as a subject ('Carlini et al.', 'Pang and Wang', 'Hu') and
    whether it takes a plural verb."""
    if paper.entry is not None and paper.entry.family_names():
        return paper.short(), len(paper.entry.family_names()) > 1
    return f"the authors of \u201c{paper.title}\u201d", True


def _levels(knowledge: Sequence[str]) -> tuple[str, ...]:
    rank = {k: i for i, k in enumerate(KNOWLEDGE_ORDER)}
    return tuple(sorted(knowledge, key=lambda k: (rank.get(k, len(rank)), k)))


def knowledge_setting(levels: Sequence[str]) -> str:
    """'the black-box setting', 'both the black-box and white-box settings', ..."""
    words = [k.lower() for k in levels]
    if len(words) == 1:
        return f"the {words[0]} setting"
    if len(words) == 2:
        return f"both the {words[0]} and {words[1]} settings"
    return f"the {and_list(words)} settings"


def knowledge_adverbial(levels: Sequence[str]) -> str:
    """'with black-box access' for one level, 'in both the … settings' for several."""
    if len(levels) == 1:
        return f"with {levels[0].lower()} access"
    return "in " + knowledge_setting(levels)


def _group_by_knowledge(attacks: list[AttackRow]) -> list[tuple[tuple[str, ...],
                                                                  list[AttackRow]]]:
    """Attacks by the set of knowledge levels they assume: single levels first (black-,
    gray-, white-box), then combinations."""
    groups: dict[tuple[str, ...], list[AttackRow]] = {}
    for a in attacks:
        groups.setdefault(_levels(a.knowledge), []).append(a)
    rank = {k: i for i, k in enumerate(KNOWLEDGE_ORDER)}
    return sorted(groups.items(),
                  key=lambda kv: (len(kv[0]), [rank.get(k, len(rank)) for k in kv[0]]))


def _attack_sentences(a: AttackRow, i: int, with_knowledge: bool) -> list[Sentence]:
    who, plural = _authors(a.paper)
    clause = attack_effect(a.effectiveness, ATTACK_VERBS[i % len(ATTACK_VERBS)])(who, plural)
    models = and_list(a.models)
    kw = (" " + knowledge_adverbial(_levels(a.knowledge))) if with_knowledge else ""
    forms = (f"{clause}{kw}, evaluating on {models}",
             f"in experiments on {models}{kw}, {clause}",
             f"targeting {models}{kw}, {clause}")
    keys, rows = (a.paper.key,), (row_id(a),)
    out = [Sentence(_capital(forms[i % len(forms)]), keys, rows)]
    predicate = limitation(a.limitation)
    lim = predicate("it")
    if QUOTE_OPEN in lim:  # no rule fits: the survey's words, quoted
        cell = QUOTE_OPEN + a.limitation.strip() + QUOTE_CLOSE
        text = (f"The survey states its limitation as {cell}" if i % 2 == 0 else
                f"Its limitation, in the survey's words, is {cell}")
    else:
        text = (f"However, {predicate('their attack' if plural else 'the attack')}",
                f"A limitation is that {lim}",
                f"The attack, however, {predicate('')[1:]}")[i % 3]
    out.append(Sentence(text, keys, rows))
    return out


def _knowledge_lead(threat: str, levels: tuple[str, ...], rows: list[AttackRow],
                    j: int) -> Sentence:
    """The group's lead: how many of the threat's attacks assume exactly these knowledge
    levels (the survey gives some attacks several: those are counted in their own group,
    never in a single level's)."""
    n = len(rows)
    keys = tuple(dict.fromkeys(a.paper.key for a in rows))
    ids = tuple(row_id(a) for a in rows)
    if len(levels) > 1:
        text = (f"{number(n, True)} attacks are evaluated in {knowledge_setting(levels)}, and "
                "in no other")
    elif j % 2 == 0 or n >= len(NUMBERS):
        text = f"Under {levels[0].lower()} access alone, {number(n)} attacks have been proposed"
    else:
        text = f"{number(n, True)} attacks assume only {levels[0].lower()} access"
    counts = (f"attack rows of this view with threat {threat} and attacker knowledge exactly "
              f"{' + '.join(levels)}")
    return Sentence(text, keys, ids, counts)


def method_name(label: str) -> str:
    """A method's label as a noun in running text: a multi-word label in sentence case
    ('Inference-time mitigation method') starts in lower case; names ('DualMD',
    'Cutout', 'DP-SGD') stay as they are."""
    first = label.split(" ", 1)[0]
    if " " in label and first[:1].isupper() and first[1:] == first[1:].lower():
        return label[:1].lower() + label[1:]
    return label


def _defense_subject(methods: list[str]) -> tuple[str, bool]:
    subject = and_list(methods)
    plural = len(methods) > 1
    if subject[:1].upper() == subject[:1] and not subject[:1].isupper():  # "ℓ2-..."
        subject = ("the methods " if plural else "the method ") + subject
    return subject, plural


def _defense_sentences(threat: str, defenses: list[DefenseRow]) -> list[Block]:
    keys = tuple(dict.fromkeys(d.paper.key for d in defenses))
    n = len(dict.fromkeys(d.method for d in defenses))
    out: list[Block] = [Sentence(
        f"Against {threat.lower()}, {number(n)} defense {_plural(n, 'method')} "
        f"{'has' if n == 1 else 'have'} been evaluated", keys, tuple(map(row_id, defenses)),
        f"distinct defense methods of the defense rows of this view with threat {threat}")]
    by_paper: dict[Paper, list[DefenseRow]] = {}
    for d in defenses:
        by_paper.setdefault(d.paper, []).append(d)
    for i, (paper, rows) in enumerate(by_paper.items()):
        who, plural = _authors(paper)
        methods = and_list(list(dict.fromkeys(method_name(r.method) for r in rows)))
        models = and_list(sorted({m for r in rows for m in r.models}))
        ids = tuple(map(row_id, rows))
        evaluate = "evaluate" if plural else "evaluates"
        text = (f"{who} {evaluate} {methods} on {models}" if i % 2 == 0 else
                f"On {models}, {who} {evaluate} {methods}")
        out.append(Sentence(_capital(text), (paper.key,), ids))
        by_effect: dict[str, list[DefenseRow]] = {}
        for r in rows:
            by_effect.setdefault(r.effectiveness, []).append(r)
        for cell, same in by_effect.items():
            subject, many = _defense_subject(list(dict.fromkeys(method_name(r.method)
                                                                for r in same)))
            clause = defense_effect(cell)(subject, many)
            out.append(Sentence(_capital(clause), (paper.key,), tuple(map(row_id, same))))
    return out


def blocks(attacks: Sequence[AttackRow], defenses: Sequence[DefenseRow]) -> list[Block]:
    """The section for any rows (in survey order): per threat a heading, the attacks by
    attacker knowledge, a paragraph break, the defenses evaluated against it."""
    threats = list(dict.fromkeys(r.threat for r in (*attacks, *defenses)))
    out: list[Block] = []
    for threat in threats:
        mine = [a for a in attacks if a.threat == threat]
        out.append(Heading(threat))
        if mine:
            keys = tuple(dict.fromkeys(a.paper.key for a in mine))
            out.append(Sentence(f"We review {number(len(mine))} {threat.lower()} "
                                f"{_plural(len(mine), 'attack')}",
                                keys, tuple(map(row_id, mine)),
                                f"attack rows of this view with threat {threat}"))
            i = 0
            groups = _group_by_knowledge(mine)
            for j, (levels, rows) in enumerate(groups):
                if j:
                    out.append(Break())
                lead = len(rows) > 1
                if lead:
                    out.append(_knowledge_lead(threat, levels, rows, j))
                for a in rows:
                    out += _attack_sentences(a, i, with_knowledge=not lead)
                    i += 1
        theirs = [d for d in defenses if d.threat == threat]
        if theirs:
            if mine:
                out.append(Break())
            out += _defense_sentences(threat, theirs)
    return out


# ------------------------------------------------------------------ rendering

def render_sentence(s: _Syntax, sentence: Sentence) -> str:
    """The sentence in the syntax: escaped text, quotes typeset, citation, period."""
    text = s.text(sentence.text).replace(QUOTE_OPEN, s.quote[0]).replace(QUOTE_CLOSE,
                                                                         s.quote[1])
    if text.endswith("."):
        text = text[:-1]
    return f"{text}{s.tie}{s.cite(list(sentence.keys))}." if sentence.keys else text + "."


def render(items: list[Block], s: _Syntax) -> list[str]:
    out: list[str] = []
    for b in items:
        if isinstance(b, Heading):
            out += ["", s.heading(b.text)]
        elif isinstance(b, Break):
            out.append("")
        else:
            out.append(s.comment(["rows: " + " ".join(b.rows)]
                                 + ([f"counts: {b.counts}"] if b.counts else [])))
            out.append(render_sentence(s, b))
    return out


def paragraphs(view: View, s: _Syntax, fmt: str) -> str:
    out = [s.comment(view.header(fmt) + [
        "Each sentence states facts of the view; the comment before it names its survey "
        "rows (table:row, as in rows.csv).",
        "Quoted text is the survey's wording of a cell no rephrasing rule fits."])]
    out += render(blocks(view.attacks, view.defenses), s)
    if not view.attacks and not view.defenses:
        out += ["", s.comment(["the view selects no attack or defense row"])]
    return "\n".join(out) + "\n"


def to_paragraph_latex(view: View) -> str:
    return paragraphs(view, LATEX, "paragraph")


def to_paragraph_markdown(view: View) -> str:
    return paragraphs(view, MARKDOWN, "paragraph-md")
