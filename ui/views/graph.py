"""Graph explorer: a node's neighbourhood, coloured by type, with a legend, a depth and a
type filter; clicking a node opens its entity page."""

import altair as alt
import resources
import streamlit as st

from kg import explore
from kg.errors import KGError

st.title("Graph explorer")
st.caption("The neighbourhood of a node in the graph (papers, attacks, defense evaluations, "
           "methods, threats, knowledge levels, models). Click a node to open its page; "
           "dashed edges are derived links (same paper, same threat).")

ents = [e for e in resources.entities() if e.type in explore.GRAPH_TYPES]
by_ref = {e.ref: e for e in ents}
wanted = st.query_params.get("node", "")
if wanted and wanted not in by_ref:
    try:
        wanted = explore.find_entity(resources.store(), wanted)
    except KGError as e:
        st.error(resources.plain(str(e)))
        wanted = ""
default = wanted or next((e.ref for e in ents if e.label == "Membership inference"), ents[0].ref)
refs = [e.ref for e in ents]

c1, c2, c3 = st.columns([3, 1, 3])
center = c1.selectbox("Centre node", refs, index=refs.index(default),
                      format_func=lambda r: f"{by_ref[r].label}  ·  {by_ref[r].type}")
depth = c2.slider("Depth", 1, 3, 1)
types = c3.multiselect("Show only these types", list(explore.GRAPH_TYPES),
                       placeholder="all types")

try:
    nb = resources.neighbourhood(center, depth, tuple(types))
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

nodes = [dict(n, page=resources.entity_url(n["ref"]),
              shown=n["label"] if len(n["label"]) <= 40 else n["label"][:38] + "…")
         for n in nb.nodes]
palette = alt.Scale(domain=list(explore.ENTITY_TYPES),
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
chart = (edges + points + (text if len(nodes) <= 60 else points)).properties(height=620)
event = st.altair_chart(chart, on_select="rerun", key="graph_chart", width="stretch")

picked = (event.selection.get("node") or [None])[0] if event else None
if picked and picked.get("ref") in by_ref and picked["ref"] != center:
    st.switch_page(resources.PAGES["entity"], query_params={"node": picked["ref"]})

st.caption(f"{len(nb.nodes) - 1} neighbour(s) within {depth} step(s), {len(nb.edges)} edge(s).")
st.dataframe([{"label": n["label"], "type": n["type"], "distance": n["distance"],
               "page": n["page"]} for n in nodes],
             hide_index=True, width="stretch", column_config=resources.link_column())
