"""The Model audit page's data: a model's exposure report (kg.profile) and its renderings.

Each function is one call into kg.profile, so the page shows, and downloads, exactly what
``kg profile`` prints and writes (Markdown, HTML, PDF: the same bytes).
"""

from __future__ import annotations

from ..access import Access, load_access
from ..profile import Report, profile
from ..profile import header as profile_header
from ..profile import render as profile_render
from ..profile import sections as profile_sections
from ..stores.base import Store


def access_levels() -> dict[str, Access]:
    """The access levels a model can expose (``data/access.yaml``), by name."""
    return load_access()


def report(store: Store, model: str, access: list[str], fine_tuned: bool = False) -> Report:
    """The exposure report of ``model`` (a label of the graph) under ``access`` (names of
    :func:`access_levels`); KGError on an unknown model or access level."""
    return profile(store, model, list(access), fine_tuned)


def render(rep: Report, fmt: str) -> bytes:
    """The report as ``kg profile -f FMT`` writes it (md, html, json, pdf)."""
    return profile_render(rep, fmt)


def header(rep: Report) -> list[str]:
    """The report's header lines: graph version, graph hash, the command that regenerates it."""
    return profile_header(rep)


def sections(rep: Report) -> list[tuple[str, list[str]]]:
    """The report as (heading, items), as Markdown and HTML render it."""
    return profile_sections(rep)
