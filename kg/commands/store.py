"""kg load | summarize | stores: filling a store and choosing one."""

from __future__ import annotations

import time
from pathlib import Path

import click

from .options import echo_json, source_option, store_options


@click.command()
@click.option("--store", "setting", required=True, metavar="STORE",
              help="Where to load: 'oxigraph:PATH' or an endpoint URL ('memory' checks only).")
@source_option
@click.option("--graph", "graph_file", type=click.Path(path_type=Path), default=None,
              help="N-Triples file to load [default: build/graph.nt when built, else the "
                   "graph built from --source].")
@click.option("--synthetic", type=int, default=None, metavar="N",
              help="Load a synthetic survey-shaped graph of N papers instead (benchmarks).")
@click.option("--seed", type=int, default=0, help="Seed of --synthetic.")
@click.option("--force", is_flag=True, help="Load a --graph that holds no paper.")
@click.option("--json", "as_json", is_flag=True)
def load(setting, source, graph_file, synthetic, seed, force, as_json):
    """Push the graph into a store, replacing its default graph (idempotent). All or
    nothing: the input is parsed in full first, and the store switches to the new graph,
    with its coverage summary, only when all of it is in."""
    from ..loading import load as load_graph

    r = load_graph(setting, source=source, graph_file=graph_file, synthetic=synthetic,
                   seed=seed, force=force)
    if as_json:
        echo_json(r.as_dict())
        return
    click.echo(f"Loaded {r.triples} triples into {r.store} from {r.origin} in {r.seconds:.1f} s "
               "(its default graph was replaced)")
    click.echo(f"Coverage summary: {r.summary_cells} cells counted and stored in "
               f"{r.summary_seconds:.1f} s ({r.fingerprint})")
    if r.lexicon_seconds:
        click.echo(f"Names indexed for questions in {r.lexicon_seconds:.1f} s")


@click.command()
@store_options
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


@click.command()
@click.option("--json", "as_json", is_flag=True)
def stores(as_json):
    """The stores you can pick with --store / KG_STORE."""
    from ..stores.open import available_stores

    found = available_stores()
    if as_json:
        echo_json({"stores": [{"store": s.setting, "kind": s.kind,
                               "description": s.description} for s in found]})
        return
    for s in found:
        click.echo(f"{s.setting}\t{s.kind}\t{s.description}")
