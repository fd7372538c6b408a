"""The form of a question: what it asks for, how the answer is aggregated, which rows it
ranges over — and the parse result that carries the :class:`kg.query.Form`.

* The target is the first target noun after the question word ("which *attacks*", "what
  *defenses*"; "defense papers" are papers); without one, the names and cues decide
  (a defense cue asks for methods, a paper name alone for its threats, else attacks).
* Aggregates: "how many" counts; "per model" / "by threat" (with a count) groups rows per
  item; "more than N" / "at least N" / "fewer than N" bound the rows per item; "earliest" /
  "latest" pick by publication year; "most" / "least" pick the items with the most / fewest
  rows.
* Papers, models and threats range over attack rows, defense rows or both, as the
  question's names and cues say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..linking import Mention
from ..query import Agg, Form
from .tokens import (
    ATTACK_CUE,
    ATTACK_NOUN,
    COUNT_CUE,
    DEFENSE_PAPERS,
    GROUP_CUE,
    LEAST,
    MOST,
    NUMBERS,
    TARGET_NOUN,
    VALUE_COUNT,
    Tok,
    has_defense,
)

_QUESTION_WORDS = ("which", "what", "list", "show", "name", "give", "find", "how", "compare")


@dataclass
class Parse:
    """The logical form of a question and what of it could not be used."""

    form: Form | None
    mentions: list[Mention]
    not_understood: list[str]
    not_in_graph: list[dict]
    gaps: bool = False
    asks_count: bool = False
    unattached: list[str] = field(default_factory=list)  # negations with nothing to negate
    negated: set[int] = field(default_factory=set)  # gaps: start offsets of negated names
    notes: list[str] = field(default_factory=list)  # how ambiguous names were read
    #: numbers and comparison words no rule consumed: no confident answer
    blocking: list[str] = field(default_factory=list)
    attribute: str = ""  # an attribute question: the value asked for (kg.query.ATTRIBUTES)
    #: a gaps question that asks for one kind of its cells' values ("which model families
    #: have a gap"): (kind, level: "model" / "family" / "" for any)
    gap_target: tuple[str, str] | None = None
    #: names of several kinds no cue of the question decided: span -> the other readings
    others: dict = field(default_factory=dict)
    #: a condition the question states both plainly and negated (kg.ask.conflict): no answer
    conflicts: list[str] = field(default_factory=list)
    #: a grouping question (kg.ask.grouping.Grouping): the form's items counted per group
    group: object | None = None
    #: the question as read (shorthand written out, spelling corrected): the mentions' text
    text: str = ""
    #: spans that name several entities of one kind (kg.ask.mentions.Names.same)
    same: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- target

@dataclass
class Target:
    """What the question asks for, the kinds of node it names, its defense and attack cues
    (which decide the rows papers, models and threats range over), and the tokens used."""

    name: str
    kinds: set[str]
    defense_cue: bool
    attack_cue: bool
    used: set[int]


def target_of(q: str, toks: list[Tok], mentions: list[Mention], neg_at: set[int],
              skip: set[int] | frozenset[int] = frozenset()) -> Target:
    """The target: a target noun (none in the preamble tokens ``skip``), or what the names
    and cues imply."""
    words = [t.norm for t in toks]
    defended_tokens = {i for i in neg_at if has_defense(words[i])}  # "no defense": a condition
    target, target_at = _named_target(q, toks, mentions, defended_tokens, set(skip))
    kinds = {m.entity.kind for m in mentions}
    if "paper" in kinds and re.search(r"\bwhat (does|do|did)\b.*\b(attack|target)s?\b\W*$", q,
                                      re.I):
        target = "models"  # "what does the SecMI paper attack": the models it attacks
    defense_cue = any(has_defense(w) for i, w in enumerate(words)
                      if i not in defended_tokens and toks[i].mention is None)
    # "MIA defenses", "MIA defs": the threat names what the defense is against, no attack
    against = {toks[i].mention for i in range(len(toks)) if toks[i].mention is not None
               and (_modifies_noun(toks, i) and has_defense(_after_mention(toks, i))
                    or _defended_against(toks, i))}
    attack_cue = any(ATTACK_CUE.match(w) for i, w in enumerate(words)
                     if toks[i].mention is None or toks[i].mention not in against) or any(
        m.entity.kind == "threat" and re.search(r"\bmias?\b|attack", m.text, re.I)
        for k, m in enumerate(mentions) if k not in against)
    if words and words[0] == "who" or target is None and re.search(r"\bwho\b", q, re.I):
        target = "papers"  # "who evaluated differential privacy as a defense"
    if target is None:
        if kinds and kinds <= {"author", "venue"} or _EVERY_WORK.search(q):
            target = "papers"  # "everything written by Zhang": every row kind's papers
        elif "method" in kinds and not defense_cue:
            target = "papers"
        elif defense_cue:
            target = "methods"
        elif "paper" in kinds and not (kinds & {"threat", "knowledge", "model"}):
            target = "threats"
        else:
            target = "attacks"
    used = {target_at} if target_at is not None else set()
    used |= {i for i, w in enumerate(words) if (TARGET_NOUN.get(w) or ATTACK_CUE.match(w)
                                                 or has_defense(w) or w == "who")
             and toks[i].mention is None}
    return Target(target, kinds, defense_cue, attack_cue, used)


#: a question that asks for every work, whatever its table: "everything written by …"
_EVERY_WORK = re.compile(r"\b(?:everything|anything|all (?:the )?(?:works?|stuff|things))\b",
                         re.I)


def _named_target(q: str, toks: list[Tok], mentions: list[Mention],
                  defended_tokens: set[int], skip: set[int]) -> tuple[str | None, int | None]:
    """The first target the question names after its question word (else before it), and
    its token; the tokens ``skip`` (a preamble) name none."""
    words = [t.norm for t in toks]
    wh = [i for i, w in enumerate(words) if w in _QUESTION_WORDS]
    paper_of = re.search(r"\b(defen[cs]es?|attacks?|mias?)\s+(papers?|stud(y|ies)|"
                         r"publications?|articles?)\b", q, re.I)
    counted = [(m.start(), m.end()) for m in VALUE_COUNT.finditer(q)]
    first = wh[0] if wh else 0  # then before it: "I need the papers on X. How many are there?"
    for i in [*range(first, len(toks)), *range(first)]:
        w = words[i]
        if i in skip:
            continue
        if paper_of and paper_of.start() <= toks[i].start < paper_of.end():
            return "papers", i  # "defense papers", "attack papers"
        if i in defended_tokens or any(a <= toks[i].start < b for a, b in counted):
            continue  # "no defense"; "on four or more models" (a count, not the target)
        if toks[i].mention is not None:
            m = mentions[toks[i].mention]
            if m.entity.kind == "venue" and re.search(r"\b(preprints?|papers?)\s*$", m.text,
                                                       re.I) and not _modifies_noun(toks, i) \
                    and not has_defense(_after_mention(toks, i)):
                return "papers", None  # "the arXiv preprints on …": papers
            if m.entity.kind == "model" and re.search(r"\bmodels\s*$", m.text, re.I):
                return "models", None  # "which diffusion models are attacked": models
            if m.entity.kind == "threat" and re.search(r"\bmias?\b|attacks?\b", m.text, re.I) \
                    and not _modifies_noun(toks, i):
                last = max(k for k, t in enumerate(toks) if t.mention == toks[i].mention)
                head, at = _compound_head(toks, last, "attacks")  # "… attack target models"
                return (head, at) if at != last else ("attacks", None)  # "MIAs"
            continue
        noun = TARGET_NOUN.get(w)
        if noun is None and has_defense(w):
            noun = "methods"
        if noun is None and ATTACK_NOUN.match(w):
            noun = "attacks"
        if noun:
            return _compound_head(toks, i, noun)
    return None, None


def _compound_head(toks: list[Tok], i: int, noun: str) -> tuple[str, int]:
    """A noun compound names its last noun: "attack target models" asks for models,
    "attack knowledge levels" for knowledge levels (the last noun plural, right after)."""
    j = i + 1
    while j < len(toks) and toks[j].norm in ("target", "victim") and toks[j].mention is None:
        j += 1
    k = j  # the run of target nouns after it
    while k < len(toks) and toks[k].mention is None and TARGET_NOUN.get(toks[k].norm) and \
            toks[k].start - toks[k - 1].end <= 1:
        k += 1
    if k > j and (toks[k - 1].text.lower().endswith("s") or toks[k - 1].norm == "knowledge"):
        head = TARGET_NOUN[toks[k - 1].norm]
        if head != noun:
            return head, k - 1
    return noun, i


def _after_mention(toks: list[Tok], i: int) -> str:
    """The word right after the mention at token ``i`` ("" at the end)."""
    j = i
    while j < len(toks) and toks[j].mention == toks[i].mention:
        j += 1
    return toks[j].norm if j < len(toks) else ""


def _defended_against(toks: list[Tok], i: int) -> bool:
    """Whether the mention at token ``i`` is what a defense word before it is against
    ("defenses against MIA", "protection from membership inference attacks")."""
    if i < 2 or toks[i - 1].norm not in ("against", "from", "versus", "vs", "for"):
        return False
    return any(toks[j].mention is None and has_defense(toks[j].norm)
               for j in range(max(0, i - 4), i - 1))


def _modifies_noun(toks: list[Tok], i: int) -> bool:
    """Whether the mention at token ``i`` is followed at once by a target noun or a defense
    word that it modifies ("MIA defenses", "MIA papers"): then that noun is the target."""
    j = i
    while j < len(toks) and toks[j].mention == toks[i].mention:
        j += 1
    if j >= len(toks) or toks[j].mention is not None:
        return False
    return toks[j].norm in _MODIFIED_NOUNS


#: nouns a threat name modifies ("MIA defenses", "TDE papers"): never verbs ("MIAs work")
_MODIFIED_NOUNS = frozenset({"defense", "defence", "method", "countermeasure", "mitigation",
                             "safeguard", "protection", "paper", "study", "publication",
                             "article", "reference"})


# --------------------------------------------------------------------------- aggregate

@dataclass
class Shape:
    """The answer's shape: the target after grouping ("attacks per model" lists models),
    its aggregate, the rows it counts, whether the question asks for a number, and the
    tokens used."""

    target: str
    agg: Agg | None
    parts: tuple[str, ...]
    asks_count: bool
    used: set[int]


def shape_of(q: str, toks: list[Tok], target: Target) -> Shape:
    """The aggregate of the question and the target it groups by."""
    words = [t.norm for t in toks]
    group, used = _group_by(q, words)
    if group and group == target.name and not COUNT_CUE.search(q):
        group, used = None, set()  # "give me every paper by Carlini": a determiner, no group
    back = _EACH_BACK.search(q) if not group and COUNT_CUE.search(q) else None
    if back is not None and target.name in ("threats", "models", "papers", "methods",
                                            "knowledge"):
        # "the threats with how many attacks each one has": a count per listed item
        group = target.name
        used = {i for i, t in enumerate(toks) if back.start() <= t.start < back.end()
                and t.norm in ("together", "along", "with", "each", "apiece", "one", "has",
                               "have", "got", "gets")}
    name, agg, parts = target.name, None, ()
    if group:
        counted = target.name
        part = "defenses" if counted in ("methods", "evaluations") else "attacks"
        phrase = DEFENSE_PAPERS.search(q)
        if counted == "papers" and phrase and not target.attack_cue and not any(
                phrase.start() <= toks[i].start < phrase.end() for i in used):
            part = "defenses"  # "how many defense papers per threat"
        if counted == group:
            part = "defenses" if target.defense_cue else "attacks"
        # papers are counted as papers: a paper with three defense rows counts once
        name, agg, parts = group, Agg("per_item", of="paper" if counted == "papers" else ""), (
            part,)
    more, more_used = _more_than(q, toks)
    if more is not None:
        agg = more
    extreme, extreme_used = _extreme(q, toks, ranked=more is not None or group is not None)
    if extreme is not None:
        agg = extreme
    asks_count = bool(COUNT_CUE.search(q))
    if asks_count and agg is None:
        agg = Agg("count")
    if asks_count:
        used |= {i for i, t in enumerate(toks)
                 if t.norm in ("how", "many", "number", "count", "often")}
        used |= {i for i, t in enumerate(toks)  # "how many different models"
                 if t.norm in ("different", "distinct", "unique", "separate") and i > 0
                 and toks[i - 1].norm in ("many", "of")}
    return Shape(name, agg, parts, asks_count, used | more_used | extreme_used)


#: a count that refers back to the listed items: "… with how many attacks each (one) has",
#: "… and the number of defenses apiece"
_EACH_BACK = re.compile(r"(?:\b(?:together|along) with\s+)?\b(?:how many|the number of)\b"
                        r".*\b(?:each|apiece)(?:\s+one)?(?:\s+(?:has|have|got|gets))?"
                        r"\s*[?.!]*\s*$", re.I)


def _group_by(q: str, words: list[str]) -> tuple[str | None, set[int]]:
    """"per model", "for each threat", "by paper" (only in a count): the target to group by."""
    for i, w in enumerate(words):
        if w in GROUP_CUE and i + 1 < len(words):
            g = TARGET_NOUN.get(words[i + 1])
            if g in ("threats", "models", "papers", "methods", "knowledge") and (
                    w != "by" or COUNT_CUE.search(q)):
                return g, {i, i + 1}
    return None, set()


def _more_than(q: str, toks: list[Tok]) -> tuple[Agg | None, set[int]]:
    """"more than N", "fewer than N", "at least N" rows per item."""
    more = re.search(r"\b(more|greater|fewer|less) than (\d+|" + "|".join(NUMBERS) + r")\b",
                     q, re.I) or re.search(r"\bat least (\d+|" + "|".join(NUMBERS) + r")\b",
                                           q, re.I)
    if not more or any(m.start() <= more.start() < m.end() for m in VALUE_COUNT.finditer(q)):
        return None, set()  # a count of values per row (kg.ask.conditions.value_counts)
    after = [t.norm for t in toks if t.start >= more.end()][:2]
    if after and after[0] == "target":
        after = after[1:]
    if after and TARGET_NOUN.get(after[0]) in ("models", "threats", "knowledge", "papers") \
            or after and after[0] in ("author", "venue", "year"):
        return None, set()  # "at least 3 target models": not rows per item (not consumed)
    n_text = more.group(more.lastindex).lower()
    n = int(n_text) if n_text.isdigit() else NUMBERS[n_text]
    op = "fewer_than" if more.group(0).lower().startswith(("fewer", "less")) else "more_than"
    if more.group(0).lower().startswith("at least"):
        n -= 1
    return Agg(op, n), {i for i, t in enumerate(toks) if more.start() <= t.start < more.end()}


def _extreme(q: str, toks: list[Tok], ranked: bool) -> tuple[Agg | None, set[int]]:
    """"earliest" / "latest" (by publication year), "most" / "least" (rows per item); none
    when the question already groups or bounds the rows (``ranked``)."""
    words = [t.norm for t in toks]
    when = re.search(r"\b(earliest|oldest|first published|(?:most )?recent|latest|newest|"
                     r"last published)\b", q, re.I)
    if when and not ranked:
        agg = Agg("earliest" if when.group(1).lower() in ("earliest", "oldest",
                                                          "first published") else "latest")
        return agg, {i for i, t in enumerate(toks)
                     if when.start() <= t.start < when.end() or t.norm == "the"}
    # "at least 2" / "at most 3" bound a count: no ranking
    rank = [w if not (i and words[i - 1] == "at") else "" for i, w in enumerate(words)]
    if any(w in MOST for w in rank) or any(w in LEAST for w in rank):
        agg = None if ranked else Agg("bottom" if any(w in LEAST for w in rank) else "top")
        by_values = _RANK_BY_VALUES.search(q)
        if agg is not None and by_values:  # "evaluated on the most models": distinct values
            noun = by_values.group("noun").lower()
            of = "model" if noun.startswith(("model", "arch")) else (
                "threat" if noun.startswith("threat") else "knowledge")
            agg = Agg(agg.op, of=of)
        return agg, {i for i, w in enumerate(rank) if w in MOST | LEAST | {"the"} or (
            w in _BY_ROWS and i and rank[i - 1] in MOST | LEAST)} | (
            {i for i, t in enumerate(toks) if by_values.start() <= t.start < by_values.end()}
            if agg is not None and by_values else set())
    return None, set()


#: "the most common threat", "the least studied model": ranked by rows, as "most" alone
_BY_ROWS = frozenset({"common", "frequent", "prevalent", "represented", "studied",
                      "researched", "examined", "investigated"})

#: "the most models", "the fewest distinct threats", "the highest number of knowledge
#: levels": items ranked by the distinct values their rows name (kg.query Agg ``of``)
_RANK_BY_VALUES = re.compile(
    r"\b(?:most|fewest|least|max(?:imum)?|min(?:imum)?|(?:highest|largest|greatest|smallest|"
    r"lowest) number of)\s+(?:number of\s+)?(?:(?:distinct|different|unique|separate)\s+)?"
    r"(?:(?:target|victim)\s+)?(?P<noun>models?|architectures?|threat types?|threats?|"
    r"(?:attacker |access )?knowledge levels?|access levels?|levels of (?:attacker )?"
    r"knowledge)\b", re.I)


# --------------------------------------------------------------------------- rows

#: both tables named as one ("papers on attacks and defenses", "attack + defense", "atk/def"):
#: papers of either table (for threats and models "with attacks and defenses" is a relation
#: across the tables, kg.ask.across, not read here)
_BOTH_TABLES = re.compile(r"\b(?:attacks?|atk)\s*(?:and|\+|&|/|or)\s*(?:defen[cs]es?|def)\b|"
                          r"\b(?:defen[cs]es?|def)\s*(?:and|\+|&|/|or)\s*(?:attacks?|atk)\b",
                          re.I)


#: verbs of an attack carried out: the rows meant are attack rows
_ATTACKED = re.compile(r"\b(attacked|targeted|hit|victims?|demonstrated|launched|mounted|"
                       r"performed|carried out|exploited|executed|shown to work)\b", re.I)


def parts_of(q: str, target: Target, shape: Shape, undefended: bool) -> tuple[str, ...]:
    """The rows papers, models and threats range over: defense rows when the question
    names a method or speaks of defenses only, attack rows when it names a knowledge level,
    speaks of attacks or ranks items by rows, both otherwise."""
    parts, kinds, agg = shape.parts, target.kinds, shape.agg
    defense, attack = target.defense_cue, target.attack_cue
    if not parts and shape.target in ("papers", "models", "threats"):
        if "paper" in kinds and not (attack or defense) or shape.target == "papers" \
                and _BOTH_TABLES.search(q) and not re.search(r"\bboth\b", q, re.I):
            parts = ()
        elif "method" in kinds or (defense and not attack):
            parts = ("defenses",)
        elif "knowledge" in kinds or attack or agg is not None and agg.op in (
                "top", "bottom", "more_than", "fewer_than", "per_item"):
            parts = ("attacks",)
        elif shape.target in ("models", "threats") and not defense and _ATTACKED.search(q):
            parts = ("attacks",)  # "threats demonstrated against T2I models": attack rows
        elif shape.target == "models" and not defense:
            parts = ("attacks",)
    if shape.target == "threats" and undefended and not parts:
        parts = ("attacks",)
    return parts
