"""Curated additions: format, checks (labels, conflicts), provenance, skip mode, kg add."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from rdflib import Literal

from kg.additions import AdditionReport, load_additions, parse_additions, with_entry
from kg.build import build
from kg.errors import AdditionError
from kg.graph import build_graph
from kg.stores.memory import MemoryStore
from kg.validate import check
from tests.tiers import slow

FIXTURES = Path(__file__).parent / "fixtures" / "additions"
EXAMPLE = FIXTURES / "example.yaml"


def _graph(survey, additions, skip_bad=False):
    report = AdditionReport()
    g = build_graph(survey, additions=additions, skip_bad=skip_bad, report=report)
    return g, report


def _write(tmp_path: Path, name: str, entries: list[dict]) -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump({"entries": entries}, sort_keys=False), encoding="utf-8")
    return p


GOOD_DEFENSE = {
    "key": "sd14-defense", "kind": "defense",
    "title": "Example: Guarding SD v1.4 against Membership Inference",
    "urls": ["https://example.org/papers/guard-sd14"], "code": "https://github.com/example/g",
    "threat": "Membership inference", "method": "Example guard", "models": ["SD v1.4"],
    "effectiveness": "Attack AUC falls to 0.55",
}


def test_example_additions_build_valid_with_provenance(example_additions):
    g, report = example_additions
    assert [e.key for e in report.added] == ["gi-defense-clipping", "mia-attack-example"]
    ok, text = check(g)
    assert ok, text
    rows = MemoryStore(g).select("""
        SELECT ?node ?file ?key WHERE {
          ?node a ?cls ; prov:wasDerivedFrom ?src .
          ?src a rd:AdditionEntry ; rd:sourceFile ?file ; rd:entryKey ?key .
          VALUES ?cls { rd:Attack rd:DefenseEvaluation }
        }""")
    got = {(str(r["file"]), str(r["key"])) for r in rows}
    assert got == {("tests/fixtures/additions/example.yaml", "gi-defense-clipping"),
                   ("tests/fixtures/additions/example.yaml", "mia-attack-example")}
    # aliases resolve as for the survey: MIA -> Membership inference, LDM, white box
    store = MemoryStore(g)
    r = store.select("""
        SELECT ?t (COUNT(DISTINCT ?k) AS ?nk) (COUNT(DISTINCT ?m) AS ?nm) WHERE {
          ?a rd:fromPaper/dcterms:title ?title ; rd:threat/skos:prefLabel ?t ;
             rd:assumesKnowledge ?k ; rd:evaluatedOn ?m .
        } GROUP BY ?t""", {"title": Literal(
        "Example: Loss-Trajectory Membership Inference on Latent Diffusion")})
    assert [(str(x["t"]), int(x["nk"]), int(x["nm"])) for x in r] == [
        ("Membership inference", 2, 2)]


@pytest.mark.parametrize("name,entry,field,needle", [
    ("bad-unknown-threat.yaml", "bad-threat", "threat",
     "did you mean 'Membership inference'"),
    ("bad-missing-title.yaml", "no-title", "title", "missing"),
    ("bad-conflicting-duplicate.yaml", "carlini-again", "knowledge",
     "conflicting facts: attacks table, row 1"),
])
def test_bad_additions_are_refused_naming_file_entry_field(survey, name, entry, field, needle):
    with pytest.raises(AdditionError) as err:
        _graph(survey, load_additions(FIXTURES / name))
    msg = str(err.value)
    assert f"file tests/fixtures/additions/{name}" in msg
    assert f"entry {entry!r}" in msg and f"field {field!r}" in msg and needle in msg
    assert "--skip-bad-additions" in msg


@pytest.mark.parametrize("change,field", [
    ({"code": "https://github.com/example/not-carlini"}, "code"),
    ({"models": ["DDPM"]}, "models"),
    ({"limitations": "Something else"}, "limitations"),
    ({"kind": "defense", "method": "DP-SGD", "knowledge": None, "limitations": None,
      "effectiveness": "Works"}, "effectiveness"),
    ({"kind": "defense", "method": "Differential privacy", "knowledge": None,
      "limitations": None, "threat": "Membership inference",
      "effectiveness": "Cause the training to fail"}, "threat"),
    ({"urls": ["not a url"]}, "urls"),
    ({"models": ["SD v9"]}, "models"),
    ({"knowledge": ["Purple-box"]}, "knowledge"),
    ({"kind": "attak"}, "kind"),
    ({"effectivness": "typo"}, "effectivness"),
    ({"key": "has space"}, "key"),
])
def test_conflicts_and_malformed_fields(survey, tmp_path, change, field):
    base = {"key": "k", "kind": "attack", "title": "Extracting Training Data from Diffusion Models",
            "threat": "Training data extraction", "knowledge": ["Black-box", "White-box"],
            "models": ["DDPM", "OpenAI-DDPM"],
            "effectiveness": "Extract training samples from DMs",
            "limitations": "Explainability of regenerating parts of their training datasets"}
    entry = {k: v for k, v in {**base, **change}.items() if v is not None}
    p = _write(tmp_path, "x.yaml", [entry])
    with pytest.raises(AdditionError) as err:
        _graph(survey, load_additions(p))
    assert f"field {field!r}" in str(err.value), str(err.value)


def test_addition_code_is_linked_or_no_code_marked(example_additions):
    from kg.vocab import RD, iri

    g, _ = example_additions
    clip = iri("paper", "Example: Gradient Clipping against Gradient Inversion of Federated "
                        "Diffusion Models")
    loss = iri("paper", "Example: Loss-Trajectory Membership Inference on Latent Diffusion")
    assert g.value(clip, RD.codeAvailability) == RD.NoCodeMarked  # code: none
    assert g.value(loss, RD.codeAvailability) == RD.CodeLinked
    assert str(g.value(loss, RD.codeRepository)) == "https://github.com/example/loss-trajectory-mia"


WEN = "Detecting, Explaining, and Mitigating Memorization in Diffusion Models"  # code linked
CARLINI = "Extracting Training Data from Diffusion Models"  # code marked, no link


def _new_row(title: str, code: str) -> dict:
    return {"key": "k", "kind": "attack", "title": title, "code": code,
            "threat": "Gradient inversion", "knowledge": ["Black-box"], "models": ["DDPM"],
            "effectiveness": "e", "limitations": "l"}


@pytest.mark.parametrize("title,code,says", [
    (WEN, "none", "the source says code linked (https://github.com/YuxinWenRick/"
                  "diffusion_memorization)"),
    (WEN, "https://github.com/example/other", "the source says code linked"),
    (CARLINI, "https://github.com/example/carlini", "the source says code marked, no link"),
])
def test_addition_code_conflicts_say_what_the_source_says(survey, tmp_path, title, code, says):
    with pytest.raises(AdditionError) as err:
        _graph(survey, load_additions(_write(tmp_path, "x.yaml", [_new_row(title, code)])))
    msg = str(err.value)
    assert "field 'code'" in msg and says in msg and "public" not in msg


def test_addition_code_none_agrees_with_code_marked_without_a_link(survey, tmp_path):
    from kg.vocab import RD, iri

    g, report = _graph(survey, load_additions(_write(tmp_path, "x.yaml",
                                                     [_new_row(CARLINI, "none")])))
    assert [e.key for e in report.added] == ["k"]
    assert g.value(iri("paper", CARLINI), RD.codeAvailability) == RD.CodeWithoutLink


def test_exact_duplicate_of_a_survey_row_adds_nothing(survey, graph, tmp_path):
    p = _write(tmp_path, "dup.yaml", [{
        "key": "dp", "kind": "defense", "title": "extracting training data from diffusion models",
        "threat": "Data extraction", "method": "Differential privacy", "models": ["DDPM",
                                                                                 "OpenAI-DDPM"],
        "effectiveness": "Cause the training to fail"}])
    g, report = _graph(survey, load_additions(p))
    assert report.added == [] and [e.key for e, _ in report.unchanged] == ["dp"]
    assert "defenses table, row 1" in report.unchanged[0][1]
    assert set(g) == set(graph)


def test_new_rows_for_a_survey_paper_join_it(survey, tmp_path):
    p = _write(tmp_path, "more.yaml", [{
        "key": "carlini-mi", "kind": "attack", "title": "Extracting Training Data from Diffusion Models",
        "threat": "Membership inference", "knowledge": ["Black-box"], "models": ["DDPM"],
        "effectiveness": "Membership of duplicated images", "limitations": "Needs many samples"}])
    g, report = _graph(survey, load_additions(p))
    assert [e.key for e in report.added] == ["carlini-mi"]
    assert check(g)[0]
    rows = MemoryStore(g).select("""
        SELECT ?a WHERE { ?a a rd:Attack ; rd:fromPaper ?p . ?p dcterms:title ?t }""",
                                 {"t": Literal("Extracting Training Data from Diffusion Models")})
    assert len(rows) == 2  # the survey's attack and the added one, on the same paper node


def test_new_paper_needs_urls_and_code(survey, tmp_path):
    entry = {**GOOD_DEFENSE}
    del entry["code"]
    with pytest.raises(AdditionError, match="field 'code': missing.*unknown is not 'none'"):
        _graph(survey, load_additions(_write(tmp_path, "a.yaml", [entry])))
    entry = {**GOOD_DEFENSE}
    del entry["urls"]
    with pytest.raises(AdditionError, match="field 'urls': missing"):
        _graph(survey, load_additions(_write(tmp_path, "b.yaml", [entry])))


def test_skip_mode_builds_the_rest_and_reports_what_it_skipped(survey, example_additions):
    g, report = _graph(survey, load_additions(FIXTURES), skip_bad=True)
    assert set(g) == set(example_additions[0])  # the example's graph: valid (above)
    assert sorted(e.key for e in report.added) == ["gi-defense-clipping", "mia-attack-example"]
    assert sorted((Path(s.file).name, s.entry, s.field) for s in report.skipped) == [
        ("bad-conflicting-duplicate.yaml", "carlini-again", "knowledge"),
        ("bad-missing-title.yaml", "no-title", "title"),
        ("bad-unknown-threat.yaml", "bad-threat", "threat"),
    ]


@slow
def test_cli_build_refuses_bad_additions_unless_asked_to_skip(kg_cli, tmp_path):
    out = tmp_path / "b"
    r = kg_cli("build", "--build-dir", str(out), "--additions", str(FIXTURES))
    assert r.exit_code == 1
    assert "entry" in r.output and "field" in r.output and "Traceback" not in r.output
    assert not out.exists()
    r = kg_cli("build", "--build-dir", str(out), "--additions", str(FIXTURES),
               "--skip-bad-additions", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    # an unknown threat is a curation task: that entry is held back, not skipped as bad
    assert len(data["additions"]["skipped"]) == 2 and len(data["additions"]["added"]) == 2
    assert [p["entry"] for p in data["additions"]["pending"]] == ["bad-threat"]
    assert [(t["kind"], t["blocking"]) for t in data["tasks"]] == [("threat", True)]
    assert data["counts"]["Addition entries"] == 2
    r = kg_cli("build", "--build-dir", str(out), "--additions", str(FIXTURES),
               "--skip-bad-additions")
    assert r.output.count("skipped bad addition: file tests/fixtures/additions/") == 2
    assert r.output.count("held back until curated: file tests/fixtures/additions/") == 1


def test_parse_is_pure_and_collects_problems():
    text = "entries:\n  - key: a\n    kind: attack\n  - just text\n"
    adds = parse_additions(text, "f.yaml")
    assert adds.entries == []
    assert [(r.entry, r.field) for r in adds.rejected] == [("a", "title"), ("#2", None)]
    assert parse_additions("", "empty.yaml").rejected == []
    assert parse_additions("[1, 2]", "l.yaml").rejected[0].field == "entries"
    assert "not valid YAML" in parse_additions("a: [", "y.yaml").rejected[0].message


def test_appending_keeps_comments_and_entries():
    first = parse_additions(EXAMPLE.read_text(encoding="utf-8"), "e.yaml")
    entry = parse_additions(yaml.safe_dump({"entries": [GOOD_DEFENSE]}), "e.yaml").entries[0]
    text = with_entry(EXAMPLE.read_text(encoding="utf-8"), entry)
    assert text.startswith(EXAMPLE.read_text(encoding="utf-8"))  # appended, comments kept
    again = parse_additions(text, "e.yaml")
    assert again.rejected == []
    assert again.entries == first.entries + [entry]


# ---------------------------------------------------------------- kg add

def _add(runner, *args, input=None):
    from kg.cli import main

    return runner.invoke(main, ["add", *args], input=input, catch_exceptions=False)


@slow
def test_kg_add_writes_an_entry_that_builds(runner, kg_cli, tmp_path):
    d = tmp_path / "additions"
    r = _add(runner, "--dir", str(d), "--kind", "defense", "--title", GOOD_DEFENSE["title"],
             "--url", GOOD_DEFENSE["urls"][0], "--code", GOOD_DEFENSE["code"],
             "--threat", "MIA", "--method", "Example guard", "--model", "SD 1.4",
             "--effectiveness", "Attack AUC falls to 0.55", "--no-input", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    written = Path(out["file"]) if Path(out["file"]).is_absolute() else None
    files = list(d.glob("*.yaml"))
    assert len(files) == 1 and (written is None or written == files[0])
    adds = load_additions(d)
    assert adds.rejected == [] and len(adds.entries) == 1
    assert adds.entries[0].models == ("SD 1.4",) and adds.entries[0].threat == "MIA"
    # a second row of the same paper goes to the same file (one file per paper)
    r = _add(runner, "--dir", str(d), "--kind", "attack", "--title", GOOD_DEFENSE["title"],
             "--threat", "Membership inference", "--knowledge", "Black-box", "--model", "DDPM",
             "--effectiveness", "AUC 0.9", "--limitations", "Needs shadow models", "--no-input")
    assert r.exit_code == 0, r.output
    assert len(list(d.glob("*.yaml"))) == 1 and len(load_additions(d).entries) == 2
    b = tmp_path / "b"
    r = kg_cli("build", "--build-dir", str(b), "--additions", str(d), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["counts"]["Addition entries"] == 2


def test_kg_add_refuses_unknown_labels_with_did_you_mean(runner, tmp_path):
    d = tmp_path / "additions"
    r = _add(runner, "--dir", str(d), "--kind", "attack", "--title", "T", "--url",
             "https://example.org/t", "--code", "none", "--threat", "Membership inferense",
             "--knowledge", "Black-box", "--model", "DDPM", "--effectiveness", "e",
             "--limitations", "l", "--no-input")
    assert r.exit_code == 1
    assert "did you mean 'Membership inference'" in r.output
    assert not d.exists() or not list(d.iterdir())
    r = _add(runner, "--dir", str(d), "--kind", "attack", "--title", "T", "--no-input")
    assert r.exit_code == 1 and "field 'threat': missing" in r.output


@slow
def test_kg_add_prompts_and_reasks_on_unknown_labels(runner, tmp_path):
    d = tmp_path / "additions"
    answers = "\n".join([
        "defense", "Example: Prompted Paper", "https://example.org/prompted", "none",
        "Gradient inversion", "Gradient clipping",
        "DDPMM", "DDPM",  # a typo is refused with "did you mean", then asked again
        "Blurs reconstructions",
    ]) + "\n"
    r = _add(runner, "--dir", str(d), input=answers)
    assert r.exit_code == 0, r.output
    assert "did you mean 'DDPM'" in r.output
    (entry,) = load_additions(d).entries
    assert (entry.kind, entry.method, entry.models, entry.code) == (
        "defense", "Gradient clipping", ("DDPM",), ())


def test_kg_add_refuses_conflicts_and_duplicates_writing_nothing(runner, tmp_path):
    d = tmp_path / "additions"
    common = ["--dir", str(d), "--kind", "defense",
              "--title", "Extracting Training Data from Diffusion Models",
              "--threat", "Training data extraction", "--method", "DP-SGD",
              "--model", "DDPM, OpenAI-DDPM", "--no-input"]
    r = _add(runner, *common, "--effectiveness", "Works perfectly")
    assert r.exit_code == 1 and "field 'effectiveness'" in r.output
    assert "defenses table, row 1" in r.output
    r = _add(runner, *common, "--effectiveness", "Cause the training to fail")
    assert r.exit_code == 1 and "already in the graph" in r.output
    assert not d.exists() or not list(d.iterdir())


@slow
def test_default_build_reads_data_additions(tmp_path, monkeypatch):
    import kg.additions as additions

    d = tmp_path / "additions"
    d.mkdir()
    shutil.copy(EXAMPLE, d / "example.yaml")
    (d / "README.md").write_text("not an additions file")
    monkeypatch.setattr(additions, "ADDITIONS_DIR", d)
    r = build(build_dir=tmp_path / "b")
    assert dict(r.counts)["Addition entries"] == 2
    assert any(k.endswith("additions/example.yaml") for k in r.version["sources"])
