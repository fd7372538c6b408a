"""Export: download the current view (a filter of threats, knowledge, models, methods) in
every export format: BibTeX, LaTeX, related-work paragraphs, Markdown, CSV, DOT/SVG/PDF,
Mermaid, GraphML, Turtle, JSON-LD."""

import links
import resources
import streamlit as st

from kg.app import export as app_export
from kg.app.names import KGError

st.title("Export")
st.caption("Pick the view to export (empty filters: the whole graph). The Coverage page's "
           "“Export this cell” fills the filters in. Every file starts with the graph version "
           "and the command that regenerates it.")

preset = st.session_state.pop("export_view", None)
if preset:
    for key, values in preset.items():
        st.session_state[f"export_{key}"] = values

# the URL's parameter -> the picker's key (labels: any spelling the resolver knows; an
# unknown one is said by the view below)
PICKERS = {"threat": "export_threats", "knowledge": "export_knowledge",
           "model": "export_models", "method": "export_methods", "author": "export_authors",
           "venue": "export_venues"}
PARTS = ["all", "attacks", "defenses"]
linked = links.incoming("export")
for name, key in PICKERS.items():
    if linked.get(name):
        st.session_state[key] = list(dict.fromkeys(v.strip() for v in linked[name]))
if (linked_years := links.first(linked, "years")):
    st.session_state["export_years"] = linked_years
if (linked_part := links.pick(linked, "rows", PARTS, "all, attacks or defenses")):
    st.session_state["export_part"] = linked_part
if (linked_format := links.pick(linked, "format", list(app_export.FORMATS), "an export format")):
    st.session_state["export_format"] = linked_format

# each picker reads at most kg.app.names.PICKER_MAX labels (a large type is searched as you type)
c1, c2 = st.columns(2)
threats = resources.labels_picker("Threats", "Threat category", "export_threats", c1)
knowledge = resources.labels_picker("Attacker knowledge", "Attacker knowledge",
                                    "export_knowledge", c2)
models = resources.labels_picker("Target models (a family includes its models)",
                                 "Target model", "export_models", c1)
methods = resources.labels_picker("Defense methods", "Defense method", "export_methods", c2)
c3, c4, c5 = st.columns([2, 1, 1])
authors = resources.labels_picker("Authors", "Author", "export_authors", c3)
venues = resources.labels_picker("Venues", "Venue", "export_venues", c4)
years = c5.text_input("Years", key="export_years", placeholder="2023, 2023-2024, 2024-",
                      help="Publication year: 2023, a range 2023-2024, 2024- (from 2024) or "
                           "-2023 (up to 2023).")
part = st.radio("Rows", PARTS, horizontal=True, key="export_part")

chosen_format = st.session_state.get("export_format") or "bibtex"  # its picker is below
links.share("export", {"threat": threats, "knowledge": knowledge, "model": models,
                       "method": methods, "author": authors, "venue": venues,
                       "years": years.strip(), "rows": None if part == "all" else part,
                       "format": None if chosen_format == "bibtex" else chosen_format})

refused = app_export.export_limit(resources.paper_count(),
                               filtered=bool(threats or knowledge or models or methods
                                             or authors or venues or years.strip()))
if refused:
    st.info(refused)
    st.stop()

try:
    view = resources.export_view(threats, knowledge, models, methods, part, authors, venues,
                                 years)
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()

st.markdown(f"**View:** {resources.plain(view.spec.describe())} — {len(view.attacks)} attacks, "
            f"{len(view.defenses)} defense evaluations, {len(view.papers)} papers")
if not view.attacks and not view.defenses:
    st.info("This view is empty: nothing in the survey matches all the filters.")

refused = app_export.export_limit(resources.paper_count(), view)
if refused:
    st.warning(refused)
    st.stop()

formats = list(app_export.FORMATS)
fmt = st.selectbox("Format", formats, index=formats.index("bibtex"), key="export_format",
                   format_func=lambda f: f"{f} — {app_export.FORMATS[f].help}")
try:
    content = app_export.export_content(view, fmt)
except KGError as e:
    st.error(resources.plain(str(e)))
    st.stop()
f = app_export.FORMATS[fmt]
st.download_button(f"Download {f.file_name}", content, file_name=f.file_name,
                   icon=":material/download:", type="primary", on_click="ignore")
st.caption("Command line: " + resources.plain(view.spec.command(fmt)))
if isinstance(content, bytes):
    st.caption(f"{len(content):,} bytes (binary)")
elif fmt == "svg":
    st.image(content.encode("utf-8"), caption="figure.svg")
else:
    st.code(content[:20000] + ("\n…" if len(content) > 20000 else ""),
            language={"bibtex": "bibtex", "latex": "latex", "paragraph": "latex",
                      "markdown": "markdown", "paragraph-md": "markdown", "dot": "dot",
                      "turtle": "turtle", "jsonld": "json", "graphml": "xml",
                      "csv": None, "mermaid": None}.get(fmt))
