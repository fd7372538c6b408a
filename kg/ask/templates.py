"""The canonical sentences of the second reader: every form shape the query core supports,
written as short English pieces with typed slots, and their TF-IDF vectors.

A canonical sentence is a frame (what is asked for: the target, its aggregate, or an
attribute of a named item — "how many {T}", "which {t} has the most {R}", "who wrote") and
one phrase per name of the question, its slot typed by the name's kind ("not evaluated on
{model}", "that need only {knowledge} access"), plus phrases that name no value ("with public
code", "on text-to-image models"). Each piece carries its meaning (:class:`Piece`); a
sentence means what its pieces mean. The pieces are plain data, so a test can hold that
every target, condition kind, mode, negation, aggregate and attribute of :mod:`kg.query` has
one (:func:`covered`).

Words are normalised (:func:`features`: lower case, plural and -ing / -ed endings cut,
contractions read as "not", a slot as ``slot<kind>``) into unigrams and bigrams, weighted by
their inverse document frequency over the pieces; the vectors are made once per process.
Nothing here reads the first reader's rules (:mod:`kg.ask.conditions`, :mod:`kg.ask.form`).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

#: the typed slots a phrase can hold: the linker's kinds, a year and a number
SLOTS = ("threat", "knowledge", "model", "method", "paper", "author", "venue", "year", "num")
#: target -> the nouns it is asked by (plural, singular)
_TARGETS = {"attacks": (("attacks", "attack"),),
            "methods": (("defenses", "defense"), ("defense methods", "defense method")),
            "evaluations": (("defense evaluations", "defense evaluation"),),
            "papers": (("papers", "paper"),), "models": (("models", "model"),),
            "threats": (("threats", "threat"),),
            "knowledge": (("knowledge levels", "knowledge level"),
                          ("access levels", "access level"))}
#: the rows an item's count counts: part -> noun, verb
_ROWS = {"attacks": ("attacks", "attacked"), "defenses": ("defenses", "defended")}
_VALUE = {"model": "models", "knowledge": "knowledge levels", "threat": "threats"}


@dataclass(frozen=True)
class Piece:
    """A piece of a canonical sentence: its words (``{kind}`` a typed slot) and its meaning.

    A frame's ``role`` is ``(target, parts, agg op, agg of, attribute)``; a slot phrase's is
    ``(slot kind, negated, mode)`` — mode "any", "only", "every", "all" or "exact" for a
    name, the comparison ("in", "after", "since", "before", "until") for a year, the counted
    value for a number; an extra's is ``(condition kind, setting)``."""

    kind: str  # frame | slot | extra
    text: str
    role: tuple


def _target_frames(target: str, many: str, one: str) -> list[Piece]:
    """The frames that ask for ``target`` by its nouns ``many`` / ``one``."""
    out: list[Piece] = []

    def add(agg: str | None, parts: str | None, of: str, *texts: str) -> None:
        out.extend(Piece("frame", t, (target, parts, agg, of, "")) for t in texts)
    add(None, None, "", f"which {many}", f"what {many}", f"list the {many}",
        f"show me {many}", f"{many}", f"which {one}")
    add("count", None, "", f"how many {many}", f"the number of {many}", f"count the {many}")
    add("earliest", None, "", f"the earliest {one}", f"the first {one} published")
    add("latest", None, "", f"the latest {one}", f"the most recent {one}",
        f"the newest {one}")
    for part, (rows, verb) in _ROWS.items():
        add("per_item", part, "", f"how many {rows} per {one}", f"{rows} for each {one}",
            f"number of {rows} for each {one}", f"{rows} per {one}")
        add("top", part, "", f"which {one} has the most {rows}",
            f"the {one} with the most {rows}", f"which {one} is {verb} most often")
        add("bottom", part, "", f"which {one} has the fewest {rows}",
            f"the {one} with the least {rows}", f"which {one} is {verb} least often")
        add("more_than", part, "", f"{many} with more than {{num}} {rows}")
        add("fewer_than", part, "", f"{many} with fewer than {{num}} {rows}")
    for of, values in _VALUE.items():
        add("top", None, of, f"which {one} is evaluated on the most {values}",
            f"the {one} with the most {values}")
        add("bottom", None, of, f"which {one} is evaluated on the fewest {values}",
            f"the {one} with the fewest {values}")
    return out


