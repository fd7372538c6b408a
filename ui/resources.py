"""What the app loads once per server process, and the helpers every page shares.

The store, the networkx projection and the search index (model + embeddings from the
disk cache) live in ``st.cache_resource``: one copy per process, never mutated. Page data
derived from them is cached with ``st.cache_data``, keyed by plain arguments: the store
setting and the version of the graph it holds first (:func:`store_key`), so every page reads
one version, the live one. Nothing here holds SPARQL or graph logic: it only calls ``kg.app``.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from urllib.parse import quote

import streamlit as st

from kg.app import coverage as app_coverage
from kg.app import entity as app_entity
from kg.app import export as app_export
from kg.app import gaps as app_gaps
from kg.app import graph as app_graph
from kg.app import names
from kg.app import overview as app_overview
from kg.app.names import KGError, is_web_url, md_url

log = logging.getLogger("kg.ui")

PAGES = {
    "overview": "views/overview.py",
    "coverage": "views/coverage.py",
    "gaps": "views/gaps.py",
    "ask": "views/ask.py",
    "sparql": "views/sparql.py",
    "graph": "views/graph.py",
    "entity": "views/entity.py",
    "export": "views/export.py",
    "audit": "views/audit.py",
    "add_paper": "views/add_paper.py",
}


# ------------------------------------------------------------------ the store


def store_setting() -> str:
    """The store this session reads: the sidebar's choice, else the ``store`` setting."""
    return st.session_state.get("store_setting") or names.default_store_setting()


@st.cache_resource(show_spinner="Loading the knowledge graph…")
def _store(setting: str):
    return names.open_app_store(setting)


def store():
    return _store(store_setting())


def store_key() -> tuple[str, str]:
    """(setting, version) of the graph this session reads now: every cached page datum is
    keyed by both, so a ``kg load`` into the store (another process) is seen by every page
    at once, none kept from an earlier version (kg.app.names.store_version)."""
    setting = store_setting()
    return setting, names.store_version(_store(setting))


@st.cache_resource(show_spinner="Loading the search model and the cached embeddings…",
                   max_entries=2)
def _searcher(setting: str, version: str):
    from kg.app.ask import searcher

    # a large graph with no cached embeddings: say how to build them, do not embed here
    # (at most kg.app.ask.APP_EMBED_MAX texts)
    return searcher(_store(setting))


def searcher():
    """The semantic searcher, or None (with a warning shown) when the model cannot load."""
    try:
        return _searcher(*store_key())
    except KGError as e:
        st.warning(f"Semantic search is unavailable: {e}")
        return None


# ------------------------------------------------------------------ page data


@st.cache_data(show_spinner=False)
def _overview(setting: str, version: str) -> app_overview.Overview:
    return app_overview.overview(_store(setting))


def overview() -> app_overview.Overview:
    return _overview(*store_key())


@st.cache_data(show_spinner="Comparing with the previous build…", ttl=60)
def _changes_since_previous_build(build_dir: str) -> dict | None:
    return app_overview.changes_since_previous_build(Path(build_dir))


def changes_since_previous_build() -> dict | None:
    """Keyed by the build directory, so a changed KG_BUILD_DIR is not served stale."""
    return _changes_since_previous_build(str(app_overview.current_build_dir()))


@st.cache_data(show_spinner=False, max_entries=64)
def _browse(setting: str, version: str, kinds: tuple[str, ...], limit: int) -> names.Matches:
    return names.browse_entities(_store(setting), list(kinds), limit=limit)


@st.cache_resource(show_spinner="Indexing the graph's node names for search (once per server "
                                "process)…", max_entries=2)
def _entity_index(setting: str, version: str) -> names.EntityIndex:
    return names.entity_index(_store(setting))


@st.cache_data(show_spinner=False, max_entries=256)
def _entity_of(setting: str, version: str, short: str) -> names.Entity | None:
    return names.entity_of(_store(setting), short)


@st.cache_data(show_spinner=False)
def _default_centre(setting: str, version: str) -> str:
    return names.default_centre(_store(setting))


def default_centre() -> str:
    return _default_centre(*store_key())


@st.cache_data(show_spinner=False, max_entries=256)
def _find_entity(setting: str, version: str, text: str) -> str:
    return names.find_entity(_store(setting), text, index=lambda: _entity_index(setting, version))


def entity_index() -> names.EntityIndex:
    """The picker search index of the store this session reads (one per process)."""
    return _entity_index(*store_key())


