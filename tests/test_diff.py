"""kg diff: a modified survey copy gives exactly its differences; gaps open and close."""

from __future__ import annotations

import json

import pytest
import yaml

from kg.additions import load_additions
from kg.build import build
from kg.diff import changes_since_previous, diff_graphs, render_text
from kg.graph import build_graph
from kg.ingest import parse_survey
from tests.built import copy_build
from tests.tiers import slow

from .conftest import SURVEY

REMOVED = "Membership Inference Attacks on Diffusion Models via Quantile Regression"
CHANGED = "Model Will Tell: Training Membership Inference for Diffusion Models"
OLD_EFF = "Leverage the intrinsic generative priors within the DMs"
NEW_EFF = "Beats SecMI and PIA on four datasets"
ADDED = "Example: A New Black-box Membership Inference Attack"
NEW_ROW = f"""<tr>
    <td align="left" valign="middle"><a href="https://example.org/new-mia">{ADDED}</a></td>
    <td align="center" valign="middle">Black-box</td>
    <td align="center" valign="middle">DDPM</td>
    <td align="center" valign="middle">Works with ten queries</td>
    <td align="center" valign="middle">Needs a shadow model</td>
    <td align="center" valign="middle"><a href="https://github.com/example/new-mia">code</a></td>
  </tr>"""


def modified_survey(text: str) -> str:
    """The survey with one paper's row replaced by a new paper's row (rowspans stay
    right) and one effectiveness cell reworded."""
    i = text.index(REMOVED)
    start, end = text.rindex("<tr>", 0, i), text.index("</tr>", i) + len("</tr>")
    assert text.count(REMOVED) == 1 and text.count(OLD_EFF) == 1
    return (text[:start] + NEW_ROW + text[end:]).replace(OLD_EFF, NEW_EFF)


@pytest.fixture(scope="module")
def survey_diff(survey, graph):
    new = build_graph(parse_survey(modified_survey(SURVEY.read_text(encoding="utf-8")),
                                   "new.md"))
    return diff_graphs(graph, new)


def _labels(items):
    return [i["label"] for i in items]


def test_modified_survey_gives_exactly_those_differences(survey_diff):
    d = survey_diff.as_dict()
    assert _labels(d["papers"]["added"]) == [ADDED]
    assert _labels(d["papers"]["removed"]) == [REMOVED]
    assert d["papers"]["changed"] == []
    assert _labels(d["attacks"]["added"]) == [f"Membership inference attack: {ADDED}"]
    assert _labels(d["attacks"]["removed"]) == [f"Membership inference attack: {REMOVED}"]
    (changed,) = d["attacks"]["changed"]
    assert changed["label"] == f"Membership inference attack: {CHANGED}"
    (cell,) = changed["changes"]
    assert (cell["column"], cell["property"], cell["old"], cell["new"]) == (
        "Effectiveness", "rd:effectiveness", [OLD_EFF], [NEW_EFF])
    assert d["defense_evaluations"] == {"added": [], "removed": [], "changed": []}
    # the removed paper had no code link: that gap closes; the new one has a code link
    assert d["gaps"]["opened"] == []
    assert [(g["type"], g["cells"]) for g in d["gaps"]["closed"]] == [
        ("no_code_link", [{"paper": REMOVED}])]
    assert d["summary"]["attacks"] == {"added": 1, "removed": 1, "changed": 1}


def test_identical_graphs_have_no_differences(graph):
    d = diff_graphs(graph, graph)
    assert d.empty and "no changes" in render_text(d)


