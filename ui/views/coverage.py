"""Coverage: a heat map of threat x target model (or x attacker knowledge, x defense
method); selecting a cell lists its attacks and defenses with links, effectiveness and
limitations."""

import altair as alt
import links
import resources
import streamlit as st

from kg.app import coverage as app_coverage
from kg.app.names import KGError, is_web_url

st.title("Coverage")
st.caption("Which attacks and which defense evaluations the survey reports for each threat, "
           "per target model, attacker knowledge or defense method. Red cells have attacks and "
           "no defense: a gap.")

VIEWS = {"Target model": "model", "Attacker knowledge": "knowledge", "Defense method": "defense"}
linked = links.incoming("coverage")
if (by_param := links.pick(linked, "by", list(VIEWS.values()), "model, knowledge or defense")):
    st.session_state["cov_view"] = next(k for k, v in VIEWS.items() if v == by_param)
if (level_param := links.pick(linked, "level", ["model", "family"], "model or family")):
    st.session_state["cov_level"] = level_param
# the columns control on a row of its own: its three names fit in full
view = st.segmented_control("Columns", list(VIEWS), default="Target model", key="cov_view",
                            required=True)
by = VIEWS[view or "Target model"]
c2, c3 = st.columns(2)
level_name = c2.segmented_control("Models", ["model", "family"], default="model", key="cov_level",
                                  required=True, disabled=by != "model",
                                  help="family: each model counts under its model family")
level = (level_name or "model") if by == "model" else "model"
colour = c3.segmented_control("Colour by", ["coverage", "attacks", "defenses"],
                              default="coverage", key="cov_colour", required=True) or "coverage"

try:
    table = resources.coverage_table(by, level)
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()
st.caption(table.note)
if table.source == "stored":
    st.caption("Counts read from the store's coverage summary (derived; recounted by "
               "`kg load` / `kg summarize`).")
if table.columns_total > len(table.columns):
    st.info(f"Showing the {len(table.columns)} most evaluated of {table.columns_total:,} "
            f"{app_coverage.COVERAGE_VIEWS[by]}s; `kg coverage --by {by}` prints them all.")

# The full grid: empty cells are drawn too (nothing in the survey there).
filled = {(c["threat"], c["column"]): c for c in table.cells}
grid = [filled.get((t, col)) or {"threat": t, "column": col, "attacks": 0, "defenses": 0,
                                 "papers": 0, "status": "nothing reported", "derived": 0}
        for t in table.threats for col in table.columns]
for g in grid:
    g["text"] = f"{g['attacks']}A · {g['defenses']}D" if g["attacks"] or g["defenses"] else ""

select = alt.selection_point(name="cell", fields=["threat", "column"], on="click")
if colour == "coverage":
    color = alt.Color("status:N", title="coverage", scale=alt.Scale(
        domain=[*app_coverage.STATUS, "nothing reported"],
        range=["#4c9a5f", "#d1495b", "#7aa6c2", "#eeeeee"]))
else:
    color = alt.Color(f"{colour}:Q", title=colour, scale=alt.Scale(scheme="oranges"))
base = alt.Chart(alt.Data(values=grid)).encode(
    x=alt.X("column:N", title=app_coverage.COVERAGE_VIEWS[by], sort=table.columns,
            axis=alt.Axis(labelAngle=-40, labelLimit=180, labelOverlap=False)),
    y=alt.Y("threat:N", title="threat", sort=table.threats, axis=alt.Axis(labelLimit=220)))
rects = base.mark_rect(stroke="white", strokeWidth=2).encode(
    color=color,
    opacity=alt.condition(select, alt.value(1.0), alt.value(0.45)),
    tooltip=[alt.Tooltip("threat:N"), alt.Tooltip("column:N", title=app_coverage.COVERAGE_VIEWS[by]),
             alt.Tooltip("attacks:Q"), alt.Tooltip("defenses:Q", title="defense evaluations"),
             alt.Tooltip("papers:Q"), alt.Tooltip("status:N"),
             alt.Tooltip("derived:Q", title="placed by a derived link")],
).add_params(select)
labels = base.mark_text(fontSize=11).encode(text="text:N")
chart = (rects + labels).properties(height=70 * len(table.threats) + 60)
event = st.altair_chart(chart, on_select="rerun", key=f"cov_chart_{by}_{level}", width="stretch")

