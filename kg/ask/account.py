"""Every word of a question accounted for: consumed by a stage of the parse, a word of the
one closed list of function words (:data:`FUNCTION_WORDS`), or reported.

The words no stage used are sorted (:func:`rest_of`): a word that looks like a name, or a
strange word after a preposition that introduces a name ("against prompt injection"), is
part of an unknown name (reported as not in the graph with the closest known names); a
number or a comparison / quantifier word (:data:`CRITICAL`: more, at least, every, all,
only, most …) that no rule consumed is a *blocking* word — the question is not answered
confidently, since an answer without it answers a different question; any other word is
listed as not understood and the answer says so. Leftover words never become text
conditions: those come only from explicit phrasing (:mod:`kg.ask.text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..lexicon import STOPWORDS, tokens
from .tokens import ENTITY_PREP, GENERIC, NEGATIONS, NUMBERS, TARGET_NOUN, Tok, name_like, rx


def _norms(text: str) -> set[str]:
    return {t for t, _, _ in tokens(text)}


CRITICAL_WORDS = """
more most fewer fewest less least every each all only both either than over under above
below exactly top bottom highest lowest largest biggest smallest maximum minimum majority
multiple several single first last same different always twice half none per
second third fourth fifth penultimate
"""
#: Numbers in words and comparison / quantifier words: never dropped unsaid.
CRITICAL = _norms(CRITICAL_WORDS) | set(NUMBERS)

#: Politeness and preamble: words that carry no part of what is asked (one closed list).
CHAT_WORDS = """
hi hello hey there wondering wonder curious know knew like would could can please thanks
thank quick question tell interested want wanted help really actually kindly anyone someone
somebody im am looking look see check idea ok okay well hmm um currently right now here
just let us s t ve ll re d m nt i me my mine you your yours we our ours us one's its
something anything everything stuff thing things kind sort info information details detail
basically simply guys folks dear again also he she him her his hers they them their theirs
hiya howdy greetings cheers sorry bother bothering apologies apologize lot advance
appreciate appreciated grateful great awesome cool nice lovely wonderful excellent hope
hoping fine sure mind minded glad happy quickly briefly lab team group project thesis
student phd university company colleague colleagues advisor supervisor course class
homework assignment meeting train trains trained deploy deploys deployed build builds
develop develops developed maintain maintains run runs morning afternoon evening
catalogue catalog catalogues catalogs ever somewhere anywhere listed already among amongst
include includes included breakdown yet
"""
CHAT = _norms(CHAT_WORDS)

#: The one closed list of function words: a word of it needs no rule and is never
#: reported. Comparison and quantifier words are not in it (they must be consumed).
FUNCTION_WORDS = frozenset((_norms(" ".join(STOPWORDS)) | STOPWORDS | GENERIC | CHAT) - CRITICAL)

#: Preamble phrases whose words are all consumed ("first of all", "by the way").
PREAMBLE = rx(r"\bfirst(ly)? of all\b|\bby the way\b|\bout of curiosity\b|"
              r"\bif (you|possible)\b[^,?:;—]*[,:;—]|\bif so\b|\bquick one\b|"
              r"\bi('d| would) (like|love) to (know|see)\b|"
              r"\b(can|could) you (please )?(tell|show|give|list) me\b|\bfor my\b[^,?]*,|"
              r"\bat all\b(?=\s*(?:[?.!,]|$))|"  # "no defense at all": emphasis
              r"\blook (?:it |that |this |them )?up\b|\b(?:come|came|comes|coming) out\b|"
              r"\bshow(?:s|ed)? up\b|(?:,\s*|\(\s*|\b(?:in|of) )?\bany (?:of (?:its|their) )?"
              r"versions?\b\)?|"  # "Stable Diffusion, any version": a family covers them
              # what an all-of condition means anyway: each name on a row of the item
              r"\(?\bnot necessarily (?:on |in |by |from )?(?:the )?same (?:one|row|attack|"
              r"paper|model|defen[cs]e|evaluation)s?\b\)?|"
              r"\b(?:i\.e|e\.g)\.?(?=[\s,])|\bin total\b|\bin all\b(?=\s*[?.!]|$)|"
              r"\b(?:does|do|did) (?:the|this|your|our) (?:survey|table|tables|graph|tool|"
              r"taxonomy) (?:note|notes|report|list|give|record|catalogue|catalog|cite|"
              r"include|cover|document|describe|(?:say|state|write|tell us|report) about)\b")


#: Lead-ins and closings that hold no part of what is asked, taken only when no name,
#: number, negation or quantifier lies inside them (else their words are reported): a
#: greeting ("Good morning!"), an offer of help ("Could you help me with a citation?"), a
#: turn ("Next one:", "Just to double-check something:"), an apology ("Sorry if this is
#: basic, but"), a purpose ("For a talk next week I need …"), and a first-person lead-in
#: to the question word ("I'm writing a survey and wondered which …", "My advisor asked me
#: what …").
LEAD_IN = rx(
    r"\bgood (?:morning|afternoon|evening|day)\b|"
    r"^\W*(?:morning|afternoon|evening)\b\s*[!,.]|"
    r"\b(?:could|can|would) (?:you|someone|anyone) (?:please )?help(?: me| us)?(?: out)?"
    r"(?: (?:with|on) [^?.!]{0,40})?\s*[?.!]|"
    r"(?:^|(?<=[.!?]\s))(?:next|another|one more|last) (?:one|question|thing)\s*[:,—–-]|"
    r"^\W*[A-Za-z][^:?!.]{0,60}:(?=\s+\S)|"  # "Quick sanity check for my thesis: which …"
    r"\bjust (?:to|wanted to|want to) (?:double-?check|confirm|check|make sure|be sure)\b"
    r"[^:?,.]{0,40}[:,]|"
    r"\bsorry (?:if|for)\b[^,?.]{0,60},\s*(?:but\b)?|"
    r"\bfor (?:a|an|my|our|the|this) [^,.?!:;]{0,40}?(?:[,:]|(?=\s(?:i|we) (?:need|want|would|"
    r"'d|am|'m|have|must)\b))|"
    r"(?:^|(?<=[.!?:,]\s))(?:(?:i|i'm|i am|we|we're|we are|my \w+|our \w+)\b[^?.!:;]{0,80}?"
    r"\b(?:wonder(?:ed|ing)?|asked|asks|want(?:ed)? to know|need to know|(?:am|was|'m) "
    r"curious)\b(?:\s+(?:me|us))?(?=\s+(?:which|what|who|whom|how|whether|if)\b))")


def preamble(q: str, toks: list[Tok]) -> set[int]:
    """The tokens of the question's preamble phrases and of its lead-ins (:data:`LEAD_IN`)
    that hold nothing asked."""
    spans = [(m.start(), m.end()) for m in PREAMBLE.finditer(q)]
    out = {i for i, t in enumerate(toks) if any(a <= t.start < b for a, b in spans)}
    for m in LEAD_IN.finditer(q):
        idx = {i for i, t in enumerate(toks) if m.start() <= t.start < m.end()}
        if not any(toks[i].mention is not None or toks[i].norm in NEGATIONS or toks[i].norm
                   in (CRITICAL | set(NUMBERS)) - {"one", "last"} or toks[i].norm.isdigit()
                   for i in idx):  # "one" here is a pronoun: "a silly one", "next one"
            out |= idx
    return out


#: a clause that is context, not the question: a greeting or thanks, or a first-person
#: statement ("I work on federated learning.", "My lab uses DDIM.", "I'd like to reproduce
#: some.", "Sorry to bother you —"), in a question that has another clause
_CLAUSES = re.compile(r"(?<=[.!?])\s+|\s[—–-]\s|[;:]\s")
_OPENER = rx(r"^\W*(?:(?:hi|hello|hey|hiya|howdy|greetings|dear \w+|thanks|thank you|sorry|"
             r"cheers|ok|okay|quick one)\b[\s,!]*)*(?:i|i'm|im|i am|i'd|i've|i'll|my|we|we're|"
             r"our|thanks|thank|sorry|hi|hello|hey|hiya|greetings|cheers|(?:a|the|one|my|our) "
             r"(?:reviewer|colleague|advisor|supervisor|student|friend|manager|co-?author)s?)\b")
_ASKING = rx(r"\b(which|what|who|whom|whose|how|list|show|give|find|name|compare|count|"
             r"enumerate|display|print|retrieve|fetch|"
             r"is there|are there|any)\b|\?")
_LIST_NOUN = rx(r"\b(?:a|an|the|my|our|reading|short|long) (?:list|name)\b")


def _asks(clause: str) -> bool:
    """Whether a clause asks: a question word, a command or "?" — "a reading list" is no
    command."""
    return bool(_ASKING.search(_LIST_NOUN.sub(" ", clause)))


_BACK = {"it", "its", "them", "they", "their", "this", "these", "those"}
#: "from that year", "on exactly that version": the asking sentence refers back too
_THAT_ONE = rx(r"\b(?:that|the same) (?:year|version|model|family|threat|paper|venue|period|one|attack|"
               r"defen[cs]e)\b")


def context_clauses(q: str, toks: list[Tok]) -> tuple[set[int], list[str]]:
    """The tokens of the question's context clauses (see ``_OPENER``: no question word, no
    question mark, another clause asks) and a note per clause. When an asking clause refers
    back ("… demonstrated against it?"), only the clause's plain words are context: its
    names stay in the question (a name the graph does not hold is then reported) — and, when
    the clause holds no name for "it" to stand for, every word but the function words."""
    cuts = [0] + [m.end() for m in _CLAUSES.finditer(q)] + [len(q) + 1]
    spans = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if q[a:b].strip()]
    # the sentence with the question mark asks for something of the graph (a name or a
    # target noun), not only "Could you look that up?"
    marked = any("?" in q[a:b] and any(
        a <= t.start < b and (t.mention is not None or t.norm in TARGET_NOUN) for t in toks)
        for a, b in spans)
    # a first-person statement is context; so is one with a question word inside ("we want
    # to know what to test for.") when another sentence is the one with the question mark
    ctx = [(a, b) for a, b in spans if _OPENER.match(q[a:b]) and (
        not _asks(q[a:b]) or marked and "?" not in q[a:b])]
    asking = [(a, b) for a, b in spans if (a, b) not in ctx and _asks(q[a:b])]
    if not ctx or not asking:
        return set(), []
    back = any(t.norm in _BACK for t in toks if any(a <= t.start < b for a, b in asking)) or \
        any(_THAT_ONE.search(q[a:b]) for a, b in asking)
    used, notes = set(), []
    for a, b in ctx:
        idx = {i for i, t in enumerate(toks) if a <= t.start < b}
        if back and any(toks[i].mention is not None or toks[i].norm.isdigit() for i in idx):
            # "it" has a name to stand for: the clause's names, numbers, negations,
            # comparison words and name-like words stay in the question, its plain words
            # are context
            idx = {i for i in idx if toks[i].mention is None and not toks[i].norm.isdigit()
                   and toks[i].norm not in CRITICAL | NEGATIONS
                   and not name_like(toks[i], i == min(idx))}
        elif back:
            idx = {i for i in idx if toks[i].norm in FUNCTION_WORDS}
        used |= idx
        notes.append(f"read {q[a:b].strip()!r} as context, not as part of the question")
    return used, notes


def names_aside(toks: list[Tok], mentions: list, context: set[int]) -> list[str]:
    """The names a context sentence holds that the question itself does not (no "it" refers
    back to them): never applied unsaid and never dropped unsaid, so they stop a confident
    answer ("We compare diffusion models with GANs. Which attacks were evaluated on a GAN?":
    'diffusion models')."""
    inside = {toks[i].mention for i in context if toks[i].mention is not None}
    outside = {mentions[t.mention].entity.iri for i, t in enumerate(toks)
               if t.mention is not None and i not in context}
    return [f"{mentions[m].text} (named only in a sentence before the question)"
            for m in sorted(inside) if mentions[m].entity.iri not in outside]


def determiners(toks: list[Tok], target_used: set[int], target: str = "") -> set[int]:
    """"all attacks", "every paper", "each of the threats", "list all the models", "all
    black-box attacks" (names between it and the target noun): a quantifier that only says
    the whole target is listed (no condition, no group). Not before a noun of another kind
    than a group ``target`` ("threats where every attack is black-box": a quantifier over
    each threat's rows, which only :func:`kg.ask.conditions.group_quantifiers` may read)."""
    out = set()
    for i, t in enumerate(toks):
        if t.norm not in ("all", "every", "any", "each") or t.mention is not None:
            continue
        j = i + 1
        while j < len(toks) and toks[j].norm in ("the", "of", "these", "those", "known"):
            j += 1
        kind = TARGET_NOUN.get(toks[j].norm) if j < len(toks) else None
        if kind and target in _GROUP_TARGETS and kind != target:
            continue
        if j < len(toks) and (j in target_used or kind):
            out.update(range(i, j))
            continue
        while j < len(toks) and toks[j].mention is not None:  # "all black-box attacks"
            j += 1
        if j > i + 1 and j in target_used and toks[i + 1].mention is not None:
            out.add(i)
    return out


#: targets whose items group rows (a quantifier over a group's rows is not a determiner)
_GROUP_TARGETS = ("threats", "models", "papers", "methods", "knowledge")


@dataclass
class Rest:
    """The words no stage used, sorted: token indexes of each unknown name, the blocking
    words (numbers, comparison words) and the other words not understood."""

    unknown: list[list[int]] = field(default_factory=list)
    blocking: list[int] = field(default_factory=list)
    leftover: list[int] = field(default_factory=list)


#: a question about what is to come, with a year: the survey records no future, so the
#: word is reported and the answer is not given as if it did ("how many MIA papers will come
#: out in 2026": none recorded is not "none")
_FUTURE = frozenset({"will", "shall", "upcoming", "forthcoming"})


#: nouns of a value a row's paper has: read by an attribute, a grouping or a condition of
#: their kind; any other time they are reported ("years of the attack papers" is never a
#: listing of the papers)
_VALUE_NOUNS = {"venue": "venue", "venues": "venue", "year": "year", "years": "year",
                "author": "author", "authors": "author"}


def unread_value_nouns(toks: list[Tok], used: set[int], kinds: set[str]) -> list[int]:
    """The value nouns (:data:`_VALUE_NOUNS`) no stage used and no condition of their kind
    reads."""
    return [i for i, t in enumerate(toks) if i not in used and t.mention is None
            and _VALUE_NOUNS.get(t.norm, "-") not in kinds | {"-"}]


def is_number(t: Tok) -> bool:
    return t.norm.isdigit() or t.norm in NUMBERS


def rest_of(toks: list[Tok], used: set[int], vocab: frozenset[str]) -> Rest:
    """Sort the words of the question that no stage ``used`` (see the module's rule)."""
    rest = Rest()
    dated = any(re.fullmatch(r"(19|20)\d\d", t.norm) for t in toks)
    for i, t in enumerate(toks):
        w = t.norm
        if t.mention is not None:
            continue
        if w in _FUTURE and dated:  # "papers that will come out in 2026": no record yet
            rest.leftover.append(i)
            continue
        if i in used:
            continue
        if t.text.lower() == "ones":  # "black-box ones": a pronoun
            continue
        if is_number(t) or w in CRITICAL:
            rest.blocking.append(i)
            continue
        if w in FUNCTION_WORDS:
            continue
        if w not in vocab and name_like(t, i == 0) or _after_prep(toks, used, vocab, i):
            if rest.unknown and rest.unknown[-1][-1] == i - 1:
                rest.unknown[-1].append(i)
            else:
                rest.unknown.append([i])
            continue
        rest.leftover.append(i)
    _kind_names(toks, rest)
    _extend_unknown(toks, rest)
    return rest


#: The head nouns of a kind of attack or defense: the words not understood right before one
#: name a kind ("attribute inference attacks", "machine unlearning defenses", "a no-box
#: attacker") — unless they only rate or date it (:data:`MODIFIERS`).
KIND_HEADS = _norms("attack attacks attacker attackers defense defenses defence defences "
                    "threat threats countermeasure countermeasures mitigation mitigations")
#: Words that rate, date or qualify an attack or a defense without naming a kind of it
#: ("successful attacks", "recent defenses"): not understood, never a name (one closed list).
MODIFIERS = _norms("""
strong stronger strongest weak weaker new newer newest novel recent latest early earliest
successful practical effective efficient powerful simple robust realistic main major key
important notable famous popular typical common standard classic classical known existing
prior previous modern advanced basic generic general specific particular certain relevant
proposed published reported listed documented evaluated cited surveyed public real actual
adaptive best worst good bad better worse serious dangerous severe
interesting promising reliable cheap expensive costly fast slow scalable possible potential
""")


def _kind_names(toks: list[Tok], rest: Rest) -> None:
    """A run of words not understood right before a kind's head noun ("backdoor attacks")
    names a kind of attack or defense the graph does not hold: reported as not in the graph
    with its head noun, not as words not understood."""
    runs: list[list[int]] = []
    for i in sorted(rest.leftover):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        head = run[-1] + 1
        if head < len(toks) and toks[head].norm in KIND_HEADS and toks[head].mention is None \
                and not all(toks[j].norm in MODIFIERS for j in run):
            rest.leftover = [i for i in rest.leftover if i not in run]
            rest.unknown.append([*run, head])
    rest.unknown.sort()


def _after_prep(toks: list[Tok], used: set[int], vocab: frozenset[str], i: int) -> bool:
    """A strange word (no cell holds it, not a function word) right after a preposition
    that introduces a name: "against prompt injection"."""
    prev = next((toks[j] for j in range(i - 1, -1, -1) if toks[j].norm not in
                 ("the", "a", "an")), None)
    if prev is None or prev.norm not in ENTITY_PREP or prev.mention is not None:
        return False
    run_ = [j for j in range(i, len(toks)) if j not in used and toks[j].mention is None
            and toks[j].norm not in STOPWORDS]
    run_ = run_[:next((k for k, j in enumerate(run_) if j != i + k), len(run_))]
    return any(toks[j].norm not in vocab and toks[j].norm not in FUNCTION_WORDS
               and not is_number(toks[j]) and toks[j].norm not in CRITICAL for j in run_)


def _extend_unknown(toks: list[Tok], rest: Rest) -> None:
    """A word right after an unknown name continues it ("prompt injection"), and so do a
    number joined to it ("GPT-4") and "et al." ("Smith et al.")."""
    for i in list(rest.leftover):
        for grp in rest.unknown:
            if grp[-1] == i - 1:
                grp.append(i)
                rest.leftover.remove(i)
                break
    for grp in rest.unknown:
        while grp[-1] + 1 < len(toks) and toks[grp[-1] + 1].norm.isdigit() and \
                toks[grp[-1] + 1].start - toks[grp[-1]].end <= 1:
            grp.append(grp[-1] + 1)
            if grp[-1] in rest.blocking:
                rest.blocking.remove(grp[-1])
        j = grp[-1]
        if j + 2 < len(toks) and toks[j + 1].norm == "et" and toks[j + 2].norm == "al":
            grp += [j + 1, j + 2]


def words_of(q: str, toks: list[Tok], idx: list[int]) -> list[str]:
    """The question's own words at token indexes ``idx`` (a number with its decimals)."""
    out: list[str] = []
    for i in sorted(idx):
        out.append(q[toks[i].start:toks[i].end])
    return out


def strange_chars(q: str) -> list[str]:
    """Characters that are neither letters, digits, spaces nor common punctuation
    ("∑", "🙂", control characters): reported, never silently ignored."""
    return list(dict.fromkeys(ch for ch in q if not (ch.isalnum() or ch.isspace()
                                                      or re.match(r"[-'\".,;:!?()/&+%*]", ch)
                                                      or ch in "“”‘’–—")))
