"""Exports of a view of the graph for related-work sections.

``make_view(store, spec)`` selects the view (:mod:`kg.export.views`; the spec from
:mod:`kg.export.spec`); one pure function per format turns it into text or bytes
(``to_bibtex(view) -> str`` ...); :func:`export` dispatches by format name,
:func:`write_export` writes one result atomically and :func:`write_bundle` writes every
format of a view into a directory, switched in as one set (kg.snapshot).

>>> import kg
>>> from kg.export import make_view, view_spec, export
>>> store = kg.open().store
>>> view = make_view(store, view_spec(store, threats=["MIA"], knowledge=["black-box"],
...                                   models=["Stable Diffusion"]))
>>> print(export(view, "bibtex"))  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import snapshot
from ..errors import KGError, UnknownLabelError
from ..files import atomic_write
from .bibtex import to_bibtex
from .document import document_files, to_main, to_zip
from .figures import to_dot, to_mermaid, to_pdf, to_svg
from .graphml import to_graphml
from .labels import Resolver
from .latex import Layout, to_latex
from .paragraph import to_paragraph_latex, to_paragraph_markdown
from .rdf import to_jsonld, to_turtle
from .spec import ViewSpec, construct_spec, question_spec, selection_spec, view_spec
from .tabular import to_csv, to_markdown
from .views import AttackRow, DefenseRow, Paper, View, make_view


@dataclass(frozen=True)
class Format:
    name: str
    render: Callable[[View], str | bytes]
    file_name: str  # in a bundle directory
    help: str
    needs_graphviz: bool = False
    layout: bool = False  # rendered for a Layout (--columns): render(view, layout)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("bibtex", to_bibtex, "references.bib", "BibTeX, one entry per paper"),
    Format("latex", to_latex, "table.tex", "booktabs tables shaped like the survey's, as wide "
           "as the text (tabularx; xltabular when long), \\cite keys", layout=True),
    Format("paragraph", to_paragraph_latex, "related-work.tex",
           "related-work prose in LaTeX (\\cite keys; a % rows: comment per sentence)"),
    Format("paragraph-md", to_paragraph_markdown, "related-work.md",
           "related-work prose in Markdown (pandoc [@key] citations)"),
    Format("main", to_main, "main.tex", "a LaTeX article that \\inputs related-work.tex and "
           "table.tex and cites references.bib (compiles with pdflatex + bibtex)", layout=True),
    Format("zip", to_zip, "related.zip", "main.tex, related-work.tex, table.tex and "
           "references.bib in one archive (upload to an online LaTeX editor)", layout=True),
    Format("markdown", to_markdown, "table.md", "Markdown tables shaped like the survey's"),
    Format("csv", to_csv, "rows.csv", "CSV, one line per attack / defense row"),
    Format("dot", to_dot, "figure.dot", "Graphviz DOT figure"),
    Format("svg", to_svg, "figure.svg", "the figure rendered by Graphviz as SVG", True),
    Format("pdf", to_pdf, "figure.pdf", "the figure rendered by Graphviz as PDF", True),
    Format("mermaid", to_mermaid, "figure.mmd", "Mermaid flowchart"),
    Format("graphml", to_graphml, "graph.graphml", "GraphML of the subgraph (networkx)"),
    Format("turtle", to_turtle, "graph.ttl", "Turtle of the subgraph"),
    Format("jsonld", to_jsonld, "graph.jsonld", "JSON-LD of the subgraph"),
)}
ALIASES = {"tex": "latex", "md": "markdown", "bib": "bibtex", "ttl": "turtle",
           "json-ld": "jsonld", "mmd": "mermaid", "gv": "dot", "document": "main"}


def format_named(name: str) -> Format:

    name = ALIASES.get(name.lower(), name.lower())
    if name not in FORMATS:
        raise UnknownLabelError("export format", name, list(FORMATS) + ["all"])
    return FORMATS[name]


def render(f: Format, view: View, layout: Layout | None = None) -> str | bytes:
    return f.render(view, layout or Layout()) if f.layout else f.render(view)  # type: ignore[call-arg]


def export(view: View, fmt: str, layout: Layout | None = None) -> str | bytes:
    """The view in one format (text, or bytes for PDF and zip); ``layout``: the tables
    and document set for a one- or two-column paper."""
    return render(format_named(fmt), view, layout)


def check_output(path: Path, directory: bool = False) -> Path:
    """KGError (one line) unless ``path`` can be written: a file in an existing, writable
    directory (``directory``: a directory that exists or can be made in one). Checked
    before anything is computed or written."""
    def fail(why: str) -> KGError:
        return KGError(f"cannot write {path}: {why}")

    if directory and path.exists():
        if not path.is_dir():
            raise fail("it exists and is not a directory")
        snapshot.check(path, "export directory")  # a 'current' that is not the set's link
        parent = path
    else:
        if not directory and path.is_dir():
            raise fail("it is a directory (give a file name)")
        parent = path.parent
        if not parent.exists():
            raise fail(f"the directory {parent} does not exist")
        if not parent.is_dir():
            raise fail(f"{parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise fail(f"the directory {parent} is not writable")
    if not directory and path.exists() and not os.access(path, os.W_OK):
        raise fail("the file is not writable")
    return path


def write_export(path: Path, content: str | bytes) -> Path:
    """Write one export atomically (readers see the old file or the new, never half)."""
    try:
        atomic_write(path, content)
    except OSError as e:
        raise KGError(f"cannot write {path}: {e.strerror or e}") from None
    return path


def write_bundle(view: View, directory: Path, formats: list[str] | None = None,
                 layout: Layout | None = None) -> list[Path]:
    """Every format (or the given ones) of a view into ``directory`` — with main.tex,
    which compiles next to the pieces, and related.zip —, rendered first, then switched in
    as one set (:func:`kg.snapshot.publish`): ``directory/current`` links the set's
    version directory and each file is a link through it (``directory/table.tex ->
    current/table.tex``), so a reader that reads through ``current`` sees the old set or
    the new one. Other files in ``directory`` are kept. On any failure no path in it reads
    differently (a directory made for this export is removed again) and an OS error is
    one WriteError naming the path."""
    chosen = [format_named(f) for f in (formats or list(FORMATS))]
    rendered = {f.file_name: render(f, view, layout) for f in chosen}
    fresh = not directory.exists()
    try:
        snapshot.publish(directory, rendered, what="export directory")
    except BaseException:
        if fresh and directory.is_dir() and set(os.listdir(directory)) <= {snapshot.LOCK}:
            (directory / snapshot.LOCK).unlink(missing_ok=True)
            directory.rmdir()
        raise
    return [directory / name for name in rendered]


__all__ = ["ALIASES", "AttackRow", "DefenseRow", "FORMATS", "Format", "Layout", "Paper",
           "Resolver", "document_files", "render", "to_main", "to_zip",
           "View", "ViewSpec", "check_output", "construct_spec", "export", "format_named", "make_view",
           "question_spec", "selection_spec",
           "to_bibtex", "to_csv", "to_dot", "to_graphml", "to_jsonld", "to_latex",
           "to_markdown", "to_mermaid", "to_paragraph_latex", "to_paragraph_markdown",
           "to_pdf", "to_svg", "to_turtle", "view_spec", "write_bundle", "write_export"]
