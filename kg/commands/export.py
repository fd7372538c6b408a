"""kg export view|construct: a view of the graph as BibTeX, LaTeX, a related-work
skeleton, tables, figures or graph files.

    kg export view [--threat T] [--knowledge K] [--model M] [--method D] [--paper P]
                   [--part attacks|defenses] --format F [-o PATH] [--json]
    kg export construct QUERY-or-FILE.rq --format F [-o PATH] [--json]
    kg export question "QUESTION" --format F [-o PATH] [--json]

Filters of different kinds combine with AND, repeated ones with OR; labels go through
data/aliases.yaml (any spelling it knows; unknown → "did you mean"). ``--format all``
writes every format into the directory ``-o DIR``, with ``main.tex`` (compiles there with
pdflatex + bibtex) and ``related.zip`` (the document for an online LaTeX editor);
``--columns 2`` sets the tables and main.tex for a two-column paper.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import KGError
from ..stores.open import open_store
from .options import echo_json, source_option

FORMAT_HELP = ("bibtex, latex, paragraph, paragraph-md, main (a LaTeX article inputting the "
               "pieces), zip (main.tex + pieces + .bib), markdown, csv, dot, svg, pdf, "
               "mermaid, graphml, turtle, jsonld, or all (every format into -o DIR)")


def _columns(ctx: click.Context, param: click.Parameter, value: str):
    """--columns as a kg.export.Layout (a one-line error unless 1 or 2)."""
    from ..export import Layout

    try:
        return Layout(int(value))
    except ValueError:
        raise KGError(f"--columns {value}: give 1 (one-column document) or 2 (two-column)") \
            from None


def _common(f):
    f = click.option("--columns", "layout", default="1", metavar="1|2", callback=_columns,
                     show_default=True,
                     help="Set the LaTeX tables and main.tex for a one- or two-column paper "
                          "(2: page-wide table* floats, \\documentclass[twocolumn]).")(f)
    f = click.option("--json", "as_json", is_flag=True,
                     help="Print a JSON record (format, path or content, graph hash, view, "
                          "papers, empty bibliographic fields).")(f)
    f = click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                     help="Write to this file (a directory for --format all); "
                          "default: standard output.")(f)
    f = click.option("-f", "--format", "fmt", required=True, metavar="FORMAT",
                     help=FORMAT_HELP)(f)
    return source_option(f)


@click.group("export")
def export_group() -> None:
    """Export a view of the graph for a related-work section (see `kg export view -h`)."""


@export_group.command("view")
@click.option("--threat", multiple=True, help="Threat category, e.g. 'membership inference'.")
@click.option("--knowledge", multiple=True, help="Attacker knowledge: black-box, gray-box, "
              "white-box (attack rows only).")
@click.option("--model", multiple=True, help="Target model or family; includes every model "
              "below it (skos:broader*), e.g. 'Stable Diffusion'.")
@click.option("--method", multiple=True, help="Defense method (selects defense rows only).")
@click.option("--paper", multiple=True, help="Paper: survey title or citation key.")
@click.option("--author", multiple=True, help="Author: full name, or a family name (every "
              "author who bears it), e.g. 'Kong'.")
@click.option("--venue", multiple=True, help="Venue short name, e.g. ICML, ECCV, arXiv.")
@click.option("--year", default=None, metavar="YEARS", help="Publication year: 2023, "
              "2023-2024, 2024- (from 2024) or -2023 (up to 2023).")
@click.option("--part", type=click.Choice(["all", "attacks", "defenses"]), default="all",
              help="Keep only attack or only defense rows.")
@_common
def view_cmd(threat, knowledge, model, method, paper, author, venue, year, part, fmt, output,
             as_json, layout, source):
    """Export the rows selected by filters (none: the whole taxonomy)."""
    from ..export import view_spec

    store = open_store(source=source)
    spec = view_spec(store, threats=threat, knowledge=knowledge, models=model, methods=method,
                     papers=paper, part=part, authors=author, venues=venue, years=year)
    _run(store, spec, fmt, output, as_json, layout)


@export_group.command("construct")
@click.argument("query")
@_common
def construct_cmd(query, fmt, output, as_json, layout, source):
    """Export the subgraph a read-only SPARQL CONSTRUCT QUERY returns (text or .rq file)."""
    from ..export import construct_spec
    from ..sparql import read_query_arg

    query = read_query_arg(query)
    _run(open_store(source=source), construct_spec(query), fmt, output, as_json, layout)


@export_group.command("question")
@click.argument("question")
@_common
def question_cmd(question, fmt, output, as_json, layout, source):
    """Export exactly the rows the answer to QUESTION rests on (as `kg ask` answers it),
    stamped with the question and how it was understood."""
    from ..export import question_spec

    store = open_store(source=source)
    _run(store, question_spec(store, question), fmt, output, as_json, layout)


def _run(store, spec, fmt: str, output: Path | None, as_json: bool,
         layout=None) -> None:
    """Export ``spec``'s view and print what ``kg export`` prints."""
    from ..export.output import export_to

    done = export_to(store, spec, fmt, output, layout)
    if done.content is not None and not as_json:
        click.echo(done.content, nl=not done.content.endswith("\n"))
    if as_json:
        echo_json({**done.record, "content": done.content})  # null when written to a file
    elif done.summary:
        click.echo(done.summary)
    if done.missing_bibliography and not as_json:
        click.echo("note: no bibliography entry for: " + "; ".join(done.missing_bibliography),
                   err=True)
