"""Node texts and their sentence-transformers embeddings, cached on disk.

Every searchable node (paper, attack, defense method and evaluation, threat, attacker
knowledge, target model) gets a text made of labelled fields: its label, type, aliases,
descriptions and neighbourhood (threat, models, effectiveness, limitation, ...). The
fields are kept apart so a search hit can say which text matched.

Two caches, both array files (never pickle):

* the whole matrix (``.npy`` + ids ``.json``), keyed by the model id and a hash of all
  node texts: a second start with the same graph and model loads one array;
* text chunks (``embeddings/chunks/<model>/<hash>.npz``): the vectors of up to
  :data:`CHUNK_TEXTS` distinct texts with the SHA-256 prefix of each text and a digest
  of both, written atomically one chunk at a time. Only distinct texts are embedded
  (rows that repeat a text share its vector), a killed run resumes after its last
  written chunk, and a rebuilt graph that shares most texts embeds only the new ones. A
  truncated or altered chunk fails its digest (or the zip's CRC) and its texts are
  embedded again.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import settings
from .errors import KGError
from .files import replacing
from .onnx_embed import export_dir, onnx_embedder
from .sentence_model import Embedder, lazy_embedder
from .stores.base import Store
from .vocab import NODE_TYPES, RD, TYPE_NAMES, slug

CACHE_VERSION = "1"


@dataclass(frozen=True)
class NodeText:
    """A node's searchable text, as (field, text) pairs; ``label`` is the first field."""

    iri: str
    type: str
    label: str
    fields: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        merged: dict[str, list[str]] = {}
        for f, t in self.fields:
            if f != "label":
                merged.setdefault(f, []).append(t)
        parts = [f"{TYPE_NAMES[self.type]}: {self.label}."]
        parts += [f"{f}: {', '.join(ts)}." for f, ts in merged.items()]
        return " ".join(parts)


# One flat query per relation; texts are assembled in Python (fast on large graphs).
_NODES = """
SELECT ?n ?label WHERE {
  ?n a ?cls .
  OPTIONAL { ?n skos:prefLabel ?pl }
  OPTIONAL { ?n rdfs:label ?rl }
  BIND(COALESCE(?pl, ?rl) AS ?label)
}"""