def _frames() -> list[Piece]:
    out = [p for target, nouns in _TARGETS.items() for many, one in nouns
           for p in _target_frames(target, many, one)]
    attrs = {"venue": ("which venue published", "the venue of", "where was published"),
             "year": ("what year was published", "when was published", "the year of"),
             "authors": ("who wrote", "the authors of", "who are the authors of"),
             "first_author": ("the first author of", "who is the lead author of"),
             "last_author": ("the last author of", "who is the senior author of"),
             "arxiv": ("the arxiv id of", "arxiv number of"),
             "doi": ("the doi of", "what is the doi of"),
             "code": ("the code link of", "link to the code of", "github repository of"),
             "effectiveness": ("the effectiveness of", "how effective is", "the results of",
                               "what did achieve"),
             "limitation": ("the limitations of", "the weakness of", "drawbacks of")}
    for name, texts in attrs.items():
        out.extend(Piece("frame", t, ("papers", None, None, "", name)) for t in texts)
    return out


#: (slot kind, negated, mode) -> phrases
_PHRASES: dict[tuple[str, bool, str], tuple[str, ...]] = {
    ("threat", False, "any"): ("{threat}", "{threat} attacks", "against {threat}",
                               "for {threat}", "of {threat}", "that protect against {threat}",
                               "defend against {threat}", "mitigate {threat}",
                               "protecting against {threat}"),
    ("threat", True, "any"): ("not {threat}", "not against {threat}", "other than {threat}",
                              "except {threat}", "excluding {threat}", "apart from {threat}",
                              "but not {threat}", "do not protect against {threat}",
                              "not for {threat}", "everything but {threat}", "neither {threat}",
                              "nor {threat}", "do not defend against {threat}",
                              "not protecting against {threat}", "do not mitigate {threat}"),
    ("threat", False, "only"): ("only {threat}", "only against {threat}"),
    ("threat", False, "every"): ("whose attacks are all {threat}",),
    ("threat", False, "all"): ("both {threat} and", "against both {threat}"),
    ("knowledge", False, "any"): ("{knowledge}", "{knowledge} attacks",
                                  "with {knowledge} access", "that need {knowledge} access",
                                  "that only need {knowledge} access",
                                  "nothing beyond {knowledge} access",
                                  "assuming {knowledge} knowledge"),
    ("knowledge", True, "any"): ("without {knowledge} access", "not {knowledge}",
                                 "that do not need {knowledge} access",
                                 "not needing {knowledge}", "other than {knowledge}",
                                 "neither {knowledge}", "nor {knowledge}",
                                 "non {knowledge}"),
    # "attacks that only need API access" need no more than it: any of, not "only" (the
    # attack's knowledge set exactly that level), as the first reader reads it
    ("knowledge", False, "only"): ("only {knowledge}", "that need only {knowledge} access",
                                   "with {knowledge} access only", "purely {knowledge}",
                                   "{knowledge} only", "with {knowledge} access alone"),
    ("knowledge", False, "every"): ("whose attacks are all {knowledge}",
                                    "all of whose attacks are {knowledge}"),
    ("knowledge", False, "all"): ("both {knowledge} and", "assuming both {knowledge}"),
    ("model", False, "any"): ("on {model}", "evaluated on {model}", "tested on {model}",
                              "targeting {model}", "against {model}", "{model} models",
                              "for {model}", "attacking {model}", "defend {model}",
                              "protect {model}"),
    ("model", True, "any"): ("not on {model}", "not evaluated on {model}",
                             "never tested on {model}", "except {model}",
                             "excluding {model}", "other than {model}", "but not on {model}",
                             "not targeting {model}", "anything but {model}",
                             "neither {model}", "nor {model}", "no {model} models",
                             "target no {model}", "do not defend {model}",
                             "do not protect {model}"),
    ("model", False, "only"): ("only on {model}", "evaluated only on {model}",
                               "on {model} alone", "on {model} and nothing else"),
    ("model", False, "exact"): ("exactly {model}", "{model} itself"),
    ("model", False, "every"): ("whose attacks are all on {model}",),
    ("model", False, "all"): ("both {model} and", "on both {model}"),
    ("method", False, "any"): ("{method}", "using {method}", "evaluations of {method}",
                               "with {method}"),
    ("method", True, "any"): ("not {method}", "other than {method}", "except {method}",
                              "not using {method}", "neither {method}", "nor {method}"),
    ("method", False, "every"): ("whose defenses are all {method}",),
    ("paper", False, "any"): ("{paper}", "from {paper}", "in {paper}", "reported in {paper}",
                              "of {paper}", "does {paper}"),
    ("paper", True, "any"): ("not from {paper}", "other than {paper}", "except {paper}",
                             "excluding {paper}"),
    ("author", False, "any"): ("by {author}", "written by {author}", "{author} wrote",
                               "authored by {author}", "of {author}"),
    ("author", True, "any"): ("not by {author}", "not written by {author}",
                              "other than {author}"),
    ("venue", False, "any"): ("at {venue}", "published at {venue}", "in {venue}",
                              "from {venue}", "{venue} papers"),
    ("venue", True, "any"): ("not at {venue}", "not published at {venue}", "outside {venue}"),
    ("year", False, "in"): ("in {year}", "from {year}", "published in {year}",
                            "{year} papers"),
    ("year", False, "after"): ("after {year}", "newer than {year}", "later than {year}"),
    ("year", False, "since"): ("since {year}", "from {year} on", "{year} or later"),
    ("year", False, "before"): ("before {year}", "older than {year}", "earlier than {year}"),
    ("year", False, "until"): ("until {year}", "up to {year}", "{year} or earlier"),
    ("year", True, "in"): ("not in {year}", "not from {year}", "except {year}"),
    ("num", False, "model"): ("on {num} or more models", "on at least {num} models",
                              "on more than {num} models"),
    ("num", False, "knowledge"): ("more than {num} knowledge level",
                                  "at least {num} knowledge levels"),
    ("num", False, "threat"): ("more than {num} threats", "at least {num} threats"),
    ("num", False, "rows"): ("more than {num}", "at least {num}", "fewer than {num}"),
}

