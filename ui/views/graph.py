"""Graph explorer: a node's neighbourhood, coloured by type, with a legend, a depth and a
type filter; clicking a node opens its entity page."""

import altair as alt
import links
import resources
import streamlit as st

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

nodes = [dict(n, page=resources.entity_url(n["ref"]),
              shown=n["label"] if len(n["label"]) <= 40 else n["label"][:38] + "…")
         for n in nb.nodes]
palette = alt.Scale(domain=list(names.ENTITY_TYPES),
                    range=["#4e79a7", "#e15759", "#59a14f", "#76b7b2", "#f28e2b", "#b07aa1",
                           "#9c755f"])
select = alt.selection_point(name="node", fields=["ref"], on="click")
edges = alt.Chart(alt.Data(values=nb.edges)).mark_rule(opacity=0.45).encode(
    x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), x2="x2:Q", y2="y2:Q",
    strokeDash=alt.condition("datum.derived", alt.value([4, 3]), alt.value([1, 0])),
    tooltip=[alt.Tooltip("predicate:N")])
points = alt.Chart(alt.Data(values=nodes)).mark_circle(stroke="black", strokeWidth=0.5).encode(
    x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None),
    color=alt.Color("type:N", scale=palette, legend=alt.Legend(title="type", orient="right")),
    size=alt.condition("datum.distance == 0", alt.value(700), alt.value(260)),
    tooltip=[alt.Tooltip("label:N"), alt.Tooltip("type:N"), alt.Tooltip("distance:Q")],
).add_params(select)
text = alt.Chart(alt.Data(values=nodes)).mark_text(dy=-14, fontSize=10).encode(
    x="x:Q", y="y:Q", text="shown:N")
# labels only on small views; the points (which hold the click selection) are drawn once:
# a layer that repeats them defines the selection's signals twice (a Vega error)
chart = (edges + points + text if len(nodes) <= 60 else edges + points).properties(height=620)
event = st.altair_chart(chart, on_select="rerun", key="graph_chart", width="stretch")

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
st.dataframe([{"label": n["label"], "type": n["type"], "distance": n["distance"],
               "page": n["page"]} for n in nodes],
             hide_index=True, width="stretch", column_config=resources.link_column())
