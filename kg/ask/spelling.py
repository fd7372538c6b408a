"""Spelling: a misspelt word of the parser's closed vocabulary is read as that word before a
question is parsed ("atacks" -> "attacks", "agianst" -> "against", "trainig" -> "training"),
and each reading is said in the answer's notes.

The rule: a lower-case word of four letters or more that no word list of the parser, no name
of the graph and no text cell holds is read as the one word of the vocabulary — the parser's
words (:data:`kg.ask.tokens.GENERIC_WORDS`, the function, chat and comparison words, the
target nouns, negations) and the words of the labels of threats, knowledge levels and models
— within one edit (optimal string alignment; two for a word of nine letters or more; a
word of four letters only by one letter dropped, "wich" -> "which", or by two neighbouring
letters after the first swapped, "mnay" -> "many") that
begins with the same letter ("table" is never "stable") and, for a word ending in "-ing" or
"-ed", ends the same way or is that word without its ending ("preparing" is never
"preprint"; "named" is "name"). No word within reach, or two
different words at the nearest distance: the word stays as written, and the parse reports it
as usual. A word with a capital letter or a digit is a name — but for a sentence's first
word with only its first letter a capital ("Trainnig data extraction attacks") —: the
linker reads it (its own typo rule never crosses a number), so an absent name ("Imagen")
is never read as a word ("images"); after a word that introduces a name ("on", "against",
"by" …) a word is read only as a word of a name, a target noun or a word of the code
condition, and never as a word that carries nothing in a parse (:data:`_NEVER`: "attacks
on imagen" stays an unknown name). A word inside quotes is text, never corrected.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from ..lexicon import STOPWORDS, deletions, derived, osa_distance, tokens
from .account import CHAT_WORDS, CRITICAL, CRITICAL_WORDS
from .tokens import (
    ENTITY_PREP,
    GENERIC_WORDS,
    LEAST,
    MOST,
    NEGATIONS,
    NUMBERS,
    ONLY,
    TARGET_NOUN,
)

#: words shorter than this are never corrected (too many words lie one edit apart)
MIN_LETTERS = 5
_QUOTES = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^']*'(?!\w)")
_WORD = re.compile(r"(?<![\w'-])[a-z]+(?![\w'-])|(?:^|(?<=[.!?:]\s))[A-Z][a-z]+(?![\w'-])")


@functools.lru_cache(maxsize=1)
def parser_words() -> frozenset[str]:
    """The parser's own words as written (lower case)."""
    words = set(GENERIC_WORDS.split()) | set(CHAT_WORDS.split()) | set(CRITICAL_WORDS.split())
    words -= _NEVER
    words |= STOPWORDS | NEGATIONS | ONLY | MOST | LEAST | set(NUMBERS)
    words |= set(TARGET_NOUN) | {w + "s" for w in TARGET_NOUN}
    words |= {"earliest", "latest", "newest", "oldest", "first", "recent", "against"}
    return frozenset(w for w in words if w.isalpha())


#: comparison, quantifier and negation words: a four-letter word is never read as one
_CRITICAL = CRITICAL | NEGATIONS | ONLY | MOST | LEAST

#: target nouns: a misspelling as near to one as to its verb is read as the noun
_NOUNS = frozenset(set(TARGET_NOUN) | {w + "s" for w in TARGET_NOUN})
#: words a stage reads after a preposition, which a word there may be read as besides a
#: name's words: the target nouns ("on DDPM modles", "in the attak table") and the code
#: condition's ("with publc code")
_AFTER_PREP = _NOUNS | {"public", "code", "table", "tables"}

#: words a name is never read as: they carry nothing in a parse, so a lower-case absent name
#: ("attacks on imagen") read as one would vanish unsaid
_NEVER = frozenset({"image", "images", "imaging", "data", "privacy", "generative", "survey",
                    "graph"})


@dataclass(frozen=True)
class Words:
    """The words a misspelt word may be read as: all of them, a name's words alone, and a
    deletion index of each (a word's one- and two-letter deletions -> the words)."""

    all: frozenset[str]
    labels: frozenset[str]
    index: dict[str, frozenset[str]]

    def near(self, word: str, names_only: bool) -> set[str]:
        """The words that share a deletion with ``word`` (candidates within two edits); a
        word of four letters reaches only the words it is with one letter dropped
        ("wich" -> "which", "venu" -> "venue")."""
        out: set[str] = set()
        for d in deletions(word, 2 if len(word) >= 9 else 1):
            out |= self.index.get(d, frozenset())
        if len(word) < MIN_LETTERS:  # never a comparison word: "ever" is not "every"
            out = {w for w in out if len(w) == len(word) + 1 and w not in _CRITICAL}
            out |= {w for w in _swapped(word) if w in self.all and w not in _CRITICAL}
        return out & (self.labels | _AFTER_PREP) if names_only else out


def _swapped(word: str) -> set[str]:
    """``word`` with two neighbouring letters swapped, the first kept ("mnay" -> "many")."""
    return {word[:k] + word[k + 1] + word[k] + word[k + 2:] for k in range(1, len(word) - 1)}


