"""Data is text, never markup; links are validated where they enter; settings and options
are checked with one-line errors (issue 15, items 4 and 5).

* A survey link or an addition URL that is not a valid http(s) URL stops ``kg build`` /
  ``kg add`` with one line naming the file, table, row and column (or entry and field),
  and nothing is written.
* A cell holding Markdown, HTML, LaTeX or a spreadsheet formula comes out of every export
  and the app as those characters: parsed back, no image, no link, no raw HTML, no
  ``\\input``; a CSV field never starts a formula.
* ``--limit``, ``--timeout``, ``KG_ROW_LIMIT``, ``KG_QUERY_TIMEOUT`` and ``-o`` take only
  values they can use; exports get the normal mode of a new file.
"""

from __future__ import annotations

import csv
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import bibtexparser
import pytest
from markdown_it import MarkdownIt

from kg.errors import KGError
from kg.ingest import parse_survey
from kg.urls import is_web_url, url_problem
from tests.built import copy_build
from tests.tiers import first_fast, slow

from .conftest import SURVEY


def one_line_error(r, *needles: str) -> None:
    """Exit non-zero, one line of output, no traceback, every needle in it."""
    out = r.output.strip()
    assert r.exit_code != 0, out
    assert "Traceback" not in out
    assert len(out.splitlines()) == 1, out
    for n in needles:
        assert n in out, (n, out)


def snapshot(d: Path) -> dict[str, bytes]:
    """Every file under ``d`` (any layout), by relative path."""
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()} \
        if d.exists() else {}


def where_link(text: str, href: str) -> tuple[str, int, str]:
    """(table, row, column) of the cell holding ``href``, read from the parsed survey."""
    survey = parse_survey(text)
    for name, table in survey.tables.items():
        for row in table.rows:
            for col, cell in row.cells.items():
                if href in cell.links and cell.written_in_row == row.number:
                    return name, row.number, col
    raise AssertionError(href)


# ------------------------------------------------------------------ URLs

@pytest.mark.parametrize("url", [
    "https://arxiv.org/abs/2301.13188", "http://example.org", "HTTPS://x.org/a?b=1&c=(2)#f",
    "https://[::1]:8080/x", "https://bücher.de/ä", "https://x.org/%41",
    "https://arxiv.org/pdf/2405.20380v2.pdf", "https://arxiv.org/abs/1412.6980",
    "https://arxiv.org/abs/hep-th/9901001v3", "https://arxiv.org/abs/math.GT/0309136",
    "https://arxiv.org/html/2410.16657v1", "https://arxiv.org/list/cs.CR/recent",
])
def test_valid_web_urls(url):
    assert url_problem(url) is None and is_web_url(url)


@pytest.mark.parametrize("url, why", [
    ("javascript:alert(1)", "scheme 'javascript'"), ("JavaScript:alert(1)", "scheme 'javascript'"),
    ("data:text/html,<b>x</b>", "scheme 'data'"), ("file:///etc/passwd", "scheme 'file'"),
    ("ftp://x.org/", "scheme 'ftp'"), ("http://x y", "U+0020 (a space)"),
    ("https://x/a}b", "'}'"), ("https://x/a{b", "'{'"), ("https://x/a|b", "'|'"),
    ("https://x/a\\b", "'\\\\'"), ("https://x/a^b", "'^'"), ("https://x/a`b", "'`'"),
    ("https://x/<b>", "'<'"), ('https://x/"b', "'\"'"), ("https://x/\nb", "U+000A"),
    ("https://x/%zz", "'%'"), ("//x.org/a", "no scheme"), ("https://", "no valid host"),
    ("https:///a", "no valid host"), ("https:x.org", "no host"), ("", "empty"),
    ("https://x.org:99999/", "does not parse"), ("https://[zz/", "does not parse"),
    # an arXiv link names an identifier (the letter O for a zero, a digit short, month 13)
    ("https://arxiv.org/abs/24O5.2038", "'24O5.2038' is not an arXiv identifier"),
    ("https://arxiv.org/abs/2405.2038", "'2405.2038' is not an arXiv identifier"),
    ("https://www.arxiv.org/pdf/1913.00001.pdf", "'1913.00001' is not an arXiv identifier"),
    ("https://arxiv.org/abs/", "'' is not an arXiv identifier"),
])
def test_invalid_urls_say_why(url, why):
    problem = url_problem(url)
    assert problem is not None and why in problem, problem
    assert not is_web_url(url)


