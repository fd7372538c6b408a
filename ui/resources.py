"""What the app loads once per server process, and the page helpers every page shares.

The store (and, once built, the search index and embedding model) live in
``st.cache_resource``: one copy per process, never mutated. Page data derived from the
store is cached with ``st.cache_data`` (keyed by plain arguments). Nothing here holds
SPARQL or graph logic: it only calls the ``kg`` package.
"""

from __future__ import annotations

import logging

import streamlit as st

from kg import explore
from kg.errors import KGError

log = logging.getLogger("kg.ui")

PAGES = {
    "overview": "pages/overview.py",
    "coverage": "pages/coverage.py",
    "gaps": "pages/gaps.py",
    "ask": "pages/ask.py",
    "sparql": "pages/sparql.py",
    "graph": "pages/graph.py",
    "entity": "pages/entity.py",
    "export": "pages/export.py",
}


@st.cache_resource(show_spinner="Loading the knowledge graph…")
def store():
    """The graph's store, opened once per server process."""
    return explore.open_app_store()


@st.cache_data(show_spinner=False)
def overview() -> explore.Overview:
    return explore.overview(store())


@st.cache_data(show_spinner=False)
def entities() -> list[explore.Entity]:
    return explore.entities(store())


@st.cache_data(show_spinner=False, max_entries=256)
def entity_page(short: str) -> explore.EntityPage:
    return explore.entity_page(store(), short)


def entity_link(short: str, label: str, *, key: str | None = None) -> None:
    """A link that opens an entity's page inside the app."""
    st.page_link(PAGES["entity"], label=label, query_params={"node": short},
                 icon=":material/arrow_forward:")


def entity_url(short: str) -> str:
    """A relative URL of an entity's page, for link columns in tables."""
    from urllib.parse import quote

    return f"entity?node={quote(short, safe=':')}"


def show_error(e: Exception) -> None:
    """A one-line message for what the user can fix; never a traceback."""
    st.error(str(e) if isinstance(e, KGError) else f"internal error: {type(e).__name__}: {e}")
    if not isinstance(e, KGError):
        log.exception("page error", exc_info=e)
