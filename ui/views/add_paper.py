"""Add a paper: a form for one attack or defense row, a preview of what it would change
(rows, cells, curation tasks, coverage cells, gaps), then Confirm writes data/additions and
rebuilds. Writing is off unless KG_APP_WRITES=on (the page says so)."""

import resources
import streamlit as st

from kg.app import add_paper
from kg.app.names import KGError

st.title("Add a paper")
enabled = add_paper.writes_enabled()
if not enabled:
    st.info(add_paper.WRITES_OFF)


@st.cache_data(show_spinner=False)
def _choices(setting: str, version: str) -> add_paper.Choices:
    return add_paper.choices(resources.store())


try:
    ch = _choices(*resources.store_key())
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

kind = st.radio("Row", ["attack", "defense"], horizontal=True, key="ap_kind")
if kind == "defense" and ch.methods_total > len(ch.methods):
    # 54k methods at 100k papers: searched as the user types, never all sent to the page
    text = st.text_input(f"Look up a known defense method ({ch.methods_total:,} known)",
                         key="ap_method_search", type="search", live="400ms", max_chars=500,
                         placeholder="type part of a name…")
    if text.strip():
        try:
            found = add_paper.known_methods(resources.entity_index(), text)
        except KGError as e:
            st.error(resources.plain(str(e)))
        else:
            shown = ", ".join(resources.plain(e.label) for e in found.entities)
            st.caption(f"{found.total:,} known method(s) match: {shown}"
                       + (" …" if found.cut else "") if found.total else
                       "No known method's name contains that; a new one is a curation task.")
with st.form("add_paper"):
    f = {"kind": kind, "title": st.text_input("Paper title", key="ap_title"),
         "urls": st.text_area("Paper URL(s), one per line", key="ap_urls").splitlines(),
         "code": st.text_input("Code repository URL, or 'none'", key="ap_code"),
         "threat": st.selectbox("Threat", ch.threats, key="ap_threat")}
    if kind == "attack":
        f["knowledge"] = st.multiselect("Attacker's knowledge", ch.knowledge, key="ap_knowledge")
    else:
        f["method"] = st.text_input("Defense method (a known one or a new one)", key="ap_method",
                                    help=("Known: " + ", ".join(ch.methods)
                                          if ch.methods_total <= len(ch.methods) else
                                          f"{ch.methods_total:,} known: look one up above"))
    picked = st.multiselect("Target models (type to search the tree)", list(ch.model_paths),
                            format_func=lambda m: ch.model_paths[m], key="ap_models")
    other = st.text_input("Other models, comma-separated (a name the graph does not know "
                          "becomes a curation task)", key="ap_other")
    f["models"] = picked + [m.strip() for m in other.split(",") if m.strip()]
    f["effectiveness"] = st.text_input("Effectiveness", key="ap_effectiveness")
    if kind == "attack":
        f["limitations"] = st.text_input("Limitations", key="ap_limitations")
    asked = st.form_submit_button("Preview")

if asked:
    with st.spinner("Checking the entry and building the graph with it…"):
        st.session_state["ap_preview"] = add_paper.preview(f)
p = st.session_state.get("ap_preview")
if p is None:
    st.caption("Fill the form and press Preview: nothing is written before Confirm.")
    st.stop()
if p.fields != add_paper.clean(f):
    st.warning("The form changed since this preview: press Preview again.")

st.subheader("Preview")
if p.error:
    st.error(resources.plain(p.error))
    st.stop()
s = p.review["summary"]
c = st.columns(4)
c[0].metric("Rows added", s["attacks"]["added"] + s["defense_evaluations"]["added"])
c[1].metric("Cells changed", sum(len(x["changes"]) for k in ("papers", "attacks",
                                 "defense_evaluations") for x in p.review[k]["changed"]))
c[2].metric("Gaps opened / closed", f"{s['gaps']['opened']} / {s['gaps']['closed']}")
c[3].metric("Curation tasks", s["tasks"])
for t in p.tasks:
    st.warning(resources.plain(f"Unknown {t['kind']} {t['label']!r} (in {'; '.join(t['cells'])})"
                               + (f"; closest known: {', '.join(t['closest'])}"
                                  if t["closest"] else "")))
    for cmd in t["resolve"]:
        st.code(cmd, language="bash")
rows = [{"change": sign, "section": k, "row": x["label"]} for k in ("papers", "attacks",
        "defense_evaluations") for sign, xs in (("added", p.review[k]["added"]),
                                                ("removed", p.review[k]["removed"])) for x in xs]
rows += [{"change": "changed", "section": k, "row": f"{x['label']}: {ch_['column']} "
          f"{', '.join(ch_['old']) or '(none)'} → {', '.join(ch_['new']) or '(none)'}"}
         for k in ("papers", "attacks", "defense_evaluations")
         for x in p.review[k]["changed"] for ch_ in x["changes"]]
st.markdown("**Rows and cells**")
for r in rows or [{"change": "no", "section": "rows", "row": "change"}]:
    st.markdown("- " + resources.plain(f"{r['change']} ({r['section']}): {r['row']}"))
st.markdown("**Gaps opened and closed**")
for sign, gs in (("opened", p.review["gaps"]["opened"]), ("closed", p.review["gaps"]["closed"])):
    for g in gs:
        st.markdown("- " + resources.plain(f"{sign} {g['type']}"
                                           f"{'@' + g['level'] if g['level'] else ''}: "
                                           f"{g['reason']}"))
st.markdown("**Coverage cells whose counts change** (attacks, defenses, papers)")
st.dataframe([{"view": x.view, "threat": x.threat, "column": x.column,
               "before": "/".join(map(str, x.before)), "after": "/".join(map(str, x.after))}
              for x in p.cells], hide_index=True, use_container_width=True)

if st.button("Confirm: write and rebuild", type="primary",
             disabled=not (enabled and p.ready and p.fields == add_paper.clean(f))):
    try:
        with st.spinner("Writing the entry and rebuilding the graph…"):
            done = add_paper.confirm(f)
    except KGError as e:
        st.error(resources.plain(str(e)))
        st.stop()
    st.cache_data.clear()
    st.cache_resource.clear()
    st.session_state.pop("ap_preview", None)
    st.success(resources.plain(f"Wrote entry {done.key!r} to {done.file}; rebuilt "
                               f"(version {done.version})."))
    st.page_link(resources.PAGES["entity"], label=resources.plain(f"Open {done.title}"),
                 query_params={"node": done.title})
elif not enabled:
    st.caption("Confirm is off: " + add_paper.WRITES_OFF)
elif not p.ready:
    st.caption("Confirm is off until the curation tasks above are resolved.")
