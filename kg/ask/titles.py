"""Titles: a paper named by a few words of its title or topic ("the quantile regression MIA
paper", "the structural MIA paper", "the Towards Black-box Membership Inference Attack paper",
"Generated Distributions Are All You Need", "the PIA paper on proximal initialization").

The rule: the words right before "paper" — or before "attack", "defense", "MIA": "the quantile
regression attack" — (back to a determiner, a preposition or a question word), or right
after "paper on / about / titled / called", or a run of four or more words
that begins with a capital, form a phrase. A phrase of two or more content words, at least
one of them a plain word (no name of the graph, no word of the parser's vocabulary), names
the papers whose title holds every content word after the lexicon's normalisation — a word
of a linked name is found when the title holds the name as written or its label ("MIA" in a
title saying "Membership Inference Attacks"); a run without "paper" must be the start of the
title. Exactly one paper: the phrase is linked to it and a note says how it was read.
Several: the phrase names no one paper — it is reported with the candidates, and the
question is not answered. None: nothing changes (the words are reported as usual). After a
paper already named ("the PIA paper on proximal initialization"), words all found in its
title confirm it and join its mention; a single word never links a paper.
"""

from __future__ import annotations

import re

from ..lexicon import STOPWORDS, Entity, derived, normal, osa_distance, tokens
from ..linking import Mention
from .spelling import parser_words

_CUE = re.compile(r"\b(paper|work|study|article|attacks?|defen[cs]es?|MIA)\b", re.I)
#: cues after which "on / about / titled …" names the paper (after "attacks on", a model)
_PAPER_CUE = frozenset({"paper", "work", "study", "article"})
_AFTER = re.compile(r"\s+(?:on|about|titled|called|named)\s+([^?.,;:!]+)", re.I)
_AFTER_CUE = re.compile(r"\s*(?:paper|work|study|article)\s+(?:on|about|titled|called|named)"
                        r"\s+", re.I)
_STOP = STOPWORDS | {"who", "wrote", "did", "does", "is", "was", "which", "what", "where",
                     "when", "give", "find", "show", "list", "tell", "author", "authors"}
_RUN = re.compile(r"\b[A-Z][\w-]*(?:\s+(?:[A-Z][\w-]*|for|of|the|a|an|and|to|in|on|are|is|"
                  r"all|you)){3,}")
#: the parser's own words carry the question's shape, never a title's topic
_SHAPE = {"paper", "work", "study", "article", "attack", "defense", "defence", "model",
          "titled", "called", "named"}


def _index(lex) -> dict[str, tuple[str, frozenset[str]]]:
    """iri -> (title, its normalised words), once per lexicon (kg.lexicon.derived)."""
    return derived(lex, "titles", lambda lx: {
        e.iri: (e.label, frozenset(normal(e.label).split())) for e in lx.of_kind("paper")})


def _title_counts(lex) -> dict[str, int]:
    """word -> how many titles hold it."""
    held: dict[str, int] = {}
    for _, words in _index(lex).values():
        for w in words:
            held[w] = held.get(w, 0) + 1
    return held


