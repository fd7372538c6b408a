"""Survey text -> row records: rowspans expanded, every cell mapped, bad input named."""

from __future__ import annotations

import pytest

from kg.errors import SourceError, UnknownLabelError
from kg.graph import build_graph
from kg.ingest import parse_survey, read_survey
from kg.survey import ATTACKS, DEFENSES


def test_both_tables_with_all_rows(survey):
    assert len(survey.tables[ATTACKS].rows) == 16
    assert len(survey.tables[DEFENSES].rows) == 17
    assert survey.tables[ATTACKS].headers[2] == "Attacker's knowledge"  # &apos; decoded


def test_rowspan_expanded_into_every_row(survey):
    rows = survey.tables[DEFENSES].rows
    # "Training data extraction" spans 7 rows, "Membership inference" 9.
    assert [r["Threats"].text for r in rows[:7]] == ["Training data extraction"] * 7
    assert [r["Threats"].text for r in rows[7:16]] == ["Membership inference"] * 9
    # Rowspan cells remember the row they are written in.
    assert rows[2]["Ref."].written_in_row == 1 and rows[2]["Key Methods"].written_in_row == 3
    # The Wen et al. effectiveness cell spans the inference- and training-time rows.
    assert rows[5]["Effectiveness"].text == rows[4]["Effectiveness"].text
    assert rows[5]["Effectiveness"].written_in_row == 5
    assert rows[11]["Key Methods"].text == "ℓ2-regularization"  # &#8467;<sub>2</sub>


def test_links_and_code_cells(survey):
    a = survey.tables[ATTACKS].rows
    assert a[0]["Code"].links == () and a[0]["Code"].text == "code"
    assert a[1]["Code"].links == ("https://github.com/YuxinWenRick/diffusion_memorization",)
    assert a[5]["Ref."].text == "Are Diffusion Models Vulnerable to Membership Inference Attacks?"


def _mutate(text: str, old: str, new: str, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


def test_missing_column(survey_text):
    bad = _mutate(survey_text, '<th align="center" valign="middle">Limitations</th>', "")
    with pytest.raises(SourceError) as e:
        parse_survey(bad, file="s.md")
    msg = str(e.value)
    assert "file s.md" in msg and "table 'attacks'" in msg and "'Limitations'" in msg


def test_unknown_attacker_knowledge_label(survey_text):
    bad = _mutate(survey_text, "Grey-box, Black-box", "Grey-box, Purple-box")
    with pytest.raises(UnknownLabelError) as e:
        build_graph(parse_survey(bad, file="s.md"))
    msg = str(e.value)
    assert "table 'attacks', row 4, column \"Attacker's knowledge\"" in msg
    assert "'Purple-box'" in msg and "did you mean" in msg


def test_empty_title(survey_text):
    bad = _mutate(survey_text, ">SIDE: Surrogate Conditional Data Extraction from Diffusion Models<",
                  "> <")
    with pytest.raises(SourceError) as e:
        build_graph(parse_survey(bad, file="s.md"))
    assert "table 'attacks', row 3, column 'Ref.'" in str(e.value)
    assert "empty title" in str(e.value)


def test_broken_rowspan_runs_past_the_table(survey_text):
    bad = _mutate(survey_text, 'rowspan="11"', 'rowspan="14"')
    with pytest.raises(SourceError) as e:
        parse_survey(bad, file="s.md")
    assert "table 'attacks', row 5, column 'Category'" in str(e.value)
    assert "rowspan=14" in str(e.value)


def test_broken_rowspan_leaves_a_row_short(survey_text):
    bad = _mutate(survey_text, 'rowspan="3"><strong>Training', 'rowspan="2"><strong>Training')
    with pytest.raises(SourceError) as e:
        parse_survey(bad, file="s.md")
    assert "table 'attacks', row 3" in str(e.value)


def test_non_numeric_rowspan(survey_text):
    bad = _mutate(survey_text, 'rowspan="11"', 'rowspan="eleven"')
    with pytest.raises(SourceError, match="row 5, column 'Category': rowspan='eleven'"):
        parse_survey(bad, file="s.md")


def test_file_with_no_tables():
    with pytest.raises(SourceError, match="file empty.md: no survey tables"):
        parse_survey("# A survey\n\nNo tables here.\n", file="empty.md")


def test_non_utf8_file(tmp_path, survey_text):
    p = tmp_path / "latin1.md"
    p.write_bytes(survey_text.replace("ℓ", "l").encode("utf-8") + "Caf\xe9".encode("latin-1"))
    with pytest.raises(SourceError) as e:
        read_survey(p)
    assert str(p) in str(e.value) and "not UTF-8" in str(e.value) and "0xe9" in str(e.value)
