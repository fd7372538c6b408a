"""The lexicon: the names a graph gives its nodes, normalised, with a typo index.

Surface forms come from the graph (labels, ``skos:altLabel`` — the curated aliases of
data/aliases.yaml —, paper titles, the head of a title before its colon, the name of a
paper's code repository, short names, first authors "X et al." / "X and Y" (+ year), people
by full and family name) and from the ``papers`` section of data/aliases.yaml. Text is
normalised (:func:`normal`: case, accents, hyphens, plural ``s``, letter/digit boundaries)
the same way here and in the text to link (:mod:`kg.linking`); a surface form of five
letters or more is indexed by its deletions (SymSpell style) so a typo finds it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import vocab
from .stores.base import Store, select_values

_SURFACE = """
SELECT ?n ?form ?how WHERE {
  { ?n a ?cls ; skos:prefLabel|rdfs:label ?form . BIND("label" AS ?how) }
  UNION { ?n a ?cls ; skos:altLabel ?form . BIND("alias" AS ?how) }
}"""
_PAPERS = """
SELECT ?n ?form ?how WHERE {
  { ?n a rd:Paper ; dcterms:title ?form . BIND("label" AS ?how) }
  UNION { ?n a rd:Paper ; rd:codeRepository ?repo . BIND(STR(?repo) AS ?form)
          BIND("repository" AS ?how) }
  UNION { ?n a rd:Paper ; rd:shortName ?form . BIND("short" AS ?how) }
}"""
# first authors ("Carlini et al.", "Pang and Wang", "Li et al. 2025") and people
_FIRST_AUTHORS = """
SELECT ?n ?pos ?family ?year WHERE {
  ?n rd:hasAuthorship ?a . ?a rd:authorPosition ?pos ; rd:author ?p .
  ?p foaf:familyName ?family .
  OPTIONAL { ?n rd:publicationYear ?year }
}"""
_CITATION_LABELS = "SELECT ?n ?l WHERE { ?n a rd:Paper ; rd:citationLabel ?l }"
_PEOPLE = """
SELECT ?n ?name ?family WHERE { ?n a rd:Person ; foaf:name ?name ; foaf:familyName ?family }"""

STOPWORDS = frozenset("""
a an the of for to in on at by with from and or not no is are was were be been do does did
what which who whom whose how many much any all some that this these those there their its it
me my we our you your they them i can could would should will shall may might must has have had
than then so such as into onto about against between over under via per also only just
""".split())


def _ascii(text: str) -> str:
    text = text.replace("ℓ", "l").replace("·", " ")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _stem(tok: str) -> str:
    if len(tok) >= 5 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if len(tok) >= 3 and tok.endswith("s") and not tok.endswith(("ss", "us", "is")):
        return tok[:-1]
    return tok


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Normalised tokens of ``text`` with their character spans in it."""
    out = []
    for m in re.finditer(r"[^\W\d_]+|[0-9]+", text):  # letters of any script ("Tramèr")
        tok = _ascii(m.group()).lower()
        if tok:
            out.append((_stem(tok), m.start(), m.end()))
    return out


def normal(text: str) -> str:
    return " ".join(t for t, _, _ in tokens(text))


@dataclass(frozen=True)
class Entity:
    iri: str
    kind: str
    label: str