# (field name, query binding ?n and ?v)
_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("alias", "SELECT ?n ?v WHERE { ?n skos:altLabel ?v }", ()),
    ("definition", "SELECT ?n ?v WHERE { ?n skos:definition ?v }", ()),
    ("title", "SELECT ?n ?v WHERE { ?n a rd:Paper ; dcterms:title ?v }", ()),
    ("short name", "SELECT ?n ?v WHERE { ?n a rd:Paper ; rd:shortName ?v }", ()),
    ("authors", "SELECT ?n ?v WHERE { ?n a rd:Paper ; rd:hasAuthorship ?a . "
                "?a rd:author/foaf:name ?v ; rd:authorPosition ?k } ORDER BY ?n ?k", ()),
    ("published", "SELECT ?n ?v WHERE { ?n a rd:Paper ; rd:publishedAt/skos:prefLabel ?venue . "
                  "OPTIONAL { ?n rd:publicationYear ?y } "
                  "BIND(IF(BOUND(?y), CONCAT(?venue, \" \", STR(?y)), ?venue) AS ?v) }", ()),
    ("published title", "SELECT ?n ?v WHERE { ?n a rd:Paper ; rd:publishedTitle ?v ; "
                        "dcterms:title ?t FILTER(LCASE(?v) != LCASE(?t)) }", ()),
    ("threat", "SELECT ?n ?v WHERE { ?n rd:threat|rd:mitigates ?t . ?t skos:prefLabel ?v }", ()),
    ("attacker knowledge",
     "SELECT ?n ?v WHERE { ?n rd:assumesKnowledge ?k . ?k skos:prefLabel ?v }", ()),
    ("method", "SELECT ?n ?v WHERE { ?n a rd:DefenseEvaluation ; rd:method ?m . "
               "?m rdfs:label ?v }", ()),
    ("target models", "SELECT ?n ?v WHERE { ?n rd:evaluatedOn ?m . ?m skos:prefLabel ?v }", ()),
    ("effectiveness", "SELECT ?n ?v WHERE { ?n rd:effectiveness ?v }", ()),
    ("limitation", "SELECT ?n ?v WHERE { ?n rd:limitation ?v }", ()),
    ("paper", "SELECT ?n ?v WHERE { ?n rd:fromPaper ?p . ?p dcterms:title ?v }", ()),
    ("broader", "SELECT ?n ?v WHERE { ?n a rd:TargetModel ; skos:broader ?b . "
                "?b skos:prefLabel ?v }", ()),
    # neighbourhood of papers
    ("threat", "SELECT ?n ?v WHERE { ?x rd:fromPaper ?n ; rd:threat|rd:mitigates ?t . "
               "?t skos:prefLabel ?v }", ()),
    ("attacker knowledge", "SELECT ?n ?v WHERE { ?x rd:fromPaper ?n ; rd:assumesKnowledge ?k . "
                           "?k skos:prefLabel ?v }", ()),
    ("target models", "SELECT ?n ?v WHERE { ?x rd:fromPaper ?n ; rd:evaluatedOn ?m . "
                      "?m skos:prefLabel ?v }", ()),
    ("defense methods", "SELECT ?n ?v WHERE { ?x rd:fromPaper ?n ; rd:method ?m . "
                        "?m rdfs:label ?v }", ()),
    ("limitation", "SELECT ?n ?v WHERE { ?x rd:fromPaper ?n ; rd:limitation ?v }", ()),
    ("effectiveness", "SELECT ?n ?v WHERE { ?x rd:fromPaper ?n ; rd:effectiveness ?v . "
                      "?x a rd:Attack }", ()),
    # neighbourhood of defense methods
    ("mitigates", "SELECT ?n ?v WHERE { ?e rd:method ?n ; rd:mitigates ?t . "
                  "?t skos:prefLabel ?v }", ()),
    ("effectiveness", "SELECT ?n ?v WHERE { ?e rd:method ?n ; rd:effectiveness ?v }", ()),
    ("target models", "SELECT ?n ?v WHERE { ?e rd:method ?n ; rd:evaluatedOn ?m . "
                      "?m skos:prefLabel ?v }", ()),
    ("paper", "SELECT ?n ?v WHERE { ?e rd:method ?n ; rd:fromPaper ?p . "
              "?p dcterms:title ?v }", ()),
    # neighbourhood of target models
    ("kind", "SELECT ?n ?v WHERE { ?n a rd:TargetModel , ?k . ?k rdfs:subClassOf rd:TargetModel ; "
             "rdfs:label ?v }", ()),
    ("kind", "SELECT ?n ?v WHERE { ?n rd:isTextToImage true . "
             "BIND(\"text-to-image (T2I) model\" AS ?v) }", ()),
    ("described in", "SELECT ?n ?v WHERE { ?n a rd:TargetModel ; prov:wasDerivedFrom ?e . "
                     "?e rd:citation ?v }", ()),
    ("studied threats", "SELECT DISTINCT ?n ?v WHERE { ?x rd:evaluatedOn ?n ; "
                        "rd:threat|rd:mitigates ?t . ?t skos:prefLabel ?v }", ()),
    ("code", "SELECT ?n ?v WHERE { ?n rd:codeAvailability ?c . "
             "BIND(IF(?c = rd:CodeLinked, \"code linked\", IF(?c = rd:CodeWithoutLink, "
             "\"code marked, no link\", \"no code marked\")) AS ?v) }", ()),
)


