"""The related-work prose (issue 19), by its rules: every sentence starts with a capital
and ends with a period, carries the survey rows it rests on, names its models as
"A, B and C", and never copies a survey cell unquoted; the phrasing rules, one by one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.export import export, make_view, view_spec
from kg.export.latex import escape
from kg.export.paragraph import (
    LATEX,
    Heading,
    Sentence,
    and_list,
    blocks,
    knowledge_adverbial,
    knowledge_setting,
    render_sentence,
)
from kg.export.phrasing import (
    QUOTE_CLOSE,
    QUOTE_OPEN,
    agree,
    article,
    attack_effect,
    defense_effect,
    limitation,
    spell_out,
)
from kg.export.views import AttackRow, DefenseRow, Paper


@pytest.fixture(scope="module")
def views(store):
    return {"whole survey": make_view(store, view_spec(store)),
            "one threat": make_view(store, view_spec(store, threats=["Membership inference"])),
            "one family": make_view(store, view_spec(store, models=["Stable Diffusion"]))}


def _sentences(tex: str) -> list[tuple[list[str], str]]:
    """(rows, sentence) for every sentence line of a LaTeX paragraph export; fails on a
    sentence line with no `% rows:` comment right above it."""
    out, rows = [], None
    for line in tex.splitlines():
        if re.fullmatch(r"% rows: (?:(?:attacks|defenses):\d+ ?)+", line):
            rows = line.removeprefix("% rows: ").split()
        elif line.startswith("% counts: ") and rows:  # what a number sentence counts
            continue
        elif line.startswith("%") or not line.strip() or line.startswith("\\paragraph{"):
            assert rows is None, f"a rows comment with no sentence after it: {line!r}"
        else:
            assert rows, f"sentence without a rows comment: {line!r}"
            out.append((rows, line))
            rows = None
    return out


def _unquoted(text: str) -> str:
    text = re.sub(r"``.*?''", " ", text)
    text = re.sub(r"\\cite\{[^}]*\}", " ", text).replace("~", " ").replace("\\ ", " ")
    return " ".join(text.split()).lower()


@pytest.mark.parametrize("name", ["whole survey", "one threat", "one family"])
def test_every_sentence_is_capitalised_ends_with_a_period_and_names_its_rows(views, name):
    view = views[name]
    sentences = _sentences(export(view, "paragraph"))
    assert len(sentences) > 5
    known = {f"attacks:{a.row}" for a in view.attacks} | {
        f"defenses:{d.row}" for d in view.defenses}
    covered = set()
    for rows, s in sentences:
        assert s[0].isupper(), s
        assert s.endswith("."), s
        assert not s.endswith(".."), s
        assert set(rows) <= known, (rows, s)
        covered |= set(rows)
    assert covered == known  # every row of the view is in some sentence


def test_each_sentence_states_only_its_rows(views):
    """A sentence about one attack row cites that row's paper and names its models."""
    view = views["whole survey"]
    by_id = {f"attacks:{a.row}": a for a in view.attacks} | {
        f"defenses:{d.row}": d for d in view.defenses}
    for rows, s in _sentences(export(view, "paragraph")):
        keys = {k for group in re.findall(r"\\cite\{([^}]*)\}", s) for k in group.split(",")}
        assert keys == {by_id[r].paper.key for r in rows}, s
        if len(rows) == 1 and rows[0].startswith("attacks:") and (
                "evaluating on" in s or "experiments on" in s or "argeting" in s):
            models = and_list([escape(m) for m in by_id[rows[0]].models])
            assert models in s, (models, s)


def test_no_survey_cell_appears_unquoted(views):
    view = views["whole survey"]
    text = "\n".join(s for _, s in _sentences(export(view, "paragraph")))
    plain = _unquoted(text)
    cells = {a.effectiveness for a in view.attacks} | {a.limitation for a in view.attacks} \
        | {d.effectiveness for d in view.defenses}
    for cell in cells:
        words = " ".join(escape(cell).rstrip(".").split()).lower()
        assert words not in plain, cell
    # and a quoted cell is quoted whole, with its citation
    for quote in re.findall(r"``(.*?)''", text):
        assert quote in {escape(c) for c in cells}, quote