def words_of(lex) -> Words:
    """The vocabulary of :func:`correct_spelling` for ``lex`` (see the module's rule), built
    once per lexicon (kg.lexicon.derived), never per question."""
    return derived(lex, "spelling", _words)


def _words(lex) -> Words:
    labels: set[str] = set()
    for kind in ("threat", "knowledge", "model"):
        for e in lex.of_kind(kind):
            labels.update(w.lower() for w in re.findall(r"[A-Za-z]+", e.label))
    labels -= _NEVER
    every = frozenset(parser_words() | labels)
    index: dict[str, set[str]] = {}
    for w in every:
        for d in deletions(w, 2 if len(w) >= 8 else 1):
            index.setdefault(d, set()).add(w)
    return Words(every, frozenset(labels), {k: frozenset(v) for k, v in index.items()})


def _known(word: str, lex, vocab: frozenset[str], words: frozenset[str]) -> bool:
    stem = next((t for t, _, _ in tokens(word)), word)
    return word in words or stem in words or word in _NEVER or stem in vocab or \
        bool(lex.hits(stem))


#: endings a misspelling keeps: a word with one is only read as a word with it
_INFLECTIONS = ("ing", "ed")


def correction(word: str, candidates: set[str]) -> str | None:
    """The one word of ``candidates`` nearest to ``word`` within reach (see the module's
    rule), or None."""
    limit = 2 if len(word) >= 9 else 1
    best: dict[str, int] = {}
    for w in candidates:
        if abs(len(w) - len(word)) > limit or len(w) < MIN_LETTERS - 1:
            continue
        if any(word.endswith(x) and not w.endswith(x) for x in _INFLECTIONS) \
                and not word.startswith(w):
            continue  # an inflected English word ("preparing") is not a misspelt "preprint"
            # ("named" is still its stem "name")
        d = osa_distance(word, w, limit)
        if d <= limit and w[0] == word[0]:
            best[w] = d
    if not best:
        return None
    near = min(best.values())
    found = {w for w, d in best.items() if d == near}
    if len({_lemma(w) for w in found}) > 1:
        return None
    return min(found, key=lambda w: (w not in _NOUNS, not w.endswith("s") == word.endswith("s"),
                                     w))


def _lemma(word: str) -> str:
    """A word without its inflection ("published", "publishes" -> "publish"); "defend" and
    "defense" are one word."""
    return re.sub(r"^defen[cds]", "defen", re.sub(r"(?<=\w\w\w)(ing|ed|es|e|s|d)$", "", word))


def correct_spelling(q: str, lex, vocab: frozenset[str]) -> tuple[str, list[str]]:
    """``q`` with each misspelt word of the vocabulary written correctly (the module's rule),
    and a note per word read ("read 'atacks' as 'attacks'"). ``vocab``: the words of the
    text cells, which are never corrected."""
    quoted = [(m.start(), m.end()) for m in _QUOTES.finditer(q)]
    words: Words | None = None
    out, notes, last = [], [], 0
    for m in _WORD.finditer(q):
        w = m.group().lower()  # a sentence's first word may have its capital
        if len(w) < MIN_LETTERS - 1 or any(a <= m.start() < b for a, b in quoted):
            continue
        words = words or words_of(lex)
        if _known(w, lex, vocab, words.all):
            continue
        prev = re.findall(r"[A-Za-z]+", q[:m.start()])
        prev = [x.lower() for x in prev if x.lower() not in ("the", "a", "an")]
        # after "on", "against", "by" … a name is expected: only a name's word is read
        fix = correction(w, words.near(w, bool(prev) and prev[-1] in ENTITY_PREP))
        if fix is None:
            continue
        out += [q[last:m.start()], fix.capitalize() if m.group()[0].isupper() else fix]
        last = m.end()
        notes.append(f"read {m.group()!r} as {fix!r}")
    return "".join(out) + q[last:], notes


def correct_text_words(q: str, conds: list, vocab: frozenset[str],
                       keep: frozenset[str] = frozenset()) -> tuple[list, list[str]]:
    """The text conditions of ``conds`` with each misspelt word read as the one word of the
    cells (``vocab``) within reach by the module's rule ("treshold" -> "threshold"), and a
    note per word read. A word the cells hold, a word in quotes, a short word or one with a
    digit stays as written, and so does a word of ``keep`` (the parser's words and the names'
    words: "white" is not a misspelt "while") — the condition then matches what it matches,
    and an empty answer says so."""
    quoted = " ".join(m.group() for m in _QUOTES.finditer(q)).lower()
    out, notes = [], []
    for c in conds:
        if c.kind != "text" or not c.words:
            out.append(c)
            continue
        words = []
        for w in c.words:
            fix = None
            if w not in vocab and len(w) >= MIN_LETTERS and w.isalpha() and w not in quoted \
                    and w not in keep:
                fix = correction(w, {v for v in vocab if v[:1] == w[:1]})
            words.append(fix or w)
            if fix:
                notes.append(f"read {w!r} as {fix!r} (a word of the survey's cells)")
        out.append(replace(c, words=tuple(words)))
    return out, notes