def _rare(lex, word: str) -> bool:
    """A word few titles hold (at most three, or a tenth of them): it can name a paper."""
    counts = derived(lex, "title words", _title_counts)
    return 0 < counts.get(word, 0) <= max(3, len(_index(lex)) // 10)


def _phrases(q: str) -> list[tuple[int, int, bool]]:
    """(start, end, prefix): the title phrases of ``q`` (see the module's rule)."""
    out = []
    for m in _CUE.finditer(q):
        start = m.start()
        for w in reversed(list(re.finditer(r"[\w-]+", q[:m.start()]))):
            if w.group().lower() in _STOP or q[w.end():start].strip(" "):
                break
            start = w.start()
        after = _AFTER.match(q, m.end()) if m.group(1).lower() in _PAPER_CUE else None
        if start < m.start() or after:  # "the Unveiling paper about memorization": one phrase
            out.append((start if start < m.start() else after.start(1),
                        after.end(1) if after else m.start(), False))
    for m in _RUN.finditer(q):
        if not any(a <= m.start() < b for a, b, _ in out):
            out.append((m.start(), m.end(), True))
    return out


def _found(word: str, start: int, words: frozenset[str], mentions: list[Mention],
           typo: bool = False) -> bool:
    """A content word is in a title: as written, or as the label of the name it is part
    of — or, with ``typo``, a plain word of six letters or more one edit from a title's
    word that begins with its letter ("regresion")."""
    if word in words:
        return True
    if typo and len(word) >= 6 and not any(m.start <= start < m.end for m in mentions) and any(
            w[0] == word[0] and abs(len(w) - len(word)) <= 1 and osa_distance(word, w, 1) <= 1
            for w in words):
        return True
    m = next((m for m in mentions if m.start <= start < m.end), None)
    return m is not None and (set(normal(m.text).split()) <= words or
                              set(normal(m.entity.label).split()) <= words)


def title_mentions(q: str, lex, mentions: list[Mention]
                   ) -> tuple[list[Mention], list[str], list[dict]]:
    """``mentions`` with each title phrase of ``q`` linked to its one paper, the notes, and
    the phrases that match several papers (text, candidates: not answered)."""
    if not _CUE.search(q) and not _RUN.search(q):
        return mentions, [], []
    out, notes, several = list(mentions), [], []
    vocab = parser_words() | _SHAPE
    for a, b, prefix in _phrases(q):
        inside = [m for m in out if a <= m.start < b or m.start < a < m.end] + [
            m for m in out if m.entity.kind == "paper" and _AFTER_CUE.fullmatch(q[m.end:a])]
        # a venue or an author named in the phrase ("the ECCV cross-attention paper") is
        # not a word of the title
        aside = [m for m in inside if m.entity.kind in ("venue", "author")]
        toks = [(w, s + a) for w, s, _ in tokens(q[a:b]) if w not in STOPWORDS | _SHAPE
                and not any(m.start <= s + a < m.end for m in aside)]
        plain = [w for w, s in toks if w not in vocab and not any(
            m.start <= s < m.end for m in inside)]
        if not any(_rare(lex, w) for w in plain):  # "the diffusion paper": a common word
            continue
        papers = [m for m in inside if m.entity.kind == "paper"]
        if papers and not plain:
            continue
        if len(toks) < 2 or not plain or len([w for w, _ in toks if w.isalpha() and len(w) > 2]) < 2:
            continue  # two words at least: "T2I" (t, 2, i) is one
        if papers:  # "the PIA paper on proximal initialization": confirm the named paper
            cands = [p.entity.iri for p in papers]
        else:
            cands = list(_index(lex))
        idx = _index(lex)
        hits = [i for i in cands if all(_found(w, s, idx[i][1], inside) for w, s in toks)
                and (not prefix or normal(idx[i][0]).startswith(normal(q[a:b])))]
        if not hits and not prefix:  # a misspelt word: the titles holding another word
            near = [i for i in cands if any(w in idx[i][1] for w, _ in toks)]
            hits = [i for i in near if all(_found(w, s, idx[i][1], inside, typo=True)
                                           for w, s in toks)]
        if not hits:
            continue
        text = q[a:b].strip()
        if len(hits) > 1:
            several.append({"text": text, "closest": [idx[i][0] for i in hits[:5]]})
            continue
        ent = papers[0].entity if papers else Entity(hits[0], "paper", idx[hits[0]][0])
        lo = min([a] + [m.start for m in inside])
        hi = max([b] + [m.end for m in inside])
        out = [m for m in out if m not in inside]
        out.append(Mention(q[lo:hi].strip(), lo, lo + len(q[lo:hi].strip()), ent, text, False))
        out.sort(key=lambda m: m.start)
        notes.append(f"read {text!r} as the paper {ent.label!r} (every word of it is in the "
                     "title)")
    return out, notes, several
