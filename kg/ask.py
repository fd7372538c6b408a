"""Questions in words -> a logical form (:mod:`kg.query`) -> one SPARQL query -> answers.

No language model and no network. A question is parsed into a :class:`kg.query.Form`:
what it asks for (attacks, defense methods, papers, models, threats, knowledge levels),
the entities it names (linked by :mod:`kg.linking`) as conditions — grouped into "any of"
/ "all of" by their connectors, negated by a preceding "not", "no", "without", "except"
… —, code availability, words of the effectiveness / limitation cells as text conditions
(bound literals inside the SPARQL), and an aggregate (how many, per …, most / least,
more than N). Every content word of the question is either used by a condition or
reported: a name the graph does not hold ("Imagen") stops the answer with "… is not in
the graph" and the closest known names; another word it could not use is listed in
``not_understood``. The SPARQL shown is exactly the query that produced the answers.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field

from .errors import KGError, NotApplicable
from .linking import STOPWORDS, Entity, Mention, check_words, keep_person, lexicon, link, normal, tokens
from .query import ROW_CAP, Agg, Cond, Form, Term, context, describe, run
from .stores.base import Store, select_values

MAX_QUESTION_CHARS = 1000
#: Rows an answer lists (its total is counted apart, up to COUNT_CAP): at 100k papers a
#: listing of 100 rows reads in ~10 ms on Oxigraph, a full count in ~1 s per 25k rows.
ASK_ROWS = 100
COUNT_CAP = 1000


@dataclass
class Answer:
    question: str
    intent: str  # query | gaps | unknown_entity | not_applicable | search
    sparql: str
    answers: list[dict]
    linked: list[Mention] = field(default_factory=list)
    message: str = ""
    asks_count: bool = False
    understood_as: str = ""
    logical_form: dict | None = None
    not_understood: list[str] = field(default_factory=list)
    not_in_graph: list[dict] = field(default_factory=list)  # text, closest
    total: int | None = None  # set when the listing stopped at ASK_ROWS rows
    total_exact: bool = True  # False: ``total`` is a lower bound (more than COUNT_CAP)
    count_sparql: str = ""
    count_source: str = ""  # of ``total``: "query" (count_sparql over the rows) | "summary"
    form: Form | None = None  # the logical form that ran (query answers)

    @property
    def count(self) -> int:
        return len(self.answers) if self.total is None else self.total

    def as_dict(self) -> dict:
        d = {"question": self.question, "intent": self.intent, "sparql": self.sparql,
             "answers": self.answers, "count": self.count,
             "understood_as": self.understood_as, "logical_form": self.logical_form,
             "not_understood": self.not_understood, "not_in_graph": self.not_in_graph,
             "linked": [m.as_dict() for m in self.linked], "message": self.message}
        if self.count_sparql:
            d["truncated"] = True
            d["count_exact"] = self.total_exact
            d["count_sparql"] = self.count_sparql
            d["count_source"] = self.count_source
        return d


# --------------------------------------------------------------------------- words

def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


_GAP = _rx(r"\bgaps?\b|under-?(studied|explored|researched)|unexplored|open (problem|question)|"
           r"blind spot|uncovered|not (yet )?covered|missing (work|research)|"
           r"research opportunit")
_UNDEFENDED = _rx(r"\bun-?(defended|protected|mitigated)\b|no ?one defends|nobody defends")
_NEG = {"not", "no", "without", "except", "excluding", "exclude", "neither", "nor", "never",
        "non", "lack", "lacking", "missing", "none", "nothing", "zero", "isn", "aren",
        "doesn", "don", "didn", "wasn", "weren", "nt", "other"}
_DEFENSE = _rx(r"^(defen[cs]|defend|protect|mitigat|countermeasure|safeguard|prevent|guard|"
               r"remed|fix|stop|block|secur|harden|counter)")
_ATTACK = _rx(r"^(attack|exploit|mia$)")  # a cue that attack rows are meant
_ATTACK_NOUN = _rx(r"^(attacks?|exploits?|mias?)$")  # attacks asked for
_CODE = _rx(r"^(code|implementation|github|repo|repository|open|source|sourced)$")
_ONLY = {"only", "just", "purely", "exclusively", "solely"}
_LIMIT_CUE = _rx(r"^(need|require|rely|relie|depend|assum|limitation|limited|limit|weakness|"
                 r"drawback|shortcoming|downside|caveat|restrict|requirement)")
_EFFECT_CUE = _rx(r"^(achiev|effective|effectivenes|performance|succe|result|reach|report)")
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10}
# Target nouns (normalised tokens) -> target
_TARGET_NOUN = {
    "attack": "attacks", "mia": "attacks", "exploit": "attacks",
    "defense": "methods", "defence": "methods", "method": "methods", "countermeasure": "methods",
    "mitigation": "methods", "safeguard": "methods", "protection": "methods",
    "technique": "methods",
    "paper": "papers", "work": "papers", "study": "papers", "publication": "papers",
    "publish": "papers", "preprint": "papers",
    "article": "papers", "reference": "papers", "literature": "papers",
    "model": "models", "victim": "models", "architecture": "models",
    "threat": "threats", "risk": "threats", "vulnerability": "threats", "category": "threats",
    "knowledge": "knowledge", "setting": "knowledge", "level": "knowledge",
}
_GROUP_CUE = {"per", "each", "every", "by"}
_MOST = {"most", "maximum", "max", "highest", "largest", "biggest", "often", "frequently"}
_LEAST = {"least", "fewest", "minimum", "min", "lowest", "smallest", "rarely"}
_COUNT = _rx(r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow often\b")
_ENTITY_PREP = {"against", "on", "for", "from", "by", "of", "in", "targeting", "target",
                "about", "with", "to", "like", "called", "named"}

# Words that carry the question's shape (targets, verbs, cues) or nothing at all.
_GENERIC = {t for w in """
attack attacks attacked attacking defense defence defend defends defended protect protects
protected protection mitigate mitigates mitigated mitigation countermeasure safeguard prevent
method methods technique approach paper work works study studies studied research
publication article evaluate evaluates evaluated evaluation threat risk model target targets
targeted targeting victim which what list show give find tell name there exist exists known
used use uses using need needs require requires required rely relies depend depends assume
assumes access only work against kind type category privacy diffusion generative image images
data training code public available implementation open source github repository release
released without lack lacking missing many number count how gap gaps problem question
effective effectiveness limitation limitations achieve achieves result results performance
success does did do have has been being get got tested test hit survey graph knowledge
setting settings scenario via also both either neither nor any all each every most least
more fewer less than per one ones other others same different about regarding concerning
concern address addresses addressed propose proposes proposed present presents cover covers
covered apply applies applied exploit exploits versus vs compare comparison between kinds
types categories level levels box black white grey gray way ways also please me show
whose where when often frequently times but mention mentions mentioned mentioning say says
said contain contains containing word words phrase time highest lowest largest fewest exist existing available
against except excluding exclude those that these their them model's attacker adversary
adversaries setting assumed assumption rows row entries entry sample samples involve involved
involving concerned deal deals dealing focus focused reported report reports reach reached
publish published publishes publication presented appear appeared appears accepted
conference conferences venue venues proceedings journal year years since before after until
till between later earlier recent newer older onwards onward starting prior through
author authors authored coauthored co written wrote writes writer by
""".split() for t, _, _ in tokens(w)}
_GENERIC |= set(_NUMBERS)


def _has_defense(tok: str) -> bool:
    return bool(_DEFENSE.match(tok))


def looks_like_sparql(text: str) -> bool:
    return bool(re.search(r"\b(select|construct|describe|ask|insert|delete|prefix|where)\b",
                          text, re.I) and re.search(r"[{}]|\?[A-Za-z_]\w*\s", text))


def check_question(question: str) -> str:
    q = check_words(question, "question", MAX_QUESTION_CHARS,
                    'empty question: ask e.g. kg ask "which defenses protect Stable '
                    'Diffusion against membership inference?"', "has no words to answer")
    if looks_like_sparql(q):
        raise KGError("this looks like a SPARQL query, not a question; run it with "
                      "kg sparql (read-only)")
    return q


_TEXTS = """SELECT DISTINCT ?t WHERE { { ?r rd:effectiveness ?t } UNION { ?r rd:limitation ?t } }"""


@functools.lru_cache(maxsize=8)
def text_vocabulary(store: Store) -> frozenset[str]:
    """The normalised words of every effectiveness and limitation cell of the store."""
    words: set[str] = set()
    for (t,) in select_values(store, _TEXTS)[1]:
        words.update(tok for tok, _, _ in tokens(t or ""))
    return frozenset(words)


# --------------------------------------------------------------------------- parsing

@dataclass
class _Tok:
    norm: str
    start: int
    end: int
    text: str
    mention: int | None = None  # index into the mentions of the question


@dataclass
class Parse:
    form: Form | None
    mentions: list[Mention]
    not_understood: list[str]
    not_in_graph: list[dict]
    gaps: bool = False
    asks_count: bool = False
    unattached: list[str] = field(default_factory=list)  # negations with nothing to negate
    negated: set[int] = field(default_factory=set)  # gaps: start offsets of negated names
    notes: list[str] = field(default_factory=list)  # how ambiguous names were read


def _tokens(q: str, mentions: list[Mention]) -> list[_Tok]:
    out = []
    for norm, s, e in tokens(q):
        t = _Tok(norm, s, e, q[s:e])
        for i, m in enumerate(mentions):
            if m.start <= s and e <= m.end:
                t.mention = i
                break
        out.append(t)
    return out


def _name_like(tok: _Tok, first: bool) -> bool:
    text = tok.text
    if len(text) < 2:
        return False
    if any(ch.isdigit() for ch in text) and any(ch.isalpha() for ch in text):
        return True
    if text.isupper() and len(text) >= 2:
        return True
    return text[0].isupper() and not first and not text.isupper() or (
        any(ch.isupper() for ch in text[1:]) and any(ch.islower() for ch in text))


# words that shape a gaps question ("where are the open research gaps in the field?")
_GAP_SHAPE = {"gap", "gaps", "where", "remain", "remains", "remaining", "left", "field", "area",
              "areas", "literature", "main", "biggest", "largest", "most", "current", "existing",
              "still", "yet", "covered", "uncovered", "missing", "unexplored", "blind", "spot",
              "spots", "opportunity", "opportunities", "problem", "problems", "question",
              "questions", "understudied", "underexplored", "underresearched", "under",
              "explored", "researched", "all", "any", "every", "each", "our", "survey", "graph",
              "family", "families"}


def _gap_parse(q: str, lex, toks: list[_Tok], mentions: list[Mention],
               versioned: list[tuple[int, int]], notes: list[str], vocab) -> Parse:
    """A gaps question: its names select gaps (kg.ask._gaps); a word that is neither a name,
    the question's shape nor filler is reported as not understood, a name-like word the graph
    does not hold as not in the graph, so nothing of the question is dropped unsaid."""
    cue = [(m.start(), m.end()) for m in _GAP.finditer(q)]
    not_in_graph = [{"text": q[a:b], "closest": _closest(lex, q[a:b])} for a, b in versioned]
    skip = {i for i, t in enumerate(toks) for a, b in versioned if a <= t.start < b}
    leftover: list[str] = []
    negated: set[int] = set()
    pending: _Tok | None = None  # a negation cue ("not", "except") waiting for its name
    for i, t in enumerate(toks):
        w = t.norm
        in_cue = any(a <= t.start < b for a, b in cue)  # "not covered" is the gap cue
        if t.mention is not None and pending is not None:
            negated.add(mentions[t.mention].start)
            pending = None
        if w in _NEG and not in_cue and t.mention is None:
            pending = t
            continue
        if i in skip or t.mention is not None or w in STOPWORDS or w in _GENERIC \
                or w in _GAP_SHAPE or w.isdigit() or in_cue:
            continue
        if w not in vocab and _name_like(t, i == 0):
            not_in_graph.append({"text": t.text, "closest": _closest(lex, t.text)})
        else:
            leftover.append(t.text)
    return Parse(None, mentions, leftover, not_in_graph, gaps=True, notes=notes,
                 unattached=[q[pending.start:]] if pending is not None else [],
                 negated=negated)


def parse(store: Store, question: str) -> Parse:
    """The logical form of ``question`` and what of it could not be used."""
    q = check_question(question)
    lex = lexicon(store)
    mentions = [m for m in link(q, lex) if keep_person(q, m)]
    # one mention per span; a name of several entities of one kind ("Wen": two authors,
    # "Li et al.": two papers) stands for any of them; a name of entities of different
    # kinds ("PIA": a threat and a paper) is read by the question's other words
    spans: dict[tuple[int, int], list[Mention]] = {}
    for m in mentions:
        spans.setdefault((m.start, m.end), []).append(m)
    notes: list[str] = []
    same: dict[tuple[int, int], list[Entity]] = {}
    chosen = []
    for span, ms in spans.items():
        pick = _disambiguate(q, ms, mentions, notes) if len({m.entity.kind for m in ms}) > 1 \
            else ms[0]
        group = list(dict.fromkeys(m.entity for m in ms if m.entity.kind == pick.entity.kind))
        if len(group) > 1:
            same[span] = group
            notes.append(f"{pick.text!r} names {len(group)} {_KIND_NOUNS[pick.entity.kind]}: "
                         + "; ".join(_entity_name(lex, e) for e in group)
                         + ": the answer covers any of them")
        chosen.append(pick)
    mentions = sorted(chosen, key=lambda m: m.start)
    toks = _tokens(q, mentions)
    # "Stable Diffusion 3", "SDXL"-like suffixes: a model name with a version the graph
    # does not hold is an unknown name, not the model it starts with
    versioned: list[tuple[int, int]] = []
    for i, t in enumerate(toks[1:], 1):
        prev = toks[i - 1]
        if prev.mention is not None and t.mention is None and \
                mentions[prev.mention].entity.kind == "model" and t.start - prev.end <= 1 and (
                t.norm.isdigit() or t.norm in ("xl", "xxl", "turbo", "pro", "ultra")
                or re.fullmatch(r"v\d+", t.norm)):
            m = mentions[prev.mention]
            versioned.append((m.start, t.end))
    quoted = re.search(r"\b(mentions?|mentioning|says?|contains?|containing|with the (word|phrase))"
                       r"\b", q, re.I)
    if quoted:  # "whose effectiveness mentions GANs": the words are text, not entities
        mentions = [m for m in mentions if m.start < quoted.end()]
    for k, m in enumerate(mentions):  # "the PriSampler paper": the paper, not the method
        after = q[m.end:m.end + 12].lower()
        if m.entity.kind != "paper" and re.match(r"\s*(paper|work|study|article)\b", after) or \
                m.entity.kind == "method" and re.match(r"\s*attacks?\b", after):
            # "the PriSampler attack": a defense method attacks nothing; its paper's attack
            key = normal(m.text)
            alt = [e for e, _, _ in lex.hits(key) if e.kind == "paper"]
            if alt:
                mentions[k] = Mention(m.text, m.start, m.end, alt[0], m.surface, m.exact)
    if versioned or quoted:
        mentions = [m for m in mentions if not any(a <= m.start < b for a, b in versioned)]
        toks = _tokens(q, mentions)
    words = [t.norm for t in toks]
    used: set[int] = set()  # token indexes a condition or the shape of the question used

    def use(i: int) -> None:
        used.add(i)

    for i, t in enumerate(toks):
        if t.mention is not None:
            use(i)
    if _GAP.search(q):
        return _gap_parse(q, lex, toks, mentions, versioned, notes, text_vocabulary(store))

    vocab = text_vocabulary(store)
    # --- publication years: "in 2023", "since 2024", "before 2025", "between 2023 and 2024"
    years = _years(q, toks)
    year_tok = {i for _, _, idx in years for i in idx}
    for i in year_tok:
        use(i)
    # --- negation: a cue negates the next condition-bearing token
    neg_at: set[int] = set()
    dangling: list[tuple[int, int]] = []  # negations with no condition to negate
    pending = False
    cue_at = 0
    for i, t in enumerate(toks):
        w = t.norm
        if w in _NEG or (w == "but" and i + 1 < len(toks) and toks[i + 1].norm == "not"):
            if w == "other" and not (i + 1 < len(toks) and toks[i + 1].norm == "than"):
                continue
            if not pending:
                cue_at = i
            pending = True
            use(i)
            continue
        if pending and (t.mention is not None or _CODE.match(w) or _has_defense(w)
                        or i in year_tok and t.norm.isdigit()
                        or len(w) > 2 and w in vocab and w not in _GENERIC
                        and w not in STOPWORDS):
            neg_at.add(i)
            pending = False
        elif pending and w in ("and", "but", "or"):
            pending = False
            dangling.append((cue_at, i))
    if pending:
        dangling.append((cue_at, len(toks)))

    # --- code availability
    conds: list[Cond] = []
    code_idx = [i for i, w in enumerate(words) if _CODE.match(w) and toks[i].mention is None]
    if code_idx and any(words[i] in ("code", "implementation", "github", "repo", "repository",
                                     "source", "sourced") for i in code_idx):
        closed = "closed" in words or "unreleased" in words
        negated = closed or any(i in neg_at for i in code_idx) or any(
            words[j] in _NEG for i in code_idx for j in range(max(0, i - 3), i))
        # "without code": no row of the item has a code link (for attacks: this row)
        conds.append(Cond("code", code="linked", negated=negated))
        for i in code_idx:
            use(i)
        for i, w in enumerate(words):
            if w in ("closed", "unreleased", "public", "available", "released", "publicly",
                     "with", "has", "have"):
                use(i)

    # --- defended: "no defense", "undefended", "without any countermeasure"
    defended_neg = bool(_UNDEFENDED.search(q)) or any(
        i in neg_at and _has_defense(words[i]) for i in range(len(toks)))
    if _UNDEFENDED.search(q):
        for i, t in enumerate(toks):
            if re.match(r"un", t.norm) and _has_defense(t.norm[2:].lstrip("-")):
                use(i)

    # --- target
    target, target_at = None, None
    wh = [i for i, w in enumerate(words) if w in ("which", "what", "list", "show", "name",
                                                   "give", "find", "how", "compare")]
    start = wh[0] if wh else 0
    defended_tokens = {i for i in neg_at if _has_defense(words[i])}
    paper_of = re.search(r"\b(defen[cs]es?|attacks?|mias?)\s+(papers?|stud(y|ies)|"
                         r"publications?|articles?)\b", q, re.I)
    for i in range(start, len(toks)):
        w = words[i]
        if paper_of and paper_of.start() <= toks[i].start < paper_of.end():
            target, target_at = "papers", i  # "defense papers", "attack papers"
            break
        if i in defended_tokens:
            continue
        if toks[i].mention is not None:
            m = mentions[toks[i].mention]
            if m.entity.kind == "threat" and re.search(r"\bmias?\b|attacks?\b", m.text, re.I):
                target = "attacks"  # "MIAs", "membership inference attacks"
                break
            continue
        noun = _TARGET_NOUN.get(w)
        if noun is None and _has_defense(w):
            noun = "methods"
        if noun is None and _ATTACK_NOUN.match(w):
            noun = "attacks"
        if noun:
            target, target_at = noun, i
            break
    kinds = {m.entity.kind for m in mentions}
    if "paper" in kinds and re.search(r"\bwhat (does|do|did)\b.*\b(attack|target)s?\b\W*$", q,
                                      re.I):
        target = "models"  # "what does the SecMI paper attack": the models it attacks
    has_defense_cue = any(_has_defense(w) for i, w in enumerate(words)
                          if i not in defended_tokens and toks[i].mention is None)
    has_attack_cue = any(_ATTACK.match(w) for w in words) or any(
        m.entity.kind == "threat" and re.search(r"\bmias?\b|attack", m.text, re.I)
        for m in mentions)
    if words and words[0] == "who" or target is None and re.search(r"\bwho\b", q, re.I):
        target = "papers"  # "who evaluated differential privacy as a defense"
    if target is None:
        if "method" in kinds and not has_defense_cue:
            target = "papers"
        elif has_defense_cue:
            target = "methods"
        elif "paper" in kinds and not (kinds & {"threat", "knowledge", "model"}):
            target = "threats"
        else:
            target = "attacks"
    if target_at is not None:
        use(target_at)
    for i, w in enumerate(words):
        if (_TARGET_NOUN.get(w) or _ATTACK.match(w) or _has_defense(w) or w == "who") and \
                toks[i].mention is None:
            use(i)

    # --- aggregate
    agg = None
    group = None
    for i, w in enumerate(words):
        if w in _GROUP_CUE and i + 1 < len(toks):
            nxt = words[i + 1]
            g = _TARGET_NOUN.get(nxt)
            if g in ("threats", "models", "papers", "methods", "knowledge") and (
                    w != "by" or _COUNT.search(q)):
                group = g
                use(i)
                use(i + 1)
                break
    more = re.search(r"\b(more|greater|fewer|less) than (\d+|" + "|".join(_NUMBERS) + r")\b",
                     q, re.I) or re.search(r"\bat least (\d+|" + "|".join(_NUMBERS) + r")\b",
                                           q, re.I)
    asks_count = bool(_COUNT.search(q))
    if group:
        counted = target
        part = "defenses" if counted in ("methods", "evaluations") else "attacks"
        if counted == group:
            part = "defenses" if has_defense_cue else "attacks"
        target = group
        agg = Agg("per_item")
        parts = (part,)
    else:
        parts = ()
    if more:
        n_text = more.group(more.lastindex).lower()
        n = int(n_text) if n_text.isdigit() else _NUMBERS[n_text]
        op = "fewer_than" if more.group(0).lower().startswith(("fewer", "less")) else "more_than"
        if more.group(0).lower().startswith("at least"):
            n -= 1
        agg = Agg(op, n)
        for i, t in enumerate(toks):
            if more.start() <= t.start < more.end():
                use(i)
    when = re.search(r"\b(earliest|oldest|first published|(?:most )?recent|latest|newest|"
                     r"last published)\b", q, re.I)
    if when and not more and not group:
        agg = Agg("earliest" if when.group(1).lower() in ("earliest", "oldest",
                                                          "first published") else "latest")
        for i, t in enumerate(toks):
            if when.start() <= t.start < when.end() or t.norm == "the":
                use(i)
    elif any(w in _MOST for w in words) or any(w in _LEAST for w in words):
        if not (more or group):
            agg = Agg("bottom" if any(w in _LEAST for w in words) else "top")
        for i, w in enumerate(words):
            if w in _MOST | _LEAST | {"the"}:
                use(i)
    if asks_count and agg is None:
        agg = Agg("count")
    for i, t in enumerate(toks):
        if asks_count and t.norm in ("how", "many", "number", "count", "often"):
            use(i)

    # --- which rows papers / models / threats range over
    if not parts and target in ("papers", "models", "threats"):
        if "paper" in kinds and not (has_attack_cue or has_defense_cue):
            parts = ()
        elif "method" in kinds or (has_defense_cue and not has_attack_cue):
            parts = ("defenses",)
        elif "knowledge" in kinds or has_attack_cue or agg is not None and agg.op in (
                "top", "bottom", "more_than", "fewer_than", "per_item"):
            parts = ("attacks",)
        elif target == "models" and re.search(r"\b(attacked|targeted|hit|victims?)\b", q, re.I):
            parts = ("attacks",)
        elif target == "models" and not has_defense_cue:
            parts = ("attacks",)
    if target == "threats" and defended_neg and not parts:
        parts = ("attacks",)
    if defended_neg:
        conds.append(Cond("defended", negated=True))

    # --- entity conditions
    def connector(a: Mention, b: Mention) -> str:
        between = q[a.end:b.start].lower()
        if re.search(r"\bor\b|\beither\b|/|,", between):
            return "or"
        if re.search(r"\band\b|&", between):
            return "and"
        return "and" if not between.strip() else "other"

    by_kind: dict[str, list[tuple[Mention, bool]]] = {}
    for i, t in enumerate(toks):
        if t.mention is None or (i > 0 and toks[i - 1].mention == t.mention):
            continue
        m = mentions[t.mention]
        negated = i in neg_at
        by_kind.setdefault(m.entity.kind, []).append((m, negated))
    # "neither A nor B": B is negated too; so is a list after "except", "other than",
    # "excluding", "apart from" ("other than SecMI and PIA")
    for kind, lst in by_kind.items():
        fixed = []
        for j, (m, negated) in enumerate(lst):
            if not negated and j > 0 and lst[j - 1][1] and (re.search(
                    r"\b(nor|or)\b", q[lst[j - 1][0].end:m.start], re.I) or re.fullmatch(
                    r"\s*(,|,?\s*and|,?\s*or)\s*", q[lst[j - 1][0].end:m.start], re.I)
                    and _EXCEPT.search(q[:lst[j - 1][0].start])):
                negated = True
            fixed.append((m, negated))
        by_kind[kind] = fixed
    both = bool(re.search(r"\bboth\b|\ball of\b|\bas well as\b", q, re.I))
    compare = bool(re.search(r"\bcompare|\bversus\b|\bvs\b|\beither\b", q, re.I))
    only_at = {i for i, w in enumerate(words) if w in _ONLY}
    for kind, lst in by_kind.items():
        pos = [m for m, n in lst if not n]
        neg = [m for m, n in lst if n]
        if pos:
            mode = "any"
            if len(pos) > 1:
                joins = [connector(a, b) for a, b in zip(pos, pos[1:], strict=False)]
                on_one = kind in ("model", "author")  # "on DDPM and SD", "by Kong and Duan"
                if (both or (on_one and "or" not in joins and not compare)) and \
                        kind in ("model", "knowledge", "threat", "method", "paper", "author"):
                    mode = "all" if (both or on_one) else "any"
            if kind == "knowledge" and _only(toks, pos, only_at):
                mode = "only"
                for i in only_at:
                    use(i)
            groups = [tuple(Term(e.iri, e.label) for e in _group(m, same)) for m in pos]
            values = tuple(dict.fromkeys(t for g in groups for t in g))
            if mode == "all" and any(len(g) > 1 for g in groups):
                # each name on the item, one of its entities each ("Wen and Zhang")
                conds += [Cond(kind, g) for g in dict.fromkeys(groups)]
            else:
                conds.append(Cond(kind, values, mode=mode if len(values) > 1 or mode == "only"
                                  else "any"))
        if neg:
            values = tuple(dict.fromkeys(Term(e.iri, e.label) for m in neg
                                         for e in _group(m, same)))
            conds.append(Cond(kind, values, negated=True))
    for lo_hi, _, idx in years:
        conds.append(Cond("year", years=lo_hi, negated=any(i in neg_at for i in idx)))
    if re.search(r"\bt2i\b|text[- ]to[- ]image", q, re.I) and "model" not in by_kind:
        conds.append(Cond("t2i"))
        for i, t in enumerate(toks):
            if t.norm in ("t2i", "text", "to", "image"):
                use(i)

    # --- the rest: text conditions, unknown names, words not understood
    field_ = "any"
    limit_cue = [i for i, w in enumerate(words) if _LIMIT_CUE.match(w)]
    effect_cue = [i for i, w in enumerate(words) if _EFFECT_CUE.match(w)]
    if limit_cue and not effect_cue:
        field_ = "limitation"
    elif effect_cue and not limit_cue:
        field_ = "effectiveness"
    if field_ == "limitation" and target in ("methods", "evaluations"):
        field_ = "any"
    for i in limit_cue + effect_cue:
        use(i)
    explicit_field = any(w in ("limitation", "effectiveness", "weakness", "drawback",
                               "shortcoming", "caveat", "mention", "say", "contain", "word",
                               "phrase") for w in words)
    for i, t in enumerate(toks):  # "white-box access", "gray-box setting"
        if i > 0 and toks[i - 1].mention is not None and t.mention is None and \
                mentions[toks[i - 1].mention].entity.kind == "knowledge" and t.norm in (
                "access", "setting", "scenario", "knowledge", "attacker", "adversary",
                "threat", "model", "assumption"):
            use(i)
    text_words: list[tuple[int, str]] = []
    unknown: list[list[int]] = []
    leftover: list[int] = []
    for i, t in enumerate(toks):
        w = t.norm
        if i in used or w in STOPWORDS or t.mention is not None or w.isdigit():
            continue
        prev = next((toks[j] for j in range(i - 1, -1, -1) if toks[j].norm not in
                     ("the", "a", "an")), None)
        after_prep = prev is not None and prev.norm in _ENTITY_PREP and prev.mention is None
        run_ = [j for j in range(i, len(toks)) if j not in used and toks[j].mention is None
                and toks[j].norm not in STOPWORDS]
        run_ = run_[:next((k for k, j in enumerate(run_) if j != i + k), len(run_))]
        strange = [j for j in run_ if toks[j].norm not in vocab and toks[j].norm not in _GENERIC
                   and not toks[j].norm.isdigit()]
        if w not in vocab and _name_like(t, i == 0) or (after_prep and strange
                                                         and w not in _GENERIC):
            # a name the graph does not hold: "Imagen", "against prompt injection"
            if unknown and unknown[-1][-1] == i - 1:
                unknown[-1].append(i)
            else:
                unknown.append([i])
            continue
        if (w in _GENERIC and not (explicit_field and w in vocab)) or len(w) <= 2:
            continue
        if w in vocab:
            text_words.append((i, w))
        else:
            leftover.append(i)
    # a word right after an unknown name continues it ("prompt injection")
    for i in list(leftover):
        for grp in unknown:
            if grp[-1] == i - 1:
                grp.append(i)
                leftover.remove(i)
                break
    for grp in unknown:  # "GPT-4", "Smith et al."
        while grp[-1] + 1 < len(toks) and toks[grp[-1] + 1].norm.isdigit() and \
                toks[grp[-1] + 1].start - toks[grp[-1]].end <= 1:
            grp.append(grp[-1] + 1)
        j = grp[-1]
        if j + 2 < len(toks) and toks[j + 1].norm == "et" and toks[j + 2].norm == "al":
            grp += [j + 1, j + 2]
    not_in_graph = []
    for a_, b_ in versioned:
        not_in_graph.append({"text": q[a_:b_], "closest": _closest(lex, q[a_:b_])})
    for grp in unknown:
        end = toks[grp[-1]].end
        if toks[grp[-1]].norm == "al" and q[end:end + 1] == ".":
            end += 1
        text = q[toks[grp[0]].start:end]
        not_in_graph.append({"text": text, "closest": _closest(lex, text)})
    if text_words:
        negated = any(i in neg_at for i, _ in text_words)
        conds.append(Cond("text", words=tuple(dict.fromkeys(w for _, w in text_words)),
                          field=field_, negated=negated))
    not_understood = [toks[i].text for i in leftover]
    unattached = []
    for a_, b_ in dangling:
        if a_ < len(toks) and toks[a_].norm == "other":
            continue
        end = toks[b_ - 1].end if b_ > a_ else toks[a_].end
        unattached.append(q[toks[a_].start:end])
    return Parse(Form(target, tuple(conds), agg, parts), mentions, not_understood,
                 not_in_graph, asks_count=asks_count, unattached=unattached, notes=notes)


_EXCEPT = _rx(r"\b(except(?: for)?|other than|excluding|exclude|apart from|besides|but not)"
              r"\s*(the\s+)?$")
_KIND_NOUNS = {"threat": "threats", "knowledge": "knowledge levels", "model": "models",
               "method": "defense methods", "paper": "papers", "author": "authors",
               "venue": "venues"}
_KIND_ONE = {"threat": "threat", "knowledge": "knowledge level", "model": "model",
             "method": "defense method", "paper": "paper", "author": "author",
             "venue": "venue"}
def _group(m: Mention, same: dict) -> list:
    g = same.get((m.start, m.end))
    return g if g and all(e.kind == m.entity.kind for e in g) else [m.entity]


def _entity_name(lex, e) -> str:
    """How an answer names a node: a paper by its citation label when it has one."""
    if e.kind == "paper":
        return paper_label(lex, e.iri, e.label)
    return e.label


def paper_label(lex, iri: str, title: str) -> str:
    cite = lex.citation_labels.get(iri)
    return f"{cite}: {title}" if cite else title


_THREAT_READING = _rx(r"^\s*(attacks|s\b|'?s attacks|threats?|categor)")
_PAPER_READING = _rx(r"^\s*('s\b|paper|work|study|article|method|code|repo)")


def _disambiguate(q: str, ms: list[Mention], all_mentions: list[Mention],
                  notes: list[str]) -> Mention:
    """Pick one reading of a name several kinds of node carry ("PIA": the threat property
    inference, or Kong et al.'s Proximal Initialization Attack paper) by the question's
    other words, and say which was picked and why."""
    by_kind = {m.entity.kind: m for m in ms}
    m0 = ms[0]
    before, after = q[:m0.start].lower(), q[m0.end:].lower()
    others = [o for o in all_mentions if (o.start, o.end) != (m0.start, m0.end)]
    why = ""
    pick = None
    if "paper" in by_kind and "threat" in by_kind:
        if _PAPER_READING.match(after) or re.search(r"\b(does|did|is|was|the)\s*$", before):
            pick, why = "paper", "the question speaks of one work"
        elif any(o.entity.kind in ("paper", "author") for o in others):
            pick, why = "paper", "it is named beside papers or authors"
        elif _THREAT_READING.match(after) or q[m0.end:m0.end + 1] == "s":
            pick, why = "threat", "it names a kind of attack"
        elif any(_has_defense(t) for t, _, _ in tokens(q)):
            pick, why = "threat", "defenses are evaluated against threats"
        else:
            pick, why = "threat", "with no other cue, the threat category is its usual meaning"
    if pick is None and "paper" in by_kind and "method" in by_kind:  # "PriSampler"
        words = [t for t, _, _ in tokens(q)]
        if _PAPER_READING.match(after) or re.match(r"\s*attacks?\b", after) or (
                any(_ATTACK.match(w) for w in words) and not any(_has_defense(w) for w in words)):
            pick, why = "paper", "the question asks about the paper or its attack"
        else:
            pick, why = "method", "the question asks about a defense"
    if pick is None:  # other pairs: the first by kind order
        pick, why = sorted(by_kind)[0], "the first reading"
    chosen = by_kind[pick]
    rest = [m for k, m in by_kind.items() if k != pick]
    notes.append(f"{m0.text!r} can mean " + " or ".join(
        f"the {_KIND_ONE[m.entity.kind]} {m.entity.label!r}" for m in [chosen] + rest)
        + f"; read as the {_KIND_ONE[pick]} ({why}); name the other one in full to ask "
          "about it")
    return chosen


_Y = r"((?:19[5-9]|20[0-9])[0-9])"
_YEAR_FORMS: tuple[tuple[re.Pattern, str], ...] = (
    (_rx(rf"\bbetween {_Y} and {_Y}\b|\bfrom {_Y} (?:to|until|through) {_Y}\b|"
         rf"\b{_Y} ?[-–] ?{_Y}\b|\b{_Y} (?:and|or) {_Y}\b"), "range"),
    (_rx(rf"\b(?:since|starting(?: in| from)?|from|in) {_Y} (?:on|onwards?|and (?:later|after)|"
         rf"or (?:later|after|newer))\b|\b{_Y} (?:or|and) (?:later|after|newer)\b|"
         rf"\b{_Y} onwards?\b|\bsince {_Y}\b|\bnot before {_Y}\b"), "from"),
    (_rx(rf"\b(?:after|later than|newer than|post) {_Y}\b"), "after"),
    (_rx(rf"\b(?:before|earlier than|older than|prior to|pre) {_Y}\b"), "before"),
    (_rx(rf"\b(?:until|till|up to|through|by) {_Y}\b|\b{_Y} (?:or|and) (?:earlier|before|"
         rf"older)\b"), "until"),
    (_rx(rf"\b{_Y}\b"), "in"),
)


def _years(q: str, toks: list[_Tok]) -> list[tuple[tuple[int | None, int | None], str,
                                                       list[int]]]:
    """Publication-year conditions of the question: ((first, last), text, token indexes);
    a year inside a name ("Li et al. 2025") belongs to the name."""
    taken: list[tuple[int, int]] = []
    out = []
    for rx, how in _YEAR_FORMS:
        for m in rx.finditer(q):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            idx = [i for i, t in enumerate(toks) if m.start() <= t.start < m.end()]
            if any(toks[i].mention is not None for i in idx):
                continue
            ys = [int(g) for g in m.groups() if g]
            if how == "range":
                span = (min(ys), max(ys))
            elif how == "from":
                span = (ys[0], None)
            elif how == "after":
                span = (ys[0] + 1, None)
            elif how == "before":
                span = (None, ys[0] - 1)
            elif how == "until":
                span = (None, ys[0])
            else:
                span = (ys[0], ys[0])
            taken.append((m.start(), m.end()))
            out.append((span, m.group(), idx))
    return sorted(out, key=lambda x: x[2][0] if x[2] else 0)


def _only(toks: list[_Tok], pos: list[Mention], only_at: set[int]) -> bool:
    """'only' next to a knowledge mention (stop words between allowed): "black-box only",
    "only in a white-box setting" — not "only need API access"."""
    for i in only_at:
        for j in (i - 1, i + 1):
            k = j
            step = -1 if j < i else 1
            while 0 <= k < len(toks) and toks[k].norm in STOPWORDS and toks[k].mention is None:
                k += step
            if 0 <= k < len(toks) and toks[k].mention is not None and any(
                    m.start <= toks[k].start < m.end for m in pos):
                return True
    return False


#: Above this many names, the closest known names are sought among those that begin with
#: the same two letters (difflib over every name takes seconds at 100k papers).
CLOSEST_SCAN = 5000


def _closest(lex, text: str) -> list[str]:
    forms = lex.labels(("threat", "knowledge", "model", "method"))
    if len(forms) > CLOSEST_SCAN:  # a large graph (84k method names at 100k papers): the
        head = text.strip().lower()[:2]  # names that start as the text does
        forms = [f for f in forms if f.lower().startswith(head)]
    by_lower = {f.lower(): f for f in forms}
    close = difflib.get_close_matches(text.lower(), list(by_lower), n=3, cutoff=0.4)
    return [by_lower[c] for c in close]


# --------------------------------------------------------------------------- answering

def ask(store: Store, question: str, search=None) -> Answer:
    """Answer ``question``; ``search(text, k)`` gives labelled fallback hits when nothing of
    the question could be used."""
    p = parse(store, question)
    q = check_question(question)
    if p.not_in_graph:
        names = ", ".join(f"{u['text']!r}" + (f" (closest known: {', '.join(u['closest'])})"
                                              if u["closest"] else "")
                          for u in p.not_in_graph)
        verb = "is" if len(p.not_in_graph) == 1 else "are"
        a = _fallback(q, p, search, f"{names} {verb} not in the graph, so the question is not "
                      "answered (an answer without it would answer a different question)",
                      intent="unknown_entity")
        a.understood_as = describe(p.form) if p.form else ("gaps" if p.gaps else "")
        a.logical_form = p.form.as_dict() if p.form else None
        return a
    if p.gaps:
        return _gaps(store, q, p)
    form = p.form
    assert form is not None
    if p.unattached:
        return Answer(q, "not_understood", "", [], p.mentions,
                      message="Not answered: I did not understand what "
                              + " and ".join(repr(u) for u in p.unattached)
                              + " negates, and answering without it would answer a different "
                                "question.", understood_as=describe(form),
                      logical_form=form.as_dict(), not_understood=p.unattached + p.not_understood)
    if not form.conds and form.agg is None and not p.mentions and p.not_understood:
        return _fallback(q, p, search, "no word of the question names a threat, attacker "
                         "knowledge, model, defense method or paper of the graph",
                         intent="search")
    try:
        counted = form.agg is not None and form.agg.op == "count" or p.asks_count
        res = run(store, form, cap=ASK_ROWS, count_cap=None if counted else COUNT_CAP)
    except NotApplicable as e:
        a = Answer(q, "not_applicable", "", [], p.mentions,
                   message="; ".join(p.notes + [f"Not answered: {e}."]),
                   understood_as=describe(form, context(store).tree),
                   logical_form=form.as_dict(), not_understood=p.not_understood)
        return a
    cites = lexicon(store).citation_labels
    answers = [_answer_item(x, form, cites) for x in res.items]
    a = Answer(q, "query", res.sparql, answers, p.mentions, asks_count=p.asks_count,
               understood_as=res.understood_as, logical_form=form.as_dict(),
               not_understood=p.not_understood, form=form)
    msgs = list(p.notes)
    if res.truncated:
        a.total, a.total_exact = res.count, res.count_exact
        a.count_sparql, a.count_source = res.total_sparql, res.count_source
        unit = "rows" if form.target in ("attacks", "evaluations") else _noun(form.target, 2)
        source = (" (counted from the coverage summary stored at load)"
                  if res.count_source == "summary" else "")
        msgs.append(f"listing stopped at {ASK_ROWS} rows ({len(answers)} "
                    f"{_noun(form.target, len(answers))}); "
                    + (f"{res.count:,} {unit} match{source}" if res.count_exact else
                       f"more than {COUNT_CAP:,} {unit} match (counting stopped there; "
                       f"ask \"how many …\" for the exact number)"))
    if form.agg and form.agg.op == "count" or p.asks_count and not form.agg:
        msgs.append(f"{res.count} {_noun(form.target, res.count)}")
    elif form.agg and form.agg.op in ("top", "bottom") and answers:
        n = answers[0]["n"]
        msgs.append(f"{', '.join(x['label'] for x in answers)}: {n} "
                    f"{_row_noun(form, n)}")
    if p.not_understood:
        msgs.append("not understood (not used): " + ", ".join(repr(w) for w in p.not_understood))
    msgs += res.not_applied
    a.message = "; ".join(msgs)
    if form.agg and form.agg.op == "count":
        a.total = res.count
    return a


def _answer_item(x: dict, form: Form, cites: dict[str, str]) -> dict:
    d = {"iri": x["iri"], "label": x["label"], "type": x["type"]}
    if x["iri"] in cites:  # "SecMI — Duan et al., 2023"
        d["citation"] = cites[x["iri"]]
    if "n" in x:
        d["n"] = x["n"]
    if x.get("rows"):
        d["via"] = x["rows"]
    return d


def _noun(target: str, n: int) -> str:
    one = {"attacks": "attack", "evaluations": "defense evaluation", "methods": "defense method",
           "papers": "paper", "models": "model", "threats": "threat",
           "knowledge": "attacker-knowledge level"}[target]
    if n == 1:
        return one
    return {"knowledge": "attacker-knowledge levels"}.get(target, one + "s")


def _row_noun(form: Form, n: int) -> str:
    part = form.parts[0] if len(form.parts) == 1 else ""
    noun = {"attacks": "attack", "defenses": "defense evaluation"}.get(part, "row")
    return noun + ("" if n == 1 else "s")


def _fallback(q: str, p: Parse, search, why: str, intent: str) -> Answer:
    hits = search(q, 5) if search is not None else []
    answers = [dict(h.as_dict(), source="semantic search") for h in hits]
    msg = f"No answer by query: {why}; " + (
        "showing semantic-search hits instead (not answers to the question)."
        if answers else "no semantic-search hits either.")
    return Answer(q, intent, "", answers, p.mentions, message=msg,
                  not_understood=p.not_understood, not_in_graph=p.not_in_graph)


def _gaps(store: Store, q: str, p: Parse) -> Answer:
    """The gaps (kg.coverage.gaps.from_summary: the same gaps and reasons as find_gaps, from the
    coverage counts, so the answer costs the same at 100k papers as on the survey)."""
    from .coverage import counts, summary
    from .coverage import gaps as gaps_module

    s = summary.get(store, counts.GAP_VIEWS)
    found = gaps_module.from_summary(store, s)
    # a name selects the gaps whose cell holds it: a threat, an attacker-knowledge level, a
    # paper, or a model with every model below it (a family covers its members, as in ask
    # and coverage); names of other kinds are said as not applied, never dropped unsaid
    if p.unattached:
        return Answer(q, "not_understood", "", [], p.mentions,
                      message="Not answered: I did not understand what "
                              + " and ".join(repr(u) for u in p.unattached)
                              + " negates, and answering without it would answer a different "
                                "question.", understood_as="gaps",
                      not_understood=p.unattached + p.not_understood)
    tree = context(store).tree
    want: dict[str, set[str]] = {}  # kind -> IRIs a cell must hold
    avoid: dict[str, set[str]] = {}  # kind -> IRIs no cell may hold ("except DDPM")
    shown: dict[str, list[str]] = {}
    not_applied = []
    for m in p.mentions:
        e = m.entity
        if e.kind in ("threat", "knowledge", "paper", "model"):
            neg = m.start in p.negated
            (avoid if neg else want).setdefault(e.kind, set()).update(
                tree.below(e.iri) if e.kind == "model" else {e.iri})
            fam = e.kind == "model" and tree.has_children(e.iri)
            shown.setdefault(e.kind + (" ∉" if neg else " ∈"), []).append(
                e.label + (" family" if fam else ""))
        else:
            not_applied.append(f"{_KIND_NOUNS[e.kind][:-1]} {e.label!r}")
    if not_applied:
        return Answer(q, "not_applicable", "", [], p.mentions,
                      message="Not answered: a gap is a threat, model, attacker-knowledge level or "
                              "paper without coverage, so it cannot be selected by "
                              + ", ".join(not_applied) + " (an answer without it would answer a "
                              "different question).",
                      understood_as="gaps", not_understood=p.not_understood)
    if want:
        found = [g for g in found if any(
            all(c.get(k, {}).get("iri") in v for k, v in want.items()) for c in g.cells)]
    if avoid:
        found = [g for g in found if not any(
            c.get(k, {}).get("iri") in v for c in g.cells for k, v in avoid.items())]
    answers = []
    for g in found:
        cells = [" × ".join(v["label"] for v in c.values()) for c in g.cells]
        answers.append({"iri": (next(iter(g.cells[0].values()))["iri"] if g.cells else ""),
                        "label": "; ".join(cells) or g.reason, "type": "gap",
                        "gap_type": g.type, "reason": g.reason, "derived": True,
                        **({"level": g.level} if g.level else {})})
    if s.source == "stored":
        sparql = ("# the coverage summary stored in the store (kg load / kg summarize), "
                  f"current for {s.fingerprint}\n" + summary.stored_query(counts.GAP_VIEWS).strip())
    else:
        sparql = "\n\n".join(["# coverage counts, computed live from these flat queries"] + [
            x.strip() for x in (counts.ATTACKS, counts.ATTACK_MODELS, counts.ATTACK_KNOWLEDGE,
                                counts.DEFENSES, counts.DEFENSE_MODELS, counts.NO_CODE)])
    under = " · ".join(["gaps"] + [f"{k} {{{', '.join(v)}}}" for k, v in shown.items()])
    msgs = ["gaps derived from the graph's coverage counts (kg.coverage.gaps.from_summary; "
            "`kg gaps --json` gives the evidence)"]
    if p.not_understood:
        msgs.append("not understood (not used): " + ", ".join(repr(w) for w in p.not_understood))
    return Answer(q, "gaps", sparql, answers, p.mentions, understood_as=under,
                  message="; ".join(msgs), not_understood=p.not_understood)


def render_text(a: Answer) -> str:
    out = []
    if a.understood_as:
        out.append(f"understood as: {a.understood_as}")
    if a.message:
        out.append(a.message)
    head = f"{a.count} {'answer' if a.count == 1 else 'answers'}" if a.answers else "no answers"
    if a.total is not None and a.answers and a.intent == "query":
        head = (f"{len(a.answers)} answers shown; " + ("" if a.total_exact else "more than ")
                + f"{a.total:,} in all")
    if a.intent in ("search", "unknown_entity") and a.answers:
        head = f"{a.count} semantic-search hits (not answers)"
    out.append(head)
    for x in a.answers:
        extra = f"  [{x['gap_type']}] {x['reason']}" if x.get("type") == "gap" else ""
        score = f"  (score {x['score']}; {x['why']})" if "why" in x else ""
        n = f"  ({x['n']})" if "n" in x else ""
        cite = f"{x['citation']}: " if x.get("citation") else ""
        out.append(f"  - {cite}{x['label']}{n}  <{x['iri']}>{extra}{score}")
    if a.linked:
        out.append("linked: " + "; ".join(f"{m.text!r} -> {m.entity.label} ({m.entity.kind})"
                                          for m in a.linked))
    if a.sparql:
        out.append("SPARQL:")
        out.extend("  " + line for line in a.sparql.splitlines())
    return "\n".join(out)


__all__ = ["Answer", "Parse", "ask", "check_question", "looks_like_sparql", "parse",
           "render_text", "ASK_ROWS", "COUNT_CAP", "ROW_CAP"]
