import pytest

from kg.lexicon import build_lexicon, normal, osa_distance
from kg.linking import link
from tests.tiers import slow

from .conftest import ROOT, benchmark_questions


@pytest.fixture(scope="module")
def lex(store):
    return build_lexicon(store, {"Extracting Training Data from Diffusion Models":
                                 ["Carlini et al."]})


def linked(lex, text):
    return {(m.entity.kind, m.entity.label) for m in link(text, lex)}


@pytest.mark.parametrize("text, kind, label", [
    ("MIA", "threat", "Membership inference"),
    ("which MIAs work", "threat", "Membership inference"),
    ("attacks on SD", "model", "Stable Diffusion"),
    ("on DMs", "model", "Diffusion model"),
    ("DiT", "model", "Diffusion Transformer"),
    ("LDMs", "model", "Latent diffusion model"),
    ("grey-box", "knowledge", "Gray-box"),
    ("gray box", "knowledge", "Gray-box"),
    ("greybox", "knowledge", "Gray-box"),
    ("API access", "knowledge", "Black-box"),
    ("Stable Diffusion v1-4", "model", "SD v1.4"),
    ("differential privacy", "method", "DP-SGD"),
    ("l2 regularization", "method", "ℓ2-regularization"),
    ("the SecMI paper", "paper", "Are Diffusion Models Vulnerable to Membership Inference Attacks?"),
    ("Carlini et al.", "paper", "Extracting Training Data from Diffusion Models"),
])
def test_abbreviations_and_variants(lex, text, kind, label):
    assert (kind, label) in linked(lex, text)


@pytest.mark.parametrize("text, kind, label", [
    ("membrship inference", "threat", "Membership inference"),
    ("stabel difusion", "model", "Stable Diffusion"),
    ("gradient inversoin", "threat", "Gradient inversion"),
    ("whitebox atacks", "knowledge", "White-box"),
])
def test_typos(lex, text, kind, label):
    ms = [m for m in link(text, lex) if (m.entity.kind, m.entity.label) == (kind, label)]
    assert ms
    assert all(not m.exact for m in ms if m.text.lower() != m.surface.lower()) or ms[0].exact


def test_longest_match_wins(lex):
    ms = link("attacks on Stable Diffusion v1.5", lex)
    assert [m.entity.label for m in ms if m.entity.kind == "model"] == ["SD v1.5"]


def test_no_false_links(lex):
    assert link("", lex) == []
    assert linked(lex, "what is on the other side of the road") == set()
    assert linked(lex, "how many are there") == set()


def test_spans_point_into_the_text(lex):
    text = "Which defenses protect SD against MIAs?"
    for m in link(text, lex):
        assert text[m.start:m.end] == m.text


def test_normal_and_distance():
    assert normal("DP-SGD") == normal("dp sgd")
    assert normal("SD v1.4") == normal("sd v1-4")
    assert osa_distance("membership", "memebrship") == 1
    assert osa_distance("abc", "abc") == 0
    assert osa_distance("kitten", "sitting", 2) == 3


def test_kinds_with_many_forms_get_a_one_edit_typo_index(store, monkeypatch):
    import kg.lexicon

    def methods(lex, text):
        return [m.entity.label for m in link(text, lex) if m.entity.kind == "method"]

    full = build_lexicon(store)
    assert methods(full, "defenses using RandAgmnt") == ["RandAugment"]
    monkeypatch.setattr(kg.lexicon, "TWO_EDITS_MAX_FORMS", 25)  # 29 method forms, 20 threat forms
    small = build_lexicon(store)
    assert len(small.deletions) < len(full.deletions)
    assert methods(small, "defenses using RandAugmnt") == ["RandAugment"]
    assert methods(small, "defenses using RandAgmnt") == []  # two edits: not indexed
    # a kind under the threshold keeps two edits
    assert [m.entity.label for m in link("membrship infrence", small)] == ["Membership inference"]


def _links(lex, text):
    return [(m.text, m.start, m.entity, m.surface, m.exact) for m in link(text, lex)]