def find_entity(text: str) -> str:
    """The node a page's ?node= names (kg.app.names.find_entity; KGError if none)."""
    return _find_entity(*store_key(), text)


def node_picker(label: str, kinds: tuple[str, ...], current: str | None, key: str,
                placeholder: str = "Pick a node") -> str | None:
    """A search box (searching as the user types) over a select box of at most
    ``names.PICKER_MAX`` matching nodes of ``kinds``, ``current`` preselected; the count
    of matches is said when the list is cut. Nothing typed: the first nodes of each type
    (bounded queries); typed: the store's node names, indexed once per process. Returns the
    chosen node's short name (or ``current``)."""
    setting, version = store_key()
    text = st.text_input(f"Search {label.lower()}", key=f"{key}_search", type="search",
                         live="400ms", max_chars=500, placeholder="type part of a name…")
    try:
        found = (_entity_index(setting, version).search(text, kinds, limit=names.PICKER_MAX)
                 if text.strip() else _browse(setting, version, kinds, names.PICKER_MAX))
    except KGError as e:
        st.error(plain(str(e)))
        found = names.Matches([], 0, text)
    by_ref = {e.ref: e for e in found.entities}
    options = list(by_ref)
    if current and current not in by_ref:
        here = _entity_of(setting, version, current)
        if here is not None:  # the current node stays pickable, first
            by_ref[current] = here
            options.insert(0, current)
    choice = st.selectbox(label, options,
                          index=options.index(current) if current in options else None,
                          format_func=lambda r: f"{by_ref[r].label}  ·  {by_ref[r].type}",
                          placeholder=placeholder)
    if text.strip() and not found.total:
        st.caption(f"No node's name contains “{plain(text.strip())}”.")
    elif found.cut:
        st.caption(f"Showing {len(found.entities):,} of {found.total:,}"
                   + (" matches" if text.strip() else " nodes") + " — type to narrow.")
    elif text.strip():
        st.caption(f"{found.total:,} match(es).")
    return choice


def type_labels(kind: str) -> list[str]:
    """Every label of one node type, sorted: one bounded query when the type has at most
    ``names.PICKER_MAX`` nodes (the target models, threats), else from the picker index."""
    setting, version = store_key()
    found = _browse(setting, version, (kind,), names.PICKER_MAX)
    ents = found.entities if not found.cut else [
        e for e in _entity_index(setting, version).entities if e.type == kind]
    return sorted({e.label for e in ents}, key=str.casefold)


def labels_picker(label: str, kind: str, key: str, column=st) -> list[str]:
    """A multiselect of the labels of one node type. A type of at most
    ``names.PICKER_MAX`` nodes lists them all (one bounded query); a larger one (54k
    defense methods at 100k papers) gets a search box over them (the picker index) and
    lists the matches and what is chosen, so a page never sends every label to the
    browser. The chosen labels stay pickable whatever is searched."""
    setting, version = store_key()
    first = _browse(setting, version, (kind,), names.PICKER_MAX)
    chosen = [c for c in st.session_state.get(key, []) if isinstance(c, str)]
    if not first.cut:
        options = sorted({e.label for e in first.entities}, key=str.casefold)
        return column.multiselect(label, list(dict.fromkeys(options + chosen)), key=key)
    text = column.text_input(f"Search {label.lower()}", key=f"{key}_search", type="search",
                             live="400ms", max_chars=500, placeholder="type part of a name…")
    try:
        found = (_entity_index(setting, version).search(text, (kind,), limit=names.PICKER_MAX)
                 if text.strip() else first)
    except KGError as e:
        column.error(plain(str(e)))
        found = names.Matches([], 0, text)
    options = sorted({e.label for e in found.entities}, key=str.casefold)
    picked = column.multiselect(label, list(dict.fromkeys(chosen + options)), key=key)
    column.caption(f"Showing {len(found.entities):,} of {found.total:,} — type to narrow."
                   if found.cut else f"{found.total:,} match(es).")
    return picked


@st.cache_data(show_spinner=False, max_entries=256)
def _entity_page(setting: str, version: str, short: str) -> app_entity.EntityPage:
    return app_entity.entity_page(_store(setting), short)


def entity_page(short: str) -> app_entity.EntityPage:
    return _entity_page(*store_key(), short)


@st.cache_data(show_spinner=False)
def _coverage_table(setting: str, version: str, by: str, level: str) -> app_coverage.CoverageTable:
    return app_coverage.coverage_table(_store(setting), by, level)


