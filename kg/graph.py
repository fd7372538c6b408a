"""Row records + curated files -> rdflib Graph, every fact with its provenance.

Provenance model (named in the ontology): each Attack / DefenseEvaluation is
``prov:wasDerivedFrom`` its rd:SourceRow; the row has one rd:SourceCell per column;
the cell's rd:SourceColumn says which property its text was mapped to (rd:mapsTo).
So a fact ``(s, p, o)`` of a row node traces to the cell of the column that maps to
``p``. Papers, methods and models derive from all rows that mention them; curated
facts derive from an rd:CuratedEntry that names its data file (the bibliography,
definitions and venue names: :mod:`kg.curated_facts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from . import settings
from .additions import load_additions
from .bibliography import Bibliography, load_bibliography
from .crosswalk import THREATS_QUERY, known_threats, load_crosswalk, to_graph
from .curated import Aliases, Definition, ModelEntry, load_aliases, load_definitions, load_models, norm
from .curated_facts import add_bibliography, add_definitions, add_venue_aliases, curated_entry
from .derive import materialise
from .errors import SourceError, UnknownLabelError
from .files import display_path
from .ingest import Row, Survey, Table, read_survey
from .sparql_text import with_prefixes
from .survey import (
    ATTACKS,
    CATEGORY,
    CODE,
    DEFENSES,
    EFFECTIVENESS,
    KNOWLEDGE,
    LIMITATIONS,
    METHODS,
    MODELS,
    REF,
    THREAT_COLUMN,
    THREATS,
)
from .urls import url_problem
from .vocab import PREFIXES, RD, iri

if TYPE_CHECKING:
    from .additions import AdditionReport, Additions
    from .tasks import Tasks

# Which property each survey column maps to (the provenance link column -> fact).
COLUMN_PROPERTIES: dict[str, dict[str, tuple[URIRef, ...]]] = {
    ATTACKS: {
        CATEGORY: (RD.threat,),
        REF: (RD.fromPaper, DCTERMS.title, RD.paperURL, RD.referenceURL),
        KNOWLEDGE: (RD.assumesKnowledge,),
        MODELS: (RD.evaluatedOn,),
        EFFECTIVENESS: (RD.effectiveness,),
        LIMITATIONS: (RD.limitation,),
        CODE: (RD.codeAvailability, RD.codeRepository),
    },
    DEFENSES: {
        THREATS: (RD.mitigates,),
        REF: (RD.fromPaper, DCTERMS.title, RD.paperURL, RD.referenceURL),
        METHODS: (RD.method,),
        MODELS: (RD.evaluatedOn,),
        EFFECTIVENESS: (RD.effectiveness,),
        CODE: (RD.codeAvailability, RD.codeRepository),
    },
}


def load_ontology() -> Graph:
    g = Graph()
    g.parse(settings.ONTOLOGY_DIR / "rdkg.ttl", format="turtle")
    return g


def new_graph() -> Graph:
    g = Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns, override=True)
    return g


def split_multi(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


@dataclass
class _Ctx:
    g: Graph
    survey: Survey
    aliases: Aliases
    concept_by_label: dict[str, dict[str, URIRef]]  # alias kind -> label -> IRI
    tasks: Tasks | None = None  # unknown names noted here (and left out) instead of raised

    def where(self, row: Row, column: str) -> str:
        return f"file {self.survey.file}, table {row.table!r}, row {row.number}, column {column!r}"


def _concepts(onto: Graph, cls: URIRef) -> dict[str, URIRef]:
    return {str(lbl): s for s in onto.subjects(RDF.type, cls)
            for lbl in onto.objects(s, SKOS.prefLabel)}


def build_graph(
    survey: Survey,
    aliases: Aliases | None = None,
    models: tuple[str, list[ModelEntry]] | None = None,
    ontology: Graph | None = None,
    additions: Additions | None = None,
    skip_bad: bool = False,
    report: AdditionReport | None = None,
    bibliography: Bibliography | None = None,
    definitions: tuple[str, list[Definition]] | None = None,
    tasks: Tasks | None = None,
) -> Graph:
    """The knowledge graph of one survey: ontology + curated models + survey facts
    (+ curated additions, each with its file and entry as provenance; bad additions
    raise, or with ``skip_bad`` are left out and listed in ``report``), then the derived
    links (kg.derive) materialised from them. With ``tasks``, an unknown threat, knowledge
    level or model (of a row or an addition) is noted there as a curation task and left out
    (an addition naming one is held back), instead of raised."""
    aliases = aliases or load_aliases()
    models_file, model_entries = models or load_models()
    onto = ontology if ontology is not None else load_ontology()
    g = new_graph()
    g += onto

    concept_by_label = {
        "threats": _concepts(onto, RD.ThreatCategory),
        "knowledge": _concepts(onto, RD.AttackerKnowledge),
        "models": {e.label: iri("model", e.label) for e in model_entries},
    }
    for kind, labels in concept_by_label.items():
        for label in labels:
            aliases.add_canonical(kind, label)
    ctx = _Ctx(g, survey, aliases, concept_by_label, tasks)

    _add_curated_aliases(ctx)
    _add_models(g, models_file, model_entries)
    doc = _add_document(g, survey)
    papers: dict[str, URIRef] = {}
    for name in (ATTACKS, DEFENSES):
        _add_table(ctx, doc, survey.tables[name], papers)
    _add_crosswalk(g)
    if additions is not None:
        from .additions_graph import add_additions

        add_additions(g, additions, aliases, skip_bad=skip_bad, report=report, tasks=tasks)
    add_bibliography(g, bibliography or load_bibliography())
    add_venue_aliases(g, aliases)
    add_definitions(g, definitions or load_definitions(), concept_by_label)
    return materialise(g)


def _add_crosswalk(g: Graph) -> None:
    """The curated threat -> MITRE ATLAS mappings (data/atlas_crosswalk.yaml), labelled curated."""
    g += to_graph(known_threats(g.query(with_prefixes(THREATS_QUERY))), load_crosswalk())


def _add_curated_aliases(ctx: _Ctx) -> None:
    g, a = ctx.g, ctx.aliases
    for kind in ("threats", "knowledge", "models"):
        for label, alts in a.variants.get(kind, {}).items():
            if not alts:
                continue
            node = ctx.concept_by_label[kind].get(label)
            if node is None:
                raise UnknownLabelError(kind.rstrip("s"), label, ctx.concept_by_label[kind],
                                        f"{a.file}, section {kind!r}")
            entry = curated_entry(g, a.file, f"{kind}/{label}")
            g.add((node, PROV.wasDerivedFrom, entry))
            for alt in alts:
                g.add((node, SKOS.altLabel, Literal(alt)))


def _add_models(g: Graph, file: str, entries: list[ModelEntry]) -> None:
    for e in entries:
        node = iri("model", e.label)
        g.add((node, RDF.type, RD[e.kind]))
        g.add((node, RDF.type, RD.TargetModel))
        if e.family:
            g.add((node, RDF.type, RD.ModelFamily))
        g.add((node, RDFS.label, Literal(e.label)))
        g.add((node, SKOS.prefLabel, Literal(e.label)))
        g.add((node, SKOS.inScheme, RD.ModelScheme))
        if e.broader:
            g.add((node, SKOS.broader, iri("model", e.broader)))
        else:
            g.add((node, SKOS.topConceptOf, RD.ModelScheme))
        g.add((node, RD.isTextToImage, Literal(e.text_to_image)))
        g.add((node, PROV.wasDerivedFrom, curated_entry(g, file, e.label, e.citation)))


def _add_document(g: Graph, survey: Survey) -> URIRef:
    doc = iri("document", Path(survey.file).name)
    g.add((doc, RDF.type, RD.SourceDocument))
    g.add((doc, RDFS.label, Literal(survey.title or Path(survey.file).name)))
    g.add((doc, DCTERMS.title, Literal(survey.title or Path(survey.file).name)))
    g.add((doc, RD.sourceFile, Literal(survey.file)))
    g.add((doc, RD.sha256, Literal(survey.sha256)))
    return doc


def _add_table(ctx: _Ctx, doc: URIRef, table: Table, papers: dict[str, URIRef]) -> None:
    g = ctx.g
    t = iri("table", table.name)
    g.add((t, RDF.type, RD.SourceTable))
    g.add((t, RDFS.label, Literal(table.title or table.name)))
    g.add((t, RD.inDocument, doc))
    g.add((t, RD.entryKey, Literal(table.name)))
    columns = {}
    for i, header in enumerate(table.headers, start=1):
        c = iri("column", table.name, header)
        columns[header] = c
        g.add((c, RDF.type, RD.SourceColumn))
        g.add((c, RD.header, Literal(header)))
        g.add((c, RD.columnIndex, Literal(i)))
        g.add((c, RD.inTable, t))
        g.add((c, RDFS.label, Literal(f"{table.name} / {header}")))
        for prop in COLUMN_PROPERTIES[table.name].get(header, ()):
            g.add((c, RD.mapsTo, prop))
    for row in table.rows:
        _add_row(ctx, t, columns, row, papers)


def _add_row(ctx: _Ctx, t: URIRef, columns: dict[str, URIRef], row: Row,
             papers: dict[str, URIRef]) -> None:
    g = ctx.g
    r = iri("row", row.table, str(row.number))
    g.add((r, RDF.type, RD.SourceRow))
    g.add((r, RD.inTable, t))
    g.add((r, RD.rowNumber, Literal(row.number)))
    g.add((r, RDFS.label, Literal(f"{row.table} table, row {row.number}")))
    for header, cell in row.cells.items():
        c = iri("cell", row.table, str(row.number), header)
        g.add((r, RD.hasCell, c))
        g.add((c, RDF.type, RD.SourceCell))
        g.add((c, RD.column, columns[header]))
        g.add((c, RD.cellText, Literal(cell.text)))
        g.add((c, RD.writtenInRow, Literal(cell.written_in_row)))
        g.add((c, RDFS.label, Literal(f"{row.table} table, row {row.number}, {header}")))
        for link in cell.links:
            g.add((c, RD.cellLink, _web_iri(ctx, row, header, link)))

    paper = _add_paper(ctx, row, r, papers)
    threat_col = THREAT_COLUMN[row.table]
    threat = _concept(ctx, "threats", row, threat_col)
    models = [m for text in _nonempty_multi(ctx, row, MODELS)
              if (m := _concept(ctx, "models", row, MODELS, text)) is not None]
    threat_label = _label(g, threat) if threat is not None else row[threat_col].text
    effectiveness = _text(ctx, row, EFFECTIVENESS)
    ref = row[REF].links[0] if row[REF].links else None

    if row.table == ATTACKS:
        node = iri("attack", row[REF].text)
        g.add((node, RDF.type, RD.Attack))
        if threat is not None:
            g.add((node, RD.threat, threat))
        for text in _nonempty_multi(ctx, row, KNOWLEDGE):
            k = _concept(ctx, "knowledge", row, KNOWLEDGE, text)
            if k is not None:
                g.add((node, RD.assumesKnowledge, k))
        g.add((node, RD.limitation, Literal(_text(ctx, row, LIMITATIONS))))
        g.add((node, RDFS.label, Literal(f"{threat_label} attack: {row['Ref.'].text}")))
    else:
        method_label = _text(ctx, row, METHODS)
        method_label = ctx.aliases.resolve("methods", method_label) or method_label
        method = iri("method", method_label)
        g.add((method, RDF.type, RD.DefenseMethod))
        g.add((method, RDFS.label, Literal(method_label)))
        g.add((method, PROV.wasDerivedFrom, r))
        alts = ctx.aliases.variants.get("methods", {}).get(method_label)
        if alts:
            entry = curated_entry(g, ctx.aliases.file, f"methods/{method_label}")
            g.add((method, PROV.wasDerivedFrom, entry))
            for alt in alts:
                g.add((method, SKOS.altLabel, Literal(alt)))
        node = iri("evaluation", row[REF].text, method_label)
        if (node, RDF.type, RD.DefenseEvaluation) in g:
            raise SourceError(f"the paper evaluates method {method_label!r} twice",
                              file=ctx.survey.file, table=row.table, row=row.number,
                              column=METHODS)
        g.add((node, RDF.type, RD.DefenseEvaluation))
        g.add((node, RD.method, method))
        if threat is not None:
            g.add((node, RD.mitigates, threat))
        g.add((node, RDFS.label, Literal(f"{method_label} ({row['Ref.'].text})")))
    g.add((node, RD.fromPaper, paper))
    for m in models:
        g.add((node, RD.evaluatedOn, m))
    g.add((node, RD.effectiveness, Literal(effectiveness)))
    if ref:
        g.add((node, RD.referenceURL, _web_iri(ctx, row, REF, ref)))
    g.add((node, PROV.wasDerivedFrom, r))


def _web_iri(ctx: _Ctx, row: Row, column: str, url: str) -> URIRef:
    """A cell's link as an IRI, once it is known to be a valid http(s) URL (read_survey
    checks every link; a Survey made another way is checked here, before rdflib)."""
    why = url_problem(url)
    if why:
        raise SourceError(f"link {url[:80]!r} is not a valid http(s) URL: it {why}",
                          file=ctx.survey.file, table=row.table, row=row.number, column=column)
    return URIRef(url)


def _label(g: Graph, node: URIRef) -> str:
    return str(g.value(node, SKOS.prefLabel) or g.value(node, RDFS.label) or node)


def _text(ctx: _Ctx, row: Row, column: str) -> str:
    text = row[column].text
    if not text:
        raise SourceError("empty cell", file=ctx.survey.file, table=row.table, row=row.number,
                          column=column)
    return text


def _nonempty_multi(ctx: _Ctx, row: Row, column: str) -> list[str]:
    parts = split_multi(_text(ctx, row, column))
    if not parts:
        raise SourceError("no values in the cell", file=ctx.survey.file, table=row.table,
                          row=row.number, column=column)
    return parts


def _concept(ctx: _Ctx, kind: str, row: Row, column: str,
             text: str | None = None) -> URIRef | None:
    """The concept a cell's label names; an unknown one raises, or with ``ctx.tasks`` is
    noted there as a curation task (None: the row goes on without it)."""
    text = _text(ctx, row, column) if text is None else text
    label = ctx.aliases.resolve(kind, text)
    if label is None:
        if ctx.tasks is None:
            label = ctx.aliases.require(kind, text, ctx.where(row, column))  # raises
        else:
            ctx.tasks.note(kind, text, ctx.where(row, column),
                           ctx.aliases.variants.get(kind, {}))
            return None
    return ctx.concept_by_label[kind][label]


_CODE_RANK = {RD.NoCodeMarked: 0, RD.CodeWithoutLink: 1, RD.CodeLinked: 2}


def _add_paper(ctx: _Ctx, row: Row, r: URIRef, papers: dict[str, URIRef]) -> URIRef:
    g = ctx.g
    cell = row[REF]
    title = cell.text
    if not title:
        raise SourceError("empty title", file=ctx.survey.file, table=row.table, row=row.number,
                          column=REF)
    title = ctx.aliases.resolve("papers", title) or title
    key = norm(title)
    paper = papers.get(key)
    if paper is None:
        paper = iri("paper", title)
        papers[key] = paper
        g.add((paper, RDF.type, RD.Paper))
        g.add((paper, DCTERMS.title, Literal(title)))
        g.add((paper, RDFS.label, Literal(title)))
    for link in cell.links:
        g.add((paper, RD.paperURL, _web_iri(ctx, row, REF, link)))
    # what the Code cell says: a link; text but no link; nothing. Over a paper's rows the
    # most stated wins (linked > marked without a link > none marked).
    code = row[CODE]
    state = (RD.CodeLinked if code.links else RD.CodeWithoutLink if code.text
             else RD.NoCodeMarked)
    for link in code.links:
        g.add((paper, RD.codeRepository, _web_iri(ctx, row, CODE, link)))
    had = g.value(paper, RD.codeAvailability)
    if had is None or _CODE_RANK[state] > _CODE_RANK[had]:
        g.set((paper, RD.codeAvailability, state))
    g.add((paper, PROV.wasDerivedFrom, r))
    return paper


def graph_from_files(source: Path | None = None, additions_dir: Path | None = None,
                     *, with_additions: bool = True, skip_bad: bool = False,
                     report: AdditionReport | None = None, tasks: Tasks | None = None) -> Graph:
    """Read the survey, curated files and additions (default data/additions/) and build
    the graph (the I/O edge)."""

    source = source or settings.path("source")
    additions = load_additions(additions_dir) if with_additions else None
    return build_graph(read_survey(source, display_path(source)), additions=additions,
                       skip_bad=skip_bad, report=report, tasks=tasks)


__all__ = ["build_graph", "graph_from_files", "COLUMN_PROPERTIES"]