def _bad_link_copy(tmp_path, old: str, new: str) -> tuple[Path, tuple[str, int, str]]:
    text = SURVEY.read_text(encoding="utf-8")
    assert f'href="{old}"' in text, old
    place = where_link(text, old)  # its first cell, in document order
    p = tmp_path / "bad-links.md"
    p.write_text(text.replace(f'href="{old}"', f'href="{new}"', 1), encoding="utf-8")
    return p, place


@pytest.mark.parametrize("old, new, why", first_fast([
    ("https://www.usenix.org/conference/usenixsecurity23/presentation/carlini",
     "javascript:alert(1)", "has the scheme 'javascript'"),
    ("https://github.com/YuxinWenRick/diffusion_memorization",
     "https://github.com/Yuxin Wen/diffusion", "U+0020 (a space)"),
    ("https://openreview.net/forum?id=84n3UwkH7b", "https://openreview.net/forum?id=}x",
     "not allowed in a URL: '}'"),
    ("https://github.com/jinhaoduan/SecMI", "data:text/html,<script>x</script>",
     "has the scheme 'data'"),
    ("https://github.com/YuxinWenRick/diffusion_memorization", "file:///etc/passwd",
     "has the scheme 'file'"),
    ("https://arxiv.org/abs/2405.20380", "https://arxiv.org/abs/24O5.2038",
     "'24O5.2038' is not an arXiv identifier"),
]))
def test_bad_survey_link_stops_the_build_and_writes_nothing(kg_cli, survey_build, tmp_path, old,
                                                           new, why):
    out = copy_build(survey_build, tmp_path / "out")  # a complete kg build, to be left alone
    before = snapshot(out)
    bad, (table, row, column) = _bad_link_copy(tmp_path, old, new)
    r = kg_cli("build", "--source", str(bad), "--build-dir", str(out))
    one_line_error(r, f"file {bad}", f"table {table!r}", f"row {row}", f"column {column!r}",
                   "is not a valid http(s) URL", why)
    assert snapshot(out) == before
    fresh = tmp_path / "fresh"
    assert kg_cli("build", "--source", str(bad), "--build-dir", str(fresh)).exit_code == 1
    assert not snapshot(fresh)


@pytest.mark.parametrize("header, table", [
    ("Attacker&apos;s knowledge", "attacks"),  # the column that tells the attacks table
    ("Limitations", "attacks"),
    ("Key Methods", "defenses"),  # the column that tells the defenses table
])
def test_missing_column_is_named(kg_cli, tmp_path, header, table):
    text = SURVEY.read_text(encoding="utf-8")
    th = f'<th align="center" valign="middle">{header}</th>'
    assert text.count(th) == 1
    bad = tmp_path / "no-column.md"
    bad.write_text(text.replace(th, ""), encoding="utf-8")
    name = header.replace("&apos;", "'")
    r = kg_cli("build", "--source", str(bad), "--build-dir", str(tmp_path / "o"))
    one_line_error(r, f"table {table!r}", f"missing column {name!r}", "(found: ", "Ref.")
    assert "table is missing" not in r.output
    assert not snapshot(tmp_path / "o")


ADD = ["add", "--kind", "attack", "--title", "A new paper", "--threat", "MIA",
       "--knowledge", "black-box", "--model", "DDPM", "--effectiveness", "e",
       "--limitations", "l", "--no-input"]


