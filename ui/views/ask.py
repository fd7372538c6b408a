"""Ask & search: one box. The answer table, how the question was understood — its reading
as chips the user can remove, negate or edit, which re-runs the edited form (ui/chips.py) —,
the SPARQL that ran (copyable) and the semantic-search hits. The URL carries the question
(?q=) and an edited reading (&r=, checked before use: a bad one is a message)."""

import chips
import links
import resources
import streamlit as st

from kg.app import ask as app_ask
from kg.app.names import KGError

st.title("Ask & search")
st.caption("Ask in words — no language model: the question is parsed into a logical form "
           "(what is asked for and every condition it names, negations and counts included; "
           "abbreviations and typos welcome), which runs as one SPARQL query over the graph. "
           "What could not be used is said, never dropped. Semantic search ranks the graph's "
           "nodes alongside.")

EXAMPLES = [
    "Which defenses protect against membership inference on Stable Diffusion?",
    "black-box MIA attacks",
    "How many attacks target latent diffusion models?",
    "Which threats have no defense?",
    "papers that study DP-SGD",
    "attacks that need auxiliary data",
    "Which attacks target both DDIM and DALL-E 2?",
    "Which defense methods were evaluated on DDPM but not on Stable Diffusion?",
    "Which model is attacked most often?",
]


def _example() -> None:
    pick = st.session_state.get("ask_example")
    if pick:
        st.session_state["ask_q"] = pick


incoming = links.incoming("ask")
linked, linked_reading = links.first(incoming, "q"), links.first(incoming, "r")
if linked and len(linked) > 2000:
    links.refuse("q", linked[:40] + "…", "a question of at most 2000 characters")
elif linked:
    st.session_state["ask_q"] = linked
    st.session_state.pop(chips.NOTICE, None)
    if linked_reading:  # checked when it runs (kg.app.reading.decode)
        st.session_state[chips.READING] = (linked.strip(), linked_reading)
    else:
        st.session_state.pop(chips.READING, None)
elif linked_reading:
    links.refuse("r", linked_reading[:40], "usable without its question (q=…)")

st.pills("Examples", EXAMPLES, key="ask_example", on_change=_example)
with st.form("ask_form"):
    question = st.text_input("Question or search words", key="ask_q", max_chars=2000,
                             placeholder="e.g. which defenses protect against MIA on SD?")
    if st.form_submit_button("Ask", type="primary", icon=":material/search:"):
        st.session_state.pop(chips.READING, None)  # a question asked: its own reading
        st.session_state.pop(chips.NOTICE, None)
question = (question or "").strip()

if not question:
    links.share("ask", {"q": ""})
    st.info("Type a question, or pick an example above.")
    st.stop()

search = resources.searcher()
edited = st.session_state.get(chips.READING)
view = None
if edited and edited[0] == question:
    try:
        view = app_ask.reading_view(resources.store(), question, edited[1], search)
    except KGError as e:
        st.warning(resources.plain(f"{e} — so the question is answered as read."))
        st.session_state.pop(chips.READING, None)
if view is None:
    try:
        view = app_ask.ask_view(resources.store(), question, search)
    except KGError as e:
        links.share("ask", {"q": question})
        st.error(resources.plain(str(e)))
        st.stop()
links.share("ask", {"q": question, "r": view.edited})

st.subheader("Answer")
if view.understood_as:
    st.markdown("**Understood as:** " + resources.plain(view.understood_as))
for u in view.not_in_graph:
    st.warning(resources.plain(
        f"{u['text']!r} is not in the graph"
        + (f" (closest known: {', '.join(u['closest'])})" if u["closest"] else "")
        + ": the question is not answered."))
if view.not_understood:
    st.warning(resources.plain("Not understood (not used): "
                               + ", ".join(repr(w) for w in view.not_understood)))
if view.message and view.intent == "query":
    st.success(resources.plain(view.message))
elif view.message:
    st.info(resources.plain(view.message))
if view.answers:
    columns = list(dict.fromkeys(k for a in view.answers for k in a if k != "ref"))
    st.dataframe([{**{k: a.get(k, "") for k in columns}, "page": resources.entity_url(a["ref"])}
                  if a["ref"] else {k: a.get(k, "") for k in columns} for a in view.answers],
                 hide_index=True, width="stretch", column_config=resources.link_column())
elif not view.message:
    st.info("No answer from the graph for this question.")
if view.reading is not None:
    chips.show(question, view.reading, view.edited)

left, right = st.columns(2)
with left:
    st.subheader("How the question was understood")
    st.markdown(f"**Answered by:** `{view.intent}`")
    if view.linked:
        st.dataframe([{"in the question": m["text"], "linked to": m["label"], "type": m["type"],
                       "match": m["match"], "page": resources.entity_url(m["ref"])}
                      for m in view.linked],
                     hide_index=True, width="stretch", column_config=resources.link_column())
    elif view.edited:
        st.caption("An edited reading: the values it names are in its chips above.")
    else:
        st.caption("No entity of the graph was recognised in the question.")
with right:
    st.subheader("The SPARQL that ran")
    if view.sparql:
        st.code(view.sparql, language="sparql")
        st.caption("Exactly the query that produced the answer; its values are graph terms "
                   "in VALUES blocks, never the question's text. Paste it into the SPARQL "
                   "console to rerun it.")
    else:
        st.caption("No query ran.")

st.subheader("Semantic hits")
if view.search_error:
    st.warning(resources.plain(view.search_error))
elif search is None:
    st.caption("Semantic search is not available (the model could not load).")
elif view.hits:
    st.dataframe([{"label": h["label"], "type": h["type"], "score": h["score"], "why": h["why"],
                   "page": resources.entity_url(h["ref"])} for h in view.hits],
                 hide_index=True, width="stretch", column_config=resources.link_column())
else:
    st.caption("No semantic hits.")
