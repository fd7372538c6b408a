"""Graph explorer: a node's neighbourhood, coloured by type, with a legend, a depth and a
type filter; clicking a node opens its entity page."""

import altair as alt
import links
import resources
import streamlit as st

from kg.app import graph as app_graph
from kg.app import names
from kg.app.names import KGError

st.title("Graph explorer")
st.caption("The neighbourhood of a node in the graph (papers, attacks, defense evaluations, "
           "methods, threats, knowledge levels, models). Click a node to open its page; "
           "dashed edges are derived links (same paper, same threat).")

wanted = links.current("graph", "node")  # the URL is this page's state: read every run
if wanted:
    try:  # a short name, an IRI or a label (bounded lookups)
        wanted = resources.find_entity(wanted)
    except KGError as e:
        st.error(resources.plain(str(e)))
        wanted = ""
try:
    default = wanted or resources.default_centre()
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

c1, c2, c3 = st.columns([3, 1, 3])
with c1:
    center = resources.node_picker("Centre node", names.GRAPH_TYPES, default,
                                   "graph") or default
# the centre is in the URL (when not the default): a link to this view, kept on reruns
links.share("graph", {"node": center if center != default or wanted else None})
depth = c2.slider("Depth", 1, 3, 1)
types = c3.multiselect("Show only these types", list(names.GRAPH_TYPES),
                       placeholder="all types")

try:
    nb = resources.neighbourhood(center, depth, tuple(types))
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

nodes = [dict(n, page=resources.entity_url(n["ref"])) for n in nb.nodes]
# the drawing's own pixels (kg.drawing): names placed so that none overlaps another, in the
# colour-blind-safe palette; "Export this view" below writes the same picture
shown = [t for t in names.GRAPH_TYPES if any(n["type"] == t for n in nodes)]
palette = alt.Scale(domain=shown, range=[nb.palette[t] for t in shown])
x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, nb.drawing.width], nice=False, zero=False))
yscale = alt.Scale(domain=[0, nb.drawing.height], reverse=True, nice=False, zero=False)
y = alt.Y("y:Q", axis=None, scale=yscale)
select = alt.selection_point(name="node", fields=["ref"], on="click")
edges = alt.Chart(alt.Data(values=nb.edges)).mark_rule(opacity=0.45).encode(
    x=x, y=y, x2="x2:Q", y2="y2:Q",
    strokeDash=alt.condition("datum.derived", alt.value([4, 3]), alt.value([1, 0])),
    tooltip=[alt.Tooltip("predicate:N")])
points = alt.Chart(alt.Data(values=nodes)).mark_circle(stroke="black", strokeWidth=0.6,
                                                       opacity=1).encode(
    x=x, y=y,
    color=alt.Color("type:N", scale=palette,
                    legend=alt.Legend(title="type", orient="bottom", direction="horizontal")),
    size=alt.condition("datum.distance == 0", alt.value(314), alt.value(79)),
    tooltip=[alt.Tooltip("label:N", title="name"), alt.Tooltip("full:N", title="full name"),
             alt.Tooltip("type:N"), alt.Tooltip("distance:Q")],
).add_params(select)
text = alt.Chart(alt.Data(values=nodes)).mark_text(
    fontSize=app_graph.FONT_SIZE, font=app_graph.FONT, baseline="middle").encode(
    x=x, y=alt.Y("label_y:Q", axis=None, scale=yscale), text="label:N",
    tooltip=[alt.Tooltip("full:N", title="full name")])
# the points (which hold the click selection) are drawn once: a layer that repeats them
# defines the selection's signals twice (a Vega error)
chart = (edges + points + text).properties(width=nb.drawing.width, height=nb.drawing.height,
                                           padding=0,
                                           usermeta={"embedOptions": {"renderer": "svg"}})
event = st.altair_chart(chart, on_select="rerun", key="graph_chart", width="content")

picked = (event.selection.get("node") or [None])[0] if event else None
if picked and picked.get("ref") in {n["ref"] for n in nodes} and picked["ref"] != center:
    st.switch_page(resources.PAGES["entity"], query_params={"node": picked["ref"]})

st.caption(f"{len(nb.nodes) - 1} neighbour(s) within {depth} step(s), {len(nb.edges)} edge(s)."
           + (f" More were found: the {nb.max_nodes} nearest are shown (by type, then label)."
              if nb.more else ""))
for c in nb.cut:  # a cap is said, never silent
    st.info(resources.plain(
        f"{c['label']} has {c['total']:,} neighbours: only {c['read']:,} of them were read "
        "(the first in the store's order), so the view shows some of its neighbours, not all. "
        "Filter by type, or centre on a less connected node."))
st.subheader("Export this view")
st.caption("The picture above with the same names, positions and colours: SVG and PDF for a "
           "paper, GraphML for other graph tools. From the command line: "
           f"`kg graph {nb.center} --depth {depth} -f svg -o neighbourhood.svg`.")
cols = st.columns(len(app_graph.EXPORT_FORMATS))
for col, (fmt, (suffix, mime)) in zip(cols, app_graph.EXPORT_FORMATS.items(), strict=True):
    try:  # what is missing (Graphviz for a PDF) is said now; the file is made on the click
        app_graph.can_export(fmt)
    except KGError as e:
        col.error(resources.plain(str(e)))
        continue
    col.download_button(f"{fmt.upper()}", resources.graph_file(center, depth, tuple(types), fmt),
                        file_name=f"neighbourhood.{suffix}", mime=mime, key=f"export_{fmt}",
                        width="stretch")
st.dataframe([{"name": n["label"], "type": n["type"], "distance": n["distance"],
               "full name": n["full"], "page": n["page"]} for n in nodes],
             hide_index=True, width="stretch", column_config=resources.link_column())
