"""Curated additions into the graph: each entry's labels resolved, checked against the rows
the graph already has, and added with its provenance (the rule of :mod:`kg.additions`).

Labels go through the same alias file and closed vocabularies as the survey
(:meth:`kg.curated.Aliases.require`, the threat/knowledge concepts of the ontology and the
model list of ``data/models.yaml``). An entry may not contradict a row the graph already
has for the same paper and threat (attacks) or paper and method (defenses); an exact
duplicate adds nothing. Every node an entry adds is ``prov:wasDerivedFrom`` an
``rd:AdditionEntry`` naming its file and key. :func:`add_additions` either refuses the
first bad entry (default) or skips bad entries and lists them (``skip_bad``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from .additions import AdditionReport, Additions, Entry, Rejected, collapse
from .curated import Aliases, load_aliases, norm
from .errors import AdditionError, UnknownLabelError
from .tasks import Tasks
from .vocab import RD, iri


@dataclass
class _Vocab:
    aliases: Aliases
    concepts: dict[str, dict[str, URIRef]]  # alias kind -> canonical label -> IRI
    tasks: Tasks | None = None  # unknown names noted here: the entry is held back


class _Pending(Exception):
    """An entry naming what the vocabulary does not know yet (its tasks are noted)."""

    def __init__(self, problems: list[Rejected]) -> None:
        self.problems = problems


def _vocab(g: Graph, aliases: Aliases, tasks: Tasks | None = None) -> _Vocab:
    concepts: dict[str, dict[str, URIRef]] = {}
    for kind, cls in (("threats", RD.ThreatCategory), ("knowledge", RD.AttackerKnowledge),
                      ("models", RD.TargetModel)):
        concepts[kind] = {str(lbl): s for s in g.subjects(RDF.type, cls)
                          for lbl in g.objects(s, SKOS.prefLabel)}
        for label in concepts[kind]:
            aliases.add_canonical(kind, label)
    return _Vocab(aliases, concepts, tasks)


def _where(g: Graph, node: URIRef) -> str:
    src = next(iter(sorted(g.objects(node, PROV.wasDerivedFrom))), None)
    label = g.value(src, RDFS.label) if src is not None else None
    return str(label or src or node)


def _labels(g: Graph, nodes: Iterable) -> list[str]:
    return sorted(str(g.value(n, SKOS.prefLabel) or g.value(n, RDFS.label) or n) for n in nodes)


@dataclass
class _Resolved:
    title: str
    paper: URIRef | None  # the known paper, or None for a new one
    threat: URIRef
    knowledge: list[URIRef]
    models: list[URIRef]
    method_label: str | None


def _resolve(g: Graph, e: Entry, v: _Vocab, papers: dict[str, URIRef]) -> _Resolved:
    def fail(fld: str, msg: str) -> AdditionError:
        return AdditionError([Rejected(e.file, e.key, fld, msg)])

    unknown: list[Rejected] = []

    def concept(kind: str, fld: str, text: str) -> URIRef | None:
        try:
            label = v.aliases.require(kind, text)
        except UnknownLabelError as err:
            if v.tasks is None:
                raise fail(fld, str(err)) from None
            v.tasks.note(kind, text, f"file {e.file}, entry {e.key!r}, field {fld!r}",
                         v.aliases.variants.get(kind, {}), addition=True)
            unknown.append(Rejected(e.file, e.key, fld, str(err)))
            return None  # type: ignore[return-value]  (the entry is held back below)
        return v.concepts[kind][label]

    title = v.aliases.resolve("papers", e.title) or e.title
    paper = papers.get(norm(title))
    threat = concept("threats", "threat", e.threat)
    knowledge = [concept("knowledge", "knowledge", t) for t in e.knowledge]
    models = [concept("models", "models", t) for t in e.models]
    if unknown:
        raise _Pending(unknown)
    method_label = None
    if e.kind == "defense":
        method_label = v.aliases.resolve("methods", e.method or "") or e.method
    if paper is None:
        if not e.urls:
            raise fail("urls", "missing; a paper the graph does not know yet needs at least "
                               "one URL")
        if e.code is None:
            raise fail("code", "missing; a paper the graph does not know yet needs its code: "
                               "a repository URL or 'none' (unknown is not 'none')")
    elif e.code is not None:
        # a repository URL must be one the source links; 'none' (no code marked) conflicts
        # only with a linked repository: a Code cell that marks code but links none agrees
        linked = (paper, RD.codeAvailability, RD.CodeLinked) in g
        repos = {str(r) for r in g.objects(paper, RD.codeRepository)}
        if bool(e.code) != linked or not set(e.code) <= repos:
            state = g.value(paper, RD.codeAvailability)
            has = (f"code linked ({', '.join(sorted(repos))})" if linked
                   else str(g.value(state, RDFS.label) or "no code link"))
            raise fail("code", f"conflicts with the known paper {title!r}: the source says "
                               f"{has} ({_where(g, paper)})")
    return _Resolved(title, paper, threat, knowledge, models, method_label)


def _existing(g: Graph, e: Entry, r: _Resolved) -> URIRef | None:
    """The row node this entry duplicates (same paper and threat / method), if any."""
    if r.paper is None:
        return None
    if e.kind == "attack":
        for a in sorted(g.subjects(RD.fromPaper, r.paper)):
            if (a, RDF.type, RD.Attack) in g and (a, RD.threat, r.threat) in g:
                return a
        return None
    for d in sorted(g.subjects(RD.fromPaper, r.paper)):
        if (d, RDF.type, RD.DefenseEvaluation) in g and \
                str(g.value(g.value(d, RD.method), RDFS.label)) == r.method_label:
            return d
    return None


def _conflicts(g: Graph, e: Entry, r: _Resolved, node: URIRef) -> Rejected | None:
    """The first field where the entry disagrees with the row node it duplicates."""
    def lit(p) -> str:
        return collapse(str(g.value(node, p) or ""))

    checks: list[tuple[str, object, object, str]] = [
        ("models", set(r.models), set(g.objects(node, RD.evaluatedOn)),
         ", ".join(_labels(g, g.objects(node, RD.evaluatedOn)))),
        ("effectiveness", e.effectiveness, lit(RD.effectiveness), lit(RD.effectiveness)),
    ]
    if e.kind == "attack":
        checks[:0] = [("knowledge", set(r.knowledge), set(g.objects(node, RD.assumesKnowledge)),
                       ", ".join(_labels(g, g.objects(node, RD.assumesKnowledge))))]
        checks.append(("limitations", e.limitations, lit(RD.limitation), lit(RD.limitation)))
    else:
        mit = g.value(node, RD.mitigates)
        checks[:0] = [("threat", r.threat, mit, ", ".join(_labels(g, [mit])))]
    for fld, mine, theirs, shown in checks:
        if mine != theirs:
            what = "attack" if e.kind == "attack" else f"defense evaluation of {r.method_label!r}"
            return Rejected(e.file, e.key, fld,
                            f"duplicate of the {what} of {r.title!r} with conflicting facts: "
                            f"{_where(g, node)} says {shown!r}")
    return None


def _entry_node(g: Graph, e: Entry) -> URIRef:
    node = iri("curated", "additions", Path(e.file).stem, e.key)
    g.add((node, RDF.type, RD.AdditionEntry))
    g.add((node, RDF.type, RD.CuratedEntry))
    g.add((node, RD.sourceFile, Literal(e.file)))
    g.add((node, RD.entryKey, Literal(e.key)))
    g.add((node, RDFS.label, Literal(f"{e.file}: {e.key}")))
    return node


def _add(g: Graph, e: Entry, r: _Resolved, papers: dict[str, URIRef]) -> None:
    src = _entry_node(g, e)
    paper = r.paper
    if paper is None:
        paper = iri("paper", r.title)
        papers[norm(r.title)] = paper
        g.add((paper, RDF.type, RD.Paper))
        g.add((paper, DCTERMS.title, Literal(r.title)))
        g.add((paper, RDFS.label, Literal(r.title)))
        g.add((paper, RD.codeAvailability, RD.CodeLinked if e.code else RD.NoCodeMarked))
        for url in e.code or ():
            g.add((paper, RD.codeRepository, URIRef(url)))
    for url in e.urls:
        g.add((paper, RD.paperURL, URIRef(url)))
    g.add((paper, PROV.wasDerivedFrom, src))

    threat_label = _labels(g, [r.threat])[0]
    if e.kind == "attack":
        node = iri("attack", r.title)
        if (node, None, None) in g:
            node = iri("attack", r.title, threat_label)
        g.add((node, RDF.type, RD.Attack))
        g.add((node, RD.threat, r.threat))
        for k in r.knowledge:
            g.add((node, RD.assumesKnowledge, k))
        g.add((node, RD.limitation, Literal(e.limitations)))
        g.add((node, RDFS.label, Literal(f"{threat_label} attack: {r.title}")))
    else:
        method = iri("method", r.method_label)
        if (method, RDF.type, RD.DefenseMethod) not in g:
            g.add((method, RDF.type, RD.DefenseMethod))
            g.add((method, RDFS.label, Literal(r.method_label)))
        g.add((method, PROV.wasDerivedFrom, src))
        node = iri("evaluation", r.title, r.method_label)
        g.add((node, RDF.type, RD.DefenseEvaluation))
        g.add((node, RD.method, method))
        g.add((node, RD.mitigates, r.threat))
        g.add((node, RDFS.label, Literal(f"{r.method_label} ({r.title})")))
    g.add((node, RD.fromPaper, paper))
    for m in r.models:
        g.add((node, RD.evaluatedOn, m))
    g.add((node, RD.effectiveness, Literal(e.effectiveness)))
    if e.urls:
        g.add((node, RD.referenceURL, URIRef(e.urls[0])))
    g.add((node, PROV.wasDerivedFrom, src))


def add_additions(g: Graph, additions: Additions, aliases: Aliases | None = None, *,
                  skip_bad: bool = False, report: AdditionReport | None = None,
                  tasks: Tasks | None = None) -> AdditionReport:
    """Add the entries to ``g`` (which already holds the survey), each with provenance.

    An entry must use known labels (aliases, ontology concepts, data/models.yaml) and
    may not contradict a row the graph already has for the same paper and threat
    (attacks) or paper and method (defenses); an exact duplicate adds nothing and is
    reported as unchanged. Without ``skip_bad`` the first bad entry raises
    :class:`AdditionError` and nothing of the additions is kept in the report's sense
    (the caller discards ``g``); with it, bad entries are left out and listed. With
    ``tasks``, an entry naming an unknown threat, knowledge level or model is held back
    (``report.pending``) and each unknown name noted as a curation task, not refused.
    """
    report = report if report is not None else AdditionReport()
    v = _vocab(g, aliases or load_aliases(), tasks)
    papers = {norm(str(t)): p for p in g.subjects(RDF.type, RD.Paper)
              for t in g.objects(p, DCTERMS.title)}
    problems = list(additions.rejected)
    for e in additions.entries:
        try:
            r = _resolve(g, e, v, papers)
        except AdditionError as err:
            problems += err.problems
            continue
        except _Pending as held:
            report.pending += held.problems
            continue
        dup = _existing(g, e, r)
        if dup is not None:
            conflict = _conflicts(g, e, r, dup)
            if conflict is not None:
                problems.append(conflict)
            else:
                report.unchanged.append((e, _where(g, dup)))
            continue
        _add(g, e, r, papers)
        report.added.append(e)
    if problems and not skip_bad:
        raise AdditionError(problems)
    report.skipped += problems
    return report


__all__ = ["add_additions"]
