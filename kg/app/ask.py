"""The Ask & search page's data: a question's answer (kg.ask) beside the graph's semantic
ranking for it (kg.search), as plain rows.

The answer, how the question was understood and the SPARQL that ran are kg.ask's; this
module only names nodes by short name and turns values into text. The app embeds at most
APP_EMBED_MAX uncached node texts itself: a larger graph needs its embeddings cached first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ask import Answer, answer_form, ask
from ..errors import KGError
from ..search import SEMANTIC_FALLBACK_MAX_PAPERS, Searcher, fallback_hits, more_papers_than, search_ready
from ..search import searcher as make_searcher
from ..stores.base import Store
from ..vocab import PREFIXES
from .names import ref
from .reading import Reading, decode, encode, reading_of

#: The app embeds at most this many uncached distinct node texts itself (about 1.5 min at
#: the measured 23 texts/s, kg.embed.EMBED_PER_SECOND); a larger graph needs its embeddings
#: cached first (``kg search … --store S``), or semantic search says so.
APP_EMBED_MAX = 2000

BASE_IRI = str(PREFIXES["rdi"])


def searcher(store: Store) -> Searcher:
    """The semantic searcher of ``store`` for the app (kg.search.searcher): embeds at most
    APP_EMBED_MAX uncached texts; KGError when the model cannot load or a large graph has
    no cached embeddings (the message says how to build them)."""
    if more_papers_than(store, SEMANTIC_FALLBACK_MAX_PAPERS) and not search_ready(store):
        raise KGError(f"this graph has more than {SEMANTIC_FALLBACK_MAX_PAPERS:,} papers and its "
                      "node embeddings are not cached: run `kg search \"membership inference\" "
                      "--store <this store>` once to build them; meanwhile the answers' "
                      "fallback searches node names")
    return make_searcher(store, max_uncached=APP_EMBED_MAX)


@dataclass
class AskView:
    question: str
    intent: str
    message: str
    answers: list[dict]  # label, type, ref, + the answer's other fields as text
    linked: list[dict]  # text, label, type, ref, matched, match
    sparql: str
    hits: list[dict]  # label, type, ref, score, why
    search_error: str = ""
    understood_as: str = ""  # the logical form in words
    not_understood: list[str] = field(default_factory=list)
    not_in_graph: list[dict] = field(default_factory=list)  # text, closest
    reading: Reading | None = None  # the form that ran, which the user can edit (chips)
    edited: str = ""  # an edited reading's encoding (kg.app.reading.encode): what ran


def ask_view(store: Store, question: str, search=None, k: int = 10) -> AskView:
    """Answer ``question`` (kg.ask) and rank the graph for it (``search``: a kg.search
    Searcher, or None when the model is not available). KGError on bad input."""

    def fallback(text, n):  # the app's searcher, else bounded (kg.search.fallback_hits)
        return fallback_hits(store, text, n, held=search)

    return view_of(ask(store, question, fallback), search, k)


def reading_view(store: Store, question: str, reading: Reading | str, search=None,
                 k: int = 10) -> AskView:
    """The answer of an edited reading of ``question`` (a :class:`Reading`, or its URL
    encoding, checked by :func:`kg.app.reading.decode`): the form run as it is, not the
    question re-read (kg.ask.answer_form); ``search`` ranks the question's words as
    :func:`ask_view` does. KGError on a bad question or reading."""
    if isinstance(reading, str):
        reading = decode(store, reading)
    a = answer_form(store, reading.form, question, reading.attribute, reading.group)
    view = view_of(a, search, k)
    view.reading, view.edited = reading, encode(reading)
    return view


def view_of(a: Answer, search=None, k: int = 10) -> AskView:
    """The page's view of a kg.ask answer, with ``search``'s hits for its question."""
    answers = []
    for d in a.answers:
        row = {"label": d.get("label", ""), "type": d.get("type", ""),
               "ref": ref(d["iri"]) if d.get("iri") else ""}
        for key, v in d.items():
            if key in ("iri", "label", "type"):
                continue
            row[key] = ", ".join(map(_short, v)) if isinstance(v, list | tuple) else _short(v)
        answers.append(row)
    linked = [{**m.as_dict(), "ref": ref(m.entity.iri)} for m in a.linked]
    for m in linked:
        m.pop("iri", None)
    hits, error = [], ""
    if search is not None:
        try:
            hits = [{"label": h.label, "type": h.type, "ref": ref(h.iri),
                     "score": round(h.score, 3), "why": h.why}
                    for h in search.search(a.question, k)]
        except KGError as e:
            error = str(e)
    return AskView(a.question, a.intent, a.message, answers, linked, a.sparql, hits, error,
                   a.understood_as, a.not_understood, a.not_in_graph, reading_of(a))


def _short(v) -> str:
    if isinstance(v, dict):
        return str(v.get("label") or v.get("iri") or v)
    s = str(v)
    return ref(s) if s.startswith(BASE_IRI) else s