def test_adding_a_defense_on_an_undefended_cell_closes_exactly_that_gap(survey, graph,
                                                                         tmp_path):
    p = tmp_path / "guard.yaml"
    p.write_text(yaml.safe_dump({"entries": [{
        "key": "guard", "kind": "defense",
        "title": "Example: Guarding SD v1.4 against Membership Inference",
        "urls": ["https://example.org/guard"], "code": "https://github.com/example/guard",
        "threat": "Membership inference", "method": "Example guard", "models": ["SD v1.4"],
        "effectiveness": "Attack AUC falls to 0.55"}]}), encoding="utf-8")
    new = build_graph(survey, additions=load_additions(p))
    d = diff_graphs(graph, new)
    assert d.gaps_opened == []
    assert [(g["type"], g["level"], g["cells"]) for g in d.gaps_closed] == [
        ("model_without_defense", "model",
         [{"threat": "Membership inference", "model": "SD v1.4"}])]
    assert _labels(d.sections["defense_evaluations"]["added"]) == [
        "Example guard (Example: Guarding SD v1.4 against Membership Inference)"]
    assert d.sections["defense_evaluations"]["added"][0]["sources"] == [f"{p}: guard"]


@slow
def test_cli_diff_between_two_survey_files_text_and_json(kg_cli, tmp_path):
    new = tmp_path / "new.md"
    new.write_text(modified_survey(SURVEY.read_text(encoding="utf-8")), encoding="utf-8")
    r = kg_cli("diff", str(SURVEY), str(new), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert set(d) >= {"old", "new", "summary", "papers", "attacks", "defense_evaluations",
                      "gaps"}
    assert d["summary"]["papers"] == {"added": 1, "removed": 1, "changed": 0}
    r = kg_cli("diff", str(SURVEY), str(new))
    assert r.exit_code == 0
    assert f"+ {ADDED}" in r.output and f"- {REMOVED}" in r.output
    assert f"Effectiveness (rd:effectiveness): {OLD_EFF} -> {NEW_EFF}" in r.output
    assert "Gaps: 0 opened, 1 closed" in r.output


@slow
def test_cli_diff_between_two_builds_and_since_previous(kg_cli, survey_build, tmp_path):
    new = tmp_path / "new.md"
    new.write_text(modified_survey(SURVEY.read_text(encoding="utf-8")), encoding="utf-8")
    a, b = copy_build(survey_build, tmp_path / "a"), tmp_path / "b"  # a: a build of data/
    empty = tmp_path / "no-additions"
    assert changes_since_previous(a) is None  # first build: nothing to compare with
    build(source=new, build_dir=b, additions_dir=empty)
    r = kg_cli("diff", str(a), str(b), "--json", "--no-gaps")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["summary"]["attacks"] == {"added": 1, "removed": 1, "changed": 1}
    assert d["gaps"] is None and d["new"]["version"]["graph_sha256"]
    # rebuilding a's directory from the new survey keeps the old graph as previous.nt
    r = build(source=new, build_dir=a, additions_dir=empty)
    assert r.previous_kept and (a / "previous.nt").exists()
    since = changes_since_previous(a)
    assert since.summary()["papers"] == {"added": 1, "removed": 1, "changed": 0}
    assert since.summary()["gaps"] == {"opened": 0, "closed": 1}


def test_cli_diff_bad_input_is_one_line(kg_cli, tmp_path):
    r = kg_cli("diff", str(tmp_path / "nope.md"), str(SURVEY))
    assert r.exit_code == 1 and "no such file or build directory" in r.output
    r = kg_cli("diff", str(tmp_path), str(SURVEY))
    assert r.exit_code == 1 and "no built graph" in r.output


@slow
def test_app_overview_data_shows_changes_since_previous_build(survey_build, tmp_path):
    """The app's overview reads what the last build changed (kg.app.overview)."""
    from kg.app import overview as app_overview

    src = tmp_path / "survey.md"
    text = SURVEY.read_text(encoding="utf-8")
    out = copy_build(survey_build, tmp_path / "build")  # a build of this text
    assert app_overview.changes_since_previous_build(out) is None
    src.write_text(text.replace("Single batch size", "Batch size of one"), encoding="utf-8")
    build(source=src, build_dir=out)
    changes = app_overview.changes_since_previous_build(out)
    assert changes is not None and not changes["empty"]
    assert changes["summary"]["attacks"]["changed"] == 1
    assert "Batch size of one" in changes["text"]