@dataclass
class Lexicon:
    """Normalised surface form -> entities, and a deletion index for typo lookups."""

    forms: dict[str, list[tuple[Entity, str, int]]] = field(default_factory=dict)
    deletions: dict[str, set[str]] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    # form -> (entity, spelling) registered as case-sensitive: only that spelling matches
    case_sensitive: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    citation_labels: dict[str, str] = field(default_factory=dict)  # paper -> "SecMI — Duan et al., 2023"
    max_len: int = 1

    def add(self, entity: Entity, surface: str, priority: int,
            exact_case: bool = False, fuzzy: bool = True, max_edits: int = 2,
            key: str | None = None) -> None:
        """Index ``surface`` (``key``: its :func:`normal` form, when already known)."""
        key = normal(surface) if key is None else key
        if not key:
            return
        lst = self.forms.setdefault(key, [])
        old = next((x for x in lst if x[0] == entity), None)
        if old is not None:  # the same name again: the laxer case rule, the better priority
            if not exact_case:
                strict = self.case_sensitive.get(key, set())
                strict.discard((entity.iri, old[1]))
            # the surface shown is the same whatever order the names came in: the shorter,
            # then the first alphabetically ("MIA" before "MIAs")
            better = not exact_case and (len(surface), surface) < (len(old[1]), old[1])
            if priority < old[2] or better:
                lst[lst.index(old)] = (entity, surface if better else old[1],
                                       min(priority, old[2]))
                lst.sort(key=lambda x: x[2])
            return
        lst.append((entity, surface, priority))
        lst.sort(key=lambda x: x[2])
        self.entities[entity.iri] = entity
        self.max_len = max(self.max_len, len(key.split()))
        if exact_case:
            self.case_sensitive.setdefault(key, set()).add((entity.iri, surface))
        if fuzzy and len(key) >= 5 and not exact_case:
            for d in _deletes(key, min(max_edits, 2 if len(key) >= 9 else 1)):
                self.deletions.setdefault(d, set()).add(key)

    def prefetch(self, keys: Iterable[str]) -> None:
        """Nothing to read ahead: the forms are in memory (a stored lexicon reads them)."""

    def lookup(self, key: str, original: str) -> list[tuple[Entity, str, int]]:
        hits = self.forms.get(key, [])
        strict = self.case_sensitive.get(key)
        if strict:
            typed = original.strip()
            hits = [h for h in hits if (h[0].iri, h[1]) not in strict or h[1] == typed]
        return hits

    def hits(self, key: str) -> list[tuple[Entity, str, int]]:
        """Every (entity, surface, priority) indexed under the normal form ``key``."""
        return self.forms.get(key, [])

    def labels(self, kinds: Iterable[str], head: str = "") -> list[str]:
        """The labels of the entities of these kinds (that begin with ``head``,
        case-insensitive)."""
        kinds, head = set(kinds), head.casefold()
        return sorted({e.label for e in self.entities.values()
                       if e.kind in kinds and e.label.casefold().startswith(head)})

    def label_count(self, kinds: Iterable[str]) -> int:
        """How many entities of these kinds."""
        kinds = set(kinds)
        return sum(e.kind in kinds for e in self.entities.values())

    def of_kind(self, kind: str) -> list[Entity]:
        """The entities of one kind, by label."""
        return sorted((e for e in self.entities.values() if e.kind == kind),
                      key=lambda e: (e.label, e.iri))

    def candidates(self, dels: set[str]) -> set[str]:
        """The surface forms that share a deletion with the query's ``dels``."""
        out: set[str] = set()
        for d in dels:
            out |= self.deletions.get(d, set())
        return out

    def fuzzy(self, key: str) -> list[tuple[str, int]]:
        """Surface forms within edit distance 1 (2 for long forms) of ``key``."""
        return fuzzy_forms(self, key)


def fuzzy_forms(lex, key: str) -> list[tuple[str, int]]:
    """The surface forms of ``lex`` (a Lexicon or a stored one) within edit distance 1 (2
    for forms of nine letters or more) of ``key`` that begin with its letter, nearest first;
    none for a key under five letters."""
    if len(key) < 5:
        return []
    found: dict[str, int] = {}
    for cand in lex.candidates(_deletes(key, 2 if len(key) >= 9 else 1)):
        if cand[0] != key[0]:
            continue
        limit = 2 if len(cand) >= 9 else 1
        dist = osa_distance(key, cand, limit)
        if dist <= limit:
            found[cand] = dist
    return sorted(found.items(), key=lambda x: (x[1], x[0]))


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        nxt = set()
        for w in frontier:
            for i in range(len(w)):
                nxt.add(w[:i] + w[i + 1:])
        out |= nxt
        frontier = nxt
    return out


def deletions(word: str, depth: int) -> set[str]:
    """``word`` and each form of it with up to ``depth`` letters deleted (the keys of a
    typo index: two words within ``depth`` edits share one)."""
    return _deletes(word, depth)


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal string alignment distance (edits incl. adjacent transposition), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


#: what question-reading modules derive from a lexicon (kg.ask.spelling's vocabulary,
#: kg.ask.titles' title index): (kind, id of the lexicon) -> (the lexicon, the value)
_DERIVED: dict[tuple[str, int], tuple[object, object]] = {}


def derived(lex, kind: str, build):
    """``build(lex)``, made once per lexicon and ``kind`` (a process holds a few lexicons:
    the oldest are dropped past 16 entries), never per question."""
    held = _DERIVED.get((kind, id(lex)))
    if held is not None and held[0] is lex:
        return held[1]
    value = build(lex)
    if len(_DERIVED) > 16:
        _DERIVED.clear()
    _DERIVED[(kind, id(lex))] = (lex, value)
    return value


def _title_head(title: str) -> str | None:
    head = title.split(":", 1)[0].strip() if ":" in title else ""
    return head if 3 <= len(head) <= 40 else None


#: A kind of entity with more surface forms than this is indexed for one-edit typos only.
TWO_EDITS_MAX_FORMS = 2000


