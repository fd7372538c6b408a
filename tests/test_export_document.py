"""The related-work document (issue 19): `kg export … --format all` writes main.tex and
related.zip next to the pieces; main.tex compiles with pdflatex + bibtex in one- and
two-column layouts with no error, no overfull box wider than 1 pt and no undefined
citation; any selection (a question's answer, a named selection of rows) gets the same
document. The compile tests are slow; the first page of each PDF is rendered to PNG in
tests/artifacts."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from kg.errors import KGError
from kg.export import (
    FORMATS,
    Layout,
    export,
    make_view,
    selection_spec,
    view_spec,
    write_bundle,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
VIEWS = {"survey": [], "threat": ["--threat", "membership inference"],
         "family": ["--model", "Stable Diffusion"]}
DOCUMENT = {"main.tex", "related-work.tex", "table.tex", "references.bib"}


def _bundle(kg_cli, out: Path, args: list[str], columns: str = "1",
            command: str = "view") -> Path:
    r = kg_cli("export", command, *args, "-f", "all", "--columns", columns, "-o", str(out))
    assert r.exit_code == 0, r.output
    return out


def test_format_all_writes_main_tex_and_the_zip_of_the_document(kg_cli, tmp_path):
    out = _bundle(kg_cli, tmp_path / "out", VIEWS["threat"])
    names = {p.name for p in out.iterdir()}
    assert {"main.tex", "related.zip"} | DOCUMENT <= names
    main = (out / "main.tex").read_text(encoding="utf-8")
    assert "\\input{related-work}" in main and "\\input{table}" in main
    assert "\\bibliography{references}" in main and "\\documentclass{article}" in main
    with zipfile.ZipFile(out / "related.zip") as z:
        assert set(z.namelist()) == DOCUMENT
        for name in DOCUMENT:  # the archive holds exactly the files written beside it
            assert z.read(name) == (out / name).read_bytes(), name


def test_zip_is_deterministic_and_two_columns_is_a_twocolumn_article(store):
    view = make_view(store, view_spec(store, threats=["Property inference"]))
    assert export(view, "zip") == export(view, "zip")
    two = export(view, "zip", Layout(2))
    with zipfile.ZipFile(io.BytesIO(two)) as z:
        assert "\\documentclass[twocolumn]{article}" in z.read("main.tex").decode()
        assert "\\begin{table*}" in z.read("table.tex").decode()


def test_table_layout_follows_the_view_size(store):
    whole = make_view(store, view_spec(store))
    small = make_view(store, view_spec(store, threats=["Membership inference"]))
    one, two = export(whole, "latex"), export(whole, "latex", Layout(2))
    assert "\\begin{xltabular}{\\linewidth}" in one and "\\endhead" in one
    assert "\\usepackage{xltabular}" in export(whole, "main")
    assert "xltabular" not in two and two.count("\\begin{table*}") >= 3  # split floats
    assert "continued" in two
    short = export(small, "latex")
    assert "\\begin{tabularx}{\\linewidth}" in short and "xltabular" not in short
    assert "\\begin{tabularx}{\\textwidth}" in export(small, "latex", Layout(2))
    with pytest.raises(KGError, match="--columns 3"):
        Layout(3)


def test_bundle_writes_nothing_when_a_format_fails(store, tmp_path, monkeypatch):
    view = make_view(store, view_spec(store, threats=["Property inference"]))

    def boom(view, layout):
        raise KGError("render failed")

    monkeypatch.setitem(FORMATS, "zip", replace(FORMATS["zip"], render=boom))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(KGError, match="render failed"):
        write_bundle(view, out)
    assert list(out.iterdir()) == []


def test_a_question_and_a_selection_get_the_same_document(kg_cli, store, tmp_path):
    out = _bundle(kg_cli, tmp_path / "q", ["membership inference attacks on Stable Diffusion"],
                  command="question")
    main = (out / "main.tex").read_text(encoding="utf-8")
    assert "regenerate: kg export question" in main and "\\input{related-work}" in main
    whole = make_view(store, view_spec(store))
    rows = [str(a.iri) for a in whole.attacks[:2]] + [str(whole.defenses[0].iri)]
    spec = selection_spec("audit profile of a test selection", rows,
                          ["kg", "profile", "test", "--export"])
    view = make_view(store, spec)
    assert [str(r.iri) for r in (*view.attacks, *view.defenses)] == rows
    main = export(view, "main")
    assert "view: audit profile of a test selection" in main
    assert "regenerate: kg profile test --export" in main
    assert "% rows: attacks:" in export(view, "paragraph")


# ------------------------------------------------------------------ compiled (slow)

def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(f"{name!r} is not installed: run `bash scripts/install.sh --test`")
    return exe


def compile_document(directory: Path) -> tuple[str, str, str]:
    """pdflatex, bibtex, pdflatex x2 on main.tex; (log, blg, bbl)."""
    latex = [_tool("pdflatex"), "-interaction=nonstopmode", "-halt-on-error", "main"]
    for cmd in (latex, [_tool("bibtex"), "main"], latex, latex):
        r = subprocess.run(cmd, cwd=directory, capture_output=True, timeout=300)
        assert r.returncode == 0, (cmd[0], r.stdout.decode("utf-8", "replace")[-3000:])

    def read(name: str) -> str:
        return (directory / name).read_text(encoding="utf-8", errors="replace")
    return read("main.log"), read("main.blg"), read("main.bbl")


def check_log(log: str, blg: str, bbl: str, keys: list[str]) -> None:
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(w <= 1.0 for w in widths), f"overfull boxes: {widths}"
    assert not re.search(r"Overfull \\vbox|Float too large", log), "a float does not fit"
    assert not re.search(r"(Citation|Reference) `[^']*' .*undefined", log), \
        re.findall(r".*undefined.*", log)
    assert "There were undefined" not in log
    assert not re.search(r"\(There (?:was|were) \d+ error messages?\)", blg), blg
    assert sorted(re.findall(r"\\bibitem\{([^}]+)\}", bbl)) == sorted(keys)


def render_first_page(directory: Path, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / name
    subprocess.run([_tool("pdftoppm"), "-png", "-r", "80", "-f", "1", "-l", "1",
                    "-singlefile", str(directory / "main.pdf"), str(target)],
                   check=True, timeout=120)
    png = Path(str(target) + ".png")  # pdftoppm -singlefile adds the suffix
    assert png.stat().st_size > 5000
    return png


@pytest.mark.slow
@pytest.mark.parametrize("columns", ["1", "2"])
@pytest.mark.parametrize("name", list(VIEWS))
def test_main_tex_compiles_without_overfull_boxes(kg_cli, tmp_path, name, columns):
    out = _bundle(kg_cli, tmp_path / "doc", VIEWS[name], columns)
    keys = re.findall(r"^@\w+\{([^,]+),", (out / "references.bib").read_text(), re.M)
    log, blg, bbl = compile_document(out)
    check_log(log, blg, bbl, keys)
    render_first_page(out, f"export-{name}-{columns}col")


@pytest.mark.slow
def test_a_question_document_compiles(kg_cli, tmp_path):
    out = _bundle(kg_cli, tmp_path / "doc", ["membership inference attacks on Stable Diffusion"],
                  command="question")
    keys = re.findall(r"^@\w+\{([^,]+),", (out / "references.bib").read_text(), re.M)
    check_log(*compile_document(out), keys)


@pytest.mark.slow
def test_the_zip_compiles_on_its_own(store, tmp_path):
    """What an online editor gets: the archive unpacked alone into an empty directory."""
    view = make_view(store, view_spec(store, models=["Stable Diffusion"]))
    with zipfile.ZipFile(io.BytesIO(export(view, "zip", Layout(2)))) as z:
        z.extractall(tmp_path)
    check_log(*compile_document(tmp_path), [p.key for p in view.papers])


@pytest.mark.slow
@pytest.mark.parametrize("columns", [1, 2])
def test_a_long_synthetic_view_breaks_across_pages(tmp_path, columns):
    """60 synthetic papers (~50 rows per table): xltabular over pages in one column,
    page-wide floats of at most LONG_ROWS rows in two; still nothing overfull."""
    from kg.export import document_files
    from kg.export.latex import LONG_ROWS
    from kg.stores.memory import MemoryStore
    from kg.synthetic import generate_graph

    store = MemoryStore(generate_graph(60, seed=1))
    view = make_view(store, view_spec(store))
    assert len(view.attacks) > 3 * LONG_ROWS
    for name, text in document_files(view, Layout(columns)).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    log, blg, bbl = compile_document(tmp_path)
    check_log(log, blg, bbl, [p.key for p in view.papers])
    pages = int(re.search(r"Output written on main\.pdf \((\d+) pages", log).group(1))
    assert pages > 5