@pytest.mark.parametrize("args, field, why", first_fast([
    (["--url", "https://x.org/p", "--code", "https://x/a}b"], "code", "'}'"),
    (["--url", "javascript:alert(1)", "--code", "none"], "urls", "scheme 'javascript'"),
    (["--url", "https://x.org/a b", "--code", "none"], "urls", "U+0020 (a space)"),
    (["--url", "https://x.org/p", "--code", "file:///etc/passwd"], "code", "scheme 'file'"),
]))
def test_kg_add_refuses_a_bad_url_before_writing(kg_cli, tmp_path, args, field, why):
    d = tmp_path / "additions"
    d.mkdir()
    r = kg_cli(*ADD, *args, "--dir", str(d))
    one_line_error(r, f"field {field!r}", "is not a valid http(s) URL", why)
    assert not any(d.iterdir())
    # the file exists: it is left as it was
    f = d / "mine.yaml"
    f.write_text("entries: []\n", encoding="utf-8")
    r = kg_cli(*ADD, *args, "--dir", str(d), "--file", "mine.yaml")
    assert r.exit_code != 0 and f.read_text(encoding="utf-8") == "entries: []\n"
    assert sorted(p.name for p in d.iterdir()) == ["mine.yaml"]


def test_an_additions_file_with_a_bad_url_stops_the_build(kg_cli, tmp_path):
    d = tmp_path / "additions"
    d.mkdir()
    (d / "bad.yaml").write_text(
        "entries:\n  - key: x\n    kind: attack\n    title: A new paper\n"
        "    urls: ['https://x.org/p']\n    code: 'https://x/a}b'\n    threat: MIA\n"
        "    knowledge: [Black-box]\n    models: [DDPM]\n    effectiveness: e\n"
        "    limitations: l\n", encoding="utf-8")
    out = tmp_path / "out"
    r = kg_cli("build", "--additions", str(d), "--build-dir", str(out))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "bad.yaml, entry 'x', field 'code'" in r.output and "'}'" in r.output
    assert not snapshot(out)


@pytest.mark.parametrize("node", first_fast(["http://x y", "https://x/a}b", "rdi:a b", "rdi:a{b",
                                  "rd:x%zz"]))
def test_explain_bad_iri_is_one_line_on_memory_and_oxigraph(kg_cli, survey_build, tmp_path,
                                                           node):
    r = kg_cli("explain", node)
    one_line_error(r, "is not a valid IRI")
    ox = f"oxigraph:{tmp_path / 'ox'}"
    assert kg_cli("load", "--store", ox, "--graph", str(survey_build / "graph.nt")).exit_code == 0
    r = kg_cli("explain", "--store", ox, node)
    one_line_error(r, "is not a valid IRI")


def test_find_entity_bad_iri_is_a_kg_error(store, graph):
    from kg.app import entity as app_entity
    from kg.app import names
    from kg.stores.oxigraph import OxigraphStore

    ox = OxigraphStore()
    ox.load(graph)
    for s in (store, ox):
        with pytest.raises(KGError, match="not a valid IRI"):
            names.find_entity(s, "http://x y")
        with pytest.raises(KGError, match="not a valid IRI"):
            app_entity.entity_page(s, "rdi:a}b")


# ------------------------------------------------------------------ cells are text

IMG = "![t](http://host/x.png)"
TAG = "<img src=x onerror=alert(1)>"
JS = "[a](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://evil.example/x","click")'
TEX = "\\input{/etc/passwd}"
METHOD = "<img src=x onerror=alert(2)> \\input{/etc/passwd} [m](javascript:alert(3)) 50%"
TITLE = "Detecting } Memorization {{ in @Diffusion %Models"

HOSTILE_CELLS = {
    # attacks row 1, Effectiveness and Limitations
    "Extract training samples from DMs": f"{IMG} {TAG.replace('<', '&lt;').replace('>', '&gt;')} {JS}",
    "Explainability of regenerating parts of their training datasets":
        f"{FORMULA} 100% {TEX} #1 $x$ ~ ^ _ &amp; }}",
    # a defense method (a label in figures, tables and paragraphs)
    "Auditing with Canaries": METHOD.replace("<", "&lt;").replace(">", "&gt;"),
    # a title with unbalanced braces (in both tables)
    "Detecting, Explaining, and Mitigating Memorization in Diffusion Models": TITLE,
}
EFFECTIVENESS = f"{IMG} {TAG} {JS}"
LIMITATION = f"{FORMULA} 100% {TEX} #1 $x$ ~ ^ _ & }}"


