"""Relations across the two tables in a question: an item with rows in both, or attacked and
never defended against the same threat / on the same model.

A question about attack or defense rows that relates their papers to the other table
("defenses from papers that also report an attack") is not answered: no condition holds
it, and the phrase is said. A question about papers, models or threats that says "both an
attack and a defense" ("in both the attack table and the defense table", "attacked and
defended") asks for items with attack rows and a defense row (kg.query ``rows``
condition). One that says the item is not defended ("never defended against it", "no
property inference defense", "no defense evaluated on DDIM") names what the missing
defense rows would hold: the names inside that phrase, or "it" / "them" — the question's
threat after "against" / "for", its model after "on". It becomes a negated ``rows``
condition over defense rows, replacing the negated name the negation stage read ("threat ≠
Property inference", which contradicts the attacked threat). A bare "no defense" keeps its
meaning (no defense for the row's threat) — except for models: with a threat named ("on which
models is membership inference attacked but never defended?") the model-level gaps of that
threat (no defense row against it evaluated on the model), without one ("which models are
attacked but never defended", "undefended models") a model no defense row is evaluated on,
any threat (the ``uncovered`` condition) — both the coverage engine's model level, as the
rows name the models (``kg gaps``: "no defense evaluated on X itself"). Threats "attacked but
never defended" with a model named ("for DDIM") are the threats with no defense row on that
model (a family: on a model below it), the gaps of that model. "Defense papers with no
attack (in the survey)" are the papers of the defense table with no attack row (a negated
``rows`` condition over attack rows, with the threats and models named inside the phrase:
"no membership inference attack"); a name no attack-row condition holds there ("no
white-box attack") is said and the question not answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..linking import Mention
from ..query import Cond, Term
from .tokens import DEFENSE_PAPERS, Tok, rx

_HAVE = (r"(?:both|also|have|has|had|report|reports|contribute|contributes|include|includes|"
         r"with|present|presents|propose|proposes)")
_BOTH = rx(rf"\b{_HAVE} (?:both )?(?:an? |the )?(?:attacks?|attacked)(?: table| rows?)? and "
           r"(?:also )?(?:an? |the )?(?:defen[cs]es?|defended)(?: table| rows?| evaluations?)?\b|"
           rf"\b{_HAVE} (?:both )?(?:an? |the )?defen[cs]es?(?: table| rows?)? and (?:also )?"
           r"(?:an? |the )?attacks?(?: table| rows?)?\b|"
           r"\battacked and (?:also )?defended\b|\b(?:(?:in|across|from|to) )?both (?:the )?"
           r"(?:tables|parts)\b")
_NOT_DEFENDED = rx(r"\b(?:never|not|no|without(?: any)?)\s+(?:(?P<pre>[\w\-. ]+?)\s+)?"
                   r"(?:defen[cs]es?|defended|protected|mitigated|countermeasures?)"
                   r"(?:\s+(?:(?:evaluated|tested|applied) )?(?P<prep>against|for|on)\s+"
                   r"(?P<post>it|them|[\w\-. ]+?))?(?=\s*[?.!,;]|\s+(?:and|but)\b|$)")
_ITEMS = ("papers", "models", "threats")
#: "models no defense covers", "models that no defense is evaluated on", "models not covered
#: by any defense": a model no defense row is evaluated on (the model itself)
_UNCOVERED = rx(r"\bmodels?\s+(?:that\s+|which\s+)?(?:no|none of the)\s+(?:defen[cs]es?|"
                r"defense methods?|countermeasures?)\s+(?:(?:ever\s+)?covers?|protects?|"
                r"(?:is|are|was|were|has been|have been)\s+(?:evaluated|tested)\s+on)\b|"
                r"\bmodels?\s+(?:that\s+|which\s+)?(?:no|not)\s+(?:yet\s+)?covered\s+by\s+"
                r"(?:any\s+|a\s+)?(?:defen[cs]es?|defense methods?|defense evaluations?)\b|"
                r"\bmodels?\s+(?:does|do|did|is|are)\s+(?:no|none of the)\s+(?:defen[cs]es?|"
                r"defense methods?)\s+(?:cover|protect)\b")


#: "(defense papers) with no attack (in the survey)", "without any attack row": a paper of
#: the defense table that has no row in the attack table
_NO_ATTACK = rx(r"\b(?:no|without(?: an?| any)?|never (?:an? |any )?)\s*(?:[\w\-]+\s+){0,4}?"
                r"attacks?(?:\s+(?:rows?|"
                r"(?:in|of) the (?:survey|attack table|attacks table|taxonomy)|"
                r"(?:on|against|targeting|of)\s+[\w\-. ]+?(?=\s*[?.!,;]|$)))*")
_NEVER_ATTACKED = rx(r"\b(?:never|not|not yet|no(?:t)? (?:ever )?)\s*(?:been\s+|once\s+)?"
                     r"attacked(?:\s+(?:at all|in the survey|by any attack))?\b"
                     r"(?:\s+(?:on|by|with|through)\s+[\w\-. ]+?(?=\s*[?.!,;]|$))?")
_DEFENDED = rx(r"\bdefended\b|\bprotected\b|\bha(?:ve|s) (?:a |any )?defen[cs]es?\b|"
               r"\bdefen[cs]e (?:rows?|evaluations?)\b")


@dataclass
class Across:
    """The conditions after the cross-table reading, the rows the form ranges over, and the
    tokens used."""

    conds: list[Cond]
    parts: tuple[str, ...]
    used: set[int]
    blocking: list[str] = field(default_factory=list)


#: "defenses from papers that also report an attack": a relation of the row's paper to the
#: other table, which the query core has no condition for on attack or defense rows — said,
#: never dropped (the answer would list every defense)
_PAPER_RELATION = rx(r"\b(?:papers?|works?|stud(?:y|ies)|publications?|articles?)\s+(?:that|"
                     r"which|who)\s+(?:also\s+)?(?:\w+\s+)?(?:report|propose|present|include|"
                     r"contain|have|has|describe|introduce|contribute|evaluate)s?\s+(?:also\s+)?"
                     r"(?:an?\s+|any\s+|some\s+)?(?:attacks?|defen[cs]es?)\b")


def across_tables(q: str, toks: list[Tok], mentions: list[Mention], conds: list[Cond],
                  target: str, parts: tuple[str, ...]) -> Across:
    """The question's cross-table conditions (see the module docstring)."""
    out = Across(list(conds), parts, set())
    unc = _UNCOVERED.search(q)
    if unc:  # the "no defense" inside it is no condition on the row's threat
        out.conds = [c for c in out.conds if not (c.kind == "defended" and c.negated)]
        out.conds.append(Cond("uncovered"))
        out.used |= _span(toks, unc.start(), unc.end())
        if target in _ITEMS:
            out.parts = ("attacks",)
    if target not in _ITEMS:
        rel = _PAPER_RELATION.search(q)
        if rel:
            out.blocking.append(" ".join(rel.group(0).split()))
        return out
    if _not_attacked(q, toks, mentions, target, out):
        return out
    both = list(_BOTH.finditer(q))
    if both:  # "in both tables, i.e. contribute an attack and a defense": one condition
        out.conds.append(Cond("rows", of="defenses"))
        out.parts = ("attacks",)
        for b in both:
            out.used |= _span(toks, b.start(), b.end())
    m = _NOT_DEFENDED.search(q)
    sub = _named_in(m, toks, mentions, out.conds) if m else []
    bare = target == "models" and not sub and not unc and any(
        c.kind == "defended" and c.negated for c in out.conds)
    if bare:  # "on which models is membership inference attacked but never defended?"
        sub = [Cond("threat", c.values) for c in out.conds
               if c.kind == "threat" and not c.negated and c.mode == "any"]
    elif target == "threats" and not sub and not unc and any(
            c.kind == "defended" and c.negated for c in out.conds):
        # "for DDIM, which threats are attacked but never defended?": no defense row of the
        # threat on that model (a family: on any model below it) — the gap, not "no defense
        # at all"
        sub = [Cond("model", c.values) for c in out.conds
               if c.kind == "model" and not c.negated and c.mode == "any"]
    if bare and not sub:
        # "models attacked but never defended", "undefended models": no defense row is
        # evaluated on the model itself (the coverage engine's model level), any threat
        out.conds = [c for c in out.conds if not (c.kind == "defended" and c.negated)]
        out.conds.append(Cond("uncovered"))
        out.parts = ("attacks",)
        out.used |= _span(toks, m.start(), m.end()) if m else set()
        return out
    if not sub:
        return out
    named = {(c.kind, c.values) for c in sub}
    out.conds = [c for c in out.conds if not (c.negated and (
        c.kind == "defended" or (c.kind, c.values) in named))]
    out.conds.append(Cond("rows", of="defenses", sub=tuple(sub), negated=True))
    out.parts = ("attacks",)
    out.used |= _span(toks, m.start(), m.end()) if m else set()
    return out


