"""The curated crosswalk from threat categories to MITRE ATLAS techniques
(data/atlas_crosswalk.yaml): loaded, checked against the graph's threats, and turned into
SKOS mapping triples labelled curated (rd:CuratedEntry naming the file)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from . import settings
from .errors import SourceError, UnknownLabelError
from .files import display_path, load_yaml
from .urls import url_problem
from .vocab import RD, iri

CROSSWALK_FILE = settings.DATA_DIR / "atlas_crosswalk.yaml"
ATLAS_TECHNIQUE_BASE = "https://atlas.mitre.org/techniques/"
MATCHES = {"exact": SKOS.exactMatch, "close": SKOS.closeMatch, "broad": SKOS.broadMatch,
           "narrow": SKOS.narrowMatch, "related": SKOS.relatedMatch}
TECHNIQUE_ID = re.compile(r"AML\.T\d{4}(\.\d{3})?")

THREATS_QUERY = "SELECT ?node ?label WHERE { ?node a rd:ThreatCategory ; skos:prefLabel ?label . }"


@dataclass(frozen=True)
class Mapping:
    threat: str
    match: str
    technique: str
    name: str
    url: str
    note: str
    verified: str
    parent: str | None = None

    def as_dict(self) -> dict:
        d = {"threat": self.threat, "match": self.match,
             "relation": f"skos:{MATCHES[self.match].rsplit('#', 1)[-1]}",
             "technique": self.technique, "name": self.name, "url": self.url,
             "note": self.note, "verified": self.verified, "curated": True}
        if self.parent:
            d["parent"] = self.parent
        return d


@dataclass
class Crosswalk:
    file: str
    source: str
    atlas_version: str
    verified_in: list[str]
    mappings: list[Mapping] = field(default_factory=list)
    unmapped: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"curated": True, "file": self.file, "source": self.source,
                "atlas_version": self.atlas_version, "verified_in": self.verified_in,
                "mappings": [m.as_dict() for m in self.mappings], "unmapped": self.unmapped}


def _str(entry: dict, key: str, file: str, where: str, required: bool = True) -> str | None:
    v = entry.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str) or not v.strip():
        raise SourceError(f"{where}: '{key}' must be a non-empty string", file=file)
    return v.strip()


def load_crosswalk(path: Path | None = None) -> Crosswalk:
    path = path or CROSSWALK_FILE
    file = display_path(path)
    data = load_yaml(path)
    head = {k: _str(data, k, file, "top level") for k in ("source", "atlas_version")}
    verified = data.get("verified_in") or []
    if not isinstance(verified, list) or not verified:
        raise SourceError("top level: 'verified_in' must list where the ATLAS ids were checked",
                          file=file)
    cw = Crosswalk(file, head["source"], head["atlas_version"], [str(v) for v in verified])
    for i, e in enumerate(data.get("mappings") or [], start=1):
        where = f"mappings entry {i}"
        if not isinstance(e, dict):
            raise SourceError(f"{where}: expected a mapping", file=file)
        match = _str(e, "match", file, where)
        if match not in MATCHES:
            raise UnknownLabelError("match", match, MATCHES, f"{file}, {where}")
        technique = _str(e, "technique", file, where)
        if not TECHNIQUE_ID.fullmatch(technique):
            raise SourceError(f"{where}: technique {technique!r} is not an ATLAS technique id "
                              "(AML.T0000 or AML.T0000.000)", file=file)
        url = _str(e, "url", file, where)
        problem = url_problem(url)
        if problem:
            raise SourceError(f"{where}: url {url!r} is not a valid http(s) URL: {problem}",
                              file=file)
        if url != ATLAS_TECHNIQUE_BASE + technique:
            raise SourceError(f"{where}: url {url!r} does not match the technique id; expected "
                              f"{ATLAS_TECHNIQUE_BASE + technique}", file=file)
        cw.mappings.append(Mapping(
            _str(e, "threat", file, where), match, technique, _str(e, "name", file, where), url,
            _str(e, "note", file, where), _str(e, "verified", file, where),
            _str(e, "parent", file, where, required=False)))
    for i, e in enumerate(data.get("unmapped") or [], start=1):
        where = f"unmapped entry {i}"
        if not isinstance(e, dict):
            raise SourceError(f"{where}: expected a mapping", file=file)
        cw.unmapped.append({"threat": _str(e, "threat", file, where),
                            "reason": _str(e, "reason", file, where),
                            "checked": _str(e, "checked", file, where, required=False)})
    return cw


def known_threats(rows) -> dict[str, URIRef]:
    """Threat label -> node, from the rows of :data:`THREATS_QUERY` (run on a store, or on the
    rdflib graph a build makes)."""
    return {str(r["label"]): r["node"] for r in rows}


def threat_nodes(known: dict[str, URIRef], cw: Crosswalk) -> dict[str, URIRef]:
    """Threat label -> node for every threat the crosswalk names (``known``: the graph's
    threats, :func:`known_threats`); unknown labels fail."""
    out = {}
    for i, label in enumerate([m.threat for m in cw.mappings] + [u["threat"] for u in cw.unmapped]):
        if label not in known:
            raise UnknownLabelError("threat", label, known, f"{cw.file}, entry {i + 1}")
        out[label] = known[label]
    return out


def coverage(known: dict[str, URIRef], cw: Crosswalk) -> dict[str, list[str]]:
    """Which threats have a mapping, which are listed unmapped, which the file omits
    (``known``: the graph's threats)."""
    known = set(known)
    mapped = {m.threat for m in cw.mappings}
    unmapped = {u["threat"] for u in cw.unmapped}
    return {"mapped": sorted(mapped), "unmapped": sorted(unmapped - mapped),
            "not_in_file": sorted(known - mapped - unmapped)}


def to_graph(known: dict[str, URIRef], cw: Crosswalk) -> Graph:
    """SKOS mapping triples from threats to ATLAS techniques, labelled curated (``known``:
    the graph's threats)."""
    nodes = threat_nodes(known, cw)
    g = Graph()
    for m in cw.mappings:
        threat, tech = nodes[m.threat], URIRef(m.url)
        entry = iri("curated", Path(cw.file).stem, f"{m.threat}/{m.technique}")
        g.add((entry, RDF.type, RD.CuratedEntry))
        g.add((entry, RD.sourceFile, Literal(cw.file)))
        g.add((entry, RD.entryKey, Literal(f"{m.threat}/{m.technique}")))
        g.add((entry, RD.citation, Literal(m.verified)))
        g.add((entry, RDFS.label, Literal(f"{cw.file}: {m.threat} -> {m.technique}")))
        g.add((threat, MATCHES[m.match], tech))
        g.add((threat, PROV.wasDerivedFrom, entry))
        g.add((tech, RDFS.label, Literal(f"{m.technique} {m.name}")))
        g.add((tech, SKOS.notation, Literal(m.technique)))
        if m.parent:
            g.add((tech, SKOS.broader, URIRef(ATLAS_TECHNIQUE_BASE + m.parent)))
    return g


__all__ = ["load_crosswalk", "known_threats", "threat_nodes", "to_graph", "coverage", "THREATS_QUERY",
           "Crosswalk", "Mapping", "CROSSWALK_FILE"]
