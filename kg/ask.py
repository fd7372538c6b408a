"""Questions in words -> an intent and linked entities -> parameterised SPARQL -> answers.

No language model and no network: a question is matched against a small set of intents
by its words, the entities it names are linked (:mod:`kg.linking`), and the intent's
SPARQL is assembled from fixed fragments, one per filled slot. The entities are passed
as bound values (``store.select(query, bindings)``); the user's text never enters the
query. The answer carries the query and bindings it ran. When no intent fits, the
answer says so and carries semantic-search hits, labelled as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from .errors import KGError
from .linking import (
    STOPWORDS,
    Entity,
    Mention,
    check_words,
    entities,
    lexicon,
    link,
    tokens,
)
from .store import Store
from .vocab import RD

MAX_QUESTION_CHARS = 1000
ROW_CAP = 1000  # rows a listing query returns; beyond it the total comes from a COUNT


@dataclass
class Answer:
    question: str
    intent: str
    sparql: str
    answers: list[dict]
    bindings: dict[str, str] = field(default_factory=dict)
    linked: list[Mention] = field(default_factory=list)
    message: str = ""
    asks_count: bool = False
    filter: dict | None = None

    total: int | None = None  # set when the listing stopped at ROW_CAP rows
    count_sparql: str = ""

    @property
    def count(self) -> int:
        return len(self.answers) if self.total is None else self.total

    def as_dict(self) -> dict:
        d = {"question": self.question, "intent": self.intent, "sparql": self.sparql,
             "bindings": self.bindings, "answers": self.answers, "count": self.count,
             "linked": [m.as_dict() for m in self.linked], "message": self.message}
        if self.filter:
            d["filter"] = self.filter
        if self.total is not None:
            d["truncated"] = True
            d["count_sparql"] = self.count_sparql
        return d


# --------------------------------------------------------------------------- cues

_CUES = {
    "defense": r"defen[cs]e|defend|protect|mitigat|countermeasure|counter-measure|safeguard|"
               r"prevent|guard|remed|fix|stop|block|secur|harden|countering|counter\b|"
               r"what works against|what helps",
    "attack": r"attack|exploit|\bmias?\b|works? black|works? white|works? gr[ae]y",
    "paper": r"paper|stud(y|ies|ied)|publication|article|work(s)?\b(?! black| white| gr)|"
             r"evaluat|research|who (use|tried|test)|literature",
    "threat": r"threat|risk|vulnerab|danger|privacy (issue|problem)",
    "models": r"(target|which|what|victim)\s+(\w+\s+)?models|models?\s+(are|were|is|was|have|"
              r"get|got)\s+(attacked|targeted|evaluated|tested|studied|used|hit)|"
              r"models? (do|does|did)|on which models|on what models",
    "count": r"\bhow many\b|\bnumber of\b|\bcount\b",
    "no_defense": r"(no|without|lack(ing|s)?|missing|zero|un-?defended|unprotected|"
                  r"not (yet )?(defended|protected|mitigated)|nothing|none)\b.{0,30}"
                  r"(defen|protect|mitigat|countermeasure)|un-?defended|unprotected|"
                  r"unmitigated|no one defends|nobody defends",
    "gap": r"\bgaps?\b|under-?(studied|explored|researched)|unexplored|open (problem|question)|"
           r"blind spot|uncovered|not (yet )?covered|missing (work|research|defen)|"
           r"where .* (lacking|missing)|research opportunit",
    "code_no": r"(no|without|lack(ing|s)?|missing|not|closed)\b.{0,20}"
               r"(code|implementation|source|github|repo)|closed[- ]source|unreleased",
    "code_yes": r"\bcode\b|implementation|open[- ]source|github|repo(sitory)?|reproduc|released",
    "t2i": r"\bt2i\b|text[- ]to[- ]image",
    "limitation": r"\bneed|require|rely|relies|depend|assum|limitation|limited|weakness|"
                  r"drawback|shortcoming|downside|caveat|access to|only work",
    "effectiveness": r"achiev|effective|auc|tpr|accuracy|performance|succe|reconstruct|"
                     r"how well|result",
    "list_threats": r"(which|what|list|kinds? of|types? of|all)\s+(the\s+)?"
                    r"(privacy\s+)?(threats?|risks?|attack categor|categor)",
}
_RE = {k: re.compile(v, re.I) for k, v in _CUES.items()}

# Words that carry an intent or are generic: not a sign of an unknown entity.
_GENERIC = set("""
attack defense defence defend protect protection mitigate mitigation countermeasure safeguard
prevent method technique approach paper work study research publication article evaluate
evaluation threat risk model target victim which what list show give find tell name there exist
known used use using need require rely depend assume access only work against black box white
gray grey kind type category privacy diffusion generative image images data training code
public available implementation open source github repository release released without no
lack missing many number count how text t2i gap gaps studied under explore unexplored covered
problem question defended protected mitigated effective effectiveness limitation limitations
achieve result results performance success does did do have has been being get got tested
tested evaluated targeted attacked hit survey graph knowledge setting settings scenario
against via also both either neither any all each every most least more less best worst
good better strong stronger weak weaker well high low new recent existing current proposed
system systems thing things one ones other others same different about regarding concerning
""".split())
_GENERIC = {t for w in _GENERIC for t, _, _ in tokens(w)}


def _has(cue: str, q: str) -> bool:
    return bool(_RE[cue].search(q))


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


# --------------------------------------------------------------------------- queries

_FAMILY = "?{v} skos:broader* ?{slot} ."

ATTACK_SLOTS = {
    "threat": "?attack rd:threat ?threat .",
    "knowledge": "?attack rd:assumesKnowledge ?knowledge .",
    "model": "?attack rd:evaluatedOn ?m . " + _FAMILY.format(v="m", slot="model"),
    "t2i": "?attack rd:evaluatedOn ?tm . ?tm rd:isTextToImage true .",
    "code": "?paper rd:codeAvailability ?code .",
}

DEFENSE_SLOTS = {
    "threat": "?eval rd:mitigates ?threat .",
    "model": "?eval rd:evaluatedOn ?m . " + _FAMILY.format(v="m", slot="model"),
    "t2i": "?eval rd:evaluatedOn ?tm . ?tm rd:isTextToImage true .",
    "paper": "?eval rd:fromPaper ?paper .",
}

_ORDER = ("threat", "knowledge", "model", "paper", "t2i", "code")


def _query(head: str, slots: dict[str, str], filled: list[str], tail: str) -> str:
    body = [slots[s] for s in sorted(filled, key=_ORDER.index) if s in slots]
    return head + "\n  " + "\n  ".join(body + [tail]) + "\n}"


def attacks_query(filled: list[str], with_text: bool = False) -> str:
    tail = "?attack rd:fromPaper ?paper ; rd:threat ?t .\n  ?paper dcterms:title ?label ."
    if with_text:
        tail += "\n  ?attack rd:effectiveness ?effectiveness ; rd:limitation ?limitation ."
    head = ("SELECT DISTINCT ?paper ?label ?attack" +
            (" ?effectiveness ?limitation" if with_text else "") + " WHERE {")
    return _query(head, ATTACK_SLOTS, filled, tail)


def defenses_query(filled: list[str]) -> str:
    tail = "?eval rd:method ?method .\n  ?method rdfs:label ?label ."
    return _query("SELECT DISTINCT ?method ?label ?eval WHERE {", DEFENSE_SLOTS, filled, tail)


PAPERS_FOR_METHOD = """SELECT DISTINCT ?paper ?label ?eval WHERE {
  ?eval rd:method ?method ; rd:fromPaper ?paper .
  ?paper dcterms:title ?label .
}"""
THREATS_OF_METHOD = """SELECT DISTINCT ?threat ?label WHERE {
  ?eval rd:method ?method ; rd:mitigates ?threat .
  ?threat skos:prefLabel ?label .
}"""
MODELS_OF_METHOD = """SELECT DISTINCT ?model ?label WHERE {
  ?eval rd:method ?method ; rd:evaluatedOn ?model .
  ?model skos:prefLabel ?label .
}"""
THREATS_OF_PAPER = """SELECT DISTINCT ?threat ?label WHERE {
  { ?x rd:fromPaper ?paper ; rd:threat ?threat . }
  UNION { ?x rd:fromPaper ?paper ; rd:mitigates ?threat . }
  ?threat skos:prefLabel ?label .
}"""
MODELS_OF_PAPER = """SELECT DISTINCT ?model ?label WHERE {
  ?x rd:fromPaper ?paper ; rd:evaluatedOn ?model .
  ?model skos:prefLabel ?label .
}"""
THREATS_WITHOUT_DEFENSE = """SELECT DISTINCT ?threat ?label WHERE {
  ?attack rd:threat ?threat .
  ?threat skos:prefLabel ?label .
  FILTER NOT EXISTS { ?eval rd:mitigates ?threat . }
}"""
ALL_THREATS = """SELECT DISTINCT ?threat ?label WHERE {
  ?threat a rd:ThreatCategory ; skos:prefLabel ?label .
}"""


def models_query(filled: list[str]) -> str:
    tail = "?attack rd:evaluatedOn ?model .\n  ?model skos:prefLabel ?label ."
    return _query("SELECT DISTINCT ?model ?label WHERE {", ATTACK_SLOTS, filled, tail)


def threats_query(filled: list[str]) -> str:
    tail = "?attack rd:threat ?threat .\n  ?threat skos:prefLabel ?label ."
    return _query("SELECT DISTINCT ?threat ?label WHERE {", ATTACK_SLOTS, filled, tail)


# --------------------------------------------------------------------------- answering


@dataclass
class _Parsed:
    q: str
    mentions: list[Mention]
    threat: Entity | None
    knowledge: Entity | None
    model: Entity | None
    method: Entity | None
    paper: Entity | None
    leftovers: list[str]

    @property
    def cues(self) -> str:
        """The question with paper titles blanked: a title's words are not cues."""
        q = self.q
        for m in self.mentions:
            if m.entity.kind == "paper":
                q = q[:m.start] + " " * (m.end - m.start) + q[m.end:]
        return q


