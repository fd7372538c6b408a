"""Links: a page's view is in the URL's query parameters, so the URL opens the same view.

The rule: every page's parameter names are here (:data:`PARAMS`), nowhere else. A page
reads them at its start (:func:`incoming`, :func:`first`) and puts them into its widgets'
state as their values — only when the URL was not written by this session (a link was
opened, or the address edited), so a user's change is never undone by the URL it left
behind. After its widgets it writes its selection back (:func:`share`), which also shows
the full URL with a copy button. A parameter or value the page does not know is said on
the page (:func:`refuse`) and ignored, never a traceback.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import resources
import streamlit as st

# page -> parameter -> what it holds (the README's "Links" paragraph lists the same)
PARAMS: dict[str, dict[str, str]] = {
    "ask": {"q": "the question", "r": "an edited reading of it (kg.app.reading.encode)"},
    "coverage": {"by": "the columns: model, knowledge or defense",
                 "level": "model or family (columns by model)",
                 "threat": "the selected cell's threat", "column": "the selected cell's column"},
    "gaps": {"type": "a gap type (repeatable)", "threat": "a threat", "model": "a model or family",
             "knowledge": "an attacker knowledge", "level": "model, family or both"},
    "entity": {"node": "a node: short name, IRI or label"},
    "graph": {"node": "the centre node: short name, IRI or label"},
    "audit": {"model": "the audited model", "access": "an access level (repeatable)",
              "fine_tuned": "1 when the model is fine-tuned"},
    "export": {"threat": "a threat (repeatable)", "knowledge": "an attacker knowledge (repeatable)",
               "model": "a target model or family (repeatable)",
               "method": "a defense method (repeatable)", "author": "an author (repeatable)",
               "venue": "a venue (repeatable)", "years": "2023, 2023-2024, 2024- or -2023",
               "rows": "all, attacks or defenses", "format": "an export format"},
}

_WRITTEN = "_links_written"  # session state: page -> the parameters this session last wrote
TRUE = ("1", "true", "yes")


def _url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def incoming(page: str) -> dict[str, list[str]]:
    """The page's parameters from the URL when a link brought them (the URL differs from
    what this session last wrote for the page); else ``{}``. A parameter the page does
    not take is said on the page and left out."""
    url = _url_params()
    if not url or url == st.session_state.get(_WRITTEN, {}).get(page):
        return {}
    known = PARAMS[page]
    for name in url:
        if name not in known:
            st.warning(resources.plain(
                f"The link's parameter {name!r} is not one this page takes "
                f"({', '.join(known)}): ignored."))
    return {k: [v for v in vs if v.strip()] for k, vs in url.items() if k in known}


def current(page: str, name: str) -> str:
    """One parameter's value in the URL now, whoever wrote it (``""`` when absent): for a
    page whose URL is its whole state (Entity, Graph explorer: links from other pages
    carry their ``node``)."""
    assert name in PARAMS[page], f"{name!r} is not a parameter of the {page} page"
    return (st.query_params.get(name) or "").strip()


def first(values: dict[str, list[str]], name: str) -> str | None:
    """The first value of one parameter (None when absent or empty)."""
    got = values.get(name) or []
    return got[0].strip() if got else None


def refuse(name: str, value: str, what: str) -> None:
    """Say that a link's value is not known here (and so is not applied)."""
    st.warning(resources.plain(f"The link's {name}={value!r} is not {what}: not applied."))


def pick(values: dict[str, list[str]], name: str, options, what: str) -> str | None:
    """The parameter's first value when it is one of ``options`` (else said, and None)."""
    value = first(values, name)
    if value is None:
        return None
    if value in options:
        return value
    refuse(name, value, what)
    return None


def pick_all(values: dict[str, list[str]], name: str, options, what: str) -> list[str]:
    """Every value of a repeatable parameter that is one of ``options`` (the rest said)."""
    kept = []
    for value in values.get(name) or []:
        if value.strip() in options:
            kept.append(value.strip())
        else:
            refuse(name, value, what)
    return list(dict.fromkeys(kept))


def query(page: str, values: dict) -> dict[str, list[str]]:
    """The page's parameters of a selection: empty values dropped, lists kept in order."""
    known = PARAMS[page]
    out = {}
    for name, value in values.items():
        assert name in known, f"{name!r} is not a parameter of the {page} page (ui/links.py)"
        vs = [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])
              if v is not None and v is not False and str(v).strip()]
        if vs:
            out[name] = vs
    return out


def url(page: str, params: dict[str, list[str]]) -> str:
    """The full URL of a page's view: the app's URL in the browser (st.context.url) when
    known, else the page's path."""
    base = st.context.url or ("/" + ("" if page == "overview" else page))
    text = urlencode([(k, v) for k, vs in params.items() for v in vs], quote_via=quote)
    return base + ("?" + text if text else "")


def share(page: str, values: dict) -> str:
    """Write the page's selection into the URL (when it changed) and show the link with a
    copy button. Returns the URL."""
    params = query(page, values)
    if params != _url_params():
        st.query_params.from_dict(params)
    st.session_state.setdefault(_WRITTEN, {})[page] = params
    link = url(page, params)
    with st.popover("Link to this view", icon=":material/link:"):
        st.caption("Opening this URL shows the same view; copy it with the button on the box.")
        st.code(link, language=None, wrap_lines=True)
    return link
