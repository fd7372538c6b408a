"""kg serve | release: share the graph — a read-only SPARQL endpoint, a citable dataset."""

from __future__ import annotations

from pathlib import Path

import click

from ..stores.open import open_store
from .options import echo_json, seconds, store_options, whole_number


def _port(ctx: click.Context, param: click.Parameter, value):
    n = whole_number(1)(ctx, param, value)
    if n is not None and n > 65535:
        raise click.BadParameter(f"{n} is not a TCP port (1-65535)", param=param)
    return n


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", default="8000", metavar="PORT", callback=_port, show_default=True)
@click.option("--cors", multiple=True, metavar="ORIGIN",
              help="Allow a browser page of ORIGIN (http(s)://host[:port], or *) to query; "
                   "repeatable. Default: no cross-origin access.")
@click.option("--limit", default=None, metavar="N", callback=whole_number(1),
              help="Most rows per query, 1 or more [env KG_ROW_LIMIT].")
@click.option("--timeout", default=None, metavar="SECONDS", callback=seconds,
              help="Seconds per query, more than 0 [env KG_QUERY_TIMEOUT].")
@click.option("--max-queries", default="4", metavar="N", callback=whole_number(1),
              show_default=True, help="Queries evaluated at once (each in its own worker).")
@store_options
def serve(host, port, cors, limit, timeout, max_queries, source):
    """Serve the graph as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql
    (the console's guard, deadline, memory cap and row limit; /health gives the version)."""
    from ..serve import Config, check_origin
    from ..serve import serve as run

    config = Config(open_store(source=source), limit=limit, timeout=timeout,
                    max_queries=max_queries, cors=tuple(check_origin(o) for o in cors))
    click.echo(f"kg serve: {config.store.name} at http://{host}:{port}/sparql "
               "(Ctrl-C stops)", err=True)
    run(config, host, port)


@click.command()
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), default=None,
              help="The directory to write the release into (new, empty, or a previous "
                   "release, which is replaced).")
@click.option("--check", "check_dir", type=click.Path(path_type=Path), default=None,
              metavar="DIR", help="Verify the release in DIR instead (exit 1 naming a bad file).")
@click.option("--endpoint", default=None, metavar="URL",
              help="The SPARQL endpoint that serves this version (named in the description).")
@click.option("--json", "as_json", is_flag=True)
@store_options
def release(out, check_dir, endpoint, as_json, source):
    """Release the graph as a citable dataset: dumps (N-Triples, Turtle; gzip), VoID/DCAT,
    CITATION.cff, README and SHA256SUMS, named by the graph's version hash."""
    from ..release import check_release
    from ..release import release as write

    if (out is None) == (check_dir is None):
        raise click.UsageError("give -o DIR (write a release) or --check DIR (verify one)")
    rec = (check_release(check_dir) if check_dir is not None
           else write(open_store(source=source), out, endpoint))
    if as_json:
        echo_json(rec)
    else:
        click.echo(f"release {rec['directory']}: " + (
            f"{len(rec['files'])} files verified" if check_dir is not None else
            f"version {rec['version']}, {rec['triples']} triples, {len(rec['files']) + 1} files"))