# A cell is chosen by clicking the map or with the two boxes below (kept in step).
t_key, c_key = f"cov_threat_{by}_{level}", f"cov_col_{by}_{level}"
picked = (event.selection.get("cell") or [None])[0] if event else None
if picked and picked != st.session_state.get(f"{t_key}_last_click"):
    st.session_state[f"{t_key}_last_click"] = picked
    if picked.get("threat") in table.threats and picked.get("column") in table.columns:
        st.session_state[t_key], st.session_state[c_key] = picked["threat"], picked["column"]
for name, key, options in (("threat", t_key, table.threats), ("column", c_key, table.columns)):
    if (value := links.pick(linked, name, options, f"a {name} of this map")):
        st.session_state[key] = value
if t_key not in st.session_state and table.cells:
    first = max(table.cells, key=lambda c: (c["attacks"] + c["defenses"], c["threat"]))
    st.session_state[t_key] = first["threat"]
    st.session_state.setdefault(c_key, first["column"])  # a link may have named the column

s1, s2 = st.columns(2)
threat = s1.selectbox("Threat", table.threats, key=t_key)
column = s2.selectbox(app_coverage.COVERAGE_VIEWS[by].capitalize(), table.columns, key=c_key)
links.share("coverage", {"by": by, "level": level if by == "model" else None,
                         "threat": threat, "column": column})
if not threat or not column:
    st.info("Click a cell of the map, or pick a threat and a column.")
    st.stop()

try:
    cell = resources.coverage_cell(by, level, threat, column)
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

st.subheader(resources.plain(f"{cell.threat} × {cell.column}"))
if not cell.attacks and not cell.defenses:
    st.info("The survey reports no attack and no defense evaluation for this cell.")
elif cell.attacks and not cell.defenses:
    st.warning(f"{len(cell.attacks)} attack(s) and no defense evaluation: a gap "
               "(see the Gaps page for the reason and evidence).")


def show_table(items: list[dict], kind: str) -> None:
    # the survey's text as data cells (a dataframe shows text, never markup or a live link)
    rows = [{**r, "page": resources.entity_url(r.pop("ref"))}
            for r in app_coverage.cell_item_rows(items, kind)]
    st.dataframe(rows, hide_index=True, width="stretch", column_config=resources.link_column())


def show_items(items: list[dict], kind: str) -> None:
    # cell text from the survey: escaped (resources.plain); a link only to an http(s) URL
    if len(items) > app_coverage.CELL_CARDS:
        show_table(items, kind)
        return
    plain = resources.plain
    for it in items:
        with st.container(border=True):
            resources.entity_link(it["ref"], it["label"])
            st.markdown(f"**Paper:** {plain(it['paper'])}"
                        + (f" — {resources.web_link('link', it['url'])}"
                           if is_web_url(it["url"]) else ""))
            if it.get("method"):
                st.markdown(f"**Method:** {plain(it['method'])}")
            st.markdown(f"**Effectiveness:** {plain(it['effectiveness'] or '—')}")
            if kind == "attack":
                st.markdown(f"**Limitations:** {plain(it['limitation'] or '—')}")
                st.caption(f"Attacker knowledge: {plain(it['knowledge'] or 'unknown')}")
            if it.get("evaluated_on"):
                st.caption(f"Evaluated on: {plain(it['evaluated_on'])}")
            if it["derived"]:
                st.caption("Placed here by a derived link (not stated in the survey): "
                           + plain(" → ".join(it["path"])))


def heading(name: str, shown: int, total: int) -> str:
    return f"#### {name} ({total:,}" + (f", {shown} of them listed: the first in the store's "
                                         "order)" if total > shown else ")")


a_col, d_col = st.columns(2)
with a_col:
    st.markdown(heading("Attacks", len(cell.attacks), cell.n_attacks))
    show_items(cell.attacks, "attack")
with d_col:
    st.markdown(heading("Defenses", len(cell.defenses), cell.n_defenses))
    show_items(cell.defenses, "defense")

if table.unknown:
    more = (f", first {len(table.unknown)} listed" if table.unknown_total > len(table.unknown)
            else "")
    with st.expander(f"Defenses with unknown attacker knowledge ({table.unknown_total:,}{more}) "
                     "— unknown is not none"):
        st.dataframe([{**u, "page": resources.entity_url(u.pop("ref"))} for u in
                      [dict(x) for x in table.unknown]],
                     hide_index=True, width="stretch", column_config=resources.link_column())

view = {"threats": [cell.threat]}
if by == "model":
    view["models"] = [cell.column]
elif by == "knowledge":
    view["knowledge"] = [cell.column]
else:
    view["methods"] = [cell.column]
if st.button("Export this cell", icon=":material/download:"):
    st.session_state["export_view"] = view
    st.switch_page(resources.PAGES["export"])
