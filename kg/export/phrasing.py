"""The survey's effectiveness and limitation cells as clauses of a related-work sentence.

Each cell is classified by explicit rules (a numeric result, "more effective for X",
"fails to converge", a verb phrase of a known verb, a finding "X is comparable to Y", ...)
into a small set of phrasings; a rule only rearranges the cell's own words (the verb
inflected for its subject, a few abbreviations spelt out — DMs, T2I, MIA, ASR —, the
sentence turned around): it adds no fact. A cell no rule fits is quoted whole, marked
``QUOTE_OPEN`` … ``QUOTE_CLOSE`` for the renderer to typeset as a quotation, and the
sentence says it is the survey's wording. Pure functions over strings.

>>> attack_effect("Only require access to the variation API of the model")("Li et al.", True)
'Li et al. propose an attack that requires only access to the variation API of the model'
>>> defense_effect("Fail to converge")("DP-SGD", False)
'training with DP-SGD fails to converge'
"""

from __future__ import annotations

import re
from collections.abc import Callable

QUOTE_OPEN, QUOTE_CLOSE = "\x01", "\x02"

Clause = Callable[[str, bool], str]  # (subject, plural) -> an independent clause

# verbs a verb-phrase cell may start with: base form -> the form used in prose (a
# plainer synonym only where the meaning is the same)
VERBS = {
    "extract": "extract", "reconstruct": "reconstruct", "achieve": "achieve",
    "infer": "infer", "utilize": "use", "utilise": "use", "use": "use",
    "estimate": "estimate", "leverage": "leverage", "investigate": "investigate",
    "generalize": "generalize", "require": "require", "ensure": "ensure",
    "mitigate": "mitigate", "offer": "offer", "reduce": "reduce", "lead": "lead",
    "protect": "protect", "maintain": "maintain", "add": "add", "impair": "impair",
    "detect": "detect", "improve": "improve", "prevent": "prevent", "lower": "lower",
    "identify": "identify", "outperform": "outperform", "preserve": "preserve",
}
GERUNDS = {"adding": "add", "maintaining": "maintain", "reducing": "reduce",
           "impairing": "impair", "offering": "offer", "ensuring": "ensure",
           "mitigating": "mitigate", "protecting": "protect", "preserving": "preserve",
           "improving": "improve", "lowering": "lower"}
THIRD = {f"{v}s" if not v.endswith(("s", "sh", "ch", "x", "z")) else f"{v}es": v
         for v in VERBS}
THIRD |= {v[:-1] + "ies": v for v in VERBS if v.endswith("y") and v[-2] not in "aeiou"}

ABBREVIATIONS = (
    (re.compile(r"\bT2I DMs\b"), "text-to-image diffusion models"),
    (re.compile(r"\bDMs\b"), "diffusion models"),
    (re.compile(r"\bDM\b"), "diffusion model"),
    (re.compile(r"\b([Aa]n?\s+(?:[\w-]+\s+){0,2})MIA\b"), r"\1membership inference attack"),
    (re.compile(r"\bMIAs?\b"), "membership inference attacks"),
    (re.compile(r"^ASR\b"), "the attack success rate"),
    (re.compile(r"\bthe ASR\b"), "the attack success rate"),
    (re.compile(r"\bASR\b"), "attack success rate"),
    (re.compile(r"\bT2I\b"), "text-to-image"),
)


def spell_out(text: str) -> str:
    """The survey's abbreviations spelt out (DMs -> diffusion models, ...)."""
    for pattern, repl in ABBREVIATIONS:
        text = pattern.sub(repl, text)
    return text


def third_person(verb: str) -> str:
    if verb.endswith("y") and verb[-2:-1] not in ("a", "e", "i", "o", "u"):
        return verb[:-1] + "ies"
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    return verb + "s"


def agree(verb: str, plural: bool) -> str:
    """A base-form verb in the present tense for a plural or singular subject."""
    irregular = {"be": ("are", "is"), "have": ("have", "has")}
    if verb in irregular:
        return irregular[verb][0 if plural else 1]
    return verb if plural else third_person(verb)


def article(word: str) -> str:
    """'a' or 'an' before a word or an acronym (an AUC, a TPR, an F1 score)."""
    if re.match(r"[A-Z]{2,}|[A-Z]\d|[A-Z]@", word):
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    return "an" if word[:1].lower() in "aeiou" else "a"


def quoted(cell: str) -> str:
    return QUOTE_OPEN + cell + QUOTE_CLOSE


def _clean(cell: str) -> str:
    return " ".join(cell.split()).rstrip(".")


