"""Entity pages: everything about one paper / attack / defense / method / threat / model,
with provenance back to the survey row (or the curated entry) each fact came from."""

import links
import resources
import streamlit as st

from kg.app import entity as app_entity
from kg.app import names
from kg.app.names import KGError

st.title("Entity")

wanted = links.current("entity", "node")  # the URL is this page's state: read every run
current = None
if wanted:
    try:  # a short name, an IRI or a label (bounded lookups)
        current = resources.find_entity(wanted)
    except KGError as e:
        st.error(resources.plain(str(e)))

c1, c2 = st.columns([1, 3])
kind = c1.selectbox("Type", ["all", *names.ENTITY_TYPES])
with c2:
    choice = resources.node_picker(
        "Open a page", names.ENTITY_TYPES if kind == "all" else (kind,), current, "entity",
        placeholder="Pick a paper, attack, method, threat, model…")
if choice and choice != current:
    current = choice
links.share("entity", {"node": current})

if current is None:
    st.info("Pick a node above, or follow a link from another page.")
    st.stop()

try:
    page = resources.entity_page(current)
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

# Every value below comes from data: text (resources.plain, st.text), never markup; a
# link only to a valid http(s) URL.
st.header(resources.plain(page.label))
if page.full and page.full != page.label:
    st.markdown(f"*{resources.plain(page.full)}*")
st.caption(resources.plain(f"{' · '.join(page.types)}  —  {page.ref}"))

st.subheader("Facts")
for f in page.facts:
    cols = st.columns([1, 3])
    cols[0].markdown(f"**{resources.plain(f.predicate)}**")
    with cols[1]:
        if f.link:
            resources.entity_link(f.link, f.value)
        elif f.url:
            st.markdown(resources.web_link(f.url, f.url))
        else:
            st.text(f.value)
        if f.sources:
            st.caption("  \n".join("← " + resources.plain(s) for s in f.sources))

if page.related:
    st.subheader("Linked from")
    if page.related_total > len(page.related):  # a cap is said
        st.caption(f"{page.related_total:,} links; the first {len(page.related):,} in the "
                   "store's order are listed (`kg explain` and the SPARQL console show all).")
    if len(page.related) <= app_entity.RELATED_AS_LINKS:
        for relation in sorted({r[0] for r in page.related}):
            st.markdown(f"**{resources.plain(relation)}**")
            for _, typ, short, label in (r for r in page.related if r[0] == relation):
                resources.entity_link(short, f"{label} ({typ})" if typ else label)
    else:  # a hub (a threat has 100k attacks at 100k papers): one table, not 500 links
        st.dataframe([{"relation": relation, "name": label, "type": typ,
                       "page": resources.entity_url(short)}
                      for relation, typ, short, label in page.related],
                     hide_index=True, width="stretch", column_config=resources.link_column())

if page.derived:
    st.subheader("Derived links")
    st.caption("Derived by the build, not stated in the survey: each rule and the stated "
               "facts it rests on are shown below the link.")
    for relation, short, label, rule, path in page.derived:
        st.markdown(f"**{resources.plain(relation)}** (derived: {resources.plain(rule)})")
        resources.entity_link(short, label)
        st.caption("← " + resources.plain(path))

st.subheader("Provenance")
if not page.source_rows and not page.curated:
    st.caption("Defined in the ontology (ontology/rdkg.ttl); the survey rows that mention it are "
               "listed under “Linked from”.")
for row in page.source_rows:
    with st.expander(f"Survey: {resources.plain(row.where)}",
                     expanded=len(page.source_rows) <= 2):
        st.dataframe([{"column": h, "cell text": t} for h, t in row.cells],
                     hide_index=True, width="stretch")
for c in page.curated:
    st.markdown(f"Curated: {resources.plain(c['file'])} entry **{resources.plain(c['entry'])}**"
                + (f" — {resources.plain(c['citation'])}" if c["citation"] else ""))
