"""kg load | stores, and the ``--store`` option of the query commands.

Every command that reads the graph (it takes ``--source``), other than build and
validate (which work on the rdflib graph itself), gets ``--store`` here, whatever module
defines it: the option is added when click looks the command up.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from .. import settings
from ..cli import echo_json, main, source_option
from ..errors import KGError
from ..stores.open import use_store

_SETTING = next(s for s in settings.SETTINGS if s.name == "store")
STORE_HELP = f"{_SETTING.help} [env {_SETTING.env}; default {_SETTING.default}]"
NO_STORE_OPTION = {"build", "validate", "load", "stores"}


def _use(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    use_store(value)  # a bad setting is a KGError: one line, exit 1
    return value


def store_option(f):
    """``--store SETTING`` for a command that queries the graph (sets the process's store)."""
    return click.option("--store", "store_setting", default=None, metavar="STORE",
                        expose_value=False, callback=_use, is_eager=True, help=STORE_HELP)(f)


def _add_store_option(cmd: click.Command) -> None:
    names = {p.name for p in cmd.params}
    if cmd.name in NO_STORE_OPTION or "source" not in names or "store_setting" in names:
        return
    store_option(cmd)  # click.option appends to cmd.params for a Command object


_lookup = main.get_command


def _get_command(ctx: click.Context, name: str):
    use_store(None)  # each invocation starts from KG_STORE
    cmd = _lookup(ctx, name)
    if cmd is not None:
        _add_store_option(cmd)
    return cmd


main.get_command = _get_command  # type: ignore[method-assign]


@main.command()
@click.option("--store", "setting", required=True, metavar="STORE",
              help="Where to load: 'oxigraph:PATH' or an endpoint URL ('memory' checks only).")
@source_option
@click.option("--graph", "graph_file", type=click.Path(path_type=Path), default=None,
              help="N-Triples file to load [default: build/graph.nt when built, else the "
                   "graph built from --source].")
@click.option("--synthetic", type=int, default=None, metavar="N",
              help="Load a synthetic survey-shaped graph of N papers instead (benchmarks).")
@click.option("--seed", type=int, default=0, help="Seed of --synthetic.")
@click.option("--json", "as_json", is_flag=True)
def load(setting, source, graph_file, synthetic, seed, as_json):
    """Push the graph into a store, replacing its default graph (idempotent). All or
    nothing: the input is parsed in full first, and the store switches to the new graph,
    with its coverage summary, only when all of it is in."""
    from rdflib import Graph

    from ..coverage.summary import materialize
    from ..errors import GraphDataError
    from ..stores.memory import MemoryStore
    from ..stores.open import open_store, store_kind

    # 'memory' loads into a graph of its own (checks the input): the process's store stays
    store = (MemoryStore(Graph()) if store_kind(setting) == "memory"
             else open_store(setting, check=False))
    done: dict = {}

    def summarize_staged(staged, triples: int) -> None:  # on the new graph, before the switch
        t = time.perf_counter()
        done["summary"] = materialize(staged, triples=triples)
        done["seconds"] = time.perf_counter() - t

    t0 = time.perf_counter()
    built = (_current_built_graph() if synthetic is None and graph_file is None and source is None
             else None)
    if synthetic is not None:
        from ..synthetic import generate_ntriples

        if synthetic < 1:
            raise KGError(f"--synthetic {synthetic}: give a number of papers, at least 1")
        origin = f"synthetic graph of {synthetic} papers (seed {seed})"
        n = store.load_ntriples(generate_ntriples(synthetic, seed), prepare=summarize_staged)
    elif graph_file is not None or built is not None:
        path = graph_file or settings.path("build_dir") / "graph.nt"
        data = _read_graph(graph_file or built, shown=path, store=store.name)
        origin = str(path)
        try:
            n = store.load_ntriples([data], prepare=summarize_staged)
        except GraphDataError as e:
            raise KGError(f"file {path}, {e}; nothing was loaded: {store.name} is "
                          "unchanged") from None
    else:
        from ..graph import graph_from_files

        src = source or settings.path("source")
        origin = f"graph built from {src}"
        if source is None and _built_graph().is_file():  # the same graph memory queries read
            origin += (f" ({settings.path('build_dir') / 'graph.nt'} is not a build of the "
                       "current sources by this code: run 'kg build', or pass it as --graph "
                       "to load it as it is)")
        n = store.load(graph_from_files(src), prepare=summarize_staged)
    s, summary_seconds = done["summary"], done["seconds"]
    seconds = time.perf_counter() - t0 - summary_seconds
    if as_json:
        echo_json({"store": store.name, "kind": store.kind, "triples": n, "from": origin,
                   "seconds": round(seconds, 3), "summary_cells": len(s.cells),
                   "summary_seconds": round(summary_seconds, 3)})
        return
    click.echo(f"Loaded {n} triples into {store.name} from {origin} in {seconds:.1f} s "
               "(its default graph was replaced)")
    click.echo(f"Coverage summary: {len(s.cells)} cells counted and stored in "
               f"{summary_seconds:.1f} s ({s.fingerprint})")


def _current_built_graph() -> Path | None:
    """The build's graph.nt when it is a build of exactly the current sources by this code
    (kg.version.current_build, the rule the in-memory store follows), else None."""
    from ..version import current_build

    return current_build(settings.path("build_dir"), settings.path("source").resolve())


def _built_graph() -> Path:
    """The current build's graph.nt, inside its version directory (kg.snapshot)."""
    from ..snapshot import resolve

    return resolve(settings.path("build_dir")) / "graph.nt"


def _read_graph(path: Path, shown: Path, store: str) -> bytes:
    """The bytes of an N-Triples file to load; a build's graph.nt must have the hash its
    version.json records (a truncated copy can still parse, one line short)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise KGError(f"file {shown}: cannot read the graph: {e.strerror}") from None
    record = path.resolve().parent / "version.json"
    if path.name == "graph.nt" and record.is_file():
        import hashlib
        import json

        try:
            expected = json.loads(record.read_text(encoding="utf-8")).get("graph_sha256")
        except (OSError, ValueError, AttributeError):
            expected = None
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise KGError(f"file {shown}: its SHA-256 is not the graph_sha256 its build "
                          f"recorded in {record} (truncated or edited?); rebuild it with "
                          f"'kg build'; nothing was loaded: {store} is unchanged")
    return data


@main.command()
@source_option
@click.option("--json", "as_json", is_flag=True)
def summarize(source, as_json):
    """Recount the coverage summary and store it (kg load does this; run it after editing
    a store by other means). Coverage and gap texts read it while it matches the graph."""
    from ..coverage.summary import SUMMARY_GRAPH, materialize
    from ..stores.open import open_store

    store = open_store(source=source)
    t0 = time.perf_counter()
    s = materialize(store)
    seconds = time.perf_counter() - t0
    kept = store.kind != "memory"
    if as_json:
        echo_json({"store": store.name, "stored": kept, "graph": SUMMARY_GRAPH if kept else None,
                   "fingerprint": s.fingerprint, "cells": len(s.cells),
                   "seconds": round(seconds, 3)})
        return
    where = (f"stored in {store.name}, graph <{SUMMARY_GRAPH}>" if kept else
             "not stored: the in-memory store has no named graphs and counts live")
    click.echo(f"Coverage summary: {len(s.cells)} cells ({s.fingerprint}) in {seconds:.2f} s; "
               f"{where}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
def stores(as_json):
    """The stores you can pick with --store / KG_STORE."""
    from ..stores.open import available_stores

    found = available_stores()
    if as_json:
        echo_json([{"store": s.setting, "kind": s.kind, "description": s.description}
                   for s in found])
        return
    for s in found:
        click.echo(f"{s.setting}\t{s.kind}\t{s.description}")