def _lower_first(text: str) -> str:
    """The first letter in lower case unless the first word is an acronym (DMs, MIA)."""
    first = text.split(" ", 1)[0]
    return text if sum(c.isupper() for c in first) > 1 else text[:1].lower() + text[1:]


# ------------------------------------------------------------------ verb phrases

_ADVERB = r"(?:(successfully|significantly|effectively|only|highly|mainly|also)\s+)?"


def _verb_part(part: str) -> tuple[str | None, str, str] | None:
    """(adverb, base verb, rest) of one coordinated part starting with a known verb."""
    m = re.match(_ADVERB + r"([A-Za-z]+)\b(.*)$", part.strip(), re.I)
    if not m:
        return None
    adverb, word, rest = m.group(1), m.group(2).lower(), m.group(3)
    base = VERBS.get(word) or VERBS.get(GERUNDS.get(word, ""), None) \
        or VERBS.get(THIRD.get(word, ""), None)
    return (adverb, base, rest) if base else None


def _split_parts(text: str) -> list[str]:
    """Coordinated verb phrases: split at ', ' / ' and ' where a known verb follows (a
    'while ...' clause stays with its part)."""
    parts, start = [], 0
    for m in re.finditer(r",\s+(?:and\s+)?|\s+and\s+", text):
        if _verb_part(text[m.end():]) and "while" not in text[start:m.start()].split():
            parts.append(text[start:m.start()])
            start = m.end()
    parts.append(text[start:])
    return parts


def verb_phrase(cell: str) -> Callable[[bool], str] | None:
    """A cell that is a (coordinated) verb phrase, as a predicate for a subject of
    either number; None when a part does not start with a known verb."""
    text = spell_out(_clean(cell))
    parts = _split_parts(text)
    parsed = [_verb_part(p) for p in parts]
    if not parsed or any(p is None for p in parsed):
        return None
    if len(parts) == 1 and parts[0].split()[0].lower() in GERUNDS:
        return None  # a lone gerund is the subject of a clause ("Reducing X revealed Y")

    def predicate(plural: bool) -> str:
        out = []
        for adverb, base, rest in parsed:  # type: ignore[misc]
            out.append(((adverb.lower() + " ") if adverb else "") + agree(base, plural) + rest)
        return _and(out)
    return predicate


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ------------------------------------------------------------------ effectiveness

def _metrics(text: str) -> str | None:
    """'AUC of 0.999 and TPR@1%FPR of 0.988' -> 'an AUC of 0.999 and a TPR@1%FPR of 0.988'."""
    found = []
    for part in re.split(r",\s*(?:and\s+)?|\s+and\s+", text):
        m = re.fullmatch(r"(?:an?\s+)?(\S+(?:\s\S+)?) of (\d[\d.]*%?)", part.strip())
        if not m:
            return None
        found.append(f"{article(m.group(1))} {m.group(1)} of {m.group(2)}")
    return _and(found)