@pytest.fixture(scope="module")
def hostile_source(tmp_path_factory) -> Path:
    text = SURVEY.read_text(encoding="utf-8")
    for old, new in HOSTILE_CELLS.items():
        assert old in text, old
        text = text.replace(old, new)
    p = tmp_path_factory.mktemp("hostile") / "hostile-survey.md"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def hostile_store(hostile_source):
    from kg.graph import graph_from_files
    from kg.stores.memory import MemoryStore

    return MemoryStore(graph_from_files(hostile_source, with_additions=False))


@pytest.fixture(scope="module")
def hostile_view(hostile_store):
    from kg.export import make_view, view_spec

    return make_view(hostile_store, view_spec(hostile_store))


def test_the_hostile_cells_are_in_the_graph_as_written(hostile_store):
    from kg.table import table_rows

    rows = table_rows(hostile_store, "attacks", "survey")
    cells = rows[0]["cells"]
    assert cells["Effectiveness"]["text"] == EFFECTIVENESS
    assert cells["Limitations"]["text"] == LIMITATION


class Elements(HTMLParser):
    """The elements and the text of an HTML document."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def assert_safe_html(html: str) -> Elements:
    """No image, no script, no event handler, links only to valid http(s) URLs."""
    doc = Elements(html)
    for tag, attrs in doc.tags:
        assert tag not in ("img", "script", "iframe", "object", "embed"), (tag, attrs)
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        if tag == "a":
            assert is_web_url(attrs.get("href")), attrs
            assert "host/x.png" not in attrs["href"] and "javascript" not in attrs["href"]
    return doc


def permissive_markdown() -> MarkdownIt:
    """CommonMark + tables as the most permissive viewer reads it: raw HTML passed
    through, and every link kept (markdown-it would drop javascript: links itself)."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.validateLink = lambda url: True
    return md


def markdown_html(md_text: str) -> str:
    return permissive_markdown().render(md_text)


def assert_safe_markdown(md_text: str, *shown: str) -> None:
    tokens = permissive_markdown().parse(md_text)
    for t in tokens:
        for c in [t, *(t.children or [])]:
            if c.type == "html_block" and re.fullmatch(r"<!--(?:(?!-->).)*-->\n?", c.content,
                                                       re.S):
                continue  # the export's own header comment, closed once
            assert c.type not in ("image", "html_inline", "html_block"), (c.type, c.content)
            if c.type == "link_open":
                assert is_web_url(c.attrGet("href")), c.attrGet("href")
    # a GFM viewer's autolinks: no written URL left linkable
    assert "http://host" not in md_text and "http://evil" not in md_text
    doc = assert_safe_html(markdown_html(md_text))
    text = "".join(doc.text)
    for s in shown:
        assert s in text, s


def test_markdown_exports_show_cells_as_text(hostile_view, kg_cli, hostile_source):
    from kg.export import export

    assert_safe_markdown(export(hostile_view, "markdown"), EFFECTIVENESS, LIMITATION, METHOD)
    assert_safe_markdown(export(hostile_view, "paragraph-md"), EFFECTIVENESS, METHOD)
    for extra in ([], ["--canonical"]):
        r = kg_cli("table", "attacks", "--source", str(hostile_source), *extra)
        assert r.exit_code == 0
        assert_safe_markdown(r.output, EFFECTIVENESS, LIMITATION)
        r = kg_cli("table", "defenses", "--source", str(hostile_source), *extra)
        assert_safe_markdown(r.output, METHOD)


def test_html_table_shows_cells_as_text(kg_cli, hostile_source):
    for name, shown in (("attacks", [EFFECTIVENESS, LIMITATION]), ("defenses", [METHOD])):
        for extra in ([], ["--canonical"]):
            r = kg_cli("table", name, "--source", str(hostile_source), "--format", "html",
                       *extra)
            assert r.exit_code == 0
            doc = assert_safe_html(r.output)
            text = "".join(doc.text)
            for s in shown:
                assert s in text, (name, extra, s)
            assert any(tag == "a" for tag, _ in doc.tags)  # real links stay links


