"""Curation tasks (issue 32): an unknown name is a task, not an abort; the vocabulary
commands resolve it; kg diff, kg curate and the app's preview print one review structure.

Every test that writes works on a temporary copy of data/ (settings.DATA_DIR patched), never
the checkout's data/.
"""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from kg import settings
from kg.curated import load_aliases, load_models, models_from_data
from kg.diff import diff_paths
from kg.errors import CurationNeeded, SourceError
from kg.graph import build_graph
from kg.ingest import parse_survey
from kg.tasks import Tasks
from tests.tiers import first_fast, slow

from .conftest import ROOT, SURVEY

ADDED = "Example: A New Membership Inference Attack"
ADDED_ROW = f"""  <tr>
    <td align="center" valign="middle"><strong>Membership inference</strong></td>
    <td align="left" valign="middle"><a href="https://example.org/new-mia">{ADDED}</a></td>
    <td align="center" valign="middle">Black-box</td>
    <td align="center" valign="middle">DDPM</td>
    <td align="center" valign="middle">Works with ten queries</td>
    <td align="center" valign="middle">Needs a shadow model</td>
    <td align="center" valign="middle"></td>
  </tr>
"""
MODELS_CELL = '<td align="center" valign="middle">OpenAI-DDPM, DDPM</td>'