def test_model_lists_read_a_b_and_c(views):
    view = views["whole survey"]
    tex = export(view, "paragraph")
    lists = [m.group(1) for m in re.finditer(
        r"(?:evaluating on|experiments on|[Tt]argeting) (.+?)(?:~\\cite|,| with | in both)",
        tex)]
    assert len(lists) >= len(view.attacks) // 2
    for a in view.attacks:
        models = [escape(m) for m in a.models]
        assert and_list(models) in tex
        if len(models) > 2:
            assert ", and " not in and_list(models)
    for d in view.defenses:  # the defense sentences name the models of the paper's rows
        assert any(escape(m) in tex for m in d.models)
    assert and_list(["A"]) == "A" and and_list(["A", "B"]) == "A and B"
    assert and_list(["A", "B", "C"]) == "A, B and C"


def test_knowledge_in_words():
    assert knowledge_adverbial(["Black-box"]) == "with black-box access"
    assert knowledge_setting(["Black-box", "White-box"]) == \
        "both the black-box and white-box settings"
    assert knowledge_setting(["Black-box", "Gray-box", "White-box"]) == \
        "the black-box, gray-box and white-box settings"


def test_grouped_by_threat_then_knowledge(views):
    view = views["whole survey"]
    items = blocks(view.attacks, view.defenses)
    threats = [b.text for b in items if isinstance(b, Heading)]
    assert threats == view.threats()
    tex = export(view, "paragraph")
    mia = tex.split("\\paragraph{Membership inference.}")[1].split("\\paragraph{")[0]
    # the black-box group comes before the gray-box group, the defenses last
    assert mia.index("black-box access") < mia.index("gray-box access") \
        < mia.index("Against membership inference")


@pytest.mark.parametrize("cell,expected", [
    ("Able to achieve an AUC of 0.999 and TPR@1%FPR of 0.988",
     "X report an AUC of 0.999 and a TPR@1%FPR of 0.988 for their attack"),
    ("First investigate the structural changes during the diffusion process",
     "X are the first to investigate the structural changes during the diffusion process"),
    ("Only require access to the variation API of the model",
     "X propose an attack that requires only access to the variation API of the model"),
    ("The resilience of DMs to MIA is comparable to that of GANs",
     "X show that the resilience of diffusion models to membership inference attacks is "
     "comparable to that of GANs"),
    ("Highly effective in extracting memorized data",
     "X find their attack highly effective at extracting memorized data"),
    ("Extract training samples from DMs",
     "X propose an attack that extracts training samples from diffusion models"),
    ("Quantile regression models are trained to predict reconstruction loss distribution",
     "X report results that the survey summarises as " + QUOTE_OPEN + "Quantile regression "
     "models are trained to predict reconstruction loss distribution" + QUOTE_CLOSE),
])
def test_attack_effectiveness_rules(cell, expected):
    assert attack_effect(cell)("X", True) == expected


@pytest.mark.parametrize("cell,subject,plural,expected", [
    ("Fail to converge", "DP-SGD", False, "training with DP-SGD fails to converge"),
    ("More effective for T2I DMs", "DualMD", False,
     "DualMD is more effective for text-to-image diffusion models"),
    ("ASR and AUC drop to some extent", "Cutout and Flip", True,
     "Cutout and Flip lower the attack success rate and AUC only to some extent"),
    ("Successfully mitigate the effect and offer a trade-off", "A and B", True,
     "A and B each successfully mitigates the effect and offers a trade-off"),
    ("Adding almost no cost, significantly reducing scores from 0.7 to 0.25", "M", False,
     "M adds almost no cost and significantly reduces scores from 0.7 to 0.25"),
    ("Effectively protects privacy while maintaining quality", "M", False,
     "M protects privacy effectively while maintaining quality"),
    ("Reducing memorization revealed a correlation", "M", False,
     "the survey summarises the results for M as " + QUOTE_OPEN
     + "Reducing memorization revealed a correlation" + QUOTE_CLOSE),
])
def test_defense_effectiveness_rules(cell, subject, plural, expected):
    assert defense_effect(cell)(subject, plural) == expected


