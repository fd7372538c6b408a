"""Survey-shaped synthetic graphs for scale tests and benchmarks.

A synthetic survey is made of the real one: each synthetic paper copies the rows of a
real paper chosen at random (so attacks, defense evaluations, threats, knowledge
levels, models, methods and provenance rows/cells per paper keep the real survey's
proportions), with a new title and links, and small perturbations: a target model is
sometimes swapped for a sibling in the model tree (data/models.yaml), a knowledge level
for another, and defense methods are drawn from a pool that grows with the number of
papers as in the survey (about 16 methods per 19 papers). The records go through the
same :func:`kg.graph.build_graph` as the real survey, so the graph has the same shape.
Deterministic: the same ``(n_papers, seed)`` gives the same graph.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import Graph

from . import settings
from .curated import load_aliases, load_models, norm
from .graph import build_graph
from .ingest import Cell, Row, Survey, Table, read_survey
from .survey import ATTACKS, CODE, DEFENSES, KNOWLEDGE, METHODS, MODELS, REF

P_SWAP_MODEL = 0.25  # a model of a row is replaced by a sibling in the model tree
P_SWAP_KNOWLEDGE = 0.15  # a knowledge level of an attack row is replaced by another


@dataclass(frozen=True)
class _Template:
    """The rows of one real paper, per table."""

    rows: dict[str, tuple[Row, ...]]


@dataclass(frozen=True)
class _Profile:
    survey: Survey
    templates: tuple[_Template, ...]
    title_words: tuple[str, ...]
    siblings: dict[str, tuple[str, ...]]  # model label -> labels sharing its parent (incl.)
    knowledge: tuple[str, ...]
    n_methods: int
    n_papers: int


@functools.cache
def _profile() -> _Profile:
    """What the synthetic surveys copy: the real survey in data/ (not KG_SOURCE)."""
    survey = read_survey(settings.DATA_DIR / "privacy-taxonomy.md", "data/privacy-taxonomy.md")
    aliases = load_aliases()
    _, models = load_models()
    by_paper: dict[str, dict[str, list[Row]]] = {}
    for name in (ATTACKS, DEFENSES):
        for row in survey.tables[name].rows:
            title = row[REF].text
            key = norm(aliases.resolve("papers", title) or title)
            by_paper.setdefault(key, {ATTACKS: [], DEFENSES: []})[name].append(row)
    templates = tuple(_Template({k: tuple(v) for k, v in rows.items()})
                      for _, rows in sorted(by_paper.items()))
    words = sorted({w.strip(":,?.") for t in by_paper for w in t.split()} - {""})
    parent = {m.label: m.broader for m in models}
    siblings = {m.label: tuple(sorted(x for x, p in parent.items() if p == m.broader))
                for m in models}
    methods = {norm(r[METHODS].text) for r in survey.tables[DEFENSES].rows}
    knowledge = tuple(sorted({k.strip() for r in survey.tables[ATTACKS].rows
                              for k in r[KNOWLEDGE].text.split(",")}))
    return _Profile(survey, templates, tuple(words), siblings, knowledge,
                    len(methods), len(templates))


def _model_label(text: str) -> str:
    aliases = _aliases()
    return aliases.resolve("models", text) or text


@functools.cache
def _aliases():
    a = load_aliases()
    for m in load_models()[1]:
        a.add_canonical("models", m.label)
    return a


def _title(rng: random.Random, words: tuple[str, ...], i: int) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(5, 10))) + f" (study {i})"


def _papers(n_papers: int, seed: int) -> Iterator[dict[str, list[Row]]]:
    """The rows of each synthetic paper, per table, numbered across the whole survey."""
    if n_papers < 1:
        raise ValueError("n_papers must be at least 1")
    prof = _profile()
    rng = random.Random(seed)
    method_pool = max(1, math.ceil(n_papers / prof.n_papers))  # variants per real method
    next_number = {ATTACKS: 1, DEFENSES: 1}
    for i in range(1, n_papers + 1):
        tpl = rng.choice(prof.templates)
        title = _title(rng, prof.title_words, i)
        ref_links = (f"https://example.org/synthetic/paper-{seed}-{i}",)
        code_link = (f"https://example.org/synthetic/code-{seed}-{i}",)
        paper: dict[str, list[Row]] = {ATTACKS: [], DEFENSES: []}
        for name in (ATTACKS, DEFENSES):
            renumber = {r.number: next_number[name] + k for k, r in enumerate(tpl.rows[name])}
            next_number[name] += len(tpl.rows[name])
            for r in tpl.rows[name]:
                number = renumber[r.number]
                cells = {}
                for col, c in r.cells.items():
                    text, links = c.text, c.links
                    if col == REF:
                        text, links = title, ref_links
                    elif col == CODE:
                        links = code_link if c.links else ()
                    elif col == MODELS:
                        text = ", ".join(_swap_models(rng, prof, text))
                    elif col == KNOWLEDGE:
                        text = ", ".join(_swap_knowledge(rng, prof, text))
                    elif col == METHODS:
                        v = rng.randrange(method_pool)
                        text = text if v == 0 else f"{text} variant {v}"
                    cells[col] = Cell(col, text, links, renumber.get(c.written_in_row, number))
                paper[name].append(Row(name, number, cells))
        yield paper


def _survey(papers: list[dict[str, list[Row]]], n_papers: int, seed: int) -> Survey:
    prof = _profile()
    tables = {name: Table(name, t.title, t.headers,
                          tuple(r for p in papers for r in p[name]))
              for name, t in prof.survey.tables.items()}
    digest = hashlib.sha256(f"synthetic:{n_papers}:{seed}".encode()).hexdigest()
    return Survey(f"synthetic-{n_papers}-{seed}.md", digest,
                  f"Synthetic survey ({n_papers} papers, seed {seed})", tables)


def synthetic_survey(n_papers: int, seed: int = 0) -> Survey:
    """Row records of a survey with ``n_papers`` papers (see the module docstring)."""
    return _survey(list(_papers(n_papers, seed)), n_papers, seed)


def _swap_models(rng: random.Random, prof: _Profile, text: str) -> list[str]:
    out: list[str] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        label = _model_label(part)
        if rng.random() < P_SWAP_MODEL and label in prof.siblings:
            label = rng.choice(prof.siblings[label])
        if label not in out:
            out.append(label)
    return out


def _swap_knowledge(rng: random.Random, prof: _Profile, text: str) -> list[str]:
    out: list[str] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if rng.random() < P_SWAP_KNOWLEDGE:
            part = rng.choice(prof.knowledge)
        if part not in out:
            out.append(part)
    return out


def generate_graph(n_papers: int, seed: int = 0) -> Graph:
    """A survey-shaped graph of ``n_papers`` papers (ontology, models, provenance included)."""

    return build_graph(synthetic_survey(n_papers, seed))


def generate_ntriples(n_papers: int, seed: int = 0, chunk: int = 2000) -> Iterator[str]:
    """The triples of ``generate_graph(n_papers, seed)`` as N-Triples text, ``chunk`` papers
    at a time, so a store can load 100k papers without one rdflib graph of them all.
    Chunks repeat the shared nodes (ontology, models, methods): load them as a set."""

    batch: list[dict[str, list[Row]]] = []
    for paper in _papers(n_papers, seed):
        batch.append(paper)
        if len(batch) == chunk:
            yield build_graph(_survey(batch, n_papers, seed)).serialize(format="nt")
            batch = []
    if batch:
        yield build_graph(_survey(batch, n_papers, seed)).serialize(format="nt")


__all__ = ["generate_graph", "generate_ntriples", "synthetic_survey"]
