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
        hide_index=True, width="stretch",
        column_config={"page": st.column_config.LinkColumn("page", display_text="open")})
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
        hide_index=True, width="stretch", height=420,
        column_config={"page": st.column_config.LinkColumn("page", display_text="open")})

st.subheader("Source and version")
src, ver = ov.source, ov.version
st.markdown(f"**Source:** {src.get('title', 'unknown')}  \n"
            f"file `{src.get('file', '?')}`, sha256 `{src.get('sha256', '?')[:16]}…`")
if ver:
    sha = ver.get("graph_sha256") or ""
    st.markdown(f"**Graph version:** `{sha[:16]}…` ({ver.get('triples', '?')} triples"
                f"{', recorded in build/' + ver['recorded_in'] if ver.get('recorded_in') else ''})")
    if ver.get("sources"):
        with st.expander("Input files and their hashes"):
            st.dataframe([{"file": f, "sha256": h} for f, h in ver["sources"].items()],
                         hide_index=True, width="stretch")
else:
    st.info("No build record yet: run `kg build` to stamp a version.")
