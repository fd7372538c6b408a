"""The Export page's data: the kg.export view of a filter given by labels, in every format.

The page renders views of at most EXPORT_MAX_PAPERS papers and says, for a larger one, the
command that exports it; exports are pure functions of the view, so the bytes are the ones
``kg export`` writes.
"""

from __future__ import annotations

from ..export import FORMATS as FORMATS
from ..export import export, make_view, view_spec
from ..stores.base import Store

#: The Export page renders views of at most this many papers (the CLI exports any view).
EXPORT_MAX_PAPERS = 2000


def export_limit(papers: int, view=None, filtered: bool = True) -> str | None:
    """Why the Export page will not render a view (None: it will): an unfiltered view of a
    graph, or a view, of more than EXPORT_MAX_PAPERS papers; the message names the command
    that exports it."""
    if view is None and not filtered and papers > EXPORT_MAX_PAPERS:
        return (f"This graph has {papers:,} papers: pick a threat, knowledge level, model or "
                "method to export a view here. The whole graph exports from the command line: "
                "`kg export view -f bibtex -o related.bib --store <this store>`.")
    if view is not None and len(view.papers) > EXPORT_MAX_PAPERS:
        return (f"This view has {len(view.papers):,} papers, more than this page renders "
                f"({EXPORT_MAX_PAPERS:,}); narrow the filters, or export it from the command "
                f"line: `{view.spec.command('bibtex')}`.")
    return None


def export_view(store: Store, threats=(), knowledge=(), models=(), methods=(), part="all",
                authors=(), venues=(), years: str | None = None):
    """The kg.export view of a filter given by labels (empty: everything); ``years`` as
    ``kg export view --year`` takes it (2023, 2023-2024, 2024-, -2023)."""
    spec = view_spec(store, threats=threats, knowledge=knowledge, models=models,
                     methods=methods, part=part, authors=authors, venues=venues,
                     years=years or None)
    return make_view(store, spec)


def export_content(view, fmt: str) -> str | bytes:
    """One export format of a view (text, or bytes for PDF)."""
    return export(view, fmt)
