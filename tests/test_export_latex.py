"""The LaTeX table and paragraph compiled by pdflatex + bibtex with the exported .bib:
no errors, no undefined citation, every key in the bibliography."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from kg.export import export, make_view, view_spec
from kg.export.latex import escape, packages

pytestmark = pytest.mark.slow

SPECIALS = "R&D 100% a_b #1 $5 {x} ~ ^ \\ ℓ2-regularization 0.25–0.3 — ’quoted’ “q” … <>"


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        pytest.fail(f"{name!r} is not installed: run `bash scripts/install.sh --test` "
                    "(installs TeX Live: pdflatex, bibtex, booktabs)")
    return exe


def _compile(tmp_path, view) -> tuple[str, str, str]:
    (tmp_path / "refs.bib").write_text(export(view, "bibtex"), encoding="utf-8")
    (tmp_path / "table.tex").write_text(export(view, "latex"), encoding="utf-8")
    (tmp_path / "related.tex").write_text(export(view, "paragraph"), encoding="utf-8")
    doc = "\n".join([
        "\\documentclass{article}", *packages(view), "\\begin{document}",
        "\\section{Related work}", "\\input{related}", "\\input{table}",
        "Specials: " + escape(SPECIALS),
        "\\bibliographystyle{plain}", "\\bibliography{refs}", "\\end{document}", ""])
    (tmp_path / "main.tex").write_text(doc, encoding="utf-8")
    pdflatex, bibtex = _tool("pdflatex"), _tool("bibtex")
    latex = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "main"]

    def run(cmd):
        r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, timeout=180)
        assert r.returncode == 0, (cmd[0], r.stdout.decode("utf-8", "replace")[-3000:])

    run(latex)
    run([bibtex, "main"])
    run(latex)
    run(latex)
    read = lambda n: (tmp_path / n).read_text(encoding="utf-8", errors="replace")  # noqa: E731
    return read("main.log"), read("main.blg"), read("main.bbl")


@pytest.mark.parametrize("filters", [
    {"threats": ["Membership inference"], "knowledge": ["Black-box"], "models": ["Stable Diffusion"]},
    {},  # the whole taxonomy: every paper, every special character of the survey
])
def test_table_and_paragraph_compile_with_the_bibliography(tmp_path, store, filters):
    view = make_view(store, view_spec(store, **filters))
    log, blg, bbl = _compile(tmp_path, view)
    assert "undefined" not in log.lower(), re.findall(r".*undefined.*", log)
    assert "Citation" not in log or "undefined" not in log
    m = re.search(r"\(There (?:was|were) (\d+) error messages?\)", blg)
    assert m is None, blg
    assert sorted(re.findall(r"\\bibitem\{([^}]+)\}", bbl)) == sorted(p.key for p in view.papers)
    assert (tmp_path / "main.pdf").stat().st_size > 1000