@pytest.mark.parametrize("cell,expected", [
    ("Requires auxiliary datasets", "it needs auxiliary datasets"),
    ("Direct access to the trained model",
     "it assumes that the trained model is directly accessible"),
    ("Access intermediate outputs of DMs",
     "it must be able to access intermediate outputs of diffusion models"),
    ("Rely on a captioning model", "it depends on a captioning model"),
    ("Limited to structure-based MIA",
     "it is restricted to structure-based membership inference attacks"),
    ("A tunable threshold is required to be determined",
     "it needs a tunable threshold to be set"),
    ("Single batch size", "it has a limitation that the survey states as "
     + QUOTE_OPEN + "Single batch size" + QUOTE_CLOSE),
])
def test_limitation_rules(cell, expected):
    assert limitation(cell)("it") == expected


def test_grammar_helpers():
    assert [agree(v, False) for v in ("reach", "rely", "be", "propose")] == \
        ["reaches", "relies", "is", "proposes"]
    assert agree("be", True) == "are"
    assert [article(w) for w in ("AUC", "TPR", "F1", "effective", "model")] == \
        ["an", "a", "an", "an", "a"]
    assert spell_out("A score-based MIA on DMs") == \
        "A score-based membership inference attack on diffusion models"


def _paper(key: str, title: str) -> Paper:
    from rdflib import URIRef

    return Paper(URIRef(f"urn:x:{key}"), title, key, None)


@given(effect=st.text(alphabet="ab &%$#_{}~^\\ℓ–’<> .,0123AUCDMs", min_size=1, max_size=60),
       lim=st.text(alphabet="ab &%$#_{}~^\\ℓ–’<> .,", min_size=1, max_size=40))
def test_any_cell_gives_sentences_by_the_rules(effect, lim):
    """Rows of any selection (an audit profile builds its own): hostile cell text is
    escaped, quoted when no rule fits, and every sentence keeps the rules."""
    from rdflib import URIRef

    p = _paper("k1", "A {weird} title")
    a = AttackRow(URIRef("urn:x:a"), 3, "Membership inference", p, ("Black-box",),
                  ("M&1", "M_2", "M3"), effect, lim, None, ())
    d = DefenseRow(URIRef("urn:x:d"), 4, "Membership inference", p, "ℓ2-regularization",
                   ("M&1",), effect, None, ())
    for b in blocks([a], [d]):
        if isinstance(b, Sentence):
            text = render_sentence(LATEX, b)
            assert text.endswith("~\\cite{k1}."), text
            assert text[0].isupper(), text
            assert b.rows and set(b.rows) <= {"attacks:3", "defenses:4"}
            assert QUOTE_OPEN not in text and QUOTE_CLOSE not in text
            bare = re.sub(r"\\[a-z]+\{\}|\\[&%$#_{}]|\\cite\{k1\}|\$\\ell\$|\\ ", "", text)
            assert not re.search(r"(?<!`)[&%#_^]", bare.replace("``", "").replace("''", "")), \
                text


def test_markdown_prose_carries_the_same_rows(views):
    view = views["one threat"]
    md = export(view, "paragraph-md")
    tex = export(view, "paragraph")
    md_rows = [r.split("\n")[0].strip() for r in re.findall(r"<!--\s*rows: (.*?)-->", md, re.S)]
    assert md_rows == re.findall(r"% rows: ((?:attacks|defenses):.*)", tex)
    assert "\u201c" in md or "``" not in tex  # quotes typeset for Markdown