def test_stored_lexicon_links_as_the_built_one(store, tmp_path):
    """The SQLite lexicon gives the same mentions as the lexicon it was written from, on
    every benchmark question and on typos, and the same lookups for ask's other uses."""
    from kg.lexicon_cache import StoredLexicon, write_lexicon

    built = build_lexicon(store, {"Extracting Training Data from Diffusion Models":
                                  ["Carlini et al."]})
    write_lexicon(built, tmp_path / "lex.sqlite")
    stored = StoredLexicon(tmp_path / "lex.sqlite")
    texts = benchmark_questions() + ["membrship inference on stabel difusion", "Carlini et al.",
                            "the SecMI paper", "SIDE attacks", "side effects", "dp-sgd"]
    assert len(texts) > 250
    for text in texts:
        assert _links(stored, text) == _links(built, text), text
    kinds = ("threat", "knowledge", "model", "method")
    assert stored.labels(kinds) == built.labels(kinds) and stored.max_len == built.max_len
    for head in ("me", "ST", "d", "zz", "%", "_"):  # an unknown name's candidates at 100k
        assert stored.labels(kinds, head=head) == built.labels(kinds, head=head), head
    assert stored.label_count(kinds) == built.label_count(kinds) > 0
    for kind in kinds:  # "at every knowledge level" lists them (an AttributeError once)
        assert stored.of_kind(kind) == built.of_kind(kind) != [], kind
    for iri, label in built.citation_labels.items():
        assert stored.citation_labels.get(iri) == label
    assert stored.citation_labels.get("urn:nothing") is None
    assert "urn:nothing" not in stored.citation_labels
    iri, label = next(iter(built.citation_labels.items()))
    assert iri in stored.citation_labels and stored.citation_labels[iri] == label


def phrasing_questions() -> list[str]:
    """The tune half of the phrasing benchmark (group quantifiers, attributes, typos)."""
    import yaml

    path = ROOT / "benchmarks" / "quality" / "phrasing_tune.yaml"
    return [q["q"] for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]]


@slow
def test_ask_answers_alike_with_the_stored_lexicon(graph, tmp_path, monkeypatch):
    """Every third benchmark question gets the same answer whether the lexicon was just
    built or opened from its cache file."""
    import kg.lexicon_cache as lexicon_cache
    from kg.ask import ask
    from kg.lexicon import Lexicon
    from kg.stores.memory import MemoryStore

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    lexicon_cache._lexicon_for.cache_clear()
    built_store = MemoryStore(graph, content_id="same-graph")
    assert isinstance(lexicon_cache.lexicon(built_store), Lexicon)
    stored_store = MemoryStore(graph, content_id="same-graph")
    assert isinstance(lexicon_cache.lexicon(stored_store), lexicon_cache.StoredLexicon)
    for q in benchmark_questions()[::3] + phrasing_questions():
        assert ask(stored_store, q).as_dict() == ask(built_store, q).as_dict(), q
    lexicon_cache._lexicon_for.cache_clear()


def test_lexicon_cached_by_content(graph, tmp_path, monkeypatch):
    """A store that names its content opens its lexicon from the cache file the next
    time; other content, a torn file or an unnamed store build it anew."""
    import kg.lexicon_cache as lexicon_cache
    from kg.stores.memory import MemoryStore

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    built = []
    real = lexicon_cache.build_lexicon
    monkeypatch.setattr(lexicon_cache, "build_lexicon",
                        lambda *a, **k: built.append(1) or real(*a, **k))

    def fresh(content_id):
        lexicon_cache._lexicon_for.cache_clear()
        return lexicon_cache.lexicon(MemoryStore(graph, content_id=content_id))

    def files():
        return sorted((tmp_path / "lexicon").glob("*.sqlite"))

    first = fresh("graph-a")
    assert len(built) == 1 and len(files()) == 1
    again = fresh("graph-a")
    assert len(built) == 1 and isinstance(again, lexicon_cache.StoredLexicon)
    q = "membrship inference attacks on SD by Carlini et al."
    assert _links(again, q) == _links(first, q) and _links(first, q)
    fresh("graph-b")  # other content: another key
    assert len(built) == 2 and len(files()) == 2
    files()[0].write_bytes(b"SQLite format 3\0 torn")  # a torn file is rebuilt
    lexicon_cache._lexicon_for.cache_clear()
    for name in ("graph-a", "graph-b"):
        assert _links(fresh(name), q) == _links(first, q)
    assert len(built) == 3
    fresh(None)
    assert len(built) == 4 and len(files()) == 2
    lexicon_cache._lexicon_for.cache_clear()


def test_oxigraph_version_names_its_content(graph, tmp_path):
    """An Oxigraph store's content id is its loaded version: the same while it reads
    one version, another after a load."""
    from kg.stores.oxigraph import OxigraphStore

    s = OxigraphStore(tmp_path / "ox")
    s.load(graph)
    one = s.content_id
    assert one and one == s.content_id
    s.load(graph)
    assert s.content_id and s.content_id != one
    assert OxigraphStore().content_id is None
