"""Plain page data for the app: one backend module per page of ``ui/`` plus ``names`` (the
store the app reads, node names and pickers, what several pages share).

``ui/`` calls only this package (and the ``kg`` package root): no SPARQL, rdflib or graph
logic in a page. Every value here is a plain string, number, list or dataclass, so a page
never touches an RDF term. This ``__init__`` imports nothing; a page imports its module
(``from kg.app import coverage``).
"""
