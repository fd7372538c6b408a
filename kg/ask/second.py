"""The second reading of a question: its structure read by matching, independent of the
first reader's rules, and the check of the first reading against it.

The question's linked names (:mod:`kg.ask.mentions`, the one linker), its years and its
numbers are replaced by their types ("which slotthreat attacks are not evaluated on
slotmodel"); the typed question is matched against the canonical sentences of
:mod:`kg.ask.templates` by TF-IDF cosine (a sentence = a frame, one phrase per slot, the
extras; chosen by coordinate ascent, a few hundred sparse dot products). Nothing of
:mod:`kg.ask.conditions` or :mod:`kg.ask.form` is read: no model, no rdflib.

The check (:func:`disagreement`) is conservative. The first reading is rendered the same way
— the best canonical sentence whose frame and slot roles say what its form says — and
compared with the best sentence of all. Only when the best one scores higher by
:data:`MARGIN` does the second reading stand against the first; the aspects in which it
differs (the target, the aggregate, the attribute asked for, a name's negation or its
"only" / "every") are then applied to the first form to give the second. :mod:`kg.ask`
runs both and asks back when their answers differ; a first reading no canonical sentence
can say (text conditions, relations across the tables, a name used twice) is not checked.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from ..linking import Mention
from ..query import Agg, Cond, Form
from .templates import SLOTS, Piece, index, pieces, vector, words

#: how much better (cosine) the best canonical sentence must match than the first
#: reading's own before the second reading stands against it: what is asked for (the whole
#: question against frame, phrases and extras), a name's role (its words against its phrase)
FRAME_MARGIN = 0.3
SLOT_MARGIN = 0.12
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMBER = re.compile(r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b", re.I)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10}
_NOT_CHECKED = {"text", "rows", "uncovered"}
SLOT_WORDS = {f"slot{k}" for k in SLOTS}


@dataclass(frozen=True)
class Slot:
    """A typed slot of the question: its kind, the mention it stands for (entity slots) or
    its number (years, numbers)."""

    kind: str
    mention: Mention | None = None
    number: int = 0


@dataclass
class Reading:
    """A canonical sentence chosen for the question: its frame, one phrase per slot, the
    extras, and its cosine with the question."""

    frame: Piece
    phrases: list[Piece]
    extras: list[Piece]
    score: float
    #: each slot's phrase's cosine with the slot's words
    slot_scores: list[float]

    @property
    def text(self) -> str:
        return " · ".join(p.text for p in [self.frame, *self.phrases, *self.extras])


def typed(q: str, mentions: list[Mention]) -> tuple[str, list[Slot]]:
    """``q`` with each mention, year and number replaced by its slot (``slot<kind>``), and
    the slots in text order."""
    marks: list[tuple[int, int, Slot]] = [(m.start, m.end, Slot(m.entity.kind, m))
                                          for m in mentions]
    taken = [(a, b) for a, b, _ in marks]
    for rx, kind in ((_YEAR, "year"), (_NUMBER, "num")):
        for m in rx.finditer(q):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                n = m.group().lower()
                marks.append((m.start(), m.end(), Slot(kind, None, _NUMBERS.get(n) or int(n))))
                taken.append((m.start(), m.end()))
    marks.sort(key=lambda x: x[0])
    out, at = [], 0
    for a, b, slot in marks:
        out += [q[at:a], f" slot{slot.kind} "]
        at = b
    out.append(q[at:])
    return "".join(out), [s for _, _, s in marks]


class _Scorer:
    """Cosines of sentences (lists of piece indices) with one question. A sentence's vector
    is the sum of its pieces', counted as disjoint (their shared words — "attacks" in a frame
    and in a phrase — are few): its dot product and squared norm are sums over the pieces."""

    def __init__(self, qv: dict[str, float]):
        postings, self.norms = index()
        self.qn = sum(x * x for x in qv.values()) ** 0.5 or 1.0
        self.dots: dict[int, float] = {}
        for f, x in qv.items():
            for i, w in postings.get(f, ()):
                self.dots[i] = self.dots.get(i, 0.0) + x * w

    def score(self, idx) -> float:
        dot = sum(self.dots.get(i, 0.0) for i in idx)
        return dot / (self.qn * (sum(self.norms[i] for i in idx) ** 0.5 or 1.0))

    def best(self, cands: list[int], rest: list[int]) -> int:
        """The candidate that scores best beside the pieces ``rest``."""
        d0 = sum(self.dots.get(i, 0.0) for i in rest)
        n0 = sum(self.norms[i] for i in rest)
        return max(cands, key=lambda i: (d0 + self.dots.get(i, 0.0))
                   / ((n0 + self.norms[i]) ** 0.5 or 1.0))


#: at most this many words before and after a slot are matched against its phrase
BEFORE, AFTER = 5, 3
#: words that bind to the name after them ("on A but not on B"), and to the name just
#: before them ("black-box only MIAs"); words that join two names of one kind
_FORWARD = {"not", "but", "other", "apart", "anything", "everything"}
_BACKWARD = {"only", "itself", "one"}
_JOIN = {"and", "or", "not", "as", "well"}


def _windows(ws: list[str]) -> list[list[str]]:
    """Each slot's words: itself and the words nearer to it than to another slot (a tie to
    the later slot), except that from a negation word on the words before a slot are its
    own and a word like "only" just after a slot is that slot's — at most BEFORE before it
    and AFTER after it."""
    at = [i for i, w in enumerate(ws) if w in SLOT_WORDS]
    cut = []  # the first word of each slot's own words before it
    for k, i in enumerate(at):
        prev = -1 if k == 0 else at[k - 1]
        mid = (prev + i + 1) // 2 if k else 0
        fwd = next((j for j in range(prev + 1, i) if ws[j] in _FORWARD), None)
        lo = min(mid, fwd) if fwd is not None else mid
        if k and lo == prev + 1 and ws[lo] in _BACKWARD and fwd != lo:
            lo += 1
        cut.append(max(lo, i - BEFORE) if fwd is None or fwd < i - BEFORE else lo)
    out = []
    for k, i in enumerate(at):
        hi = min(len(ws) if k == len(at) - 1 else cut[k + 1], i + AFTER + 1)
        hi = next((j for j in range(i + 1, hi) if ws[j] in _FORWARD), hi)
        out.append(ws[cut[k]:hi])
    return out


def _joined(ws: list[str]) -> set[int]:
    """The slots joined to the slot before them by "and" / "or" / "nor" / a comma alone
    ("other than SecMI and PIA"): read with it, not compared on their own."""
    at = [i for i, w in enumerate(ws) if w in SLOT_WORDS]
    return {k for k in range(1, len(at)) if ws[at[k]] == ws[at[k - 1]]
            and all(w in _JOIN for w in ws[at[k - 1] + 1:at[k]])}


def read(q: str | list[str], slots: list[Slot], frame_ok=None, slot_ok=None,
         seen: dict | None = None) -> Reading | None:
    """The canonical sentence that matches ``q`` (slot-typed, or its words) best: each
    slot's phrase by its words (:func:`_windows`), among those ``slot_ok(k, role)`` allows,
    then the frame ``frame_ok(role)`` allows and the extras by the whole question; None
    when some slot or the frame has nothing allowed. ``seen`` keeps the scorers for other
    reads of the same question."""
    ps, seen = pieces(), {} if seen is None else seen
    ws = words(q) if isinstance(q, str) else q
    if "q" not in seen:
        seen["q"] = _Scorer(vector(ws))
        seen["near"] = [_Scorer(vector(win)) for win in _windows(ws)]
    if len(seen["near"]) != len(slots):
        return None  # a word of the question spelt like a slot: not read
    sc, chosen, local = seen["q"], [], []
    for k, (s, near) in enumerate(zip(slots, seen["near"], strict=True)):
        c = [i for i in _slot_pieces().get(s.kind, ())
             if slot_ok is None or slot_ok(k, ps[i].role)]
        if not c:
            return None
        chosen.append(near.best(c, []))
        local.append(near.score([chosen[-1]]))
    roles = [r for r in _frame_roles() if frame_ok is None or frame_ok(r)]
    if not roles:
        return None
    # a frame sharing no word with the question scores best when shortest: those are the
    # only frames without a shared word worth trying
    ok = set(roles)
    frames = [i for i in sc.dots if ps[i].kind == "frame" and ps[i].role in ok] + [
        _frame_roles()[r] for r in roles]
    frame, more = sc.best(frames, chosen), []
    for i in _of_kind("extra"):
        if i in sc.dots and sc.score([frame, *chosen, *more, i]) > sc.score(
                [frame, *chosen, *more]):
            more.append(i)
    frame = sc.best(frames, chosen + more)
    return Reading(ps[frame], [ps[i] for i in chosen], [ps[i] for i in more],
                   sc.score([frame, *chosen, *more]), local)


@functools.cache
def _of_kind(kind: str) -> tuple[int, ...]:
    return tuple(i for i, p in enumerate(pieces()) if p.kind == kind)


@functools.cache
def _frame_roles() -> dict[tuple, int]:
    """Each frame role and its shortest frame (the smallest norm)."""
    norms, out = index()[1], {}
    for i in _of_kind("frame"):
        r = pieces()[i].role
        if r not in out or norms[i] < norms[out[r]]:
            out[r] = i
    return out


@functools.cache
def _slot_pieces() -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for i in _of_kind("slot"):
        out.setdefault(pieces()[i].role[0], []).append(i)
    return {k: tuple(v) for k, v in out.items()}


def _mode(mode: str) -> str:
    return mode if mode in ("only", "every") else "any"


def roles(form: Form, slots: list[Slot], same: dict) -> dict[int, Cond] | None:
    """The first reading's condition of each entity slot (None: a slot it uses otherwise,
    twice or not at all, or a condition no canonical sentence says — not checked)."""
    if any(c.kind in _NOT_CHECKED for c in form.conds):
        return None
    out: dict[int, Cond] = {}
    for k, s in enumerate(slots):
        if s.mention is None:
            continue
        iris = _iris(s.mention, same)
        hits = [c for c in form.conds if c.kind == s.kind
                and any(v.iri in iris for v in c.values)]
        if len(hits) != 1:
            return None
        out[k] = hits[0]
    return out


@dataclass
class Disagreement:
    """The second reading where it stands against the first: its form (the first form with
    the aspects that differ changed), the attribute it asks for, and both sentences."""

    form: Form
    attribute: str
    second: Reading


def disagreement(q: str, mentions: list[Mention], same: dict, form: Form, attribute: str,
                 asks_count: bool) -> Disagreement | None:
    """The second reading of ``q`` when it stands against the first (``form``, the
    ``attribute`` asked for) by :data:`MARGIN`, with the form it gives; None when the two
    agree, the first reading is not one the canonical sentences say, or the second reading
    changes nothing it can apply."""
    text, slots = typed(q, mentions)
    conds = roles(form, slots, same)
    if conds is None or not slots and not form.conds and form.agg is None and not attribute:
        return None
    agg = form.agg or (Agg("count") if asks_count else None)
    one = form.parts[0] if len(form.parts) == 1 else None

    def frame_ok(role: tuple) -> bool:
        target, parts, op, of, attr = role
        if attribute or attr:
            return attr == attribute
        return (target == form.target and op == (agg.op if agg else None)
                and of == (agg.of if agg else "") and (parts is None or parts == one))

    def slot_ok(k: int, role: tuple) -> bool:
        c = conds.get(k)
        return c is None or (role[1] == c.negated and role[2] in (
            ("any", "all", "exact") if _mode(c.mode) == "any" else (c.mode,)))

    ws, seen = words(text), {}
    best = read(ws, slots, seen=seen)
    framed, named = read(ws, slots, frame_ok, seen=seen), read(ws, slots, None, slot_ok, seen)
    if best is None or framed is None or named is None:
        return None
    reframe = best.score - framed.score >= FRAME_MARGIN
    twice = {k for k in conds for j in conds if j != k and _iris(slots[k].mention, same)
             & _iris(slots[j].mention, same)}  # a value named twice: read by the other words
    wins = _windows(ws)
    renamed = {k for k in conds if k not in _joined(ws) | twice
               and best.slot_scores[k] - named.slot_scores[k] >= SLOT_MARGIN
               and _said(best.phrases[k].role, conds[k], wins[k])}
    if not reframe and not renamed:
        return None
    return _apply(form, attribute, conds, slots, same, best, reframe, renamed)


#: the words a slot's own words must hold for the second reading to change its role
_CUES = {"not": {"not"}, "only": {"only"}, "every": {"all", "every", "each"}}


def _said(role: tuple, c: Cond, win: list[str]) -> bool:
    """Whether the slot's own words say the role the second reading gives it where it
    differs from the first reading's ``c``: a negation needs a negation word, "only" and
    "every" theirs, and a name the first reading negated is read plainly only when no
    negation word is near it."""
    _, negated, mode = role
    if negated != c.negated and not (_CUES["not"] & set(win) if negated else
                                     not _CUES["not"] & set(win)):
        return False
    return _mode(mode) == _mode(c.mode) or _mode(mode) == "any" or bool(
        _CUES[_mode(mode)] & set(win))


def _apply(form: Form, attribute: str, conds: dict[int, Cond], slots: list[Slot], same: dict,
           best: Reading, reframe: bool, renamed: set[int]) -> Disagreement | None:
    """The first form with the aspects the best reading says otherwise (``reframe``: what
    is asked for; ``renamed``: the slots whose role differs) changed; None when none
    changes or the result is not a form the query core takes."""
    target, parts, op, of, attr = best.frame.role
    new, asked = form, attribute
    try:
        if reframe and attr != attribute:
            if not attr or not attribute:
                return None  # a listing read as an attribute, or back: not checked
            asked = attr
        elif reframe and not attr and (target, op, of) != (
                form.target, form.agg and form.agg.op, form.agg.of if form.agg else ""):
            new = _reframe(form, target, parts, op, of, slots)
        for k in sorted(renamed):
            c = conds[k]
            _, negated, mode = best.phrases[k].role
            if (negated, _mode(mode)) != (c.negated, _mode(c.mode)):
                new = _recond(new, c, _iris(slots[k].mention, same), negated, mode)
        if new != form and not any(p.role[0] == "defended" for p in best.extras):
            # "which defenses don't protect against MI": the negation the first reader
            # read as "no defense" is the threat's in the second reading
            new = replace(new, conds=tuple(c for c in new.conds if c.kind != "defended"))
    except ValueError:
        return None
    if new == form and asked == attribute:
        return None
    return Disagreement(new, asked, best)


def _reframe(form: Form, target: str, parts, op, of: str, slots: list[Slot]) -> Form:
    """``form`` asked for ``target`` with the aggregate ``op`` (``of``) of a frame."""
    n = next((s.number for s in slots if s.kind == "num"), None)
    if op in ("more_than", "fewer_than") and (n is None or any(
            c.kind == "distinct" for c in form.conds)):
        raise ValueError("no number for the bound, or the number is a count of values")
    agg = Agg(op, n or 0, of) if op else None
    keep = form.parts if target == form.target else ()
    new_parts = (parts,) if parts and target in ("papers", "models", "threats") else keep
    return Form(target, form.conds, agg, new_parts)


def _iris(m: Mention | None, same: dict) -> set[str]:
    """The nodes a mention names (a name of several entities of one kind names them all)."""
    assert m is not None
    return {e.iri for e in same.get((m.start, m.end), [])} | {m.entity.iri}


def _recond(form: Form, c: Cond, iris: set[str], negated: bool, mode: str) -> Form:
    """``form`` with the values of ``iris`` taken out of ``c`` and given their own
    condition, negated or with the mode as the second reading says."""
    mine = tuple(v for v in c.values if v.iri in iris) or c.values
    rest = tuple(v for v in c.values if v not in mine)
    mode = mode if mode in ("only", "every") else ("any" if _mode(c.mode) != "any"
                                                   else c.mode)
    new = Cond(c.kind, mine, mode, negated)
    conds = [x for x in form.conds if x is not c]
    if rest:
        conds.append(replace(c, values=rest))
    return replace(form, conds=tuple(conds + [new]))