def effect(cell: str, agent: bool, verb: str = "propose") -> Clause:
    """The clause for an effectiveness cell. ``agent``: the subject is the authors (an
    attack row; ``verb`` — propose, present, introduce — says what they do with the
    attack); otherwise it is the method itself (a defense row)."""
    text = _clean(cell)
    low = text.lower()

    def with_lead(subject: str, plural: bool, predicate: str) -> str:
        if agent:
            return f"{subject} {agree(verb, plural)} an attack that {predicate}"
        return f"{subject} {predicate}"

    if re.fullmatch(r"fails? to converge", low):
        return lambda s, p: f"training with {s} fails to converge"
    if low == "cause the training to fail":
        return lambda s, p: f"{s} {agree('make', p)} training fail"
    m = re.fullmatch(r"(?:able to )?achieve (.+)", text, re.I)
    if m and (metrics := _metrics(m.group(1))):
        if agent:
            return lambda s, p: f"{s} {agree('report', p)} {metrics} for their attack"
        return lambda s, p: f"{s} {agree('reach', p)} {metrics}"
    m = re.fullmatch(r"(more effective|better suited) (for|to|against) (.+)", text, re.I)
    if m:
        what, prep, target = m.group(1).lower(), m.group(2), spell_out(m.group(3))
        return lambda s, p: f"{s} {agree('be', p)} {what} {prep} {target}"
    m = re.fullmatch(r"(.+?) drops? to some extent", text)
    if m:
        metric = spell_out(m.group(1))
        metric = metric if metric.startswith("the ") else "the " + metric
        return lambda s, p: f"{s} {agree('lower', p)} {metric} only to some extent"
    m = re.fullmatch(r"(highly |very )?effective (?:in|at) (.+)", text, re.I)
    if m:
        degree, task = (m.group(1) or "").lower(), spell_out(m.group(2))
        if agent:
            return lambda s, p: (f"{s} {agree('find', p)} their attack {degree}effective "
                                 f"at {task}")
        return lambda s, p: f"{s} {agree('be', p)} {degree}effective at {task}"
    m = re.fullmatch(r"first (\w+)(.*)", text, re.I)
    if m and m.group(1).lower() in VERBS:
        verb, rest = VERBS[m.group(1).lower()], spell_out(m.group(2))
        return lambda s, p: f"{s} {agree('be', p)} the first to {verb}{rest}"
    m = re.fullmatch(r"only (require|need)s? (.+)", text, re.I)
    if m:
        need, what = m.group(1).lower(), spell_out(m.group(2))
        return lambda s, p: with_lead(s, p, f"{agree(need, not agent and p)} only {what}")
    m = re.fullmatch(r"(.+?) (is|are) (comparable to|susceptible(?: to)?) (.+)", text)
    if m and agent:
        what, be, rel, other = spell_out(m.group(1)), m.group(2), m.group(3), m.group(4)
        rel = "susceptible to" if rel.startswith("susceptible") else rel
        what = _lower_first(what)
        return lambda s, p: f"{s} {agree('show', p)} that {what} {be} {rel} {spell_out(other)}"
    m = re.fullmatch(r"an? (.+)", text, re.I)
    if m and not verb_phrase(m.group(1)):
        np = spell_out(text)
        np = _lower_first(np)
        main = verb if agent else "be"
        return lambda s, p: f"{s} {agree(main, p)} {np}"
    m = re.fullmatch(r"(\w+ly) (\w+) (.+?) (while .+)", text)
    if m and _verb_part(m.group(2) + " x") and not agent:
        adverb, verb = m.group(1).lower(), _verb_part(m.group(2) + " x")[1]  # type: ignore[index]
        obj, tail = spell_out(m.group(3)), spell_out(m.group(4))
        return lambda s, p: f"{s} {agree(verb, p)} {obj} {adverb} {tail}"
    vp = verb_phrase(text)
    if vp is not None:
        if agent:
            return lambda s, p: f"{s} {agree(verb, p)} an attack that {vp(False)}"
        # a plural subject takes "each" and the singular verb: the base form would be the
        # cell word for word
        return lambda s, p: f"{s} each {vp(False)}" if p else f"{s} {vp(False)}"
    if agent:
        return lambda s, p: (f"{s} {agree('report', p)} results that the survey summarises "
                             f"as {quoted(cell.strip())}")
    return lambda s, p: f"the survey summarises the results for {s} as {quoted(cell.strip())}"


def attack_effect(cell: str, verb: str = "propose") -> Clause:
    return effect(cell, agent=True, verb=verb)


def defense_effect(cell: str) -> Clause:
    return effect(cell, agent=False)


# ------------------------------------------------------------------ limitations

def limitation(cell: str) -> Callable[[str], str]:
    """A predicate for a singular subject ('the attack …') from a limitation cell; a
    cell no rule fits is quoted."""
    text = _clean(cell)
    rules: list[tuple[str, Callable[[re.Match], str]]] = [
        (r"requires? (.+)", lambda m: f"needs {spell_out(m.group(1))}"),
        (r"requirement for (.+)", lambda m: f"needs {spell_out(m.group(1))}"),
        (r"direct access to (.+)", lambda m: f"assumes that {spell_out(m.group(1))} is "
                                           "directly accessible"),
        (r"access (?:to )?(.+)", lambda m: f"must be able to access {spell_out(m.group(1))}"),
        (r"rel(?:y|ies) on (.+)", lambda m: f"depends on {spell_out(m.group(1))}"),
        (r"limited to (.+)", lambda m: f"is restricted to {spell_out(m.group(1))}"),
        (r"lacks? sufficient (.+)", lambda m: f"has insufficient {spell_out(m.group(1))}"),
        (r"(an? .+?) is required to be determined",
         lambda m: f"needs {_lower_first(spell_out(m.group(1)))} to be set"),
    ]
    for pattern, make in rules:
        m = re.fullmatch(pattern, text, re.I)
        if m:
            predicate = make(m)
            return lambda s: f"{s} {predicate}"
    return lambda s: f"{s} has a limitation that the survey states as {quoted(cell.strip())}"


__all__ = ["QUOTE_CLOSE", "QUOTE_OPEN", "agree", "article", "attack_effect",
           "defense_effect", "effect", "limitation", "spell_out", "verb_phrase"]
