"""SPARQL console: read-only, bounded in time and rows; example queries to start from."""

import uuid

import resources
import streamlit as st

from kg.app import console as app_console
from kg.app.names import KGError

st.title("SPARQL console")
st.caption("Read-only: updates, LOAD, SERVICE, FROM and vendor built-ins are refused. "
           "Prefixes rd:, rdi:, skos:, dcterms:, prov:, rdfs:, rdf:, xsd:, owl: are predeclared. At most "
           f"{app_console.row_limit():,} rows and {app_console.query_timeout():g} s "
           "per query (KG_ROW_LIMIT, KG_QUERY_TIMEOUT).")

examples = list(app_console.EXAMPLE_QUERIES)


def _load_example() -> None:
    st.session_state["sparql_text"] = app_console.EXAMPLE_QUERIES[st.session_state["sparql_example"]]


if "sparql_text" not in st.session_state:
    st.session_state["sparql_text"] = app_console.EXAMPLE_QUERIES[examples[0]]
st.selectbox("Example queries", examples, key="sparql_example", on_change=_load_example)
with st.form("sparql_form"):
    text = st.text_area("Query", key="sparql_text", height=220)
    st.form_submit_button("Run query", type="primary")


def _run(query: str):
    """The result for ``query`` (remembered per session and graph version, so a rerun does
    not re-run it, and a new version loaded into the store does)."""
    at = (query, resources.store_key())
    last = st.session_state.get("sparql_last")
    if last is None or last[0] != at:
        try:
            owner = st.session_state.setdefault("sparql_owner", uuid.uuid4().hex)
            last = (at, app_console.console_query(resources.store(), query, owner=owner), None)
        except KGError as e:
            last = (at, None, str(e))
        st.session_state["sparql_last"] = last
    return last[1], last[2]


res, error = _run(text)
if error:
    st.error(error)
elif res.form == "select":
    st.caption(f"{len(res.rows)} row{'s' if len(res.rows) != 1 else ''} in {res.seconds:.3f} s"
               + (" — truncated at the row limit" if res.truncated else ""))
    if res.truncated:
        st.warning("The result was cut at the row limit; add a LIMIT or narrow the query.")
    st.dataframe(res.rows, hide_index=True, width="stretch", column_order=res.columns)
    c1, c2 = st.columns(2)
    c1.download_button("Download CSV", res.csv, file_name="query.csv", mime="text/csv",
                       on_click="ignore")
    c2.download_button("Download JSON (SPARQL results)", res.json, file_name="query.json",
                       mime="application/sparql-results+json", on_click="ignore")
elif res.form == "ask":
    st.metric("Answer", "yes" if res.boolean else "no")
else:
    st.code(res.turtle or "# (empty graph)", language="turtle")
    st.download_button("Download Turtle", res.turtle, file_name="query.ttl", mime="text/turtle",
                       on_click="ignore")
