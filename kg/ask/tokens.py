"""The words of a question: the cue lists a parse reads, the checks a question passes, and
its tokens.

A token is a normalised word of the question (:func:`kg.lexicon.tokens`: case, accents,
plural ``s``) with its character span and the mention (:mod:`kg.ask.mentions`) it lies in.
The word lists below are the whole of the parser's vocabulary: targets, negations,
aggregates, code and text cues, and the generic words that carry a question's shape
rather than a condition (never reported as not understood).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..errors import KGError
from ..lexicon import tokens
from ..linking import Mention, check_words
from ..stores.base import Store, select_values

MAX_QUESTION_CHARS = 1000


def rx(pattern: str) -> re.Pattern:
    """A case-insensitive pattern."""
    return re.compile(pattern, re.I)


GAP_CUE = rx(r"\bgaps?\b|under-?(studied|explored|researched)|unexplored|open (problem|question)|"
             r"blind spot|uncovered|not (yet )?covered|missing (work|research)|"
             r"research opportunit|"
             # "an attack of some threat but no defense against that threat": a gap cell
             r"\b(?:some|a|any|one) threat\b[^?.!]*\bno(?:t any)? defen[cs]es?\b[^?.!]*"
             r"\b(?:that|the same|this) threat\b")
#: papers of the defense table named as such ("defense papers"): their rows are defense rows
DEFENSE_PAPERS = rx(r"\bdefen[cs]e (?:papers?|works?|publications?)\b")
UNDEFENDED = rx(r"\b(?:(?:left|remains?|remained|stays?|stayed|still) )?un-?(defended|protected|"
                r"mitigated)\b|no ?one defends|nobody defends")
NEGATIONS = {"not", "no", "without", "except", "excluding", "exclude", "neither", "nor",
             "never", "non", "lack", "lacking", "missing", "none", "nothing", "zero", "isn",
             "aren", "doesn", "don", "didn", "wasn", "weren", "nt", "other", "haven", "hasn",
             "hadn", "couldn", "wouldn", "shouldn", "cannot"}
_DEFENSE = rx(r"^(defen[cs]|defend|protect|mitigat|countermeasure|safeguard|prevent|guard|"
              r"remed|fix|stop|block|secur|harden|counter)")
ATTACK_CUE = rx(r"^(attack|exploit|mia$)")  # a cue that attack rows are meant
ATTACK_NOUN = rx(r"^(attacks?|exploits?|mias?)$")  # attacks asked for
CODE_WORD = rx(r"^(code|implementation|github|repo|repository|open|source|sourced)$")
ONLY = {"only", "just", "purely", "exclusively", "solely"}
LIMIT_CUE = rx(r"^(need|require|rely|relie|depend|assum|limitation|limited|limit|weakness|"
               r"drawback|shortcoming|downside|caveat|restrict|requirement)")
EFFECT_CUE = rx(r"^(achiev|effective|effectivenes|performance|succe|result|reach|report)")
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10}
# Target nouns (normalised tokens) -> target
TARGET_NOUN = {
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
_N = r"(\d+|" + "|".join(NUMBERS) + r")"
#: "four or more target models", "more than one knowledge level", "exactly one model",
#: "at most 2 threats": a number of distinct values per row or item (kg.query distinct)
VALUE_COUNT = rx(r"\b(?:(?P<cmp>more|greater|fewer|less) th[ae]n |(?P<least>at least |no fewer "
                 r"than )|(?P<most>at most |no more than )|(?P<exact>exactly ))?" + _N
                 + r"(?P<plus>\+| or more| or (?:fewer|less))? (?:(?:distinct|different|"
                 r"separate|unique) )?(?:(?:target|victim) )?(?P<noun>models?|architectures?|"
                 r"(?:attacker |access )?knowledge levels?|access levels?|levels? of "
                 r"(?:attacker )?knowledge|threats?|threat types?)\b")
GROUP_CUE = {"per", "each", "every", "by"}
MOST = {"most", "maximum", "max", "highest", "largest", "biggest", "often", "frequently"}
LEAST = {"least", "fewest", "minimum", "min", "lowest", "smallest", "rarely"}
COUNT_CUE = rx(r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow often\b")
ENTITY_PREP = {"against", "on", "for", "from", "by", "of", "in", "targeting", "target",
               "about", "with", "to", "like", "called", "named"}

# Words that carry the question's shape (targets, verbs, cues) or nothing at all.
GENERIC_WORDS = """
enumerate display print output retrieve fetch proposing presenting addressing covering
attack attacks attacked attacking defense defence defend defends defended protect protects
protected protection mitigate mitigates mitigated mitigation countermeasure safeguard prevent
method methods technique approach paper work works study studies studied research
publication article evaluate evaluates evaluated evaluation threat risk model target targets
targeted targeting victim which what list show give find tell name there exist exists known
used use uses using need needs require requires required rely relies depend depends assume
assuming
assumes access only work against kind type category privacy diffusion generative image images
data training code public available implementation open source github repository release
released without lack lacking missing many number count how gap gaps problem question
effective effectiveness limitation limitations achieve achieves result results performance
success does did do have has been being get got tested test hit survey graph knowledge
setting settings scenario via also both either neither nor any all each every most least
more fewer less than per one ones other others same different about regarding concerning
concern address addresses addressed propose proposes proposed present presents cover covers
introduce introduces introduced introducing
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
tried try tries trying demonstrated demonstrate demonstrates shown come comes coming ship
ships shipped provide provides provided offer offers offered table tables column columns
"""
GENERIC = {t for w in GENERIC_WORDS.split() for t, _, _ in tokens(w)}
GENERIC |= set(NUMBERS)


def has_defense(tok: str) -> bool:
    """A word that speaks of defending ("defense", "protects", "mitigating" …)."""
    return bool(_DEFENSE.match(tok))


def looks_like_sparql(text: str) -> bool:
    """A SPARQL keyword and a brace or variable: a query pasted where a question goes."""
    return bool(re.search(r"\b(select|construct|describe|ask|insert|delete|prefix|where)\b",
                          text, re.I) and re.search(r"[{}]|\?[A-Za-z_]\w*\s", text))


def check_question(question: str) -> str:
    """The question with whitespace collapsed, or KGError: empty, too long, without
    words, or a SPARQL query (to be run with ``kg sparql``)."""
    q = check_words(question, "question", MAX_QUESTION_CHARS,
                    'empty question: ask e.g. kg ask "which defenses protect Stable '
                    'Diffusion against membership inference?"', "has no words to answer")
    if looks_like_sparql(q):
        raise KGError("this looks like a SPARQL query, not a question; run it with "
                      "kg sparql (read-only)")
    return q


#: Phrases of exclusion read as the negation word they mean (one closed list): "apart
#: from X", "aside from X", "leaving out X", "setting aside X", "with the exception of X".
NEGATION_PHRASES = (
    (rx(r"\b(?:apart|aside) from\b|\bwith the exception of\b"), "except"),
    (rx(r"\bleav(?:e|ing) out\b|\bsetting aside\b|\bleaving aside\b"), "excluding"),
)

#: Shorthand read as its words before a question is parsed (one closed list): English
#: abbreviations (Merriam-Webster: "w/" with, "w/o" without, "excl." excluding, "vs." versus,
#: "@" at, "#" number, "&" and, "'24" 2024) and the note-taking forms of ML-security
#: writing ("atk(s)" attack(s), "def(s)" defense(s), "eval'd" evaluated, "refs" references,
#: "DMs" diffusion models, "lvl" level, "eff." effectiveness, "lim." limitation, "fam"
#: family, "yr" year, "pubs" papers), comparison signs before a number ("≥2" at least 2,
#: "<3" fewer than 3), "more X than any other" (the most X), and a suspended hyphen
#: ("black- and white-box": "black-box and white-box").
SHORTHAND = (
    (rx(r"(?<![\w/])w/o(?![\w/])"), "without"), (rx(r"(?<![\w/])w/(?=\s|$)"), "with"),
    (rx(r"\bexcl\.?(?=\s|$)"), "excluding"), (rx(r"\batks?\b"), "attacks"),
    (rx(r"\bdefs\b"), "defenses"), (rx(r"\bdef\b"), "defense"),
    (rx(r"\bDMs\b"), "diffusion models"), (rx(r"\beval'?d\b"), "evaluated"),
    (rx(r"\brefs\b"), "references"), (rx(r"(?<!\w)#(?= ?of\b)"), "number"),
    (rx(r"(?<!\w)#(?=\s)"), "number of"), (rx(r"(?<=\s)@(?=\s)"), "at"),
    (rx(r"(?<=\s)&(?=\s)"), "and"),
    (rx(r"\b([a-z]+)-,\s*([a-z]+)-,?\s+(and|or|&)\s+([a-z]+)-([a-z]+)\b"),
     r"\1-\5, \2-\5 \3 \4-\5"),  # "black-, gray- and white-box"
    (rx(r"\b([a-z]+)-\s+(and|or|&)\s+([a-z]+)-([a-z]+)\b"), r"\1-\4 \2 \3-\4"),
    (rx(r"\bevals\b"), "evaluations"), (rx(r"\beval\b"), "evaluation"),
    # "rank the threats by number of attacks and give me the top one": the most attacks
    (rx(r"\brank (the )?(\w+) by (?:the )?(?:number|count) of (\w+),? (?:and )?(?:give me |show me |"
        r"list |name )?the top (?:one|1)\b"), r"\1\2 with the most \3"),
    (rx(r"\brank (the )?(\w+) by (?:the )?(?:number|count) of (\w+),? (?:and )?(?:give me |show me |"
        r"list |name )?the bottom (?:one|1)\b"), r"\1\2 with the fewest \3"),
    (rx(r"(?<![\w'])'(\d\d)\b"), r"20\1"),
    (re.compile(r"\bMI(?=\s+(?:attacks?|defen[cs]es?)\b)"), "membership inference"),
    (rx(r"\blvls\b"), "levels"), (rx(r"\blvl\b"), "level"),
    (rx(r"\beff\.?(?=[\s?!,;:]|$)"), "effectiveness"),
    (rx(r"\blims?\.?(?=[\s?!,;:]|$)"), "limitation"), (rx(r"\bfams?\b"), "family"),
    (rx(r"\byrs?\b"), "year"), (rx(r"\bpubs\b"), "papers"),
    (re.compile(r"(?:≥|>=|=>)\s*(?=\d)"), "at least "), (re.compile(r"(?:≤|<=|=<)\s*(?=\d)"),
                                                         "at most "),
    (re.compile(r"(?<![<>=])>\s*(?=\d)"), "more than "),
    (re.compile(r"(?<![<>=])<\s*(?=\d)"), "fewer than "),
    (rx(r"\bmore((?: \w+){0,3}?) than (?:any|every|all(?: the)?) others?(?: \w+)?(?=[\s?.!,]|$)"),
     r"the most\1"),
    (rx(r"\b(?:fewer|less)((?: \w+){0,3}?) than (?:any|every|all(?: the)?) others?(?: \w+)?"
        r"(?=[\s?.!,]|$)"), r"the fewest\1"),
) + NEGATION_PHRASES


def expand_shorthand(q: str) -> tuple[str, list[str]]:
    """``q`` with each shorthand of :data:`SHORTHAND` written out, and a note per form read
    ("read 'w/o' as 'without'")."""
    notes = []
    for pattern, words in SHORTHAND:
        for m in pattern.finditer(q):
            notes.append(f"read {m.group(0)!r} as {m.expand(words)!r}")
        q = pattern.sub(words, q)
    return q, notes


_TEXTS = """SELECT DISTINCT ?t WHERE { { ?r rd:effectiveness ?t } UNION { ?r rd:limitation ?t } }"""


@functools.lru_cache(maxsize=8)
def text_vocabulary(store: Store) -> frozenset[str]:
    """The normalised words of every effectiveness and limitation cell of the store."""
    words: set[str] = set()
    for (t,) in select_values(store, _TEXTS)[1]:
        words.update(tok for tok, _, _ in tokens(t or ""))
    return frozenset(words)


@dataclass
class Tok:
    """A normalised word of the question, its span, and the mention it lies in."""

    norm: str
    start: int
    end: int
    text: str
    mention: int | None = None  # index into the mentions of the question


def tokenise(q: str, mentions: list[Mention]) -> list[Tok]:
    """The tokens of ``q``, each pointing at the first of ``mentions`` whose span holds it."""
    out = []
    for norm, s, e in tokens(q):
        t = Tok(norm, s, e, q[s:e])
        for i, m in enumerate(mentions):
            if m.start <= s and e <= m.end:
                t.mention = i
                break
        out.append(t)
    return out


def name_like(tok: Tok, first: bool) -> bool:
    """Whether a word looks like a name (letters and digits, capitals, a capital inside):
    such a word the graph does not hold is reported as not in the graph."""
    text = tok.text
    if len(text) < 2:
        return False
    if any(ch.isdigit() for ch in text) and any(ch.isalpha() for ch in text):
        return True
    if text.isupper() and len(text) >= 2:
        return True
    return text[0].isupper() and not first and not text.isupper() or (
        any(ch.isupper() for ch in text[1:]) and any(ch.islower() for ch in text))