def survey_copy(text: str) -> str:
    """The survey with 'Imagen' added to the first Target Models cell (an unknown model),
    one Limitations cell reworded, and one attack row (a new paper, no code) added."""
    assert text.count(MODELS_CELL) == 1 and text.count("Single batch size") == 1
    text = text.replace(MODELS_CELL, MODELS_CELL.replace("DDPM<", "DDPM, Imagen<"))
    text = text.replace("Single batch size", "Batch size of one")
    end = text.index("</table>")  # the attack table is the first
    return text[:end] + ADDED_ROW + text[end:]


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of data/ the vocabulary commands write to (settings.DATA_DIR patched)."""
    d = tmp_path / "data"
    shutil.copytree(ROOT / "data", d)
    monkeypatch.setattr(settings, "DATA_DIR", d)
    return d


def test_an_unknown_model_is_a_task_with_its_cell_and_the_command(survey_text):
    tasks = Tasks()
    g = build_graph(parse_survey(survey_copy(survey_text), "copy.md"), tasks=tasks)
    (task,) = list(tasks)
    assert (task.kind, task.label, task.blocking) == ("model", "Imagen", True)
    assert task.cells == ["file copy.md, table 'attacks', row 1, column 'Target Models'"]
    assert task.commands[0] == "kg add model Imagen --broader FAMILY --source URL"
    assert tasks.in_survey == [task]
    # the row keeps the models it names that are known
    from kg.vocab import RD, iri
    assert set(g.objects(iri("attack", "Extracting Training Data from Diffusion Models"),
                         RD.evaluatedOn)) == {iri("model", "OpenAI-DDPM"), iri("model", "DDPM")}


def test_a_close_misspelling_gets_the_closest_name_and_an_alias_command(survey_text):
    text = survey_text.replace(MODELS_CELL, MODELS_CELL.replace("OpenAI-DDPM", "OpenAI-DDPN"))
    tasks = Tasks()
    build_graph(parse_survey(text, "copy.md"), tasks=tasks)
    (task,) = list(tasks)
    assert task.closest[0] == "OpenAI-DDPM"
    assert "kg add alias OpenAI-DDPN --for OpenAI-DDPM --kind model" in task.commands


def test_without_a_task_list_an_unknown_name_still_raises(survey_text):
    from kg.errors import UnknownLabelError

    with pytest.raises(UnknownLabelError, match="unknown target model 'Imagen'"):
        build_graph(parse_survey(survey_copy(survey_text), "copy.md"))


@slow
def test_diff_then_kg_add_model_then_rebuild_closes_the_task(kg_cli, data_copy, tmp_path):
    """The loop of the issue's 'done when': one task, one changed cell, one added row and
    the gap it opens; `kg add model` resolves the task; the rebuild has none."""
    copy = tmp_path / "new.md"
    copy.write_text(survey_copy(SURVEY.read_text(encoding="utf-8")), encoding="utf-8")
    d = diff_paths(SURVEY, copy).as_dict()
    assert [(t["kind"], t["label"]) for t in d["tasks"]] == [("model", "Imagen")]
    assert d["summary"]["attacks"] == {"added": 1, "removed": 0, "changed": 1}
    assert d["summary"]["papers"] == {"added": 1, "removed": 0, "changed": 0}
    (changed,) = d["attacks"]["changed"]
    assert [(c["column"], c["old"], c["new"]) for c in changed["changes"]] == [
        ("Limitations", ["Single batch size"], ["Batch size of one"])]
    assert d["attacks"]["added"][0]["label"] == f"Membership inference attack: {ADDED}"
    # the new paper marks no code: exactly that gap opens (its other cells are covered)
    assert [(g["type"], g["cells"]) for g in d["gaps"]["opened"]] == [
        ("no_code_link", [{"paper": ADDED}])]
    assert d["gaps"]["closed"] == []
    r = kg_cli("build", "--source", str(copy), "--build-dir", str(tmp_path / "b"))
    assert r.exit_code == 1 and "kg add model Imagen --broader FAMILY" in r.output
    assert not (tmp_path / "b" / "graph.nt").exists()

    r = kg_cli("add", "model", "Imagen", "--broader", "Diffusion model", "--text-to-image",
               "--source", "https://arxiv.org/abs/2205.11487")
    assert r.exit_code == 0, r.output
    assert "Imagen" in [e.label for e in load_models()[1]]

    d = diff_paths(SURVEY, copy, gaps=False).as_dict()
    assert d["tasks"] == []
    (changed,) = d["attacks"]["changed"][:1]
    assert {c["column"] for a in d["attacks"]["changed"] for c in a["changes"]} == {
        "Limitations", "Target Models"}
    r = kg_cli("build", "--source", str(copy), "--build-dir", str(tmp_path / "b"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["tasks"] == []


@slow
def test_an_addition_naming_an_unknown_model_is_held_back_and_the_build_goes_on(
        kg_cli, data_copy, tmp_path):
    adds = tmp_path / "additions"
    adds.mkdir()
    (adds / "new.yaml").write_text(yaml.safe_dump({"entries": [{
        "key": "imagen-mia", "kind": "attack", "title": "Example: MIA on Imagen",
        "urls": ["https://example.org/imagen"], "code": "none",
        "threat": "Membership inference", "knowledge": ["Black-box"],
        "models": ["Imagen"], "effectiveness": "E", "limitations": "L"}]}), encoding="utf-8")
    r = kg_cli("build", "--additions", str(adds), "--build-dir", str(tmp_path / "b"), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [(t["label"], t["cells"]) for t in out["tasks"]] == [
        ("Imagen", [f"file {adds / 'new.yaml'}, entry 'imagen-mia', field 'models'"])]
    assert [p["entry"] for p in out["additions"]["pending"]] == ["imagen-mia"]
    assert out["additions"]["added"] == []
    assert "builder" not in out["version"]  # not a complete build of its sources

    r = kg_cli("curate", "--additions", str(adds), "--build-dir", str(tmp_path / "b"),
               "--no-gaps", "--json")
    assert r.exit_code == 0, r.output
    review = json.loads(r.output)
    assert review["schema"] == 1 and [t["label"] for t in review["tasks"]] == ["Imagen"]
    assert review["summary"]["attacks"]["added"] == 0

    assert kg_cli("add", "model", "Imagen", "--broader", "Diffusion model", "--source",
                  "https://arxiv.org/abs/2205.11487").exit_code == 0
    r = kg_cli("curate", "--additions", str(adds), "--build-dir", str(tmp_path / "b"),
               "--no-gaps", "--json")
    review = json.loads(r.output)
    assert review["tasks"] == [] and review["summary"]["attacks"]["added"] == 1


@slow
def test_kg_diff_json_is_the_review_structure(kg_cli, tmp_path):
    copy = tmp_path / "new.md"
    copy.write_text(survey_copy(SURVEY.read_text(encoding="utf-8")), encoding="utf-8")
    r = kg_cli("diff", str(SURVEY), str(copy), "--no-gaps", "--json")
    d = json.loads(r.output)
    assert list(d) == ["schema", "old", "new", "summary", "papers", "attacks",
                       "defense_evaluations", "gaps", "tasks"]
    (t,) = d["tasks"]
    assert list(t) == ["kind", "label", "cells", "closest", "blocking", "resolve", "note"]
    assert d["summary"]["tasks"] == 1
    text = kg_cli("diff", str(SURVEY), str(copy), "--no-gaps").output
    assert "Curation tasks: 1" in text and "resolve: kg add model Imagen" in text
    assert "Batch size of one" in text  # the rest of the diff is shown


# ------------------------------------------------------------------ vocabulary commands

def test_kg_add_model_writes_a_checked_entry_with_its_source(kg_cli, data_copy):
    r = kg_cli("add", "model", "Imagen", "--broader", "DM", "--alias", "Imagen 2",
               "--source", "https://arxiv.org/abs/2205.11487", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["schema"] == 1 and out["entry"]["broader"] == "Diffusion model"  # DM: alias
    (e,) = [e for e in load_models()[1] if e.label == "Imagen"]
    assert (e.kind, e.broader) == ("DiffusionModel", "Diffusion model")
    assert "https://arxiv.org/abs/2205.11487" in e.citation
    assert load_aliases().resolve("models", "imagen 2") == "Imagen"
    text = (data_copy / "aliases.yaml").read_text(encoding="utf-8")
    assert "# Imagen 2: https://arxiv.org/abs/2205.11487" in text
    assert text.startswith("# Curated aliases")  # comments kept


@pytest.mark.parametrize(("args", "message"), first_fast([
    (["Foo", "--broader", "Nope", "--source", "https://x.org"], "unknown broader model 'Nope'"),
    (["Foo", "--broader", "DDPM", "--source", "ftp://x.org/a"], "not a valid http(s) URL"),
    (["Foo", "--broader", "DDPM"], "needs its source"),
    (["MIA", "--broader", "DDPM", "--source", "https://x.org"],
     "already names the threat 'Membership inference'"),
    (["DDIM", "--broader", "DDPM", "--source", "https://x.org"], "already names the model"),
    (["A, B", "--broader", "DDPM", "--source", "https://x.org"], "has no comma"),
    (["Foo", "--broader", "DDPM", "--alias", "Black box", "--source", "https://x.org"],
     "already names the knowledge 'Black-box'"),
]))
def test_kg_add_model_refuses_and_writes_nothing(kg_cli, data_copy, args, message):
    before = {p.name: p.read_bytes() for p in data_copy.glob("*.yaml")}
    r = kg_cli("add", "model", *args)
    assert r.exit_code == 1 and message in r.output, r.output
    assert {p.name: p.read_bytes() for p in data_copy.glob("*.yaml")} == before


@slow
def test_kg_add_alias_resolves_a_label_of_its_kind(kg_cli, data_copy):
    r = kg_cli("add", "alias", "Grey box access", "--for", "Gray-box",
               "--source", "https://example.org/paper")
    assert r.exit_code == 0, r.output
    assert load_aliases().resolve("knowledge", "grey box access") == "Gray-box"
    r = kg_cli("add", "alias", "Deduping", "--for", "Deduplicating")
    assert r.exit_code == 0, r.output
    assert load_aliases().resolve("methods", "Deduping") == "Deduplicating"
    r = kg_cli("add", "alias", "Whitebox attack", "--for", "DDPM", "--kind", "threat")
    assert r.exit_code == 1 and "unknown threat category 'DDPM'" in r.output
    r = kg_cli("add", "alias", "SD", "--for", "DDPM")
    assert r.exit_code == 1 and "already names the model 'Stable Diffusion'" in r.output


def test_the_model_tree_stays_a_tree():
    data = {"models": [
        {"label": "A", "kind": "DiffusionModel", "broader": "B", "citation": "x"},
        {"label": "B", "kind": "DiffusionModel", "broader": "A", "citation": "x"}]}
    with pytest.raises(SourceError, match="A -> B -> A is a cycle"):
        models_from_data(data, "models.yaml")


@slow
def test_the_kg_add_paper_invocations_keep_working(kg_cli, tmp_path):
    """`kg add --kind ...` (no subcommand) is `kg add paper ...`, as before the group."""
    args = ["--kind", "attack", "--title", "A paper", "--url", "https://example.org/a",
            "--code", "none", "--threat", "MIA", "--knowledge", "black-box", "--model",
            "DDPM", "--effectiveness", "E", "--limitations", "L", "--no-input", "--json"]
    r = kg_cli("add", *args, "--dir", str(tmp_path / "a"))
    assert r.exit_code == 0, r.output
    r2 = kg_cli("add", "paper", *args, "--dir", str(tmp_path / "b"))
    assert json.loads(r.output)["entry"] == json.loads(r2.output)["entry"]


def test_curation_needed_lists_every_task(survey_text, tmp_path):
    text = survey_copy(survey_text).replace("Black-box, White-box", "Black-box, Purple-box", 1)
    src = tmp_path / "s.md"
    src.write_text(text, encoding="utf-8")
    from kg.build import load_and_validate

    with pytest.raises(CurationNeeded) as e:
        load_and_validate(src, tmp_path / "no-additions")
    assert [t.label for t in e.value.tasks] == ["Imagen", "Purple-box"]


@slow
def test_a_new_method_close_to_a_known_one_is_a_task_not_a_block(kg_cli, tmp_path):
    text = SURVEY.read_text(encoding="utf-8").replace(">Deduplicating<", ">Deduplicatin<", 1)
    copy = tmp_path / "m.md"
    copy.write_text(text, encoding="utf-8")
    d = diff_paths(SURVEY, copy, gaps=False)
    (t,) = d.tasks
    assert (t.kind, t.label, t.closest, t.blocking) == (
        "method", "Deduplicatin", ["Deduplicating"], False)
