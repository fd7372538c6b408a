"""kg coverage | gaps | consistency | neighbors | graph | path | centrality | crosswalk | profile."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import KGError
from ..stores.open import open_store
from .options import echo_json, store_options

PROJECTED_TYPES = ("Paper", "Attack", "DefenseEvaluation", "DefenseMethod", "ThreatCategory",
                   "AttackerKnowledge", "TargetModel")
COMPACT_CELLS = 2000  # kg coverage --json: one line above this many cells


@click.command()
@click.option("--by", type=click.Choice(["model", "knowledge", "defense"]), default="model",
              show_default=True, help="Columns: target models, attacker knowledge or defense methods.")
@click.option("--level", type=click.Choice(["model", "family"]), default="model", show_default=True,
              help="With --by model: the models as named, or rolled up to their families.")
@click.option("--json", "as_json", is_flag=True,
              help="Every cell with its counts (attacks_total, defenses_total, papers_total) "
                   "and at most --items of its attacks and defenses (truncated: the lists "
                   "are cut; items_listed: false past --cells); on one line above "
                   "2,000 cells.")
@click.option("--items", type=click.IntRange(min=0), default=20, show_default=True,
              help="--json: at most this many attacks and this many defenses per cell (the "
                   "first in the store's order, listed by label), and unknown-knowledge "
                   "defenses per threat.")
@click.option("--cells", type=click.IntRange(min=0), default=100, show_default=True,
              help="--json: list items in at most this many cells (the first listed); every "
                   "cell has its counts.")
@store_options
def coverage(by, level, as_json, items, cells, source):
    """Threats x models / attacker knowledge / defense methods: attacks and defenses per cell.

    The cells and their counts are read from the store's coverage summary (kg summarize)
    when it is current; --json adds a page of each cell's items, by queries bound to that
    cell (--items, --cells), so its cost follows the page, not the graph."""
    store = open_store(source=source)
    if as_json:
        from ..coverage.page import page

        d = page(store, by=by, level=level, items=items, cells=cells).as_dict()
        echo_json(d, compact=d["cells_total"] > COMPACT_CELLS)  # indented: 3x slower
    else:
        from ..coverage.summary import render_text

        click.echo(render_text(store, by, level))


@click.command()
@click.option("--type", "types", multiple=True,
              type=click.Choice(["threat_without_defense", "model_without_defense",
                                 "knowledge_without_defense", "no_code_link"]),
              help="Only gaps of this type (repeatable).")
@click.option("--json", "as_json", is_flag=True,
              help="Each gap with type, reason, cells and evidence (at most --evidence pieces "
                   "of each kind, with evidence_total, evidence_counts and evidence_truncated).")
@store_options
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="List at most this many papers without a code link (the first by title; "
                   "the rest are counted in one last gap and in count/summary).")
@click.option("--evidence", "evidence", type=click.IntRange(min=0), default=20,
              show_default=True,
              help="--json: at most this many pieces of evidence of each kind per gap "
                   "(attacks, family defenses, unknown-knowledge defenses); the totals are "
                   "counted from the coverage cells.")
def gaps(types, as_json, source, limit, evidence):
    """Typed gaps: threats, models and attacker knowledge with attacks but no defense;
    papers with no code link in the survey. Each with its reason; --json adds the evidence.

    The gaps are read from the store's coverage summary (kg summarize) when it is current;
    --json fetches each gap's evidence by queries bound to that gap, cut at --evidence
    (count and summary are every gap's, whatever is listed)."""
    from ..coverage.gaps import find_gaps, from_summary, render_text, totals

    store = open_store(source=source)
    if as_json:
        gs = [g for g in find_gaps(store, code_limit=limit, evidence_limit=evidence)
              if not types or g.type in types]
        count, by_type = totals(gs)
        echo_json({"count": count, "listed": sum(1 for g in gs if g.cells),
                   "summary": by_type, "code_limit": limit, "evidence_limit": evidence,
                   "truncated_gaps": sum(1 for g in gs if g.as_dict().get(
                       "evidence_truncated")),
                   "gaps": [g.as_dict() for g in gs]})
    else:
        click.echo(render_text([g for g in from_summary(store, code_limit=limit)
                                if not types or g.type in types]))


@click.command()
@click.option("--json", "as_json", is_flag=True)
@store_options
def consistency(as_json, source):
    """Where the survey disagrees with itself, with both sources (nothing is resolved)."""
    from ..consistency import findings, render_text

    fs = findings(open_store(source=source))
    if as_json:
        echo_json({"count": len(fs), "findings": [f.as_dict() for f in fs]})
    else:
        click.echo(render_text(fs))


def _projection(store, *names: str):
    from ..linking import resolve
    from ..project import to_networkx

    G = to_networkx(store)
    return G, [str(resolve(store, n)) for n in names]


@click.command()
@click.argument("node")
@click.option("--depth", type=int, default=1, show_default=True, help="How many edges away.")
@click.option("--type", "types", multiple=True,
              type=click.Choice(["Paper", "Attack", "DefenseEvaluation", "DefenseMethod",
                                 "ThreatCategory", "AttackerKnowledge", "TargetModel"]),
              help="Only neighbours of this type (repeatable).")
@click.option("--json", "as_json", is_flag=True)
@store_options
def neighbors(node, depth, types, as_json, source):
    """The neighbourhood of NODE (label, IRI or rdi:local-name) in the graph projection."""
    from ..project import neighbors as nbrs

    store = open_store(source=source)
    G, (n,) = _projection(store, node)
    rows = nbrs(G, n, depth=depth, types=types or None)
    if as_json:
        echo_json({"node": {"iri": n, "label": G.nodes[n]["label"], "name": G.nodes[n]["name"],
                            "type": G.nodes[n]["type"]}, "depth": depth, "neighbors": rows})
        return
    click.echo(f"{G.nodes[n]['name']} [{G.nodes[n]['type']}]")
    for r in rows:
        v = r["via"]
        arrow = f"--{v['predicate']}-->" if v["direction"] == "forward" else f"<--{v['predicate']}--"
        tag = " (derived)" if v["derived"] else ""
        click.echo(f"  {'  ' * (r['distance'] - 1)}{arrow} {r['name']} [{r['type']}]{tag}")
    click.echo(f"({len(rows)} neighbour{'s' if len(rows) != 1 else ''} within {depth})")


@click.command()
@click.argument("node")
@click.option("--depth", type=click.IntRange(1, 3), default=1, show_default=True,
              help="How many edges away.")
@click.option("--type", "types", multiple=True, type=click.Choice(list(PROJECTED_TYPES)),
              help="Only neighbours of this type (repeatable).")
@click.option("-f", "--format", "fmt", type=click.Choice(["svg", "pdf", "graphml"]),
              default="svg", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (whole or not at all).")
@store_options
def graph(node, depth, types, fmt, output, source):
    """The Graph explorer's view of NODE as a figure: the same display names, layout and
    colours as the app's "Export this view" (SVG, PDF or GraphML)."""
    from ..drawing import cut_notes, render, store_view
    from ..export import check_output
    from ..files import atomic_write
    from ..linking import resolve

    check_output(output)
    store = open_store(source=source)
    d, G, more = store_view(store, str(resolve(store, node)), depth, types or None)
    atomic_write(output, render(d, fmt))
    click.echo(f"wrote {output} ({len(d.nodes)} nodes, {len(d.edges)} edges"
               + (f"; the {len(d.nodes) - 1} nearest neighbours shown)" if more else ")"))
    for note in cut_notes(G):
        click.echo(f"note: {note}", err=True)


@click.command()
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True)
@store_options
def path(a, b, as_json, source):
    """The shortest explanation path between A and B (e.g. a threat and a defense method)."""
    from ..project import render_path, shortest_path

    store = open_store(source=source)
    G, (na, nb) = _projection(store, a, b)
    steps = shortest_path(G, na, nb)
    if as_json:
        echo_json({"from": na, "to": nb, "length": len(steps), "steps": steps})
    else:
        click.echo(render_path(steps))


@click.command()
@click.option("--top", type=int, default=10, show_default=True, help="How many of each (0: all).")
@click.option("--json", "as_json", is_flag=True)
@store_options
def centrality(top, as_json, source):
    """Most central papers and defense methods (betweenness in the graph projection)."""
    from ..project import centrality as cent
    from ..project import to_networkx

    if top < 0:
        raise KGError(f"--top must be 0 or more (got {top})")
    c = cent(to_networkx(open_store(source=source)), top=top or None)
    if as_json:
        echo_json(c)
        return
    for name, rows in c.items():
        click.echo(f"{name}:")
        for r in rows:
            click.echo(f"  {r['betweenness']:.4f}  degree {r['degree']:>2}  {r['name']}")


@click.command()
@click.option("--json", "as_json", is_flag=True)
@store_options
def crosswalk(as_json, source):
    """The curated crosswalk from threats to MITRE ATLAS techniques (with its ATLAS version)."""
    from ..crosswalk import THREATS_QUERY, known_threats, load_crosswalk, threat_nodes
    from ..crosswalk import coverage as cw_coverage

    store = open_store(source=source)
    cw = load_crosswalk()
    known = known_threats(store.select(THREATS_QUERY))
    threat_nodes(known, cw)  # every threat the file names must exist
    cov = cw_coverage(known, cw)
    if as_json:
        echo_json({**cw.as_dict(), "coverage": cov})
        return
    click.echo(f"MITRE ATLAS crosswalk (curated, {cw.file}); ATLAS: {cw.atlas_version}")
    for m in cw.mappings:
        click.echo(f"  {m.threat}  skos:{m.match}Match  {m.technique} {m.name}")
    for u in cw.unmapped:
        click.echo(f"  {u['threat']}  (no ATLAS technique: {u['reason']})")
    if cov["not_in_file"]:
        click.echo(f"  not in the file: {', '.join(cov['not_in_file'])}")


@click.command()
@click.option("--model", required=True, help="The audited model (any spelling the alias file "
              "knows, e.g. 'SD v1.5'); a model not in the graph gets the closest known ones.")
@click.option("--access", "access", multiple=True, required=True,
              type=click.Choice(["api", "outputs", "intermediate", "weights", "gradients"]),
              help="What the model exposes (repeatable); mapped to attacker knowledge by "
                   "data/access.yaml.")
@click.option("--fine-tuned", "fine_tuned", is_flag=True,
              help="The audited model is a fine-tuned variant (said in the report).")
@click.option("-f", "--format", "fmt", type=click.Choice(["md", "html", "pdf", "json"]),
              default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the report here (atomically); default: standard output (pdf "
                   "needs -o).")
@store_options
def profile(model, access, fine_tuned, fmt, output, source):
    """An auditor's exposure report: the model's lineage, the attacks that apply (reachable
    with the access or needing more), the defenses evaluated on the lineage, the open risks,
    the ATLAS ids, each selection with its query-core form and SPARQL."""
    from ..profile import profile as make_profile
    from ..profile import render

    if fmt == "pdf" and output is None:
        raise click.UsageError("-f pdf needs -o FILE")
    store = open_store(source=source)
    rep = make_profile(store, model, list(access), fine_tuned)
    data = render(rep, fmt)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    from ..export import write_export

    write_export(output, data)
    click.echo(f"wrote {output} ({rep.model}: {len(rep.attacks)} attack rows, "
               f"{len(rep.defenses)} defense rows, {len(rep.open_risks)} open risks; "
               f"{rep.version})")