def coverage_table(by: str, level: str) -> app_coverage.CoverageTable:
    return _coverage_table(*store_key(), by, level)


@st.cache_data(show_spinner=False, max_entries=512)
def _coverage_cell(setting: str, version: str, by: str, level: str, threat: str, column: str):
    return app_coverage.coverage_cell(_store(setting), by, level, threat, column)


def coverage_cell(by: str, level: str, threat: str, column: str) -> app_coverage.CellDetail:
    return _coverage_cell(*store_key(), by, level, threat, column)


@st.cache_data(show_spinner=False)
def _gap_rows(setting: str, version: str) -> list[app_gaps.GapRow]:
    return app_gaps.gap_rows(_store(setting))


def gap_rows() -> list[app_gaps.GapRow]:
    return _gap_rows(*store_key())


@st.cache_data(show_spinner=False, max_entries=256)
def _neighbourhood(setting: str, version: str, center: str, depth: int, types: tuple[str, ...]):
    # only the part of the graph around the centre is read (the same view as projecting
    # everything, which takes minutes and gigabytes at 100k papers)
    return app_graph.store_neighbourhood(_store(setting), center, depth, list(types) or None,
                                       max_read=app_graph.NEIGHBOURS_READ)


def neighbourhood(center: str, depth: int, types: tuple[str, ...]) -> app_graph.Neighbourhood:
    return _neighbourhood(*store_key(), center, depth, types)


@st.cache_data(show_spinner=False, max_entries=64)
def _graph_file(setting: str, version: str, center: str, depth: int, types: tuple[str, ...],
                fmt: str) -> bytes:
    return app_graph.export_view(_neighbourhood(setting, version, center, depth, types), fmt)


def graph_file(center: str, depth: int, types: tuple[str, ...], fmt: str):
    """What makes the Graph explorer's view as a file (kg.app.graph.export_view) when
    called: a download button's deferred data, so a file is made only when it is asked
    for (a PDF runs Graphviz), of the graph version the page shows now, once per view."""
    return functools.partial(_graph_file, *store_key(), center, depth, types, fmt)


# ------------------------------------------------------------------ links and messages


def entity_link(short: str, label: str) -> None:
    """A link that opens an entity's page inside the app (the label, from data, as text)."""
    st.page_link(PAGES["entity"], label=plain(label), query_params={"node": short},
                 icon=":material/arrow_forward:")


def entity_url(short: str) -> str:
    """A relative URL of an entity's page, for link columns in tables."""
    return f"entity?node={quote(short, safe=':')}"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:])")


def plain(text: str) -> str:
    """``text`` escaped for st.markdown / st.warning: shown as written, never rendered as
    markup (no link, image or HTML from a question or a cell)."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def web_link(text: str, url: str | None) -> str:
    """Markdown for ``text`` linked to ``url`` when it is a valid http(s) URL (kg.urls),
    else ``text`` alone; the text is escaped either way (:func:`plain`)."""
    if not is_web_url(url):
        return plain(text)
    assert url is not None
    return f"[{plain(text or url)}]({md_url(url)})"


def link_column(label: str = "page") -> dict:
    return {label: st.column_config.LinkColumn(label, display_text="open")}


def show_error(e: Exception) -> None:
    """A one-line message for what the user can fix; never a traceback."""
    st.error(plain(str(e) if isinstance(e, KGError)
                   else f"internal error: {type(e).__name__}: {e}"))
    if not isinstance(e, KGError):
        log.error("page error", exc_info=e)


@st.cache_resource(show_spinner=False, max_entries=64)
def _export_view(setting: str, version: str, threats: tuple, knowledge: tuple, models: tuple, methods: tuple,
                 part: str, authors: tuple = (), venues: tuple = (), years: str = ""):
    return app_export.export_view(_store(setting), threats, knowledge, models, methods, part,
                               authors, venues, years)


@st.cache_data(show_spinner=False)
def _paper_count(setting: str, version: str) -> int:
    return names.paper_count(_store(setting))


def paper_count() -> int:
    return _paper_count(*store_key())


def export_view(threats, knowledge, models, methods, part, authors=(), venues=(), years=""):
    """The export view of a filter (shared, never mutated: exports are pure functions)."""
    return _export_view(*store_key(), tuple(threats), tuple(knowledge), tuple(models),
                        tuple(methods), part, tuple(authors), tuple(venues), years.strip())
