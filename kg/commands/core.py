"""kg build | validate | stats | explain | table | sparql."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import settings
from ..errors import KGError
from ..stores.open import open_store
from .options import echo_json, seconds, source_option, store_options, whole_number


@click.command()
@source_option
@click.option("--build-dir", type=click.Path(path_type=Path), default=None,
              help="Where to write the graph [env KG_BUILD_DIR; default build/].")
@click.option("--update-lock", is_flag=True,
              help="Accept a changed source: record its new SHA-256 in data/survey.lock.json.")
@click.option("--additions", "additions_dir", type=click.Path(path_type=Path), default=None,
              help="Curated additions directory (or one file) [default data/additions/].")
@click.option("--skip-bad-additions", is_flag=True,
              help="Build without the additions that are refused, and list them.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def build(source, build_dir, update_lock, additions_dir, skip_bad_additions, as_json):
    """Build the graph, validate it against the SHACL shapes, write it atomically."""
    from ..build import build as do_build
    from ..build import render_text
    from ..lexicon_cache import prepare as prepare_lexicon
    from ..stores.memory import MemoryStore

    r = do_build(source, build_dir, update_lock=update_lock, additions_dir=additions_dir,
                 skip_bad_additions=skip_bad_additions)
    if "builder" in r.version:  # a complete build: the first question's lexicon, made now
        prepare_lexicon(MemoryStore(r.graph, content_id=r.version["graph_sha256"]))
    if as_json:
        echo_json(r.as_dict())
    else:
        click.echo(render_text(r))


@click.command()
@source_option
@click.option("--file", "graph_file", type=click.Path(path_type=Path, exists=True), default=None,
              help="Validate this RDF file instead of building from the source.")
def validate(source, graph_file):
    """Check a graph against the SHACL shapes; exit 1 with the report if it fails."""
    from rdflib import Graph

    from ..build import load_and_validate
    from ..validate import require_valid

    if graph_file:
        g = Graph()
        try:
            g.parse(graph_file)
        except Exception as e:
            raise KGError(f"file {graph_file}: cannot parse as RDF: {e}") from None
        require_valid(g)
    else:
        load_and_validate(source)
    click.echo("conforms")


@click.command()
@store_options
@click.option("--json", "as_json", is_flag=True)
def stats(source, as_json):
    """Counts per class and triples (through SPARQL, on any store)."""
    from ..coverage.counts import store_counts

    triples, c = store_counts(open_store(source=source))
    if as_json:
        echo_json({"triples": triples, "counts": dict(c)})
        return
    click.echo(f"triples  {triples}")
    for name, n in c:
        click.echo(f"{name}  {n}")


@click.command()
@click.argument("node")
@store_options
@click.option("--json", "as_json", is_flag=True)
def explain(node, source, as_json):
    """Where NODE's facts came from (NODE: label, IRI, rdi:local-name)."""
    from ..explain import explain as do_explain
    from ..explain import render_text
    from ..linking import resolve

    store = open_store(source=source)
    e = do_explain(store, resolve(store, node))
    if as_json:
        echo_json(e.as_dict())
    else:
        click.echo(render_text(e))


@click.command()
@click.argument("name", type=click.Choice(["attacks", "defenses"]))
@click.option("--format", "fmt", type=click.Choice(["md", "html", "csv", "json"]), default="md")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--canonical", is_flag=True,
              help="The graph's canonical labels instead of the survey's words as written.")
@store_options
def table(name, fmt, as_json, canonical, source):
    """Regenerate a survey table from the graph (SPARQL over the graph), cell for cell in
    the survey's words (its provenance cells), or with --canonical in the graph's labels."""
    from ..table import table_text

    text = table_text(open_store(source=source), name, "json" if as_json else fmt,
                      words="canonical" if canonical else "survey")
    if as_json or fmt == "json":
        echo_json(json.loads(text))
    else:
        click.echo(text, nl=False)


@click.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.option("--limit", default=None, metavar="N", callback=whole_number(1),
              help="Most rows, 1 or more [env KG_ROW_LIMIT].")
@click.option("--timeout", default=None, metavar="SECONDS", callback=seconds,
              help="Seconds, more than 0 [env KG_QUERY_TIMEOUT].")
@store_options
def sparql(query, fmt, limit, timeout, source):
    """Run a read-only SPARQL QUERY (text, or a path to a .rq file).

    Prefixes rd:, rdi:, skos:, dcterms:, prov:, rdfs: ... are predeclared.
    Updates, LOAD, SERVICE and FROM are refused.
    """
    from ..sparql import format_result, read_query_arg, run_query

    query = read_query_arg(query)
    res = run_query(open_store(source=source), query,
                    limit=limit or settings.number("row_limit"),
                    timeout=timeout or settings.number("query_timeout"))
    text = format_result(res, fmt)
    click.echo(text, nl=not text.endswith("\n"))