def _parse(q: str, store: Store) -> _Parsed:
    ms = link(q, lexicon(store))
    one = {k: (entities(ms, k) or [None])[0] for k in ("threat", "knowledge", "model",
                                                       "method", "paper")}
    covered = set()
    for m in ms:
        covered.update(range(m.start, m.end))
    left = [t for t, s, _ in tokens(q) if s not in covered and t not in STOPWORDS
            and t not in _GENERIC and len(t) > 2 and not t.isdigit()]
    return _Parsed(q, ms, one["threat"], one["knowledge"], one["model"], one["method"],
                   one["paper"], left)


def _rows_to_answers(rows, key: str, kind: str, via: str | None = None) -> list[dict]:
    out: dict[str, dict] = {}
    for r in rows:
        iri = str(r[key])
        a = out.setdefault(iri, {"iri": iri, "label": str(r["label"]), "type": kind})
        if via and r.get(via) is not None:
            a.setdefault("via", [])
            if str(r[via]) not in a["via"]:
                a["via"].append(str(r[via]))
    return sorted(out.values(), key=lambda a: (a["label"].casefold(), a["iri"]))


def _bind(p: _Parsed, slots: list[str]) -> dict:
    b = {}
    for s in slots:
        e = getattr(p, s, None)
        if e is not None:
            b[s] = URIRef(e.iri)
    return b


