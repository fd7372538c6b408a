"""The Overview page's data: what the graph holds (counts, threats, models), its source, its
version, and what the last build changed.

Counts come from the coverage summary (the store's stored counts when current), so the page
costs the same on a large graph as on the survey; only what the summary does not hold is
counted live.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from .. import settings, version
from ..coverage import summary
from ..coverage.counts import SUMMARY_CLASSES, THREAT_VIEW, class_counts
from ..diff import changes_since_previous, render_text
from ..errors import KGError
from ..stores.base import Store
from .names import as_int, ref

# COUNT(?s), not COUNT(DISTINCT ?s): one rdf:type triple per node and class (3x faster)
TRIPLES_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

THREATS_QUERY = """
SELECT ?t ?label WHERE { ?t a rd:ThreatCategory ; skos:prefLabel ?label . } ORDER BY ?label
"""

# The models; their attack and defense-evaluation counts come from the coverage summary.
MODELS_QUERY = """
SELECT ?m ?label ?parent ?kind ?family WHERE {
  ?m a rd:TargetModel ; skos:prefLabel ?label .
  OPTIONAL { ?m skos:broader/skos:prefLabel ?parent }
  OPTIONAL { ?m a ?k . ?k rdfs:subClassOf rd:TargetModel ; rdfs:label ?kind .
             FILTER(?k != rd:ModelFamily) }
  BIND(EXISTS { ?m a rd:ModelFamily } AS ?family)
}
ORDER BY ?label
"""

SOURCE_QUERY = """
SELECT ?title ?file ?sha WHERE {
  ?d a rd:SourceDocument ; dcterms:title ?title ; rd:sourceFile ?file ; rd:sha256 ?sha .
}
"""


@dataclass
class Overview:
    triples: int
    counts: list[tuple[str, int]]
    threats: list[dict]
    models: list[dict]
    source: dict
    version: dict

    def as_dict(self) -> dict:
        return asdict(self)


def version_info(store: Store) -> dict:
    """The version stamp of the graph the store holds (kg.version): computed for an
    in-memory graph, read from the build directory for other stores; {} when none."""
    graph = getattr(store, "graph", None)
    try:
        record = version.stamp(graph) if graph is not None else version.read_version()
    except (KGError, OSError):
        return {}
    if not record:
        return {}
    record = dict(record)
    if {"version", "graph_sha256", "triples", "build_date"} <= record.keys():
        record["line"] = version.version_line(record)
    return record


def overview(store: Store) -> Overview:
    """The Overview page: class counts, triples, per-threat and per-model totals (the coverage
    summary: stored when current), the source document and the version stamp."""
    totals = summary.get(store, [THREAT_VIEW, "model/model"])
    # the class counts stored with a current summary (1.1 M source cells: 0.6 s to count)
    n = dict(totals.classes or {})
    n.update(class_counts(store, [str(c) for _, c in SUMMARY_CLASSES if str(c) not in n]))
    counts = [(name, n[str(cls)]) for name, cls in SUMMARY_CLASSES]
    triples = (totals.triples if totals.triples is not None  # counting 10M triples: 6 s
               else as_int(next(iter(store.select(TRIPLES_QUERY)))["n"]))
    threats = []
    for r in store.select(THREATS_QUERY):
        c = totals.threat(str(r["t"]))
        threats.append({"threat": str(r["label"]), "ref": ref(r["t"]),
                        "attacks": c.attacks if c else 0,
                        "defense evaluations": c.defenses if c else 0,
                        "papers": c.papers if c else 0})
    # per model: the sum of its cells over the threats (an attack has one rd:threat, an
    # evaluation one rd:mitigates: SHACL), so each attack / evaluation counts once
    per_model: dict[str, list[int]] = {}
    for c in totals.view("model/model"):
        n = per_model.setdefault(c.column, [0, 0])
        n[0] += c.attacks
        n[1] += c.defenses
    models = [{"model": str(r["label"]), "ref": ref(r["m"]),
               "broader": "" if r["parent"] is None else str(r["parent"]),
               "kind": "" if r["kind"] is None else str(r["kind"]),
               "family": bool(r["family"].toPython()) if r["family"] is not None else False,
               "attacks": per_model.get(str(r["m"]), [0, 0])[0],
               "defense evaluations": per_model.get(str(r["m"]), [0, 0])[1]}
              for r in store.select(MODELS_QUERY)]
    src = next(iter(store.select(SOURCE_QUERY)), None)
    source = {} if src is None else {"title": str(src["title"]), "file": str(src["file"]),
                                     "sha256": str(src["sha"])}
    return Overview(triples, counts, threats, models, source, version_info(store))


def current_build_dir() -> Path:
    """The build directory (the ``build_dir`` setting, KG_BUILD_DIR): where the last build
    and the one before it are."""
    return settings.path("build_dir")


def changes_since_previous_build(build_dir=None) -> dict | None:
    """What the last ``kg build`` changed (kg.diff against build/previous.nt): a dict with
    ``summary`` (counts per section), ``text`` (the readable diff) and ``empty``; None
    when there is no previous build to compare with."""
    try:
        d = changes_since_previous(build_dir)
    except (KGError, OSError) as e:
        return {"summary": {}, "text": f"cannot compare with the previous build: {e}",
                "empty": True, "error": True}
    if d is None:
        return None
    return {"summary": d.summary(), "text": render_text(d), "empty": d.empty,
            "old": d.old, "new": d.new}
