"""Stores: one query interface for every query of the package, on three backends.

* :mod:`kg.stores.base` — the :class:`~kg.stores.base.Store` protocol, :class:`Rows`,
  :func:`select_values`.
* :mod:`kg.stores.memory` — rdflib in memory (the default).
* :mod:`kg.stores.oxigraph` — embedded, persistent Oxigraph in a directory.
* :mod:`kg.stores.remote` — any SPARQL 1.1 endpoint over HTTP (:mod:`kg.stores.http`: one
  deadline per request), with Virtuoso's dialect in :mod:`kg.stores.virtuoso`.
* :mod:`kg.stores.open` — the one opener: a ``store`` setting (``memory``,
  ``oxigraph:PATH``, an endpoint URL) to a store, once per process.

This package imports nothing itself, so a module may take the backend it needs without the
others (the graph builder uses the memory store and never the opener).
"""
