"""SPARQL as text: the ground floor every query of the package is written with.

* :func:`sparql_term` writes an RDF term as SPARQL (IRIs checked, literals escaped): the one
  way a bound value reaches the text of a query; :func:`iri_ref` writes a checked IRI.
* :func:`values_block` writes a ``VALUES`` block of IRIs; :func:`values_blocks` cuts a long
  list into blocks of :data:`BATCH` rows (one query each), the one batcher.
* :func:`with_values` binds values by a ``VALUES`` block opening the query's WHERE group;
  :func:`projected_vars` reads the variables a SELECT projects; :func:`skip_token` and
  :func:`blanked` step over strings, IRIs and comments.
* :func:`with_prefixes` prepends the package's standard prefixes.
* :func:`check_read_only` refuses what a user's query may not do (updates, LOAD, SERVICE,
  FROM) and names the query form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from rdflib import Literal, URIRef
from rdflib.term import Node

from .errors import QueryError
from .vocab import SPARQL_PREFIXES

#: Rows per ``VALUES`` block when a query is bound to many nodes (one query per block).
BATCH = 2000

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def with_prefixes(sparql: str) -> str:
    return SPARQL_PREFIXES + sparql


def _check_variables(names: Iterable[str]) -> None:
    for n in names:
        if not _VARIABLE.fullmatch(n):
            raise QueryError(f"cannot bind variable {n!r}: not a SPARQL variable name")


_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LANG = re.compile(r"^[a-zA-Z]+(-[a-zA-Z0-9]+)*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}



def iri_ref(value: str) -> str:
    """``<value>``, refused (QueryError) when ``value`` cannot be an IRI."""
    if _IRI_BAD.search(value):
        raise QueryError(f"cannot bind {value!r}: not a valid IRI")
    return f"<{value}>"


def sparql_term(term: Node) -> str:
    """An RDF term written as SPARQL (its N-Triples form): IRIs checked, literals escaped.
    The one way a bound value reaches the text of a query sent to an endpoint."""
    if isinstance(term, URIRef):
        return iri_ref(str(term))
    if isinstance(term, Literal):
        text = '"' + "".join(_ESCAPES.get(ch, ch) for ch in str(term)) + '"'
        if term.language:
            if not _LANG.match(term.language):
                raise QueryError(f"cannot bind a literal with language tag {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^{iri_ref(str(term.datatype))}"
        return text
    raise QueryError(f"cannot bind {term!r} on a remote endpoint: only IRIs and literals")



def values_block(names: list[str], rows: Iterable[tuple]) -> str:
    """``VALUES (?a ?b) { (x y) ... }`` of IRIs taken from a store's own results, written
    as checked SPARQL terms (:func:`sparql_term`); an empty ``rows`` matches nothing."""
    _check_variables(names)
    body = " ".join("(" + " ".join(sparql_term(URIRef(v)) for v in row) + ")" for row in rows)
    return f"VALUES ({' '.join('?' + n for n in names)}) {{ {body} }}"



def values_blocks(names: list[str], rows: Iterable[tuple], size: int = BATCH) -> Iterator[str]:
    """:func:`values_block` of ``rows`` in blocks of at most ``size`` rows (none for no
    rows): bind a query to many nodes one block at a time."""
    rows = list(rows)
    for start in range(0, len(rows), size):
        yield values_block(names, rows[start:start + size])


def skip_token(text: str, i: int) -> int:
    """Index after a string, IRI or comment starting at ``text[i]`` (else ``i``)."""
    ch = text[i]
    if ch == "#":
        j = text.find("\n", i)
        return len(text) if j < 0 else j + 1
    if ch == "<":
        m = re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:])
        return i + m.end() if m else i
    if ch in "'\"":
        q3 = ch * 3
        if text.startswith(q3, i):
            j = i + 3
            while True:
                k = text.find(q3, j)
                if k < 0:
                    return len(text)
                if text[k - 1] != "\\":
                    return k + 3
                j = k + 1
        j = i + 1
        while j < len(text) and text[j] != ch:
            j += 2 if text[j] == "\\" else 1
        return j + 1
    return i


def _top_level_braces(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each top-level ``{ … }`` group of a query."""
    depth, start, i = 0, -1, 0
    while i < len(text):
        j = skip_token(text, i)
        if j != i:
            i = j
            continue
        ch = text[i]
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                yield start, i
        i += 1


