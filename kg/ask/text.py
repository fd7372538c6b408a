"""Text conditions — words of the effectiveness and limitation cells — only from explicit
phrasing, never from leftover words.

A text condition is read where the question asks for words of the cells: quoted words
("mentioning "shadow model""), a verb that says a cell holds words ("mentions", "says",
"contains", "includes", "involves", "with the word"), a column named with its words
("whose limitation is small training samples"; "the limitation of X" asks for the column
instead), or a requirement or result verb that reads the cells ("need", "require", "rely
on", "limited to" → the limitation column; "achieve", "reach" → the effectiveness column).
The words it reads run from the cue to the next name, condition word or clause word; every
one of them must occur (one condition), negated when a negation cue negates one of them.
Defense rows have no limitation column, so on defense methods the words are sought in
either column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..lexicon import STOPWORDS
from ..query import Cond
from .account import FUNCTION_WORDS
from .tokens import EFFECT_CUE, LIMIT_CUE, Tok, rx

_SAYS = rx(r"^(mention|mentioned|mentioning|say|saying|said|contain|containing|include|"
           r"including|involve|involving|word|phrase|read|state|stating|describe|"
           r"describing|discuss|discussing|note|noting)$")
_COLUMN = {"limitation": "limitation", "weakness": "limitation", "drawback": "limitation",
           "shortcoming": "limitation", "caveat": "limitation", "downside": "limitation",
           "effectiveness": "effectiveness", "result": "effectiveness",
           "performance": "effectiveness"}
_REQUIRE = rx(r"^(need|needing|require|requiring|rely|relying|relie|depend|depending|limited|"
              r"assum)")
_ACHIEVE = rx(r"^(achiev|reach)")
#: after a column's name, what it is of: the column is asked for ("limitation of X")
_OF = frozenset({"of", "for", "reported", "listed", "given", "noted"})
#: words inside a text phrase that do not end it
_GLUE = frozenset({"a", "an", "the", "of", "to", "on"})
_QUOTE = re.compile(r"\"([^\"]+)\"|“([^”]+)”|(?:(?<=\s)|^)'([^']+)'(?=[\s?.!,]|$)")


@dataclass
class TextFound:
    conds: list[Cond] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def _field(words: list[str], target: str, verb_field: str) -> str:
    named = {_COLUMN[w] for w in words if w in _COLUMN}
    f = named.pop() if len(named) == 1 else verb_field
    if f == "any" and any(LIMIT_CUE.match(w) for w in words) and not any(
            EFFECT_CUE.match(w) for w in words):
        f = "limitation"
    if f == "limitation" and target in ("methods", "evaluations"):
        f = "any"  # defense rows have no limitation column
    return f


def _phrase(q: str, toks: list[Tok], start: int, taken: set[int]) -> list[int]:
    """The tokens of a text phrase starting at ``start``: up to the next name, word used by
    another stage, or clause word (glue words inside it are kept only between words)."""
    out: list[int] = []
    for j in range(start, len(toks)):
        t = toks[j]
        if t.mention is not None or j in taken:
            break
        if not out and (_SAYS.match(t.norm) or t.norm in ("is", "are", "be", "been", "was",
                                                           "that", "with", "as")):
            continue  # "whose limitation is …", "whose limitation involves …"
        if t.norm in STOPWORDS and t.norm not in _GLUE:
            break
        if j > start and re.search(r"[,;?!]|\s-\s", q[toks[j - 1].end:t.start]):
            break
        out.append(j)
    while out and toks[out[-1]].norm in _GLUE:
        out.pop()
    return [j for j in out if toks[j].norm not in _GLUE or j != out[0]]


def _words(q: str, toks: list[Tok], idx: list[int]) -> tuple[str, ...]:
    """The phrase's words: normalised, a decimal number kept whole ("0.999"), glue words
    left out."""
    out: list[str] = []
    k = 0
    while k < len(idx):
        i = idx[k]
        if toks[i].norm.isdigit() and k + 1 < len(idx) and \
                q[toks[i].end:toks[idx[k + 1]].start] == "." and toks[idx[k + 1]].norm.isdigit():
            out.append(q[toks[i].start:toks[idx[k + 1]].end])
            k += 2
            continue
        if toks[i].norm not in _GLUE:
            out.append(toks[i].norm)
        k += 1
    return tuple(dict.fromkeys(out))


def text_conditions(q: str, toks: list[Tok], taken: set[int], target: str,
                    neg_at: set[int]) -> TextFound:
    """The question's text conditions, each from an explicit cue (see the module's rule)."""
    found = TextFound()
    words = [t.norm for t in toks]
    for m in _QUOTE.finditer(q):  # quoted words: the cells' words, whatever they are
        a, b = m.span()
        idx = [i for i, t in enumerate(toks) if a <= t.start < b and i not in taken]
        if idx:
            found.used.update(idx)
            found.conds.append(Cond("text", words=_words(q, toks, idx),
                                    field=_field(words, target, "any"),
                                    negated=any(i in neg_at for i in idx)))
    for i, w in enumerate(words):
        if i in taken or i in found.used or toks[i].mention is not None:
            continue
        verb_field = ("any" if _SAYS.match(w) or w in _COLUMN else "limitation"
                      if _REQUIRE.match(w) else "effectiveness" if _ACHIEVE.match(w) else "")
        if not verb_field or w in _COLUMN and i + 1 < len(toks) and words[i + 1] in _OF:
            continue  # "the limitations of the … attack": the column asked for, no words
        idx = _phrase(q, toks, i + 1, taken | found.used)
        if not idx or verb_field != "any" and all(
                toks[j].norm in FUNCTION_WORDS or toks[j].norm in _GLUE for j in idx):
            continue  # "I need a list of …": no words of the cells asked for
        cue = {i} | {j for j in range(max(0, i - 3), i) if words[j] in _COLUMN
                     or _SAYS.match(words[j]) or words[j] in ("whose", "their", "its")}
        found.used.update(cue | set(idx) | set(range(i, idx[-1] + 1)))
        found.conds.append(Cond("text", words=_words(q, toks, idx),
                                field=_field(words, target, verb_field),
                                negated=any(j in neg_at for j in idx)))
    return found
