"""The front door: one object whose methods are the library.

:func:`open` gives a :class:`KG` over a store (``"memory"``, the default: the survey's
graph in memory; ``"oxigraph:DIR"``; or a SPARQL endpoint URL); each method is one call
into the module that computes that thing, so the CLI, the app and a notebook get the same
answers. :func:`rebuild` builds and validates the graph into the build directory (not ``kg.build``:
that name is the module :mod:`kg.build`, which any import of it sets on the package).

>>> import kg
>>> g = kg.open()
>>> g
KG(store='memory')
>>> g.stats()["Papers"]
19
>>> a = g.ask("which gray-box attacks are not membership inference?")
>>> [x["citation"] for x in a.answers]
['GIDM — Huang et al., 2024']
>>> [gap.type for gap in g.gaps(types=["threat_without_defense"])]
['threat_without_defense']
>>> g.explain("DP-SGD").label
'DP-SGD'
>>> g.sparql("SELECT (COUNT(?a) AS ?n) WHERE { ?a a rd:Attack }").rows[0]["n"].toPython()
16
>>> g.table("defenses", words="canonical")[0]["Key Methods"]
'DP-SGD'
>>> [line for line in g.export("bibtex", threats=["gradient inversion"]).splitlines() if line.startswith("@")]
['@misc{huang2024gradient,']
>>> g.profile("DDPM", ["api"]).model
'DDPM'
>>> g.diff(g).empty
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from . import ask as ask_module
from . import build as build_module
from . import diff as diff_module
from . import explain as explain_module
from . import export as export_module
from . import linking, settings
from . import profile as profile_module
from . import search as search_module
from . import sparql as sparql_module
from . import table as table_module
from .coverage import cells, counts
from .coverage import gaps as gaps_module
from .stores.base import Store
from .stores.memory import MemoryStore
from .stores.open import open_store


class KG:
    """A knowledge graph to question: a store and the verbs over it."""

    def __init__(self, store: Store, setting: str = "memory") -> None:
        self.store = store
        self.setting = setting

    def __repr__(self) -> str:
        return f"KG(store={self.setting!r})"

    def ask(self, question: str, search: bool = True) -> ask_module.Answer:
        """A question in words answered by the one SPARQL query it compiles to (kg.ask);
        with ``search``, a question it cannot read falls back to the search hits."""
        def fallback(text: str, k: int):
            return search_module.searcher(self.store).search(text, k)

        return ask_module.ask(self.store, question, fallback if search else None)

    def search(self, query: str, k: int = 10,
               types: Sequence[str] | None = None) -> list[search_module.Hit]:
        """The ``k`` nodes that best match ``query`` (embeddings + lexical, kg.search)."""
        return search_module.searcher(self.store).search(
            search_module.check_query(query), k, list(types) if types else None)

    def coverage(self, by: str = "model", level: str = "model") -> cells.Matrix:
        """Threats x target models / attacker knowledge / defense methods, every cell's
        attacks and defenses (kg.coverage.cells)."""
        return cells.matrix(self.store, by=by, level=level)

    def gaps(self, types: Iterable[str] = (), evidence: bool = True) -> list[gaps_module.Gap]:
        """Typed gaps with their reasons (and evidence), kg.coverage.gaps; ``types`` keeps
        only those types."""
        keep = set(types)
        found = (gaps_module.find_gaps(self.store) if evidence
                 else gaps_module.from_summary(self.store))
        return [g for g in found if not keep or g.type in keep]

    def explain(self, node: str) -> explain_module.Explanation:
        """Every fact of a node (label, alias or IRI) with the source it came from."""
        return explain_module.explain(self.store, linking.resolve(self.store, node))

    def sparql(self, query: str, limit: int | None = None,
               timeout: float | None = None) -> sparql_module.QueryResult:
        """A read-only SPARQL query, run in a worker that is stopped at its deadline and
        memory cap (kg.sparql)."""
        return sparql_module.run_query(self.store, query, limit=limit, timeout=timeout)

    def table(self, name: str, words: str = "survey") -> list[dict]:
        """The survey's ``attacks`` or ``defenses`` table regenerated from the graph, in
        the survey's words or (``words="canonical"``) the graph's labels."""
        if words == "survey":
            return table_module.survey_rows(self.store, name)
        return table_module.table_rows(self.store, name, words)

    def export(self, fmt: str, **filters) -> str | bytes:
        """A view (filters as ``kg export view`` takes them: threats, knowledge, models,
        methods, papers, authors, venues, years, part) in one export format."""
        spec = export_module.view_spec(self.store, **filters)
        return export_module.export(export_module.make_view(self.store, spec), fmt)

    def profile(self, model: str, access: Sequence[str],
                fine_tuned: bool = False) -> profile_module.Report:
        """An auditor's exposure report of ``model`` for the ``access`` it exposes."""
        return profile_module.profile(self.store, model, list(access), fine_tuned)

    def stats(self) -> dict[str, int]:
        """Triples and instances per class."""
        triples, per_class = counts.store_counts(self.store)
        return {"triples": triples, **dict(per_class)}

    def diff(self, since: KG | str | Path) -> diff_module.Diff:
        """What changed from ``since`` (another KG, or a survey file, build directory or
        RDF file) to this graph: papers, rows cell by cell, gaps opened and closed."""
        if isinstance(since, KG):
            return diff_module.diff_stores(since.store, self.store)
        old, info = diff_module.load_side(Path(since))
        return diff_module.diff_stores(MemoryStore(old), self.store, info)


def open(store: str | None = None, *, source: str | Path | None = None) -> KG:
    """The graph a store setting names: ``"memory"`` (the survey's graph in memory, from
    the current build or built from ``source``), ``"oxigraph:DIR"`` or an endpoint URL;
    default the ``store`` setting (KG_STORE; a command's ``--store`` is the CLI's own)."""
    setting = (store or settings.get("store")).strip()
    return KG(open_store(setting, source=Path(source) if source else None), setting)


def rebuild(source: str | Path | None = None, build_dir: str | Path | None = None,
          **options) -> build_module.BuildResult:
    """Build and validate the graph into the build directory, all or nothing (``kg
    build``; options: update_lock, additions_dir, skip_bad_additions)."""
    return build_module.build(Path(source) if source else None,
                              Path(build_dir) if build_dir else None, **options)


__all__ = ["KG", "open", "rebuild"]
