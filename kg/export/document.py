"""A compiling related-work document from any view: ``main.tex`` (an article with the
packages the pieces need) that ``\\input``s the related-work prose (``related-work.tex``)
and the tables (``table.tex``) and cites from ``references.bib``; ``related.zip`` holds
the four files, ready to upload to an online LaTeX editor.

The pieces are rendered from a :class:`~kg.export.views.View` — a filter view, a
question's answer, or any named selection of rows (:func:`kg.export.spec.selection_spec`,
which an audit profile uses) — so every selection gets the same document. The archive is
deterministic: same view, same bytes.
"""

from __future__ import annotations

import io
import zipfile

from .bibtex import to_bibtex
from .latex import ONE_COLUMN, Layout, comment, header, packages, to_latex
from .paragraph import to_paragraph_latex
from .views import View

# file names inside the document (the bundle's names for the same formats)
PIECES = {"related-work": "related-work.tex", "table": "table.tex",
          "bibliography": "references.bib"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest zip date: the archive's bytes never vary


def to_main(view: View, layout: Layout = ONE_COLUMN) -> str:
    """An article that compiles with pdflatex + bibtex next to the pieces."""
    cls = "\\documentclass[twocolumn]{article}" if layout.columns == 2 else \
        "\\documentclass{article}"
    lines = [comment(header(view, "main", layout) + [
        "Compile: pdflatex main && bibtex main && pdflatex main && pdflatex main",
        "In an existing paper: copy the \\usepackage lines below into its preamble, "
        "\\input{related-work} and \\input{table} where the section goes, and add the "
        "entries of references.bib to its bibliography."]).rstrip("\n"),
        cls, *packages(view, layout),
        # \cite lists never break inside: let a line stretch rather than stick out
        "\\setlength{\\emergencystretch}{1.5em}", "", "\\begin{document}", "",
        "\\section{Related work}\\label{sec:related-work}",
        "\\input{" + PIECES["related-work"].removesuffix(".tex") + "}",
        "\\input{" + PIECES["table"].removesuffix(".tex") + "}", "",
        "\\bibliographystyle{plain}",
        "\\bibliography{" + PIECES["bibliography"].removesuffix(".bib") + "}", "",
        "\\end{document}"]
    return "\n".join(lines) + "\n"


def document_files(view: View, layout: Layout = ONE_COLUMN) -> dict[str, str]:
    """File name -> text of the document: main.tex and the pieces it inputs."""
    return {"main.tex": to_main(view, layout),
            PIECES["related-work"]: to_paragraph_latex(view),
            PIECES["table"]: to_latex(view, layout),
            PIECES["bibliography"]: to_bibtex(view)}


def to_zip(view: View, layout: Layout = ONE_COLUMN) -> bytes:
    """The document as one zip archive (files at its top level, fixed dates)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in sorted(document_files(view, layout).items()):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


__all__ = ["PIECES", "document_files", "to_main", "to_zip"]
