"""Survey text -> row records.

The survey is Markdown whose taxonomy tables are HTML ``<table>`` elements with
``rowspan`` cells. :func:`parse_survey` takes the *text* (pure); :func:`read_survey`
is the I/O edge that reads a file and names it in errors.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from .errors import SourceError
from .survey import COLUMNS, SIGNATURES
from .urls import url_problem


@dataclass(frozen=True)
class Cell:
    column: str
    text: str  # whitespace-collapsed text as written
    links: tuple[str, ...]  # hrefs of <a> elements, in order
    written_in_row: int  # the row the cell stands in (rowspan carries it down)


@dataclass(frozen=True)
class Row:
    table: str
    number: int  # 1-based among the table's data rows, after rowspan expansion
    cells: dict[str, Cell]

    def __getitem__(self, column: str) -> Cell:
        return self.cells[column]


@dataclass(frozen=True)
class Table:
    name: str
    title: str  # the Markdown heading above the table
    headers: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Survey:
    file: str
    sha256: str
    title: str
    tables: dict[str, Table] = field(default_factory=dict)


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


#: C0 control characters (but tab, line feed, carriage return), DEL and C1: never text. In a
#: cell (written, or as an HTML character reference) they would reach terminals (escape
#: sequences) and LaTeX (which stops on them): refused, naming the cell.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _cell_text(td: Tag, file: str, table: str, row: int, column: str) -> str:
    raw = td.get_text()
    bad = _CONTROL.search(raw)
    if bad:
        raise SourceError(f"cell has the control character U+{ord(bad.group()):04X}, which is "
                          "not text (remove it)", file=file, table=table, row=row, column=column)
    return collapse(raw)


def _heading_before(text: str, pos: int) -> str:
    headings = re.findall(r"^#+\s*(.+?)\s*$", text[:pos], flags=re.M)
    return headings[-1] if headings else ""


def _span(td: Tag, file: str, table: str, row: int, column: str) -> int:
    raw = td.get("rowspan", "1")
    try:
        n = int(str(raw).strip())
    except ValueError:
        raise SourceError(f"rowspan={raw!r} is not a whole number", file=file, table=table,
                          row=row, column=column) from None
    if n < 1:
        raise SourceError(f"rowspan={n} must be at least 1", file=file, table=table, row=row,
                          column=column)
    return n


def _link(a: Tag, file: str, table: str, row: int, column: str) -> str:
    """An <a>'s href, which must be a valid http(s) URL (it becomes an RDF IRI and a link
    readers follow): SourceError naming the cell otherwise."""
    href = str(a["href"]).strip()
    why = url_problem(href)
    if why:
        shown = href if len(href) <= 80 else href[:77] + "..."
        raise SourceError(f"link {shown!r} is not a valid http(s) URL: it {why}", file=file,
                          table=table, row=row, column=column)
    return href


def _parse_table(el: Tag, name: str, title: str, file: str) -> Table:
    trs = el.find_all("tr")
    header_tr = next((tr for tr in trs if tr.find("th")), None)
    if header_tr is None:
        raise SourceError("table has no header row (<th> cells)", file=file, table=name)
    headers = tuple(collapse(th.get_text()) for th in header_tr.find_all("th"))
    for col in COLUMNS[name]:
        if col not in headers:
            raise SourceError(f"missing column {col!r} (found: {', '.join(headers)})",
                              file=file, table=name, column=col)
    data_trs = [tr for tr in trs if tr is not header_tr and tr.find("td")]
    ncols = len(headers)
    pending: dict[int, tuple[Cell, int]] = {}  # column index -> (cell, rows still to fill)
    rows: list[Row] = []
    for number, tr in enumerate(data_trs, start=1):
        grid: dict[int, Cell] = {}
        for ci, (cell, left) in list(pending.items()):
            grid[ci] = cell
            if left <= 1:
                del pending[ci]
            else:
                pending[ci] = (cell, left - 1)
        col = 0
        for td in tr.find_all("td", recursive=False):
            while col in grid:
                col += 1
            if col >= ncols:
                raise SourceError(
                    f"row has more cells than the {ncols} columns (check the rowspans above it)",
                    file=file, table=name, row=number)
            header = headers[col]
            span = _span(td, file, name, number, header)
            if number + span - 1 > len(data_trs):
                raise SourceError(
                    f"rowspan={span} runs past the table's last row ({len(data_trs)})",
                    file=file, table=name, row=number, column=header)
            cell = Cell(
                column=header,
                text=_cell_text(td, file, name, number, header),
                links=tuple(_link(a, file, name, number, header)
                            for a in td.find_all("a", href=True)),
                written_in_row=number,
            )
            grid[col] = cell
            if span > 1:
                pending[col] = (cell, span - 1)
            col += 1
        missing = [headers[i] for i in range(ncols) if i not in grid]
        if missing:
            raise SourceError(
                f"row has no cell for {', '.join(repr(m) for m in missing)} "
                "(a cell or a rowspan is missing)", file=file, table=name, row=number,
                column=missing[0])
        rows.append(Row(table=name, number=number, cells={headers[i]: grid[i] for i in sorted(grid)}))
    if not rows:
        raise SourceError("table has no data rows", file=file, table=name)
    return Table(name=name, title=title, headers=headers, rows=tuple(rows))


def _closest_kind(headers: set[str], taken: set[str]) -> str | None:
    """The table kind not yet found of which ``headers`` hold most (at least half) of the
    required columns, or None."""
    scores = {n: sum(c in headers for c in cols) / len(cols)
              for n, cols in COLUMNS.items() if n not in taken}
    best = max(scores, key=lambda n: scores[n], default=None)
    return best if best is not None and scores[best] >= 0.5 else None


def parse_survey(text: str, file: str = "<survey>") -> Survey:
    """Parse the survey's Markdown text into its two tables of row records."""
    soup = BeautifulSoup(text, "html.parser")
    found: list[tuple[Tag, int, set[str]]] = []
    search_from = 0
    for el in soup.find_all("table"):
        # find the table's position in the text, for the heading above it
        pos = text.find("<table", search_from)
        search_from = pos + 1 if pos >= 0 else search_from
        found.append((el, pos, {collapse(th.get_text()) for th in el.find_all("th")}))
    kinds: dict[int, str] = {}
    for i, (_, _, headers) in enumerate(found):
        name = next((n for n, sig in SIGNATURES.items() if all(h in headers for h in sig)), None)
        if name is not None:
            if name in kinds.values():
                raise SourceError("a second table of this kind", file=file, table=name)
            kinds[i] = name
    for i, (_, _, headers) in enumerate(found):
        if i in kinds:
            continue
        # a taxonomy table without its signature column (a column was removed): the
        # missing kind whose columns it mostly has, so the column is named as missing
        name = _closest_kind(headers, set(kinds.values()))
        if name is not None:
            kinds[i] = name
    tables: dict[str, Table] = {}
    for i, name in sorted(kinds.items()):
        el, pos, _ = found[i]
        tables[name] = _parse_table(el, name, _heading_before(text, max(pos, 0)), file)
    if not tables:
        raise SourceError("no survey tables found (expected HTML <table>s with the attack and "
                          "defense taxonomy headers)", file=file)
    for name in COLUMNS:
        if name not in tables:
            raise SourceError(f"the {name} table is missing", file=file, table=name)
    title = _heading_before(text, text.find("<table")) if "<table" in text else ""
    first = re.search(r"^#\s+(.+?)\s*$", text, flags=re.M)
    return Survey(
        file=file,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=first.group(1) if first else title,
        tables=tables,
    )


def read_survey(path: Path, display: str | None = None) -> Survey:
    """Read and parse a survey file; ``display`` is the name used in errors."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SourceError(f"cannot read: {e.strerror}", file=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise SourceError(f"not UTF-8 text: byte 0x{raw[e.start]:02x} at line {line}, "
                          f"offset {e.start}", file=name) from None
    survey = parse_survey(text, file=name)
    return survey
