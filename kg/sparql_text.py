"""SPARQL as text: the ground floor every query of the package is written with.

* :func:`sparql_term` writes an RDF term as SPARQL (IRIs checked, literals escaped): the one
  way a bound value reaches the text of a query; :func:`iri_ref` writes a checked IRI.
* :func:`values_block` writes a ``VALUES`` block of IRIs; :func:`values_blocks` cuts a long
  list into blocks of :data:`BATCH` rows (one query each), the one batcher.
* :func:`with_values` binds values by a ``VALUES`` block opening the query's WHERE group;
  :func:`projected_vars` reads the variables a SELECT projects; :func:`skip_token` and
  :func:`blanked` step over strings, IRIs and comments.
* :func:`with_prefixes` prepends the package's standard prefixes.
* :func:`check_read_only` is the one read-only guard of a user's query, whatever engine runs
  it: it writes the query canonically (:func:`canonical_query`, read alike by rdflib,
  Oxigraph and Virtuoso), refuses updates, LOAD, SERVICE, FROM, BASE, vendor built-ins and
  functions off the allow-list, and returns the form and the text to run (the checked one).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import QueryError
from .vocab import SPARQL_PREFIXES

if TYPE_CHECKING:
    from rdflib.term import Node

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


XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"


def sparql_literal(value: str | int, datatype: str | None = None,
                   language: str | None = None) -> str:
    """A literal written as SPARQL (its N-Triples form, escaped): ``value``'s text with
    ``language`` or ``datatype`` (an int is an ``xsd:integer``), as :func:`sparql_term`
    writes rdflib's ``Literal(value)``; the query core writes its words and numbers so."""
    if isinstance(value, int) and not isinstance(value, bool) and datatype is None:
        value, datatype = str(value), XSD_INTEGER
    text = '"' + "".join(_ESCAPES.get(ch, ch) for ch in str(value)) + '"'
    if language:
        if not _LANG.match(language):
            raise QueryError(f"cannot bind a literal with language tag {language!r}")
        return f"{text}@{language}"
    if datatype is not None:
        return f"{text}^^{iri_ref(datatype)}"
    return text


def sparql_term(term: Node) -> str:
    """An RDF term written as SPARQL (its N-Triples form): IRIs checked, literals escaped.
    The one way a bound value reaches the text of a query sent to an endpoint."""
    from rdflib import Literal, URIRef  # the caller made an rdflib term: rdflib is loaded

    if isinstance(term, URIRef):
        return iri_ref(str(term))
    if isinstance(term, Literal):
        dt = None if term.datatype is None else str(term.datatype)
        return sparql_literal(str(term), dt, term.language)
    raise QueryError(f"cannot bind {term!r} on a remote endpoint: only IRIs and literals")


def values_block(names: list[str], rows: Iterable[tuple]) -> str:
    """``VALUES (?a ?b) { (x y) ... }`` of IRIs taken from a store's own results, written
    as checked SPARQL terms (:func:`sparql_term`); an empty ``rows`` matches nothing."""
    _check_variables(names)
    body = " ".join("(" + " ".join(iri_ref(str(v)) for v in row) + ")" for row in rows)
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
#
# The engines that run a user's query (rdflib, Oxigraph embedded or served, Virtuoso) read
# the same text differently where SPARQL's lexical rules leave room: rdflib expands
# ``\u0022`` before parsing while Oxigraph keeps it inside a string; a ``#`` comment ends at
# ``\r`` for Oxigraph and at ``\n`` for rdflib. So the check never looks at the text a user
# typed: :func:`canonical_query` rewrites it into a form every engine reads alike (comments
# dropped, strings re-escaped, no codepoint escapes, no odd characters between tokens), the
# check parses THAT text, and that text is the one the engine runs (CheckedQuery.text).

QUERY_FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct",
               "DescribeQuery": "describe"}
_PREFIX_LINES = SPARQL_PREFIXES.count("\n")
_XSD = "http://www.w3.org/2001/XMLSchema#"

