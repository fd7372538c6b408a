"""kg search | ask: semantic search over the graph's nodes and questions in words."""

from __future__ import annotations

import click

from ..stores.open import open_store
from ..vocab import NODE_TYPES as TYPES
from .options import echo_json, store_options


@click.command()
@click.argument("query")
@click.option("-k", "k", type=int, default=10, show_default=True, help="How many results.")
@click.option("--type", "types", multiple=True, metavar="T",
              help=f"Only nodes of this type (repeatable): {', '.join(TYPES)}.")
@click.option("--dense-only", is_flag=True, help="Rank by embeddings alone (the baseline).")
@store_options
@click.option("--json", "as_json", is_flag=True)
def search(query, k, types, dense_only, source, as_json):
    """Rank the graph's nodes for QUERY (embeddings + BM25 + name boosts) [env KG_MODEL]."""
    from ..search import check_query, searcher

    q = check_query(query)
    # embedding a graph's node texts (a cache miss) can take minutes: say how far it is
    hits = searcher(open_store(source=source), progress=True).search(q, k, list(types) or None,
                                                              dense_only=dense_only)
    if as_json:
        echo_json({"query": q, "results": [h.as_dict() for h in hits]})
        return
    if not hits:
        click.echo("no results")
    for n, h in enumerate(hits, 1):
        click.echo(f"{n:>2}. {h.label}  [{h.type}]  {h.score:.3f}")
        click.echo(f"    {h.iri}")
        click.echo(f"    why: {h.why}")


def _semantic(store, text: str, k: int):
    """kg.search's semantic fallback, imported only on a small graph (numpy, the model)."""
    from ..search import semantic_hits

    return semantic_hits(store, text, k)


@click.command()
@click.argument("question")
@store_options
@click.option("--json", "as_json", is_flag=True)
def ask(question, source, as_json):
    """Answer QUESTION by SPARQL over the graph (no LLM); shows the query it ran."""
    from ..ask import ask as do_ask
    from ..ask import render_text

    store = open_store(source=source)

    def fallback(text, k):  # bounded on any graph; numpy and the model load only when used
        from ..name_search import fallback_hits

        return fallback_hits(store, text, k, semantic=_semantic)

    a = do_ask(store, question, fallback)
    if as_json:
        echo_json(a.as_dict())
    else:
        click.echo(render_text(a))