def with_values(sparql: str, bindings: Mapping[str, Node] | None) -> str:
    """``sparql`` with ``VALUES (?a ?b) { (x y) }`` opening its WHERE group, so the
    values bind the whole pattern (as rdflib's initBindings and Oxigraph's substitutions
    do). For a CONSTRUCT with a template, the WHERE group is the second top-level group."""
    if not bindings:
        return sparql
    names = list(bindings)
    _check_variables(names)
    block = (" VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
             + " ".join(sparql_term(bindings[n]) for n in names) + ") } ")
    groups = list(_top_level_braces(sparql))
    if not groups:
        raise QueryError("cannot bind values: the query has no WHERE group")
    blank = blanked(sparql)
    keyword = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", blank, re.I)
    pick = 0
    if keyword and keyword.group(1).upper() == "CONSTRUCT":
        after = blank[keyword.end():groups[0][0]]
        if not re.search(r"\bWHERE\b", after, re.I) and len(groups) > 1:
            pick = 1
    at = groups[pick][0] + 1
    return sparql[:at] + block + sparql[at:]


def blanked(text: str) -> str:
    """``text`` with strings, IRIs and comments replaced by spaces (same length)."""
    out, i = [], 0
    while i < len(text):
        j = skip_token(text, i)
        if j != i:
            out.append(" " * (j - i))
            i = j
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def projected_vars(sparql: str) -> set[str] | None:
    """The variables a SELECT query projects; None for ``SELECT *`` and other forms."""
    blank = blanked(sparql)
    m = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", blank, re.I)
    if not m or m.group(1).upper() != "SELECT":
        return None
    end = blank.find("{", m.end())
    clause = blank[m.end(): end if end >= 0 else len(blank)]
    clause = re.split(r"\b(WHERE|FROM)\b", clause, flags=re.I)[0]
    out, depth = set(), 0
    for tok in re.finditer(r"\(|\)|\*|\bAS\s+[?$](\w+)|[?$](\w+)", clause, re.I):
        t = tok.group(0)
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif t == "*" and depth == 0:
            return None
        elif tok.group(1):
            out.add(tok.group(1))
        elif tok.group(2) and depth == 0:
            out.add(tok.group(2))
    return out



# ------------------------------------------------------------------ the read-only check

QUERY_FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct",
               "DescribeQuery": "describe"}
_PREFIX_LINES = SPARQL_PREFIXES.count("\n")


def _walk(node):
    from rdflib.plugins.sparql.parserutils import CompValue

    yield node
    if isinstance(node, CompValue):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for v in node:
            yield from _walk(v)


def check_read_only(text: str) -> str:
    """The query form ('select', 'ask', 'construct', 'describe') of an allowed query;
    QueryError for anything else."""
    # rdflib's SPARQL parser is imported here, by the check alone: writing a query needs none
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    if not text or not text.strip():
        raise QueryError("empty query")
    full = with_prefixes(text)
    try:
        parsed = parseQuery(full)
    except ParseException as e:
        try:
            parseUpdate(full)
        except ParseException:
            pass
        else:
            raise QueryError("refused: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP, "
                             "CREATE, ...) are not allowed; queries here are read-only") from None
        line = max(1, e.lineno - _PREFIX_LINES)
        raise QueryError(f"SPARQL syntax error at line {line}, column {e.col}: "
                         f"{e.msg} (near {e.line.strip()[:60]!r})") from None
    except Exception as e:  # rdflib raises assorted errors on odd input
        raise QueryError(f"SPARQL syntax error: {e}") from None
    form = None
    for n in _walk(parsed):
        if isinstance(n, CompValue):
            if n.name == "ServiceGraphPattern":
                raise QueryError("refused: SERVICE is not allowed (it would fetch a remote URL)")
            if n.name == "DatasetClause" or (n.name in QUERY_FORMS and "datasetClause" in n):
                raise QueryError("refused: FROM / FROM NAMED is not allowed (it would load a URL); "
                                 "queries run on the knowledge graph as it is")
            if n.name in QUERY_FORMS and form is None:
                form = QUERY_FORMS[n.name]
    if form is None:
        raise QueryError("not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return form