#: (condition kind, setting) -> phrases of the conditions that name no value
_EXTRAS: dict[tuple[str, str], tuple[str, ...]] = {
    ("code", "linked"): ("with code", "with public code", "code available",
                         "that release code", "open source"),
    ("code", "unlinked"): ("without code", "with no code", "no public code",
                           "no code link"),
    ("defended", "no"): ("with no defense", "without any defense", "undefended",
                         "never defended"),
    ("defended", "yes"): ("that have a defense", "with a defense evaluated"),
    ("t2i", "yes"): ("on text to image models", "text to image"),
    ("uncovered", "yes"): ("on models no defense covers", "models not covered by any defense"),
    ("rows", "both"): ("that report both an attack and a defense", "both attacked and defended"),
    ("text", "words"): ("mentioning", "whose limitation says", "that contains the word"),
}


#: negations every named kind takes
_NEGATIONS = ("not {k}", "except {k}", "other than {k}", "apart from {k}", "but not {k}",
              "anything but {k}", "no {k}", "not those {k}")
for _k in ("threat", "knowledge", "model", "method", "paper", "author", "venue"):
    _PHRASES[(_k, True, "any")] = tuple(dict.fromkeys(
        _PHRASES.get((_k, True, "any"), ()) + tuple(n.replace("{k}", "{" + _k + "}")
                                                  for n in _NEGATIONS)))


def pieces() -> tuple[Piece, ...]:
    """Every piece: the frames, the slot phrases, the extras."""
    return _pieces()


@functools.cache
def _pieces() -> tuple[Piece, ...]:
    out = _frames()
    out += [Piece("slot", t, role) for role, texts in _PHRASES.items() for t in texts]
    out += [Piece("extra", t, role) for role, texts in _EXTRAS.items() for t in texts]
    return tuple(out)


