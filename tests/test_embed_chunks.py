"""The chunked, resumable embedding cache (kg.embed.embed_nodes): distinct texts only,
resume after a kill, damaged chunks re-embedded, read-only cache directories."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import kg.embed as embed
from kg.embed import NodeText, cached_chunks, chunk_dir, embed_nodes, text_key
from tests.fake_embed import CountingEmbedder

CHUNK = 16


@pytest.fixture(scope="module")
def texts(store):
    return embed.node_texts(store)


def reference(texts) -> np.ndarray:
    """Every text embedded at once, no cache: what any cached path must return."""
    return CountingEmbedder()([t.text for t in texts])


class Killed(Exception):
    pass


class DiesAfter(CountingEmbedder):
    """Embeds ``ok`` chunks, then raises (a run killed mid-way)."""

    def __init__(self, ok: int) -> None:
        super().__init__()
        self.ok = ok

    def __call__(self, batch):
        if self.calls == self.ok:
            raise Killed
        return super().__call__(batch)


def n_distinct(texts) -> int:
    return len({t.text for t in texts})


def with_copies(texts, every: int = 3) -> list[NodeText]:
    """The texts plus a copy (another IRI, the same text) of every ``every``-th one."""
    copies = [dataclasses.replace(t, iri=t.iri + "-copy") for t in texts[::every]]
    return list(texts) + copies


def test_distinct_texts_are_embedded_once_and_rows_share_them(texts, tmp_path):
    nodes = with_copies(texts)
    fake = CountingEmbedder()
    v = embed_nodes(nodes, fake, "m", tmp_path, chunk=CHUNK)
    assert len(nodes) > n_distinct(nodes) == len(texts)
    assert fake.texts == n_distinct(nodes)
    assert np.array_equal(v, reference(nodes))
    n = len(texts)
    for i, t in enumerate(texts[::3]):
        assert np.array_equal(v[n + i], v[texts.index(t)])


def test_killed_run_resumes_after_its_last_chunk(texts, tmp_path):
    k = 3
    dying = DiesAfter(k)
    with pytest.raises(Killed):
        embed_nodes(texts, dying, "m", tmp_path, chunk=CHUNK)
    assert len(list(chunk_dir(tmp_path, "m").glob("*.npz"))) == k
    fake = CountingEmbedder()
    v = embed_nodes(texts, fake, "m", tmp_path, chunk=CHUNK)
    assert fake.texts == n_distinct(texts) - k * CHUNK
    assert np.array_equal(v, reference(texts))


def test_a_rebuilt_graph_embeds_only_its_new_texts(texts, tmp_path):
    embed_nodes(texts, CountingEmbedder(), "m", tmp_path, chunk=CHUNK)
    changed = list(texts)
    for i in (0, 5, 9):
        changed[i] = dataclasses.replace(changed[i], label=changed[i].label + " (rev. 2)")
    fake = CountingEmbedder()
    v = embed_nodes(changed, fake, "m", tmp_path, chunk=CHUNK)
    assert fake.texts == 3
    assert np.array_equal(v, reference(changed))


def test_chunks_are_per_model(texts, tmp_path):
    embed_nodes(texts, CountingEmbedder(), "model-a", tmp_path, chunk=CHUNK)
    fake = CountingEmbedder()
    embed_nodes(texts, fake, "model-b", tmp_path, chunk=CHUNK)
    assert fake.texts == n_distinct(texts)


def damage(path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "flip":  # one byte inside the vectors, the file keeps its length
        data[len(data) // 2] ^= 0x40
        path.write_bytes(bytes(data))
    else:  # a well-formed file (valid zip CRCs): its keys, other vectors, its old digest
        with np.load(path) as z:
            keys, vectors, digest = z["keys"], z["vectors"], z["digest"]
        np.savez(path, keys=keys, vectors=vectors[::-1].copy(), digest=digest)


@pytest.mark.parametrize("how", ["truncate", "flip", "forged"])
def test_a_damaged_chunk_is_embedded_again_never_served(texts, tmp_path, how):
    embed_nodes(texts, CountingEmbedder(), "m", tmp_path, chunk=CHUNK)
    files = sorted(chunk_dir(tmp_path, "m").glob("*.npz"))
    damage(files[1], how)
    for f in (tmp_path / "embeddings").glob("*.npy"):
        f.unlink()  # the whole-matrix fast path gone: the chunks must answer
    fake = CountingEmbedder()
    v = embed_nodes(texts, fake, "m", tmp_path, chunk=CHUNK)
    assert fake.texts == CHUNK
    assert np.array_equal(v, reference(texts))
    keys = [text_key(s) for s in dict.fromkeys(t.text for t in texts)]
    got, found = cached_chunks(chunk_dir(tmp_path, "m"), keys)  # the bad chunk replaced
    assert found.all() and np.array_equal(got, reference(texts))


def test_read_only_cache_still_returns_the_right_vectors(texts, tmp_path, monkeypatch):
    half = texts[: len(texts) // 2]
    embed_nodes(half, CountingEmbedder(), "m", tmp_path, chunk=CHUNK)
    before = sorted(p.name for p in (tmp_path / "embeddings").rglob("*"))

    def refuse(path, **_):
        raise PermissionError(f"read-only: {path}")

    monkeypatch.setattr(embed, "replacing", refuse)  # root ignores chmod
    fake = CountingEmbedder()
    v = embed_nodes(texts, fake, "m", tmp_path, chunk=CHUNK)
    assert np.array_equal(v, reference(texts))
    assert fake.texts == n_distinct(texts) - n_distinct(half)  # the cached half read
    assert sorted(p.name for p in (tmp_path / "embeddings").rglob("*")) == before


def test_cache_dir_that_cannot_exist_still_embeds(texts, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    fake = CountingEmbedder()
    v = embed_nodes(texts, fake, "m", blocker / "cache", chunk=CHUNK)
    assert np.array_equal(v, reference(texts))


def test_max_uncached_counts_distinct_uncached_texts(texts, tmp_path):
    from kg.errors import KGError

    nodes = with_copies(texts, every=1)  # every text twice
    embed_nodes(nodes[:20], CountingEmbedder(), "m", tmp_path, chunk=CHUNK)
    todo = n_distinct(texts) - 20
    with pytest.raises(KGError, match=rf"\({todo:,} distinct texts;"):
        embed_nodes(nodes, CountingEmbedder(), "m", tmp_path, max_uncached=todo - 1)
    fake = CountingEmbedder()
    embed_nodes(nodes, fake, "m", tmp_path, max_uncached=todo, chunk=CHUNK)
    assert fake.texts == todo


@pytest.mark.parametrize("progress,shown", [(True, True), (False, False), (None, False)])
def test_progress_line_only_when_asked_or_on_a_terminal(texts, tmp_path, monkeypatch, capsys,
                                                        progress, shown):
    monkeypatch.setattr(embed, "PROGRESS_MIN", 10)
    embed_nodes(texts, CountingEmbedder(), "m", tmp_path, chunk=CHUNK, progress=progress)
    err = capsys.readouterr().err  # capsys: stderr is not a terminal
    n = n_distinct(texts)
    assert (f"embedded {n:,} / {n:,} distinct texts" in err) is shown
    assert "eta" in err if shown else err == ""


def test_no_progress_below_the_threshold(texts, tmp_path, capsys):
    assert n_distinct(texts) < embed.PROGRESS_MIN
    embed_nodes(texts, CountingEmbedder(), "m", tmp_path, chunk=CHUNK, progress=True)
    assert capsys.readouterr().err == ""


def test_a_terminal_gets_a_tqdm_bar(texts, tmp_path, monkeypatch, capsys):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(embed, "PROGRESS_MIN", 10)
    monkeypatch.setattr(embed, "_isatty", lambda: True)
    embed_nodes(texts, CountingEmbedder(), "m", tmp_path, chunk=CHUNK, progress=None)
    err = capsys.readouterr().err
    n = n_distinct(texts)
    assert "embedding distinct texts" in err and f"{n}/{n}" in err