def build_lexicon(store: Store, paper_aliases: dict[str, list[str]] | None = None) -> Lexicon:
    """The lexicon of a graph: labels and curated aliases of every linkable node."""
    lex = Lexicon()
    RD = vocab.RD  # rdflib's terms, made at build time (kg ask reads the cached lexicon)
    classes = (("threat", RD.ThreatCategory), ("knowledge", RD.AttackerKnowledge),
               ("model", RD.TargetModel), ("method", RD.DefenseMethod), ("venue", RD.Venue))
    labels: dict[str, str] = {}
    rows = []
    for kind, cls in classes:  # plain values: no rdflib term per row (100k-paper graphs)
        names, found = select_values(store, _SURFACE, {"cls": cls})
        for t in found:
            r = dict(zip(names, t, strict=True))
            rows.append((kind, r))
            if r["how"] == "label":
                labels.setdefault(r["n"], r["form"])
    # A kind with many surface forms (defense methods grow with the papers) gets a one-edit
    # typo index: two edits of 84,000 method names would be ~14 million deletion strings.
    per_kind: dict[str, int] = {}
    for kind, _ in rows:
        per_kind[kind] = per_kind.get(kind, 0) + 1
    for kind, r in rows:
        n = r["n"]
        ent = Entity(n, kind, labels.get(n, r["form"]))
        lex.add(ent, r["form"], 0 if r["how"] == "label" else 1,
                max_edits=2 if per_kind[kind] <= TWO_EDITS_MAX_FORMS else 1)
    paper_rows = select_values(store, _PAPERS)[1]  # (n, form, how)
    titles = {n: form for n, form, how in paper_rows if how == "label"}
    by_title: dict[str, str] = {}
    for n, form, how in paper_rows:
        ent = Entity(n, "paper", titles.get(n, n))
        if how == "label":
            key = normal(form)
            by_title[key] = n
            lex.add(ent, form, 0, fuzzy=False, key=key)
            head = _title_head(form)
            hkey = normal(head) if head else ""
            # a head another node already holds ("PriSampler", the method) is kept too, at
            # priority 3: linking still prefers that node, and ask reads "the PriSampler
            # paper" from here (no scan of every title)
            if head and not any(e.kind == "paper" for e, _, _ in lex.forms.get(hkey, ())):
                lex.add(ent, head, 3, exact_case=len(head) < 7, fuzzy=False, key=hkey)
        elif how == "short":  # SecMI, CLiD: a paper's acronym, as its authors write it;
            # a short capitals-only one (SIDE, PIA) only in capitals: "side" is a word
            lex.add(ent, form, 1, exact_case=len(form) <= 4 and form.isupper(), fuzzy=False)
        elif how == "repository" and "github.com" in form:
            name = form.rstrip("/").rsplit("/", 1)[-1]
            if len(name) >= 3 and normal(name) not in lex.forms:
                lex.add(ent, name, 3, exact_case=len(name) < 7, fuzzy=False)
    _add_people(store, lex, titles)
    lex.citation_labels = dict(select_values(store, _CITATION_LABELS)[1])
    for title, alts in (paper_aliases or {}).items():
        n = by_title.get(normal(title))
        if n:
            for alt in alts:
                lex.add(Entity(n, "paper", titles[n]), alt, 1, fuzzy=False)
    return lex


#: Priority of a bare family name ("Kong"): below labels and aliases of other nodes.
FAMILY_NAME = 2


def _add_people(store: Store, lex: Lexicon, titles: dict[str, str]) -> None:
    """Authors by full name ("Nicholas Carlini") and family name ("Carlini"), and papers
    by their first authors ("Carlini et al.", "Pang and Wang", "Li et al. 2025")."""
    for n, name, family in select_values(store, _PEOPLE)[1]:
        ent = Entity(n, "author", name)
        lex.add(ent, name, 0)
        # a family name of six letters or more is found with one typo ("Carlinni"); a
        # shorter one ("Kong", "Wang") only as written: too many words lie one edit away
        lex.add(ent, family, FAMILY_NAME, fuzzy=len(family) >= 6, max_edits=1)
    first: dict[str, dict[int, str]] = {}
    years: dict[str, str] = {}
    count: dict[str, int] = {}
    for n, pos, family, year in select_values(store, _FIRST_AUTHORS)[1]:
        count[n] = max(count.get(n, 0), int(pos))
        if int(pos) <= 2:
            first.setdefault(n, {})[int(pos)] = family
        if year:
            years[n] = str(year)
    for n, fam in first.items():
        if 1 not in fam or n not in titles:
            continue
        ent = Entity(n, "paper", titles[n])
        forms = [f"{fam[1]} et al."] + ([f"{fam[1]} and {fam[2]}"] if count[n] == 2 else [])
        if count[n] == 1:
            forms = [fam[1]]
        for form in forms:  # "Carlinni et al." as "Carlini et al." (see above)
            lex.add(ent, form, 1, fuzzy=len(fam[1]) >= 6, max_edits=1)
            if n in years:
                lex.add(ent, f"{form} {years[n]}", 1, fuzzy=False)