def _run(store: Store, intent: str, sparql: str, bindings: dict, key: str, kind: str,
         p: _Parsed, via: str | None = None) -> Answer:
    """Run a listing query; past ROW_CAP rows the answers are the first ones and a COUNT
    query gives the total (large graphs: tens of thousands of answers)."""
    listing = f"{sparql}\nLIMIT {ROW_CAP}"
    rows = store.select(listing, bindings)
    a = Answer(p.q, intent, listing, _rows_to_answers(rows, key, kind, via),
               {k: str(v) for k, v in bindings.items()}, p.mentions)
    if len(rows) >= ROW_CAP:
        count = re.sub(r"^SELECT DISTINCT .*? WHERE \{",
                       f"SELECT (COUNT(DISTINCT ?{key}) AS ?n) WHERE {{", sparql, count=1)
        a.total = int(store.select(count, bindings).rows[0]["n"].toPython())
        a.count_sparql = count
    return a


_FILTER_HOW = ("a row is kept when its text contains the most of these words (at least half "
               "of them); prefix matches count")


def _matches(term: str, words: set[str]) -> bool:
    return any(w == term or (len(term) >= 4 and w.startswith(term)) for w in words)


def _filter_text(answer: Answer, rows, terms: list[str], fields: list[str]) -> list[dict]:
    keep: dict[str, set[str]] = {}
    best = 0
    scored = []
    for r in rows:
        for f in fields:
            words = {t for t, _, _ in tokens(str(r[f]))}
            n = sum(_matches(t, words) for t in terms)
            scored.append((n, r, f))
            best = max(best, n)
    need = max(1, best) if best >= max(1, (len(terms) + 1) // 2) else None
    if need is None:
        return []
    for n, r, _f in scored:
        if n >= need:
            keep.setdefault(str(r["paper"]), set()).add(str(r["attack"]))
    return [dict(a, via=sorted(keep[a["iri"]])) for a in answer.answers if a["iri"] in keep]


def ask(store: Store, question: str, search=None) -> Answer:
    """Answer ``question``; ``search(text, k)`` gives fallback hits when no intent fits."""
    q = check_question(question)
    p = _parse(q, store)
    a = _answer(store, p, search)
    a.asks_count = _has("count", q)
    if a.asks_count and not a.message:
        a.message = f"{a.count} {_noun(a)}"
    return a


def _noun(a: Answer) -> str:
    kinds = {x.get("type") for x in a.answers}
    kind = next(iter(kinds)) if len(kinds) == 1 else "answer"
    return kind + ("" if a.count == 1 else "s")


def _answer(store: Store, p: _Parsed, search) -> Answer:
    q = p.cues
    if _has("gap", q):
        return _gaps(store, p)
    if _has("no_defense", q) and not (p.method or p.paper):
        return _run(store, "threats_without_defense", THREATS_WITHOUT_DEFENSE, {},
                    "threat", "threat", p)
    defense, attack = _has("defense", q), _has("attack", q)
    if p.paper and not p.method:
        if defense:
            return _run(store, "defenses_of_paper", defenses_query(["paper"]),
                        _bind(p, ["paper"]), "method", "method", p, "eval")
        if _has("models", q) or re.search(r"\bmodels?\b", q, re.I):
            return _run(store, "models_of_paper", MODELS_OF_PAPER, _bind(p, ["paper"]),
                        "model", "model", p)
        return _run(store, "threats_of_paper", THREATS_OF_PAPER, _bind(p, ["paper"]),
                    "threat", "threat", p)
    if p.method:
        b = {"method": URIRef(p.method.iri)}
        if _has("threat", q) or re.search(r"against what|what does .* (mitigate|protect|defend)",
                                          q, re.I):
            return _run(store, "threats_of_method", THREATS_OF_METHOD, b, "threat", "threat", p)
        if _has("models", q):
            return _run(store, "models_of_method", MODELS_OF_METHOD, b, "model", "model", p)
        return _run(store, "papers_for_method", PAPERS_FOR_METHOD, b, "paper", "paper", p, "eval")
    unknown = _unknown(store, p, search)
    if _has("models", q) and not defense:
        filled = [s for s in ("threat", "knowledge") if getattr(p, s)]
        if unknown and not filled:
            return unknown
        return _run(store, "models_of_threat" if p.threat else "target_models",
                    models_query(filled), _bind(p, filled), "model", "model", p)
    if defense and not _has("attack", re.sub(r"\bmias?\b", "", q, flags=re.I)) or (
            defense and (p.threat or p.model)):
        filled = [s for s in ("threat", "model") if getattr(p, s)]
        if _has("t2i", q):
            filled.append("t2i")
        if unknown and not (p.threat or p.model):
            return unknown
        intent = "defenses_for_threat" if p.threat else (
            "defenses_on_model" if p.model else "defenses")
        return _run(store, intent, defenses_query(filled), _bind(p, filled),
                    "method", "method", p, "eval")
    if _has("list_threats", q) and not p.threat:
        filled = [s for s in ("knowledge", "model") if getattr(p, s)]
        if _has("t2i", q):
            filled.append("t2i")
        if not filled:
            return _run(store, "threats", ALL_THREATS, {}, "threat", "threat", p)
        return _run(store, "threats_of_attacks", threats_query(filled), _bind(p, filled),
                    "threat", "threat", p)
    if attack or _has("paper", q) or p.threat or p.knowledge or p.model or _has("t2i", q):
        return _attacks(store, p, unknown)
    if unknown:
        return unknown
    return _fallback(p, search, "no question pattern fits")


def _attacks(store: Store, p: _Parsed, unknown: Answer | None) -> Answer:
    q = p.cues
    filled = [s for s in ("threat", "knowledge", "model") if getattr(p, s)]
    b = _bind(p, filled)
    code = None
    if _has("code_no", q):
        code = RD.NoPublicCode
    elif _has("code_yes", q):
        code = RD.PublicCode
    if code is not None:
        filled.append("code")
        b["code"] = code
    if _has("t2i", q):
        filled.append("t2i")
    text_fields = []
    if _has("limitation", q):
        text_fields.append("limitation")
    if _has("effectiveness", q):
        text_fields.append("effectiveness")
    terms = [t for t in p.leftovers] + _support_words(p)
    if text_fields and terms:
        sparql = attacks_query(filled, with_text=True)
        rows = store.select(sparql, b)
        a = Answer(p.q, "attacks_by_text", sparql, _rows_to_answers(rows, "paper", "paper",
                                                                   "attack"),
                   {k: str(v) for k, v in b.items()}, p.mentions)
        a.answers = _filter_text(a, rows, terms, text_fields)
        a.filter = {"fields": text_fields, "words": terms, "how": _FILTER_HOW}
        return a
    if unknown and not (filled or text_fields):
        # words the graph has no entity for may still name what an attack needs or does
        sparql = attacks_query(filled, with_text=True)
        rows = store.select(sparql, b)
        a = Answer(p.q, "attacks_by_text", sparql, _rows_to_answers(rows, "paper", "paper",
                                                                   "attack"),
                   {k: str(v) for k, v in b.items()}, p.mentions)
        a.answers = _filter_text(a, rows, p.leftovers, ["effectiveness", "limitation"])
        if not a.answers:
            return unknown
        a.filter = {"fields": ["effectiveness", "limitation"], "words": p.leftovers,
                    "how": _FILTER_HOW}
        return a
    return _run(store, "attacks", attacks_query(filled), b, "paper", "paper", p, "attack")


# Words generic for slot detection but meaningful in a text filter.
_SUPPORT = {"auxiliary", "data", "dataset", "access", "intermediate", "output", "step",
            "query", "threshold", "label", "captioning", "caption", "trained", "direct",
            "training", "gradient", "batch", "theoretical", "evidence", "memorized",
            "memorization", "resolution", "api", "variation"}


def _support_words(p: _Parsed) -> list[str]:
    covered = set()
    for m in p.mentions:
        covered.update(range(m.start, m.end))
    out = []
    for t, s, _ in tokens(p.q):
        if s not in covered and t in _SUPPORT and t not in p.leftovers and t not in out:
            out.append(t)
    return out


def _unknown(store: Store, p: _Parsed, search) -> Answer | None:
    """An answer saying the question names something the graph does not know."""
    if not p.leftovers or p.threat or p.model or p.knowledge:
        return None
    if _has("limitation", p.cues) or _has("effectiveness", p.cues):
        return None
    words = " ".join(p.leftovers)
    import difflib

    forms = sorted({e.label for e in lexicon(store).entities.values()
                    if e.kind in ("threat", "knowledge", "model")})
    close = difflib.get_close_matches(words, forms, n=3, cutoff=0.5)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    return _fallback(p, search, f"the graph names no threat, model, method or paper "
                                f"matching {words!r}{hint}", intent="unknown_entity")


def _fallback(p: _Parsed, search, why: str, intent: str = "search") -> Answer:
    hits = search(p.q, 5) if search is not None else []
    answers = [dict(h.as_dict(), source="semantic search") for h in hits]
    msg = f"No answer by query: {why}; " + (
        "showing semantic-search hits instead (not answers to the question)."
        if answers else "no semantic-search hits either.")
    return Answer(p.q, intent, "", answers, {}, p.mentions, message=msg)


def _gaps(store: Store, p: _Parsed) -> Answer:
    """The gaps (kg.gaps.from_summary: the same gaps and reasons as find_gaps, from the
    coverage counts, so the answer costs the same at 100k papers as on the survey)."""
    from . import gaps as gaps_module
    from . import summary

    s = summary.get(store, summary.GAP_VIEWS)
    found = gaps_module.from_summary(store, s)
    if p.threat:
        found = [g for g in found
                 if any(c.get("threat", {}).get("iri") == p.threat.iri for c in g.cells)]
    answers = []
    for g in found:
        cells = [" × ".join(v["label"] for v in c.values()) for c in g.cells]
        answers.append({"iri": (next(iter(g.cells[0].values()))["iri"] if g.cells else ""),
                        "label": "; ".join(cells) or g.reason, "type": "gap",
                        "gap_type": g.type, "reason": g.reason, "derived": True,
                        **({"level": g.level} if g.level else {})})
    if s.source == "stored":
        sparql = ("# the coverage summary stored in the store (kg load / kg summarize), "
                  f"current for {s.fingerprint}\n" + summary.stored_query(summary.GAP_VIEWS).strip())
    else:
        sparql = "\n\n".join(["# coverage counts, computed live from these flat queries"] + [
            q.strip() for q in (summary.ATTACKS, summary.ATTACK_MODELS, summary.ATTACK_KNOWLEDGE,
                                summary.DEFENSES, summary.DEFENSE_MODELS, summary.NO_CODE)])
    return Answer(p.q, "gaps", sparql, answers, {}, p.mentions,
                  message="gaps derived from the graph's coverage counts (kg.gaps.from_summary; "
                          "`kg gaps --json` gives the evidence)")


def render_text(a: Answer) -> str:
    out = []
    if a.message:
        out.append(a.message)
    head = f"{a.count} {_noun(a)}" if a.answers else "no answers"
    if a.intent in ("search", "unknown_entity") and a.answers:
        head = f"{a.count} semantic-search hits (not answers)"
    out.append(f"intent: {a.intent} — {head}")
    for x in a.answers:
        extra = f"  [{x['gap_type']}] {x['reason']}" if x.get("type") == "gap" else ""
        score = f"  (score {x['score']}; {x['why']})" if "why" in x else ""
        out.append(f"  - {x['label']}  <{x['iri']}>{extra}{score}")
    if a.linked:
        out.append("linked: " + "; ".join(f"{m.text!r} -> {m.entity.label} ({m.entity.kind})"
                                          for m in a.linked))
    if a.sparql:
        out.append("SPARQL:")
        out.extend("  " + line for line in a.sparql.splitlines())
        if a.bindings:
            out.append("bindings: " + ", ".join(f"?{k} = <{v}>" for k, v in a.bindings.items()))
    return "\n".join(out)


__all__ = ["Answer", "ask", "render_text", "check_question", "looks_like_sparql"]