#: Functions called by IRI that a user's query may use: the XSD casts of SPARQL 1.1 (17.5)
#: and the other XSD types Oxigraph and Virtuoso cast to. Every other function IRI is
#: refused (SPARQL's own built-ins, STR, REGEX, COUNT, ..., are keywords, not IRIs).
ALLOWED_FUNCTIONS = frozenset(_XSD + t for t in (
    "string", "boolean", "integer", "decimal", "float", "double", "dateTime", "date", "time"))

#: IRI schemes and namespaces of vendor built-ins, refused wherever they appear (Virtuoso's
#: ``bif:http_get`` fetches any URL the server reaches; ``sql:`` calls stored procedures).
VENDOR_NAMESPACES = ("bif:", "sql:", "http://www.openlinksw.com/schemas/bif#",
                     "http://www.openlinksw.com/schemas/sql#")

_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_STRING_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"',
                   "'": "'", "\\": "\\"}
_WRITE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                  "\b": "\\b", "\f": "\\f"}


@dataclass(frozen=True)
class CheckedQuery:
    """A query the check allowed: its form and the text that was checked, which is the
    text to run (the standard prefixes are prepended when it runs, as for every query)."""

    form: str  # select | ask | construct | describe
    text: str


def _where(text: str, i: int) -> str:
    line = text.count("\n", 0, i) + text.count("\r", 0, i) - text.count("\r\n", 0, i)
    col = i - max(text.rfind("\n", 0, i), text.rfind("\r", 0, i))
    return f"line {line + 1}, column {col}"


def _string(text: str, i: int) -> tuple[str, int]:
    """(value, index after) of the SPARQL string literal starting at ``text[i]``."""
    q = text[i]
    long = text.startswith(q * 3, i)
    j = i + (3 if long else 1)
    value = []
    while True:
        if j >= len(text):
            raise QueryError(f"SPARQL syntax error at {_where(text, i)}: a string is not closed")
        ch = text[j]
        if long and text.startswith(q * 3, j):
            return "".join(value), j + 3
        if not long and ch == q:
            return "".join(value), j + 1
        if not long and ch in "\n\r":
            raise QueryError(f"SPARQL syntax error at {_where(text, i)}: a line break inside "
                             "a one-line string (use \"\"\"...\"\"\" or \\n)")
        if ch == "\\":
            esc = text[j + 1:j + 2]
            if esc not in _STRING_ESCAPES:
                raise QueryError(
                    f"refused at {_where(text, j)}: the escape \\{esc} is not accepted "
                    "(engines read \\u escapes differently); write the character itself")
            value.append(_STRING_ESCAPES[esc])
            j += 2
            continue
        value.append(ch)
        j += 1


def _plain_char(text: str, i: int) -> str:
    """A character between tokens as it is written again; QueryError for one the engines may
    read differently (a backslash, a control or an invisible character)."""
    ch = text[i]
    if ch == "\r":
        return "\n"
    if ch == "\\":
        raise QueryError(f"refused at {_where(text, i)}: a backslash outside a string "
                         "(\\u escapes are not accepted; write the character itself)")
    if ch in "\t\n" or " " <= ch <= "~":
        return ch
    if ch > "\x7f" and unicodedata.category(ch)[0] in "LNM" or ch == "\u00b7":
        return ch
    raise QueryError(f"refused at {_where(text, i)}: the character U+{ord(ch):04X} "
                     f"({unicodedata.name(ch, 'a control character')}) outside a string")


def canonical_query(text: str) -> str:
    """``text`` written so every engine reads it alike: comments dropped (a comment ends at
    ``\r`` or ``\n``), strings written again with ``"`` and the escapes of N-Triples, line
    ends as ``\n``, IRIs as typed. QueryError for a codepoint escape (``\\u``), a backslash
    outside a string, a control or invisible character between tokens, an open string."""
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            while i < n and text[i] not in "\r\n":
                i += 1
            out.append(" ")
        elif ch in "'\"":
            value, i = _string(text, i)
            out.append('"' + "".join(_WRITE_ESCAPES.get(c, c) for c in value) + '"')
        elif ch == "\r" and text.startswith("\r\n", i):
            i += 1  # one line end, written as the \n that follows
        elif ch == "<" and (m := _IRIREF.match(text, i)):
            out.append(m.group(0))
            i = m.end()
        else:
            out.append(_plain_char(text, i))
            i += 1
    return "".join(out)