def _latex_body(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("%")]


@pytest.mark.parametrize("fmt", ["latex", "paragraph"])
def test_latex_exports_escape_cells(hostile_view, fmt):
    from kg.export import export

    text = export(hostile_view, fmt)
    body = "\n".join(_latex_body(text))
    assert "\\textbackslash{}input\\{/etc/passwd\\}" in body
    assert re.search(r"(?<!\\textbackslash\{\})\\input", body) is None
    from kg.export.latex import escape

    for cell in (EFFECTIVENESS, LIMITATION, METHOD):
        assert escape(cell) in body, cell
    for line in _latex_body(text):  # a '%' in the text would comment out the rest
        assert re.search(r"(?<!\\)%", line) is None, line
    for url in re.findall(r"\\href\{([^}]*)\}", body):
        assert is_web_url(url.replace("\\%", "%").replace("\\#", "#")), url
    assert "javascript" not in "".join(re.findall(r"\\href\{[^}]*\}", body))
    unescaped = re.sub(r"\\[{}]", "", body)  # \{ and \} are text in LaTeX
    assert unescaped.count("{") == unescaped.count("}")


def test_latex_href_only_for_web_urls_with_percent_and_hash_escaped():
    from kg.export.latex import _code

    assert _code(("https://x.org/a%20b#c",)) == "\\href{https://x.org/a\\%20b\\#c}{code}"
    assert _code(("javascript:alert(1)",)) == "--"
    assert _code(("javascript:alert(1)", "https://x.org/r")) == "\\href{https://x.org/r}{code}"


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_csv_exports_never_start_a_formula(hostile_view, kg_cli, hostile_source):
    from kg.export import export

    rows = _csv_rows(export(hostile_view, "csv"))
    _assert_no_formula(rows)
    header = rows[0]
    lim = next(r for r in rows if r[header.index("kind")] == "attack"
               and r[header.index("limitation")].startswith("'="))
    assert lim[header.index("limitation")] == "'" + LIMITATION
    for words in ([], ["--canonical"]):
        r = kg_cli("table", "attacks", "--source", str(hostile_source), "--format", "csv", *words)
        rows = _csv_rows(r.output)
        _assert_no_formula(rows)
        assert any(cell == "'" + LIMITATION for row in rows for cell in row)


def test_csv_cell_helper():
    from kg.markup import csv_cell

    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(bad) == "'" + bad
    for ok in ("x=1", "", "0.99 AUC", None, 3):
        assert csv_cell(ok) == ("" if ok is None else str(ok))


def test_bibtex_keeps_every_entry_whole(hostile_view):
    from kg.export import export

    text = export(hostile_view, "bibtex")
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks, [b.error for b in lib.failed_blocks]
    assert [e.key for e in lib.entries] == [p.key for p in hostile_view.papers]
    mine = next(p for p in hostile_view.papers if p.title == TITLE)
    entry = next(e for e in lib.entries if e.key == mine.key)
    title = entry.fields_dict["title"].value
    assert "\\textbraceright{}" in title and "\\textbraceleft{}\\textbraceleft{}" in title
    assert "\\%Models" in title
    # braces balance inside every entry (BibTeX counts them, even after a backslash)
    entries = re.findall(r"^@.*?^\}$", text, re.M | re.S)
    assert len(entries) == len(lib.entries)
    for block in entries:
        assert block.count("{") == block.count("}"), block


def test_bibtex_title_with_unbalanced_braces():
    from kg.export.bibtex import escape, protect_title

    for title in ("A } B", "A { B", "}}{{", "a \\} b", "{MIA} attacks"):
        for f in (escape, protect_title):
            out = f(title)
            depth = 0
            for c in out:
                depth += {"{": 1, "}": -1}.get(c, 0)
                assert depth >= 0, out
            assert depth == 0, out