def covered() -> dict[str, set]:
    """What the pieces can say, by aspect: targets, aggregates (with their ``of``),
    attributes, condition kinds (slot kinds and extras), modes and negated kinds — for the
    test that every form shape of :mod:`kg.query` has a canonical sentence."""
    got: dict[str, set] = {"targets": set(), "aggregates": set(), "attributes": set(),
                           "kinds": set(), "modes": set(), "negated": set()}
    for p in _pieces():
        if p.kind == "frame":
            target, _, agg, of, attr = p.role
            got["targets"].add(target)
            got["aggregates"].add(agg or "")
            got["aggregates"].add(f"{agg}:{of}" if of else agg or "")
            got["attributes"].add(attr)
        elif p.kind == "slot":
            kind, negated, mode = p.role
            got["kinds"].add({"num": "distinct"}.get(kind, kind))
            got["modes"].add(mode)
            if negated:
                got["negated"].add(kind)
        else:
            got["kinds"].add(p.role[0])
    got["attributes"].discard("")
    return got


# ------------------------------------------------------------------ words and vectors

_NOT = {"don", "doesn", "didn", "isn", "aren", "wasn", "weren", "haven", "hasn", "hadn",
        "won", "cannot", "nt", "never", "no", "non", "excluding", "exclude", "except",
        "excepting", "neither", "nor", "without", "lacking"}
_ONLY = {"alone", "solely", "exclusively", "purely", "just"}
_WORD = re.compile(r"slot[a-z]+|[a-z]+|\{[a-z]+\}")


def _cut(w: str) -> str:
    """A word's stem: plural, -ing and -ed cut ("needing", "needed", "needs" -> "need")."""
    if w.startswith("slot") or len(w) <= 3:
        return w
    for end in ("ing", "ed", "s"):
        if w.endswith(end) and len(w) - len(end) >= 3 and not w.endswith(("ss", "us", "is")):
            return w[:-len(end)]
    return w


@functools.lru_cache(maxsize=4096)
def _word(w: str) -> str:
    if w[0] == "{":
        return "slot" + w[1:-1]
    return "not" if w in _NOT else "only" if w in _ONLY else _cut(w)


def words(text: str) -> list[str]:
    """The normalised words of a (slot-typed) text; ``{kind}`` and ``slotkind`` are slots,
    a contraction or a negation word ("never", "excluding", "neither") is "not", "alone" /
    "solely" / "just" is "only"."""
    out: list[str] = []
    for w in _WORD.findall(text.lower().replace("n't", " not").replace("-", " ")):
        if w != "t" or not out or out[-1] != "not":
            out.append(_word(w))
    return out


def features(text: str | list[str]) -> dict[str, int]:
    """Unigram and bigram counts of a text's normalised words (or of those words)."""
    ws = words(text) if isinstance(text, str) else text
    out: dict[str, int] = {}
    for f in ws + [f"{a} {b}" for a, b in zip(ws, ws[1:], strict=False)]:
        out[f] = out.get(f, 0) + 1
    return out


@functools.cache
def _piece_features() -> tuple[dict[str, int], ...]:
    return tuple(features(p.text) for p in _pieces())


@functools.cache
def idf() -> dict[str, float]:
    """Inverse document frequency of each feature over the pieces (made once a process)."""
    df: dict[str, int] = {}
    docs = _piece_features()
    for fs in docs:
        for f in fs:
            df[f] = df.get(f, 0) + 1
    return {f: math.log((len(docs) + 1) / (n + 1)) + 1.0 for f, n in df.items()}


@functools.cache
def index() -> tuple[dict[str, list[tuple[int, float]]], tuple[float, ...]]:
    """The pieces' TF-IDF vectors as an inverted index (feature -> (piece, weight)) and each
    piece's squared norm, in the order of :func:`pieces` (made once a process)."""
    w = idf()
    postings: dict[str, list[tuple[int, float]]] = {}
    norms = []
    for i, fs in enumerate(_piece_features()):
        sq = 0.0
        for f, n in fs.items():
            x = n * w[f]
            postings.setdefault(f, []).append((i, x))
            sq += x * x
        norms.append(sq)
    return postings, tuple(norms)


def vector(text: str | list[str]) -> dict[str, float]:
    """A question's TF-IDF vector over the pieces' features (words no piece holds carry no
    structure and are left out)."""
    w = idf()
    return {f: n * w[f] for f, n in features(text).items() if f in w}