def _walk(node):
    from rdflib.plugins.sparql.parserutils import CompValue

    yield node
    if isinstance(node, CompValue):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for v in node:
            yield from _walk(v)


_WARM = "SELECT * WHERE { ?s ?p ?o }"


@functools.cache
def warm_parser() -> None:
    """Import rdflib's SPARQL grammar and parse one query, once per process: pyparsing
    builds and streamlines the grammar on first use (about 0.4 s). A process that forks a
    worker per query calls this first, so every child inherits a ready parser instead of
    paying that time on each query."""
    _parse(_WARM)


def _parse(full: str):
    """rdflib's parse of a canonical query (with the standard prefixes); QueryError for an
    update or a syntax error, located in the user's text."""
    # rdflib's SPARQL parser is imported here, by the check alone: writing a query needs none
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        return parseQuery(full)
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


def _iri(node, prefixes: dict[str, str]) -> str:
    """The IRI a parse node names (a prefixed name resolved by the query's prologue)."""
    if getattr(node, "name", None) == "pname":
        prefix = node.prefix or ""
        if prefix not in prefixes:
            raise QueryError(f"refused: the prefix {prefix}: is not declared "
                             f"(PREFIX {prefix}: <...>)")
        return prefixes[prefix] + (node.localname or "")
    return str(node)


def _check_node(n, prefixes: dict[str, str]) -> None:
    from rdflib import URIRef as _U  # the check parses with rdflib (kg.sparql_text._parse)

    name = getattr(n, "name", None)
    if name == "ServiceGraphPattern":
        raise QueryError("refused: SERVICE is not allowed (it would fetch a remote URL)")
    if name == "DatasetClause" or (name in QUERY_FORMS and "datasetClause" in n):
        raise QueryError("refused: FROM / FROM NAMED is not allowed (it would load a URL); "
                         "queries run on the knowledge graph as it is")
    if name == "Base":
        raise QueryError("refused: BASE is not allowed (write full IRIs or prefixed names)")
    if name == "Function":
        fn = _iri(n.iri, prefixes)
        if fn not in ALLOWED_FUNCTIONS:
            raise QueryError(f"refused: the function <{fn}> is not allowed; a query may call "
                             "SPARQL 1.1's built-in functions and the XSD casts")
    iri = _iri(n, prefixes) if name == "pname" else str(n) if isinstance(n, _U) else None
    if iri is not None and iri.lower().startswith(VENDOR_NAMESPACES):
        raise QueryError(f"refused: <{iri}> names a vendor built-in (bif:, sql:), which "
                         "may reach other servers or change the store")


def check_read_only(text: str) -> CheckedQuery:
    """The one read-only guard for a user's query, whatever engine runs it: the query
    written canonically (:func:`canonical_query`), parsed, and refused (QueryError) unless it
    is a SELECT, ASK, CONSTRUCT or DESCRIBE without SERVICE, FROM, BASE, vendor built-ins
    (``bif:``, ``sql:``) or a function outside SPARQL's built-ins and
    :data:`ALLOWED_FUNCTIONS`. The caller runs ``.text``: the text that was checked."""
    if not text or not text.strip():
        raise QueryError("empty query")
    canon = canonical_query(text)
    parsed = _parse(with_prefixes(canon))
    prefixes = {}
    for decl in parsed[0]:
        if decl.name == "PrefixDecl":
            prefixes[decl.prefix or ""] = str(decl.iri)
            if str(decl.iri).lower().startswith(VENDOR_NAMESPACES):
                raise QueryError(f"refused: the prefix {decl.prefix}: names vendor built-ins "
                                 f"(<{decl.iri}>)")
    form = None
    for n in _walk(parsed):
        _check_node(n, prefixes)
        if getattr(n, "name", None) in QUERY_FORMS and form is None:
            form = QUERY_FORMS[n.name]
    if form is None:
        raise QueryError("not a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    return CheckedQuery(form, canon)