def node_texts(store: Store) -> list[NodeText]:
    """The text of every searchable node, in a stable order (type, then IRI)."""
    from rdflib import URIRef


    classes = {"paper": RD.Paper, "attack": RD.Attack, "method": RD.DefenseMethod,
               "evaluation": RD.DefenseEvaluation, "threat": RD.ThreatCategory,
               "knowledge": RD.AttackerKnowledge, "model": RD.TargetModel}
    nodes: dict[str, tuple[str, str]] = {}
    for kind, cls in classes.items():
        for r in store.select(_NODES, {"cls": cls}):
            n = str(r["n"])
            if n not in nodes and isinstance(r["n"], URIRef):
                nodes[n] = (kind, str(r["label"] or n.rsplit("/", 1)[-1]))
    fields: dict[str, list[tuple[str, str]]] = {n: [] for n in nodes}
    for name, query, _ in _FIELDS:
        for r in store.select(query):
            n = str(r["n"])
            if n in fields and r["v"] is not None:
                pair = (name, str(r["v"]))
                if pair not in fields[n] and pair[1] != nodes[n][1]:
                    fields[n].append(pair)
    out = []
    for n, (kind, label) in nodes.items():
        fs = sorted(fields[n], key=lambda p: (_FIELD_ORDER.get(p[0], 99), p[1]))
        out.append(NodeText(n, kind, label, (("label", label), *fs)))
    order = list(NODE_TYPES)
    return sorted(out, key=lambda t: (order.index(t.type), t.iri))


_FIELD_ORDER = {name: i for i, name in enumerate(dict.fromkeys(f for f, _, _ in _FIELDS))}


def content_hash(texts: Sequence[NodeText]) -> str:
    """SHA-256 of what gets embedded (ids and texts): the graph-content half of the cache key."""
    h = hashlib.sha256(CACHE_VERSION.encode())
    for t in texts:
        h.update(t.iri.encode())
        h.update(b"\0")
        h.update(t.text.encode())
        h.update(b"\n")
    return h.hexdigest()


# --------------------------------------------------------------------------- queries


def query_embedder(model: str | None = None) -> Embedder:
    """What embeds a search query: the model's ONNX export (kg.onnx_embed: no torch, well
    under a second to start) when there is a current one, else sentence-transformers."""
    name = model or settings.get("model")
    how = settings.get("query_encoder").strip()
    if how == "sentence-transformers":
        return lazy_embedder(name)
    fast = onnx_embedder(name, str(settings.path("cache_dir")))
    if fast is not None:
        return fast
    if how == "onnx":
        raise KGError(f"KG_QUERY_ENCODER=onnx: no current ONNX export of {name!r} in "
                      f"{export_dir(name)}; make it with `python -m kg.onnx_embed` "
                      "(scripts/install.sh does)")
    return lazy_embedder(name)


# --------------------------------------------------------------------------- cache


def cache_files(cache_dir: Path, model_id: str, digest: str) -> tuple[Path, Path]:
    stem = f"{slug(model_id)[:60]}-{hashlib.sha256(model_id.encode()).hexdigest()[:8]}"
    base = cache_dir / "embeddings" / f"{stem}-{digest[:20]}"
    return base.with_suffix(".npy"), base.with_suffix(".ids.json")


def _save_array(path: Path, vectors: np.ndarray) -> None:
    with path.open("wb") as f:
        np.save(f, vectors, allow_pickle=False)


