"""Model audit: pick a model and the access it exposes, read its exposure report (kg
profile), download it as Markdown, HTML or PDF — the same bytes the CLI writes."""

import links
import resources
import streamlit as st

from kg.app import audit as app_audit
from kg.app.names import KGError

st.title("Model audit")
st.caption("Which attacks apply to a model (evaluated on it or on a family above it), which "
           "the access it exposes makes possible, what defenses were evaluated on its lineage, "
           "and what is untested. Access levels map to attacker knowledge by data/access.yaml.")


@st.cache_resource(show_spinner="Building the report…", max_entries=32)
def _report(setting: str, version: str, model: str, access: tuple, fine_tuned: bool):
    return app_audit.report(resources.store(), model, list(access), fine_tuned)


@st.cache_resource(show_spinner="Rendering…", max_entries=32)
def _rendered(setting: str, version: str, model: str, access: tuple, fine_tuned: bool,
              fmt: str) -> bytes:
    return app_audit.render(_report(setting, version, model, access, fine_tuned), fmt)


levels = app_audit.access_levels()
models = resources.type_labels("Target model")
linked = links.incoming("audit")
if (linked_model := links.pick(linked, "model", models, "a target model of the graph")):
    st.session_state["audit_model"] = linked_model
if (linked_access := links.pick_all(linked, "access", levels, "an access level")):
    st.session_state["audit_access"] = linked_access
if (tuned := links.first(linked, "fine_tuned")) is not None:
    st.session_state["audit_fine_tuned"] = tuned.lower() in links.TRUE
c1, c2, c3 = st.columns([2, 2, 1])
model = c1.selectbox("Model", models, index=None, key="audit_model",
                     placeholder="Pick the audited model")
access = c2.multiselect("Access the model exposes", list(levels), key="audit_access",
                        format_func=lambda a: f"{a} — {levels[a].label}")
fine_tuned = c3.checkbox("Fine-tuned", key="audit_fine_tuned")
links.share("audit", {"model": model, "access": access, "fine_tuned": "1" if fine_tuned else None})
if not model or not access:
    st.info("Pick a model and at least one access level to read its exposure report.")
    st.stop()

key = (*resources.store_key(), model, tuple(access), fine_tuned)
try:
    rep = _report(*key)
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

for line in app_audit.header(rep):
    st.caption(resources.plain(line))
d1, d2, d3 = st.columns(3)
slug = "profile-" + "".join(ch if ch.isalnum() else "-" for ch in rep.model.lower())
d1.download_button("Download Markdown", _rendered(*key, "md"), file_name=f"{slug}.md",
                   mime="text/markdown", icon=":material/download:", on_click="ignore")
d2.download_button("Download HTML", _rendered(*key, "html"), file_name=f"{slug}.html",
                   mime="text/html", icon=":material/download:", on_click="ignore")
if d3.button("Make the PDF", icon=":material/picture_as_pdf:", key="audit_make_pdf") or \
        st.session_state.get("audit_pdf_for") == key:
    st.session_state["audit_pdf_for"] = key
    try:
        pdf = _rendered(*key, "pdf")
    except KGError as e:
        st.error(resources.plain(str(e)))
    else:
        d3.download_button("Download PDF", pdf, file_name=f"{slug}.pdf",
                           mime="application/pdf", icon=":material/download:",
                           type="primary", on_click="ignore")

for head, items in app_audit.sections(rep):
    if head.startswith("Selections"):
        continue
    st.subheader(head)
    st.markdown("\n".join(f"- {resources.plain(i)}" for i in items))

st.subheader("Selections: each as the query core understood it, with the query that ran")
for line in rep.lines:
    with st.expander(f"{line.title} — {len(line.rows)} row(s)"):
        st.markdown(f"**Understood as:** {resources.plain(line.understood_as)}")
        st.code(line.sparql, language="sparql")
