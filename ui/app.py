"""The Streamlit app: explore coverage and gaps, ask, search, query the knowledge graph.

Start it with ``bash scripts/start.sh`` (or ``streamlit run ui/app.py``). Pages call only
``kg.app``; the graph and the search model load once per server process.
"""

from __future__ import annotations

from pathlib import Path

import resources
import streamlit as st

from kg.app import names

# The page icon is a file the server sends: a ":material/…:" page icon is fetched by the
# browser from a font server on the internet (an emoji from a CDN), and the app is offline.
ICON = Path(__file__).resolve().parent / "icon.png"
st.set_page_config(page_title="Responsible Diffusion privacy KG", page_icon=str(ICON),
                   layout="wide")

P = resources.PAGES
pages = {
    "Explore": [
        st.Page(P["overview"], title="Overview", icon=":material/dashboard:", default=True),
        st.Page(P["coverage"], title="Coverage", icon=":material/grid_on:"),
        st.Page(P["gaps"], title="Gaps", icon=":material/report:"),
        st.Page(P["graph"], title="Graph explorer", icon=":material/hub:"),
        st.Page(P["entity"], title="Entity", icon=":material/article:"),
    ],
    "Query": [
        st.Page(P["ask"], title="Ask & search", icon=":material/search:"),
        st.Page(P["sparql"], title="SPARQL console", icon=":material/terminal:"),
        st.Page(P["export"], title="Export", icon=":material/download:"),
        st.Page(P["audit"], title="Model audit", icon=":material/policy:"),
    ],
    "Curate": [st.Page(P["add_paper"], title="Add a paper", icon=":material/note_add:")],
}
page = st.navigation(pages)

with st.sidebar:
    try:
        choices = dict(names.store_choices())
    except Exception as e:  # noqa: BLE001 - the default store still works
        resources.show_error(e)
        choices = {}
    if len(choices) > 1:
        current = resources.store_setting()
        options = list(choices) if current in choices else [current, *choices]
        st.selectbox("Store", options, index=options.index(current), key="store_setting",
                     format_func=lambda s: s if len(s) < 40 else s[:37] + "…",
                     help="Where queries run: " + "; ".join(f"{k} ({v})" for k, v in choices.items()))
    try:
        key = resources.store_key()
        seen = st.session_state.get("store_seen")
        if seen is not None and seen[0] == key[0] and seen[1] != key[1]:
            # every page is keyed by the version (resources.store_key): all of them switched
            st.info("A new version of the graph was loaded into this store: every page now "
                    "shows it.", icon=":material/update:")
        st.session_state["store_seen"] = key
        ov = resources.overview()
        st.caption(f"{ov.triples:,} triples · source {resources.plain(ov.source.get('file', '?'))}")
        if ov.version.get("version"):
            st.caption(f"version `{ov.version['version']}`")
    except Exception as e:  # noqa: BLE001 - the page below still runs and reports it
        resources.show_error(e)

try:
    page.run()
except Exception as e:  # noqa: BLE001 - one line for the user; the log has the traceback
    resources.show_error(e)