def _not_attacked(q: str, toks: list[Tok], mentions: list[Mention], target: str,
                  out: Across) -> bool:
    """"Models / threats defended but never attacked (by MIA)", "defense papers with no
    attack (on DDPM)": a negated ``rows`` condition over attack rows with the names inside
    the phrase, in place of their negations, over defense rows (``out`` changed); True when
    the question says so. A name elsewhere, or no "defended" ("models not attacked by MIA"):
    the negation stage reads it as usual; a knowledge level inside ("no white-box attack"):
    no attack-row condition holds it, said (blocking)."""
    never, none = _NEVER_ATTACKED.search(q), _NO_ATTACK.search(q)
    named_at = {t.mention for t in toks if t.mention is not None}
    if never and target in ("models", "threats") and _DEFENDED.search(q) and named_at == {
            t.mention for t in toks if t.mention is not None
            and never.start() <= t.start < never.end()}:
        m, extra = never, set()
    elif none and target == "papers" and (papers := DEFENSE_PAPERS.search(q)):
        m, extra = none, _span(toks, *papers.span())
        if {mentions[t.mention].entity.kind for t in toks if t.mention is not None
                and m.start() <= t.start < m.end()} - {"threat", "model"}:
            out.blocking.append(" ".join(m.group(0).split()))
            return True
    else:
        return False
    sub = [c for c in _named_in(m, toks, mentions, []) if c.kind != "method"]
    named = {(c.kind, c.values) for c in sub}
    out.conds = [c for c in out.conds if not (c.negated and (c.kind, c.values) in named)]
    out.conds.append(Cond("rows", of="attacks", sub=tuple(sub), negated=True))
    out.parts = ("defenses",)
    out.used |= _span(toks, m.start(), m.end()) | extra
    return True


def _span(toks: list[Tok], a: int, b: int) -> set[int]:
    return {i for i, t in enumerate(toks) if a <= t.start < b}


def _named_in(m, toks: list[Tok], mentions: list[Mention], conds: list[Cond]) -> list[Cond]:
    """The conditions a missing defense row would hold: each threat, model or method named
    inside the phrase, or the question's threat / model that "it" / "them" stands for."""
    out: list[Cond] = []
    seen = set()
    for t in toks:
        if m.start() <= t.start < m.end() and t.mention is not None and t.mention not in seen:
            seen.add(t.mention)
            e = mentions[t.mention].entity
            if e.kind in ("threat", "model", "method"):
                out.append(Cond(e.kind, (Term(e.iri, e.label),)))
    post = (m.groupdict().get("post") or "").lower()
    if post in ("it", "them"):
        kind = "model" if m.group("prep").lower() == "on" else "threat"
        out += [Cond(kind, c.values) for c in conds
                if c.kind == kind and not c.negated and c.mode == "any"]
    return out
