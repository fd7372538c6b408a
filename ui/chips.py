"""The Ask page's reading as chips: the target, each condition, the aggregate — each with
Remove, Negate and an Edit popover whose picker lists the values the graph holds.

The rule: a chip's button only records the edited reading (kg.app.reading.apply_edit, then
its encoding) in the session under :data:`READING`, with the question it belongs to; the
page then runs that reading (kg.app.ask.reading_view). Nothing here reads the graph but
through kg.app; a value picker over a large type (papers, methods, authors at 100k papers)
is a search box over the picker index, never a list of every value.
"""

from __future__ import annotations

import zlib

import resources
import streamlit as st

from kg.app import reading as app_reading
from kg.app.names import PICKER_MAX, KGError

READING = "ask_reading"  # session: (question, encoded reading) the user edited
NOTICE = "ask_reading_notice"  # session: why the last edit was not applied



@st.cache_data(show_spinner=False)
def _families(setting: str, version: str) -> frozenset[str]:
    return app_reading.model_families(resources._store(setting))


@st.cache_data(show_spinner=False)
def _years(setting: str, version: str) -> list[int]:
    return app_reading.graph_years(resources._store(setting))


def _record(question: str, reading, edit) -> None:
    """A chip's callback: the edited reading recorded for the page to run, or why not."""
    try:
        new = app_reading.apply_edit(resources.store(), reading, edit)
    except KGError as e:
        st.session_state[NOTICE] = str(e)
        return
    st.session_state[READING] = (question, app_reading.encode(new))
    st.session_state.pop(NOTICE, None)


def _from_widgets(question: str, reading, op: str, key: str, widget: str) -> None:
    """An Apply button's callback: the edit read from its editor's widgets."""
    got = st.session_state
    if op == "values":
        edit = app_reading.Edit("values", key, tuple(got.get(widget) or ()))
    elif op == "years":
        edit = app_reading.Edit("years", key, years=(got.get(widget + "_lo"),
                                                     got.get(widget + "_hi")))
    elif op == "target":
        edit = app_reading.Edit("target", key, target=got.get(widget) or "")
    else:
        edit = app_reading.Edit("aggregate", key, agg=got.get(widget) or "",
                                n=int(got.get(widget + "_n") or 0), of=got.get(widget + "_of") or "")
    _record(question, reading, edit)


def show(question: str, reading, edited: str) -> None:
    """The chips of ``reading`` (the form that ran), with their buttons and editors."""
    st.markdown("**Reading** — remove, negate or edit a part; the edited reading runs as it "
                "is (the question is not read again):")
    if st.session_state.get(NOTICE):
        st.warning(resources.plain("Not changed: " + st.session_state[NOTICE]))
    tag = f"{zlib.crc32(app_reading.encode(reading).encode()):x}"  # editors per reading
    for ch in app_reading.chips(resources.store(), reading):
        with st.container(border=True):
            text, rm, neg, edit = st.columns([8, 2, 2, 2], vertical_alignment="center")
            role = {"condition": "not" if ch.negated else "condition"}.get(ch.role, ch.role)
            text.markdown(f"`{role}` {resources.plain(ch.text)}")
            if ch.removable:
                rm.button("Remove", key=f"chip_rm_{ch.key}", on_click=_record,
                          args=(question, reading, app_reading.Edit("remove", ch.key)),
                          help="Drop this part of the reading and run the rest")
            if ch.negatable:
                neg.button("Keep" if ch.negated else "Negate", key=f"chip_neg_{ch.key}",
                           on_click=_record,
                           args=(question, reading, app_reading.Edit("negate", ch.key)),
                           help="Turn this condition into its negation (or back)")
            if ch.picker:
                with edit.popover("Edit"):
                    _editor(question, reading, ch, f"chip_ed_{ch.key}_{tag}")
    if edited:
        st.info("Edited reading: the answer below is for the reading in these chips, run "
                "as it is — not for the question's words.")
        st.button("Back to the question's reading", key="chip_reset",
                  on_click=lambda: st.session_state.pop(READING, None))


def _editor(question: str, reading, ch, widget: str) -> None:
    """The picker of one chip, and its Apply button."""
    op = {"years": "years", "target": "target", "aggregate": "aggregate"}.get(ch.picker,
                                                                             "values")
    if op == "values":
        values_picker(f"{ch.picker} values", ch.picker, widget, ch.values,
                      _families(*resources.store_key()) if ch.kind == "model" else frozenset())
    elif op == "years":
        years = _years(*resources.store_key())
        options = [None, *sorted(set(years) | {y for y in ch.years if y is not None})]
        for end, value in (("_lo", ch.years[0]), ("_hi", ch.years[1])):
            st.selectbox("from" if end == "_lo" else "to", options, index=options.index(value),
                         key=widget + end, format_func=lambda y: "open" if y is None else str(y))
    elif op == "target":
        choices = list(app_reading.TARGET_CHOICES)
        now = app_reading.target_choice(reading.form)
        st.selectbox("Ask for", choices, index=choices.index(now), key=widget,
                     format_func=app_reading.target_label)
    else:
        agg = reading.form.agg
        ops = list(app_reading.AGGREGATE_LABELS)
        st.selectbox("Aggregate", ops, index=ops.index(agg.op if agg else ""), key=widget,
                     format_func=app_reading.AGGREGATE_LABELS.get)
        st.number_input("N (more / fewer than)", 0, 1_000_000, agg.n if agg else 0,
                        key=widget + "_n")
        st.selectbox("Counting (the most / fewest)", list(app_reading.OF_LABELS),
                     index=list(app_reading.OF_LABELS).index(agg.of if agg else ""), key=widget + "_of",
                     format_func=app_reading.OF_LABELS.get)
    st.button("Apply", key=widget + "_apply", type="primary", on_click=_from_widgets,
              args=(question, reading, op, ch.key, widget))


def values_picker(label: str, kind: str, key: str, chosen, marked=frozenset()) -> list[str]:
    """A multiselect of nodes of one type by short name, ``chosen`` ((short name, label)
    pairs) selected first. A type of at most PICKER_MAX nodes is listed whole (a bounded
    query); a larger one gets a search box over the picker index (as the user types) and
    lists the matches and what is chosen. ``marked`` nodes (model families) say so."""
    setting, version = resources.store_key()
    first = resources._browse(setting, version, (kind,), PICKER_MAX)
    found = first
    if first.cut:
        text = st.text_input(f"Search {kind.lower()}", key=f"{key}_search", type="search",
                             live="400ms", max_chars=500, placeholder="type part of a name…")
        if text.strip():
            try:
                found = resources._entity_index(setting, version).search(text, (kind,),
                                                                         limit=PICKER_MAX)
            except KGError as e:
                st.error(resources.plain(str(e)))
    names = dict(chosen) | {e.ref: e.label for e in found.entities}
    now = [r for r in st.session_state.get(key, [r for r, _ in chosen]) if isinstance(r, str)]
    for r in now:
        if r not in names:
            e = resources._entity_of(setting, version, r)
            names[r] = e.label if e else r
    options = list(dict.fromkeys(now + sorted((e.ref for e in found.entities),
                                              key=lambda r: names[r].casefold())))
    picked = st.multiselect(label, options, default=[r for r, _ in chosen], key=key,
                            format_func=lambda r: names[r] + (" (family)" if r in marked else ""))
    if found.cut:
        st.caption(f"Showing {len(found.entities):,} of {found.total:,} — type to narrow.")
    return picked