def test_figures_labels_are_text(hostile_view):
    from kg.export import export

    mermaid = export(hostile_view, "mermaid")
    body = "\n".join(line for line in mermaid.splitlines() if not line.startswith("%%"))
    assert "<img" not in body and "#60;img src=x onerror=alert(2)#62;" in body
    assert re.sub(r"<br/>", "", body).count("<") == 0
    dot = export(hostile_view, "dot")
    assert '\\\\input{/etc/passwd}' in dot  # a DOT string: the backslash doubled


# ------------------------------------------------------------------ the app

def _clear_app_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def hostile_app(monkeypatch, hostile_source, tmp_path):
    monkeypatch.setenv("KG_SOURCE", str(hostile_source))
    monkeypatch.setenv("KG_BUILD_DIR", str(tmp_path / "no-build"))
    monkeypatch.setenv("KG_STORE", "memory")
    _clear_app_caches()
    yield
    _clear_app_caches()


def _markdown_of(at) -> list[str]:
    """Every piece of Markdown the page hands the browser."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(e.label) for e in at.expander]
    return out


@slow
def test_entity_page_shows_hostile_cells_as_text(hostile_app, hostile_store):
    from streamlit.testing.v1 import AppTest

    from kg.app import entity as app_entity
    from kg.app import names

    attack = next(e.ref for e in names.entities(hostile_store, "Attack")
                  if any(f.value == EFFECTIVENESS
                         for f in app_entity.entity_page(hostile_store, e.ref).facts))
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "ui" / "app.py"),
                           default_timeout=120)
    at.switch_page("views/entity.py")
    at.query_params["node"] = attack
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert EFFECTIVENESS in [t.value for t in at.text]  # shown as text
    for md in _markdown_of(at):
        assert_safe_markdown(md)
    cells = next(d.value for d in at.dataframe if "cell text" in d.value.columns)
    assert EFFECTIVENESS in set(cells["cell text"]) and LIMITATION in set(cells["cell text"])


@slow
def test_coverage_page_shows_hostile_cells_as_text(hostile_app, hostile_store):
    from streamlit.testing.v1 import AppTest

    from kg.app import coverage as app_coverage

    table = app_coverage.coverage_table(hostile_store, "model", "model")
    cell = next(c for c in table.cells if c["threat"] == "Training data extraction"
                and c["column"] == "DDPM")
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "ui" / "app.py"),
                           default_timeout=120)
    at.switch_page("views/coverage.py")
    at.run()
    at.selectbox(key="cov_threat_model_model").set_value(cell["threat"]).run()
    at.selectbox(key="cov_col_model_model").set_value(cell["column"]).run()
    assert not at.exception, [e.value for e in at.exception]
    mds = _markdown_of(at)
    for md in mds:
        assert_safe_markdown(md)
    shown = "\n".join("".join(Elements(markdown_html(m)).text) for m in mds)
    assert EFFECTIVENESS in shown and LIMITATION in shown and METHOD in shown


# ------------------------------------------------------------------ settings and options

Q = "SELECT * WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("args, needle", [
    (["--limit", "-3"], "--limit=-3"), (["--limit", "0"], "--limit=0"),
    (["--limit", "abc"], "--limit='abc'"), (["--limit", "1.5"], "--limit='1.5'"),
    (["--timeout", "nan"], "--timeout=nan"), (["--timeout", "inf"], "--timeout=inf"),
    (["--timeout", "-1"], "--timeout=-1"), (["--timeout", "0"], "--timeout=0"),
    (["--timeout", "soon"], "--timeout='soon'"),
])
def test_sparql_options_are_checked(kg_cli, args, needle):
    one_line_error(kg_cli("sparql", Q, *args), "error:", needle)


def test_sparql_limit_is_honoured(kg_cli):
    r = kg_cli("sparql", Q, "--limit", "2", "--timeout", "30", "--format", "csv")
    assert r.exit_code == 0 and len(r.output.strip().splitlines()) == 3  # header + 2


@pytest.mark.parametrize("env, value", [
    ("KG_ROW_LIMIT", "abc"), ("KG_ROW_LIMIT", "-3"), ("KG_ROW_LIMIT", "0"),
    ("KG_QUERY_TIMEOUT", "abc"), ("KG_QUERY_TIMEOUT", "nan"), ("KG_QUERY_TIMEOUT", "inf"),
    ("KG_QUERY_TIMEOUT", "-1"),
])
@pytest.mark.parametrize("command", [["sparql", Q], ["export", "view", "-f", "csv"]])
def test_numeric_settings_are_checked(kg_cli, monkeypatch, env, value, command):
    monkeypatch.setenv(env, value)
    one_line_error(kg_cli(*command), "error:", env)


def test_settings_number():
    from kg import settings
    from kg.errors import SettingError

    assert settings.number("row_limit") == int(settings.get("row_limit"))
    assert settings.seconds(" 2.5 ", "X") == 2.5
    for bad in ("nan", "inf", "-inf", "0", "-1", "1e400", "", "x"):
        with pytest.raises(SettingError, match="X="):
            settings.seconds(bad, "X")
    for bad in ("1.0", "-1", "0", "", "x", "1e3", str(10**12)):
        with pytest.raises(SettingError, match="X="):
            settings.whole_number(bad, "X")


def test_output_path_must_be_writable(kg_cli, tmp_path):
    missing = tmp_path / "missing" / "x.csv"
    one_line_error(kg_cli("export", "view", "-f", "csv", "-o", str(missing)),
                   "cannot write", "does not exist")
    assert not missing.parent.exists()
    one_line_error(kg_cli("export", "view", "-f", "csv", "-o", str(tmp_path)),
                   "is a directory")
    a_file = tmp_path / "file"
    a_file.write_text("x")
    one_line_error(kg_cli("export", "view", "-f", "csv", "-o", str(a_file / "x.csv")),
                   "is not a directory")
    one_line_error(kg_cli("export", "view", "-f", "all", "-o", str(a_file)),
                   "not a directory")
    assert a_file.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only directory")
def test_output_into_a_read_only_directory(kg_cli, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        one_line_error(kg_cli("export", "view", "-f", "csv", "-o", str(ro / "x.csv")),
                       "not writable")
        assert not any(ro.iterdir())
    finally:
        ro.chmod(0o755)


@pytest.mark.parametrize("umask, mode", first_fast([(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)]))
def test_exports_get_the_normal_file_mode(kg_cli, tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        one = tmp_path / "rows.csv"
        assert kg_cli("export", "view", "-f", "csv", "-o", str(one)).exit_code == 0
        assert one.stat().st_mode & 0o777 == mode
        bundle = tmp_path / "bundle"
        r = kg_cli("export", "view", "--paper", "carlini2023extracting", "-f", "all",
                   "-o", str(bundle))
        assert r.exit_code == 0, r.output
        files = [p for p in bundle.iterdir() if p.is_file() and not p.name.startswith(".")]
        assert len(files) == 15 and {p.stat().st_mode & 0o777 for p in files} == {mode}
    finally:
        os.umask(old)


def test_markdown_escapes_only_what_markdown_needs():
    """Text reads well as text (no "\\(") and still never renders as markup: no link,
    image, emphasis, heading or list item from a cell."""
    from markdown_it import MarkdownIt

    from kg.markup import md_text

    assert md_text("row(s) of 1.5 AUC (!)") == "row(s) of 1.5 AUC (!)"
    md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    for hostile in ["[x](https://e.org)", "![i](https://e.org/i.png)", "*em* _em_ `c`",
                    "# heading", "1. item", "- item", "> quote", "<b>x</b>", "a | b", "~~s~~",
                    "+ item", "https://e.org", "&amp;"]:
        tokens = [t for t in md.parse(md_text(hostile)) if t.children]
        kinds = {c.type for t in tokens for c in t.children}
        assert kinds <= {"text", "softbreak"}, (hostile, kinds)
        assert md.parse(md_text(hostile))[0].type == "paragraph_open", hostile
