"""kg export through its CLI runner: stdout, files, bundles, --json, one-line errors."""

from __future__ import annotations

import json

import bibtexparser
import pytest

from kg.bibliography import load_bibliography

MIA = ["--threat", "membership inference", "--knowledge", "black-box", "--model",
       "Stable Diffusion"]


def test_export_latex_to_stdout(kg_cli):
    r = kg_cli("export", "view", *MIA, "--format", "latex")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("% Exported by kg export")
    assert "\\cite{li2025blackbox}" in r.output and "\\toprule" in r.output


def test_export_to_file_and_json_record(kg_cli, tmp_path):
    out = tmp_path / "refs.bib"
    r = kg_cli("export", "view", *MIA, "-f", "bib", "-o", str(out), "--json")
    assert r.exit_code == 0, r.output
    rec = json.loads(r.output)
    assert rec["path"] == str(out) and rec["format"] == "bibtex"
    assert set(rec) >= {"graph_sha256", "view", "command", "counts", "papers",
                        "empty_bibliographic_fields", "missing_bibliography"}
    lib = bibtexparser.parse_string(out.read_text(encoding="utf-8"))
    assert [e.key for e in lib.entries] == rec["papers"]
    bib = load_bibliography()
    expected = {(k, f) for k in rec["papers"] for f in bib.get(k).unverified}
    assert {(e["key"], e["field"]) for e in rec["empty_bibliographic_fields"]} == expected


def test_export_all_writes_a_bundle(kg_cli, tmp_path):
    r = kg_cli("export", "view", "--paper", "carlini2023extracting", "-f", "all",
               "-o", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    assert "wrote 15 files" in r.output
    assert {"main.tex", "related.zip"} <= {p.name for p in (tmp_path / "out").iterdir()}
    assert (tmp_path / "out" / "figure.svg").read_text().lstrip().startswith("<?xml")


def test_columns_2_sets_page_wide_tables_and_says_so(kg_cli):
    r = kg_cli("export", "view", "--threat", "membership inference", "-f", "latex",
               "--columns", "2")
    assert r.exit_code == 0, r.output
    assert "\\begin{table*}" in r.output and "\\begin{tabularx}{\\textwidth}" in r.output
    assert "--format latex --columns 2" in r.output.splitlines()[1]  # regenerates itself
    r = kg_cli("export", "view", "--threat", "membership inference", "-f", "main",
               "--columns", "2", "--json")
    rec = json.loads(r.output)
    assert rec["columns"] == 2 and "\\documentclass[twocolumn]{article}" in rec["content"]


def test_export_construct_from_a_file(kg_cli, tmp_path):
    q = tmp_path / "q.rq"
    q.write_text("CONSTRUCT { ?d rd:method ?m } WHERE { ?d rd:method ?m ; "
                 "rd:mitigates/skos:prefLabel \"Property inference\"@en }\n")
    r = kg_cli("export", "construct", str(q), "-f", "turtle")
    assert r.exit_code == 0, r.output
    assert "# query (save as QUERY.rq):" in r.output and "rd:method" in r.output


@pytest.mark.parametrize("args,needle", [
    (["view", "--threat", "membership inferance", "-f", "csv"], "did you mean 'Membership inference'"),
    (["view", "-f", "docx"], "unknown export format 'docx'"),
    (["view", "-f", "pdf"], "give a file with -o"),
    (["view", "-f", "zip"], "give a file with -o FILE.zip"),
    (["view", "-f", "latex", "--columns", "3"], "--columns 3: give 1"),
    (["view", "-f", "all"], "-o DIR"),
    (["construct", "SELECT * WHERE { ?s ?p ?o }", "-f", "turtle"], "must be a SPARQL CONSTRUCT"),
    (["construct", "DELETE WHERE { ?s ?p ?o }", "-f", "turtle"], "read-only"),
])
def test_bad_input_is_one_line_exit_1(runner, args, needle):
    from kg.cli import main

    r = runner.invoke(main, ["export", *args])
    assert r.exit_code == 1
    assert needle in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
