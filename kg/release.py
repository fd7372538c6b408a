"""A citable release of the graph as a dataset (``kg release -o DIR``), and its check.

The rule: a release is one version of the graph, named by the same version stamp every
export carries (:func:`kg.export.views.graph_version`, the hash `kg version` records), and
nothing in it is written by hand: the dumps are the store's default graph (canonical
N-Triples, and Turtle, gzip with no timestamp, so an unchanged graph gives the same bytes);
the VoID/DCAT description, the CITATION.cff and the README state the version, the triples
and the instances per class counted in the store (kg.coverage.counts), the source files
the version record names with their SHA-256 and the licence ``data/sources.yaml`` gives
each (a source without an entry stops the release, naming it), and the SPARQL endpoint
when one is given. ``SHA256SUMS`` lists every other file. The directory is written
whole or not at all (staged beside it, then renamed); ``check_release`` verifies every
listed checksum and that no required file is missing, naming the first bad file.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID, XSD

from . import settings
from .coverage.counts import SUMMARY_CLASSES, store_counts
from .errors import ReleaseError
from .export.views import full_graph, graph_version
from .files import display_path, load_yaml
from .stores.base import Store
from .urls import url_problem
from .version import canonical_nt
from .vocab import BASE, PREFIXES

SPDX = Namespace("http://spdx.org/rdf/terms#")
SPDX_LICENSES = Namespace("http://spdx.org/licenses/")
DCAT_VERSION = URIRef(str(DCAT) + "version")  # DCAT 3 (rdflib's DCAT namespace is DCAT 2)
TITLE = "Responsible Diffusion privacy knowledge graph"
DUMPS = {"graph.nt.gz": "application/n-triples", "graph.ttl.gz": "text/turtle"}
DESCRIPTION, CITATION, README, SUMS = "void.ttl", "CITATION.cff", "README.md", "SHA256SUMS"
FILES = (*DUMPS, DESCRIPTION, CITATION, README)
_RELATIVE = "http://release.invalid/"  # written as relative IRIs: the dumps beside the file


@dataclass(frozen=True)
class Source:
    """A file the graph was built from, with its hash and the licence sources.yaml gives."""

    path: str
    sha256: str
    name: str
    licence: str
    note: str
    url: str | None


def _project_relative(rel: str) -> str:
    """A recorded source's path as sources.yaml names it (``data/…``, ``ontology/…``),
    also when the data directory was set elsewhere (the record then holds an absolute path)."""
    p = Path(rel)
    if p.is_absolute():
        for base in (settings.DATA_DIR.parent, settings.ONTOLOGY_DIR.parent):
            try:
                return p.relative_to(base).as_posix()
            except ValueError:
                pass
    return rel


def sources_of(record: dict, sources_file: Path | None = None) -> tuple[dict, list[Source]]:
    """(the survey's citation, each recorded source with its licence) from sources.yaml."""
    path = sources_file or settings.DATA_DIR / "sources.yaml"
    data = load_yaml(path)
    entries = data.get("sources") or []
    out = []
    for rel, digest in sorted(record["sources"].items()):
        key = _project_relative(rel)
        entry = next((e for e in entries
                      if any(fnmatch.fnmatch(key, p) for p in e.get("paths", []))), None)
        if entry is None:
            raise ReleaseError(f"file {display_path(path)}: no entry names the source {rel} "
                               "(its licence and origin); add its path to an entry")
        out.append(Source(rel, digest, entry["name"], entry["licence"], entry.get("note", ""),
                          entry.get("url")))
    return data.get("survey") or {}, out


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Facts:
    """What the description, citation and README state, each from the store or a file."""

    version: dict
    triples: int
    classes: list[tuple[str, str, int]]  # (name, class IRI, instances)
    class_total: int
    survey: dict
    sources: list[Source]
    endpoint: str | None


def _facts(store: Store, graph: Graph, endpoint: str | None) -> Facts:
    version = graph_version(store, graph)
    triples, counts = store_counts(store)
    iris = dict((name, str(cls)) for name, cls in SUMMARY_CLASSES)
    n_classes = int(store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }")
                    .rows[0]["n"])
    survey, sources = sources_of(version)
    return Facts(version, triples, [(n, iris[n], c) for n, c in counts], n_classes, survey,
                 sources, endpoint)


