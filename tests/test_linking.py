import pytest

from kg.linking import build_lexicon, link, normal, osa_distance


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
    import kg.linking as linking

    def methods(lex, text):
        return [m.entity.label for m in link(text, lex) if m.entity.kind == "method"]

    full = build_lexicon(store)
    assert methods(full, "defenses using RandAgmnt") == ["RandAugment"]
    monkeypatch.setattr(linking, "TWO_EDITS_MAX_FORMS", 25)  # 29 method forms, 20 threat forms
    small = build_lexicon(store)
    assert len(small.deletions) < len(full.deletions)
    assert methods(small, "defenses using RandAugmnt") == ["RandAugment"]
    assert methods(small, "defenses using RandAgmnt") == []  # two edits: not indexed
    # a kind under the threshold keeps two edits
    assert [m.entity.label for m in link("membrship infrence", small)] == ["Membership inference"]
