"""Gaps: where the survey has attacks but nothing defends — typed, with the reason and the
evidence (survey cells, derived links); filter by threat, model and knowledge."""

import links
import resources
import streamlit as st

from kg.app.names import KGError

st.title("Gaps")
st.caption("Each gap is computed from the graph (derived, not stated in the survey) and "
           "carries its reason and the survey cells it rests on. A defense whose attacker "
           "knowledge is unknown is never counted as “no defense”.")

try:
    gaps = resources.gap_rows()
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

types = sorted({g.type for g in gaps})
counts = {t: sum(g.type == t for g in gaps) for t in types}
cols = st.columns(max(1, len(types)))
for col, t in zip(cols, types, strict=False):
    col.metric(t, counts[t])

ANY = "any"
OPTIONS = {"threat": sorted({g.threat for g in gaps if g.threat}),
           "model": sorted({g.model for g in gaps if g.model}),
           "knowledge": sorted({g.knowledge for g in gaps if g.knowledge}),
           "level": ["model", "family", "both"]}
linked = links.incoming("gaps")
if (linked_types := links.pick_all(linked, "type", types, "a gap type here")):
    st.session_state["gap_types"] = linked_types
for name, options in OPTIONS.items():
    if (value := links.pick(linked, name, options, f"a {name} with a gap")):
        st.session_state[f"gap_{name}"] = value
# the gap types on a row of their own, wide enough for every name in full
chosen_types = st.multiselect("Gap type", types, default=types, key="gap_types")
f2, f3, f4 = st.columns(3)
threat = f2.selectbox("Threat", [ANY, *OPTIONS["threat"]], key="gap_threat")
model = f3.selectbox("Model / family", [ANY, *OPTIONS["model"]], key="gap_model")
knowledge = f4.selectbox("Attacker knowledge", [ANY, *OPTIONS["knowledge"]],
                         key="gap_knowledge")
level = st.segmented_control("Model gaps at", OPTIONS["level"], default="both",
                             required=True, key="gap_level") or "both"
links.share("gaps", {"type": chosen_types if set(chosen_types) != set(types) else None,
                     "threat": None if threat == ANY else threat,
                     "model": None if model == ANY else model,
                     "knowledge": None if knowledge == ANY else knowledge,
                     "level": None if level == "both" else level})

shown = [g for g in gaps
         if g.type in chosen_types
         and (threat == ANY or g.threat == threat)
         and (model == ANY or g.model == model)
         and (knowledge == ANY or g.knowledge == knowledge)
         and (level == "both" or not g.level or g.level == level)]

st.subheader(f"{len(shown)} gap{'s' if len(shown) != 1 else ''}")
if not shown:
    st.info("No gap matches these filters.")
    st.stop()

# a static table: every reason and name wraps in full (a data grid cuts long cells)
st.table([{"type": g.type, "level": g.level, "threat": g.threat, "model": g.model,
           "knowledge": g.knowledge, "paper": g.paper, "reason": g.reason} for g in shown])

st.subheader("Reasons and evidence")
if any(g.on_demand for g in gaps):
    st.caption("This graph is large: the gaps are read from the store's coverage summary, and "
               "a gap's attacks are fetched when you ask for them (`kg gaps --json` lists all "
               "the evidence).")
for i, g in enumerate(shown):
    title = " × ".join(label for label, _ in g.refs) or g.type
    # labels, reasons and cells come from data: shown as text (resources.plain)
    with st.expander(resources.plain(f"{g.type}{' (' + g.level + ')' if g.level else ''}: "
                                     f"{title}")):
        st.markdown(resources.plain(g.reason))
        links = st.columns(max(1, len(g.refs)))
        for col, (label, short) in zip(links, g.refs, strict=False):
            with col:
                resources.entity_link(short, label)
        for ev in g.evidence:
            if ev["ref"]:
                resources.entity_link(ev["ref"], ev["label"])
            elif ev["label"]:
                st.markdown(resources.plain(ev["label"]))
            for c in ev["cells"]:
                st.caption(("survey: " if ev["kind"] != "absent" else "absent: ")
                           + resources.plain(c))
            if ev["path"]:
                st.caption("derived: " + resources.plain(" → ".join(ev["path"])))
        if g.on_demand and g.cell and st.button("List the attacks in this cell",
                                                key=f"gap_cell_{i}"):
            try:
                detail = resources.coverage_cell(*g.cell)
            except KGError as e:
                st.error(resources.plain(str(e)))
            else:
                st.caption(f"{detail.n_attacks:,} attacks"
                           + (f", first {len(detail.attacks)} listed" if detail.n_attacks >
                              len(detail.attacks) else ""))
                st.dataframe([{"attack": a["label"], "paper": a["paper"],
                               "knowledge": a["knowledge"], "evaluated on": a.get("evaluated_on", ""),
                               "page": resources.entity_url(a["ref"])} for a in detail.attacks],
                             hide_index=True, width="stretch",
                             column_config=resources.link_column())