def _load_cached(npy: Path, ids_file: Path, ids: list[str]) -> np.ndarray | None:
    try:
        meta = json.loads(ids_file.read_text(encoding="utf-8"))
        if meta.get("ids") != ids:
            return None
        v = np.load(npy, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if v.ndim != 2 or v.shape[0] != len(ids) or v.dtype != np.float32:
        return None
    return v


#: Distinct node texts all-MiniLM-L6-v2 (sentence-transformers) embeds per second on this
#: machine kind (2 CPU cores), measured by benchmarks/bench_embed_scale.py on 2026-12-03:
#: 32,809 synthetic node texts (10k papers, 387 characters on average) in 23.6 min, with
#: another benchmark on the machine. The figure before it (270/s) was not reproduced.
EMBED_PER_SECOND = 23

#: Distinct texts per embedder call and per cache chunk file.
CHUNK_TEXTS = 2048
#: A progress line is worth printing from this many texts to embed on.
PROGRESS_MIN = 4096
CHUNK_VERSION = "1"
_KEY_BYTES = 16


def text_key(text: str) -> bytes:
    """What a chunk stores for a text: the first 16 bytes of its SHA-256."""
    return hashlib.sha256(text.encode()).digest()[:_KEY_BYTES]


def chunk_dir(cache_dir: Path, model_id: str) -> Path:
    stem = f"{slug(model_id)[:60]}-{hashlib.sha256(model_id.encode()).hexdigest()[:8]}"
    return cache_dir / "embeddings" / "chunks" / f"{stem}-v{CHUNK_VERSION}"


def _digest(keys: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    h = hashlib.sha256(keys.tobytes())
    h.update(str(vectors.shape).encode())
    h.update(vectors.tobytes())
    return np.frombuffer(h.digest(), dtype=np.uint8)


def _read_chunk(path: Path, wanted: dict[bytes, int]) -> tuple[list[int], np.ndarray] | None:
    """(rows of ``wanted`` this chunk holds, their vectors), or None for a chunk that holds
    none of them or does not verify (truncated, altered, wrong shape or dtype)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = z["keys"]
            if keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != _KEY_BYTES:
                return None
            blob = keys.tobytes()
            mine = [(j, wanted[blob[j * _KEY_BYTES:(j + 1) * _KEY_BYTES]])
                    for j in range(keys.shape[0])
                    if blob[j * _KEY_BYTES:(j + 1) * _KEY_BYTES] in wanted]
            if not mine:
                return None
            vectors = z["vectors"]
            digest = z["digest"]
    except Exception:  # noqa: BLE001 — OSError, ValueError, BadZipFile, KeyError, EOFError...
        return None
    if (vectors.dtype != np.float32 or vectors.ndim != 2 or vectors.shape[0] != keys.shape[0]
            or not np.array_equal(digest, _digest(keys, vectors))):
        return None
    return [i for _, i in mine], vectors[[j for j, _ in mine]]


def _write_chunk(directory: Path, keys: list[bytes], vectors: np.ndarray) -> None:
    k = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), _KEY_BYTES)
    v = np.ascontiguousarray(vectors, dtype=np.float32)
    name = hashlib.sha256(k.tobytes()).hexdigest()[:32] + ".npz"
    with replacing(directory / name, prefix=name, suffix=".tmp") as tmp, tmp.open("wb") as f:
        np.savez(f, keys=k, vectors=v, digest=_digest(k, v))


def cached_chunks(directory: Path, keys: Sequence[bytes]) -> tuple[np.ndarray | None, np.ndarray]:
    """The vectors the chunk files in ``directory`` hold for ``keys``: (matrix with a row
    per key, or None when none is cached; boolean mask of the rows found)."""
    wanted = {k: i for i, k in enumerate(keys)}
    found = np.zeros(len(keys), dtype=bool)
    out: np.ndarray | None = None
    try:
        files = sorted(directory.glob("*.npz"))
    except OSError:
        files = []
    for f in files:
        if found.all():
            break
        got = _read_chunk(f, wanted)
        if got is None:
            continue
        rows, vectors = got
        if out is None:
            out = np.zeros((len(keys), vectors.shape[1]), dtype=np.float32)
        elif vectors.shape[1] != out.shape[1]:
            continue
        out[rows] = vectors
        found[rows] = True
        for i in rows:  # a key another chunk repeats is read once
            wanted.pop(keys[i], None)
    return out, found


class _Progress:
    """'embedded 12,288 / 95,001 distinct texts (300/s), eta 4 min' on stderr: a tqdm bar
    on a terminal (when tqdm is installed), else a plain line at most every 10 s."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.done = total, enabled, 0
        self.start = self.last = time.perf_counter()
        self.bar = None
        if enabled and _isatty():
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="text", desc="embedding distinct texts",
                                file=sys.stderr, dynamic_ncols=True)
            except ImportError:
                pass

    def update(self, n: int) -> None:
        self.done += n
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.perf_counter()
        if now - self.last < 10 and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.start, 1e-9)
        left = (self.total - self.done) / max(rate, 1e-9)
        eta = f"{left / 60:.0f} min" if left >= 90 else f"{left:.0f} s"
        print(f"embedded {self.done:,} / {self.total:,} distinct texts ({rate:,.0f}/s), "
              f"eta {eta}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _isatty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def embed_nodes(
    texts: Sequence[NodeText],
    embedder: Embedder,
    model_id: str,
    cache_dir: Path | None = None,
    max_uncached: int | None = None,
    progress: bool | None = False,
    chunk: int | None = None,
) -> np.ndarray:
    """Row i embeds ``texts[i]``; loaded from the cache when model and texts are unchanged.

    Otherwise each distinct text not in the chunk cache is embedded once, ``chunk``
    (default :data:`CHUNK_TEXTS`) texts per embedder call, each chunk written to the cache
    as soon as it is done. With ``max_uncached``, more distinct uncached texts than that is
    a KGError saying how to build the cache (the app does not embed a large graph inside a
    page request). ``progress``: True prints progress on stderr, None only when stderr is
    a terminal, False never; either way only for :data:`PROGRESS_MIN` texts or more."""
    cache_dir = cache_dir if cache_dir is not None else settings.path("cache_dir")
    chunk = chunk or CHUNK_TEXTS
    ids = [t.iri for t in texts]
    strings = [t.text for t in texts]
    npy, ids_file = cache_files(cache_dir, model_id, content_hash(texts))
    cached = _load_cached(npy, ids_file, ids)
    if cached is not None:
        return cached

    distinct: dict[str, int] = {}
    inverse = np.fromiter((distinct.setdefault(s, len(distinct)) for s in strings),
                          dtype=np.int64, count=len(strings))
    unique = list(distinct)
    keys = [text_key(s) for s in unique]
    cdir = chunk_dir(cache_dir, model_id)
    vectors, found = cached_chunks(cdir, keys)
    todo = np.flatnonzero(~found)
    if max_uncached is not None and len(todo) > max_uncached:
        minutes = len(todo) / EMBED_PER_SECOND / 60
        n_nodes = int(np.count_nonzero(~found[inverse]))
        raise KGError(f"semantic search needs the embeddings of {n_nodes:,} nodes, which are "
                      f"not cached for this graph ({len(todo):,} distinct texts; embedding "
                      f"them takes about {minutes:.0f} min on 2 CPU cores): run `kg search "
                      "\"membership inference\" --store <this store>` once to build the "
                      "cache, then reload")
    # longest first: batches of like length pad least, and the ETA errs long, not short
    todo = todo[np.argsort([-len(unique[i]) for i in todo], kind="stable")]
    show = (progress if progress is not None else _isatty()) and len(todo) >= PROGRESS_MIN
    bar = _Progress(len(todo), bool(show))
    writable = True
    try:
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            v = np.asarray(embedder([unique[i] for i in part]), dtype=np.float32)
            if v.ndim != 2 or v.shape[0] != len(part) or (
                    vectors is not None and v.shape[1] != vectors.shape[1]):
                raise KGError(f"model {model_id!r}: the embedder returned shape {v.shape} "
                              f"for {len(part)} texts")
            if vectors is None:
                vectors = np.zeros((len(unique), v.shape[1]), dtype=np.float32)
            vectors[part] = v
            if writable:
                try:
                    _write_chunk(cdir, [keys[i] for i in part], v)
                except OSError:
                    writable = False  # a read-only cache costs time, not correctness
            bar.update(len(part))
    finally:
        bar.close()
    if vectors is None:  # no texts at all
        vectors = np.zeros((0, 0), dtype=np.float32)
    out = vectors[inverse] if len(unique) != len(strings) else vectors
    if writable:
        try:
            with replacing(npy, prefix=npy.name, suffix=".tmp") as tmp:
                _save_array(tmp, out)
            with replacing(ids_file, prefix=ids_file.name, suffix=".tmp") as tmp:
                tmp.write_text(json.dumps({"model": model_id, "ids": ids}), encoding="utf-8")
        except OSError:
            pass  # a read-only cache directory costs time, not correctness
    return out
