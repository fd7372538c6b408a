"""kg load reads a graph file in chunks of whole lines, hashing as it reads: the same triples
as one read, and a build's graph.nt whose bytes are not its recorded hash loads nothing."""

import shutil

import pytest

from kg import loading
from kg.errors import KGError
from kg.snapshot import resolve
from kg.stores.open import open_store


def _graph_copy(survey_build, tmp_path):
    src = resolve(survey_build)
    out = tmp_path / "build"
    out.mkdir()
    for name in ("graph.nt", "version.json"):
        shutil.copy(src / name, out / name)
    return out / "graph.nt"


def test_small_chunks_load_every_triple(survey_build, tmp_path, monkeypatch, graph):
    nt = _graph_copy(survey_build, tmp_path)
    monkeypatch.setattr(loading, "CHUNK_BYTES", 997)  # lines cut across many chunks
    chunks = list(loading._read_graph(nt, nt, "test"))
    assert len(chunks) > 100
    assert all(c.endswith(b"\n") for c in chunks)
    assert b"".join(chunks) == nt.read_bytes()
    # the load itself in chunks of 64 KiB (each chunk is one bulk load, ~30 ms: 997-byte
    # chunks would take ~40 s); still many chunks, lines still cut across them
    monkeypatch.setattr(loading, "CHUNK_BYTES", 65_521)
    assert nt.stat().st_size > 10 * 65_521
    r = loading.load(f"oxigraph:{tmp_path / 'ox'}", graph_file=nt)
    assert r.triples == len(graph)


def test_a_graph_without_its_recorded_hash_loads_nothing(survey_build, tmp_path, monkeypatch):
    nt = _graph_copy(survey_build, tmp_path)
    monkeypatch.setattr(loading, "CHUNK_BYTES", 65_521)  # several chunks
    lines = nt.read_bytes().splitlines(keepends=True)
    nt.write_bytes(b"".join(lines[:-1]))  # one line short: still parses
    setting = f"oxigraph:{tmp_path / 'ox'}"
    with pytest.raises(KGError, match="SHA-256 is not the graph_sha256.*nothing was loaded"):
        loading.load(setting, graph_file=nt)
    assert open_store(setting, check=False).triple_count() == 0  # no version switched in
