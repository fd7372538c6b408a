"""Overview: what the graph holds (counts, threats, models), its source and version."""

import resources
import streamlit as st

st.title("Privacy attacks and defenses on diffusion models")
st.markdown(
    "A knowledge graph of the privacy taxonomy of the survey *Responsible Diffusion*: which "
    "attacks threaten which target models, which defenses were evaluated against them, and "
    "where the survey shows gaps. Every fact links back to the survey cell it came from.")

ov = resources.overview()
counts = dict(ov.counts)
cols = st.columns(6)
for col, name in zip(cols, ("Papers", "Attacks", "Defense evaluations", "Defense methods",
                            "Threat categories", "Target models"), strict=True):
    col.metric(name, counts.get(name, 0))

left, right = st.columns(2)
with left:
    st.subheader("Threats")
    st.dataframe(
        [{**{k: v for k, v in t.items() if k != "ref"}, "page": resources.entity_url(t["ref"])}
         for t in ov.threats],
        hide_index=True, width="stretch", column_config=resources.link_column())
    st.subheader("Everything in the graph")
    st.dataframe([{"class": n, "nodes": c} for n, c in ov.counts] +
                 [{"class": "Triples", "nodes": ov.triples}], hide_index=True, width="stretch")
with right:
    st.subheader("Target models")
    st.dataframe(
        [{"model": m["model"], "family": "yes" if m["family"] else "", "broader": m["broader"],
          "kind": m["kind"], "attacks": m["attacks"],
          "defense evaluations": m["defense evaluations"],
          "page": resources.entity_url(m["ref"])} for m in ov.models],
        hide_index=True, width="stretch", height=420, column_config=resources.link_column())

st.subheader("Source and version")
src, ver = ov.source, ov.version
st.markdown(f"**Source:** {resources.plain(src.get('title', 'unknown'))}  \n"
            f"file {resources.plain(src.get('file', '?'))}, "
            f"sha256 `{resources.plain(src.get('sha256', '?')[:16])}…`")
if ver:
    st.markdown(f"**Version:** `{ver.get('version', '?')}` — graph sha256 "
                f"`{ver.get('graph_sha256', '')[:16]}…`, {ver.get('triples', '?')} triples, "
                f"built {ver.get('build_date', '?')}")
    if ver.get("sources"):
        with st.expander("Input files and their hashes"):
            st.dataframe([{"file": f, "sha256": h} for f, h in ver["sources"].items()],
                         hide_index=True, width="stretch")
else:
    st.info("No version stamp for this store: run `kg build` to stamp one.")

st.subheader("What changed since the previous build")
changes = resources.changes_since_previous_build()
if changes is None:
    st.caption("No previous build to compare with: `kg build` keeps the replaced graph as "
               "build/previous.nt once the content changes.")
elif changes.get("error"):
    st.warning(resources.plain(changes["text"]))
elif changes["empty"]:
    st.caption("The last build changed no paper, attack, defense evaluation or gap.")
else:
    summary = changes["summary"]
    st.dataframe([{"what": name, **counts} for name, counts in summary.items()
                  if isinstance(counts, dict)], hide_index=True, width="stretch")
    if summary.get("tasks"):
        st.warning(f"{summary['tasks']} curation task(s): names the vocabulary does not know "
                   "(`kg curate` lists them and the command that resolves each).")
    with st.expander("Every change, cell by cell"):
        st.code(changes["text"], language=None)