def description(f: Facts, dumps: dict[str, bytes]) -> str:
    """The dataset in VoID and DCAT (Turtle; the dumps as IRIs relative to this file)."""
    g = Graph()
    for p, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("spdx", SPDX),
                  ("owl", OWL), ("rd", PREFIXES["rd"])):
        g.bind(p, ns)
    v = f.version
    ds = URIRef(f"{BASE}dataset/{v['version']}")
    for t in (VOID.Dataset, DCAT.Dataset):
        g.add((ds, RDF.type, t))
    g.add((ds, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((ds, DCTERMS.description, Literal(
        "Privacy attacks on diffusion models and the defenses evaluated against them, from "
        "the Responsible Diffusion survey's taxonomy, each fact traced to its source cell "
        "or curated entry.", lang="en")))
    g.add((ds, DCTERMS.isVersionOf, URIRef(f"{BASE}dataset")))
    g.add((ds, OWL.versionInfo, Literal(v["version"])))
    g.add((ds, DCAT_VERSION, Literal(v["version"])))
    g.add((ds, DCTERMS.identifier, Literal(f"sha256:{v['graph_sha256']}")))
    g.add((ds, DCTERMS.issued, Literal(v["build_date"][:10], datatype=XSD.date)))
    g.add((ds, VOID.triples, Literal(f.triples, datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(f.class_total, datatype=XSD.integer)))
    g.add((ds, VOID.uriSpace, Literal(f"{BASE}id/")))
    g.add((ds, VOID.vocabulary, URIRef(str(PREFIXES["rd"]))))
    for _name, cls, n in f.classes:
        part = BNode(f"class-{cls.rsplit('#', 1)[-1]}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for fname, mtype in DUMPS.items():
        dump = URIRef(_RELATIVE + fname)
        g.add((ds, VOID.dataDump, dump))
        dist = BNode(f"dist-{fname.split('.')[1]}")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.downloadURL, dump))
        g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{mtype}")))
        g.add((dist, DCAT.compressFormat,
               URIRef("https://www.iana.org/assignments/media-types/application/gzip")))
        g.add((dist, DCAT.byteSize, Literal(len(dumps[fname]), datatype=XSD.integer)))
        chk = BNode(f"sum-{fname.split('.')[1]}")
        g.add((dist, SPDX.checksum, chk))
        g.add((chk, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((chk, SPDX.checksumValue, Literal(_sha256(dumps[fname]), datatype=XSD.hexBinary)))
    for s in f.sources:
        src = BNode(f"source-{_sha256(s.path.encode())[:12]}")
        g.add((ds, DCTERMS.source, src))
        g.add((src, DCTERMS.title, Literal(s.path)))
        g.add((src, DCTERMS.description, Literal(f"{s.name}: {s.note}" if s.note else s.name)))
        g.add((src, DCTERMS.license, Literal(s.licence) if s.licence == "NOASSERTION"
               else SPDX_LICENSES[s.licence]))
        g.add((src, SPDX.checksum, Literal(f"sha256:{s.sha256}")))
        if s.url:
            g.add((src, DCAT.landingPage, URIRef(s.url)))
    if f.survey.get("url"):
        g.add((ds, DCTERMS.references, URIRef(f.survey["url"])))
    if f.endpoint:
        svc = URIRef(f.endpoint)
        g.add((ds, VOID.sparqlEndpoint, svc))
        g.add((svc, RDF.type, DCAT.DataService))
        g.add((svc, DCAT.endpointURL, svc))
        g.add((svc, DCAT.servesDataset, ds))
    text = g.serialize(format="turtle", base=_RELATIVE)
    return "".join(line + "\n" for line in text.splitlines() if not line.startswith("@base"))


def _person(name: str) -> dict:
    given, _, family = name.rpartition(" ")
    return {"family-names": family, "given-names": given} if given else {"name": name}


def citation(f: Facts) -> str:
    """CITATION.cff (CFF 1.2.0) of this version of the dataset, referencing the survey."""
    v, s = f.version, f.survey
    cff: dict = {
        "cff-version": "1.2.0",
        "message": "If you use this dataset, cite this version of it (its version and graph "
                   "hash below) and the survey it is built from.",
        "type": "dataset",
        "title": TITLE,
        "version": v["version"],
        "date-released": v["build_date"][:10],
        "abstract": f"{TITLE}: {f.triples} triples on privacy attacks on diffusion models and "
                    "the defenses evaluated against them, each fact traced to its source.",
        "authors": [{"name": "The responsible-diffusion-kg project team"}],
        "identifiers": [{"type": "other", "value": f"sha256:{v['graph_sha256']}",
                         "description": "SHA-256 of the graph's canonical N-Triples "
                                        "(graph.nt.gz, uncompressed; kg version)"}],
        "keywords": ["knowledge graph", "diffusion models", "privacy", "membership inference",
                     "RDF", "SPARQL"],
    }
    if f.endpoint:
        cff["url"] = f.endpoint
    if s:
        ref = {"type": "article", "title": s["title"],
               "authors": [_person(a) for a in s.get("authors", [])], "year": int(s["year"])}
        if s.get("arxiv"):
            ref["identifiers"] = [{"type": "other", "value": f"arXiv:{s['arxiv']}"}]
        if s.get("url"):
            ref["url"] = s["url"]
        cff["references"] = [ref]
    return yaml.safe_dump(cff, sort_keys=False, allow_unicode=True, width=100)


def readme(f: Facts, dumps: dict[str, bytes]) -> str:
    """The dataset's README: what it is, its version, files, classes, sources, citation."""
    v = f.version
    lines = [f"# {TITLE} — release {v['version']}", "",
             f"- version: `{v['version']}` (built {v['build_date']})",
             f"- graph SHA-256: `{v['graph_sha256']}` (of `graph.nt.gz` uncompressed; the "
             "hash `kg version` and every `kg export` name)",
             f"- triples: {f.triples}; classes: {f.class_total}"]
    if f.endpoint:
        lines.append(f"- SPARQL endpoint: {f.endpoint}")
    lines += ["", "## Files", "", "| file | what | bytes |", "|---|---|---:|"]
    lines += [f"| `{n}` | the graph as {t} (gzip) | {len(dumps[n])} |" for n, t in DUMPS.items()]
    lines += [f"| `{DESCRIPTION}` | VoID and DCAT description | |",
              f"| `{CITATION}` | how to cite this version (Citation File Format 1.2.0) | |",
              f"| `{SUMS}` | SHA-256 of every other file (`sha256sum -c {SUMS}`, or "
              "`kg release --check DIR`) | |",
              "", "## Instances per class", "", "| class | instances |", "|---|---:|"]
    lines += [f"| {name} | {n} |" for name, _, n in f.classes]
    lines += ["", "## Sources and licences", "",
              "| file | SHA-256 | what | licence |", "|---|---|---|---|"]
    lines += [f"| `{s.path}` | `{s.sha256[:16]}…` | {s.name}{': ' + s.note if s.note else ''} "
              f"| {s.licence} |" for s in f.sources]
    lines += ["", "NOASSERTION: the source states no licence; ask its authors before "
              "redistributing its text.", "", "## Load it", "", "```sh",
              "gunzip -k graph.nt.gz                      # N-Triples",
              "kg load --store oxigraph:DIR --graph graph.nt   # or any RDF store",
              "```", "", "## Cite it", "",
              f"Cite this release by its version `{v['version']}` and graph hash (see "
              f"`{CITATION}`)"]
    s = f.survey
    if s:
        lines[-1] += (f", and the survey it is built from: {', '.join(s.get('authors', []))}: "
                      f"*{s['title']}* ({s['year']}, arXiv:{s.get('arxiv', '')}).")
    else:
        lines[-1] += "."
    return "\n".join(lines) + "\n"


def release(store: Store, out: Path, endpoint: str | None = None) -> dict:
    """Write the release of ``store``'s graph into ``out`` (see the module's rule); its
    record: the version stamp, and each file with its SHA-256."""
    if endpoint is not None and url_problem(endpoint):
        raise ReleaseError(f"--endpoint {endpoint!r}: {url_problem(endpoint)}")
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                              and not (out / SUMS).is_file())):
        raise ReleaseError(f"{display_path(out)} exists and is not a release: give a new or "
                           "empty directory (a previous release there is replaced)")
    g = full_graph(store)
    facts = _facts(store, g, endpoint)
    tg = Graph()
    for p, ns in PREFIXES.items():
        tg.bind(p, ns, override=True)
    tg += g
    dumps = {"graph.nt.gz": _gzip(canonical_nt(g).encode("utf-8")),
             "graph.ttl.gz": _gzip(tg.serialize(format="turtle", encoding="utf-8"))}
    files = {**dumps, DESCRIPTION: description(facts, dumps).encode("utf-8"),
             CITATION: citation(facts).encode("utf-8"),
             README: readme(facts, dumps).encode("utf-8")}
    sums = {name: _sha256(data) for name, data in files.items()}
    files[SUMS] = "".join(f"{h}  {n}\n" for n, h in sums.items()).encode("ascii")
    _write_dir(out, files)
    return {"version": facts.version["version"], "graph_sha256": facts.version["graph_sha256"],
            "triples": facts.triples, "directory": display_path(out), "files": sums}


def _write_dir(out: Path, files: dict[str, bytes]) -> None:
    """``files`` as the directory ``out``, whole or not at all (a staged directory renamed
    in; a previous release there is moved aside first and removed after)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.stage-", dir=out.parent))
    old = None
    try:
        for name, data in files.items():
            (stage / name).write_bytes(data)
        os.chmod(stage, 0o777 & ~_umask())
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
        os.replace(stage, out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_release(directory: Path) -> dict:
    """Verify a release: every required file is there and listed, and each listed file's
    SHA-256 matches; ReleaseError naming the first bad file otherwise."""
    sums_file = directory / SUMS
    if not sums_file.is_file():
        raise ReleaseError(f"{display_path(sums_file)}: missing; not a release directory")
    listed: dict[str, str] = {}
    for i, line in enumerate(sums_file.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ReleaseError(f"{display_path(sums_file)}, line {i}: not '<sha256>  <file>'")
        listed[name] = digest
    for name in FILES:
        if name not in listed:
            raise ReleaseError(f"{display_path(directory / name)}: not listed in {SUMS}")
    for name, digest in listed.items():
        p = directory / name
        if not p.is_file():
            raise ReleaseError(f"{display_path(p)}: missing")
        got = hashlib.sha256(p.read_bytes()).hexdigest()
        if got != digest:
            raise ReleaseError(f"{display_path(p)}: SHA-256 {got[:16]}… does not match "
                               f"{SUMS} ({digest[:16]}…): the file changed or is damaged")
    return {"directory": display_path(directory), "files": listed}


__all__ = ["FILES", "Source", "check_release", "citation", "description", "readme", "release",
           "sources_of"]
