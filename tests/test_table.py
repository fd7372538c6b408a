"""The survey tables regenerated from the graph equal the source, cell by cell."""

from __future__ import annotations

import json

import pytest

from kg.graph import build_graph
from kg.ingest import parse_survey
from kg.stores.memory import MemoryStore
from kg.survey import ATTACKS, DEFENSES
from kg.table import render, table_rows

from .oracle import ROWS, Aliases

SURVEY_ROWS = json.loads(ROWS.read_text(encoding="utf-8"))


def expected_rows(name: str) -> list[dict]:
    """The source table as the independent reading (tests/fixtures/survey_rows.json: the
    standard library's HTML parser, not kg.ingest) gives it, through the alias file read as
    plain YAML (tests/oracle.Aliases), lists split at commas."""
    al = Aliases()

    def canon(kind: str, text: str) -> str:
        return al.resolve(kind, text) or text

    def split(text: str) -> list[str]:
        return [p.strip() for p in text.split(",") if p.strip()]

    out = []
    for row in SURVEY_ROWS[name]["rows"]:
        c = row["cells"]
        d = {
            "Ref.": c["Ref."]["text"],
            "Target Models": sorted(canon("models", m) for m in split(c["Target Models"]["text"])),
            "Effectiveness": c["Effectiveness"]["text"],
            "Paper URL": c["Ref."]["links"][0] if c["Ref."]["links"] else None,
            "Code URL": c["Code"]["links"][0] if c["Code"]["links"] else None,
        }
        if name == ATTACKS:
            d["Category"] = c["Category"]["text"]
            d["Attacker's knowledge"] = sorted(
                canon("knowledge", k) for k in split(c["Attacker's knowledge"]["text"]))
            d["Limitations"] = c["Limitations"]["text"]
        else:
            d["Threats"] = c["Threats"]["text"]
            d["Key Methods"] = canon("methods", c["Key Methods"]["text"])
        out.append(d)
    return out


@pytest.mark.parametrize("name", [ATTACKS, DEFENSES])
def test_regenerated_table_equals_source_cell_by_cell(store, name):
    got = table_rows(store, name)
    want = expected_rows(name)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want, strict=True), start=1):
        for col in w:
            assert g[col] == w[col], f"{name} row {i} column {col!r}"
        assert set(g) == set(w)


def test_json_keys_are_the_survey_headers(kg_cli):
    r = kg_cli("table", "attacks", "--json", "--canonical")
    assert r.exit_code == 0
    rows = json.loads(r.output)["rows"]
    assert list(rows[0]) == ["Category", "Ref.", "Attacker's knowledge", "Target Models",
                             "Effectiveness", "Limitations", "Paper URL", "Code URL"]
    r = kg_cli("table", "defenses", "--format", "json", "--canonical")
    assert list(json.loads(r.output)["rows"][0])[:3] == ["Threats", "Ref.", "Key Methods"]
    # the default (the survey's words): cells keyed by the survey's headers, Code included
    rows = json.loads(kg_cli("table", "attacks", "--json").output)["rows"]
    assert list(rows[0]) == ["row", "source", "cells"]
    assert list(rows[0]["cells"]) == ["Category", "Ref.", "Attacker's knowledge",
                                      "Target Models", "Effectiveness", "Limitations", "Code"]


def test_html_view_round_trips_through_the_ingester(store):
    """Render both tables as HTML, parse them back as a survey, rebuild: same tables."""
    doc = "\n\n".join(
        render(table_rows(store, n), n, "html") for n in (ATTACKS, DEFENSES))
    # The regenerated HTML merges rowspans like the survey does.
    assert 'rowspan="7"' in doc and 'rowspan="11"' in doc
    again = MemoryStore(build_graph(parse_survey(doc, file="regenerated.html")))
    for n in (ATTACKS, DEFENSES):
        assert table_rows(again, n) == table_rows(store, n)


@pytest.mark.parametrize("fmt", ["md", "csv", "html"])
def test_other_formats(kg_cli, fmt):
    r = kg_cli("table", "defenses", "--format", fmt)
    assert r.exit_code == 0
    assert "PriSampler" in r.output and "ℓ2-regularization" in r.output
    assert r.output.count("\n") >= 17


def test_addition_rows_follow_the_survey_rows(example_additions, store):
    s, base = MemoryStore(example_additions[0]), store
    for n in (ATTACKS, DEFENSES):
        rows, before = table_rows(s, n), table_rows(base, n)
        assert rows[: len(before)] == before
        assert len(rows) > len(before)
        assert all(r["Ref."].startswith("Example:") for r in rows[len(before):])


# ------------------------------------------------------------------ the survey's own words

JS_TITLE = "Extracting Training Data from Diffusion Models"
JS_HREF = "https://www.usenix.org/conference/usenixsecurity23/presentation/carlini"


def survey_cells(name: str) -> list[dict]:
    """The independent reading of a survey table (tests/fixtures/survey_rows.json): per row,
    per header, the cell's text, links (sorted: the graph keeps no order) and the row it
    is written in."""
    return [{h: {"text": c["text"], "links": sorted(c["links"]),
                 "written_in_row": c["written_in_row"]} for h, c in row["cells"].items()}
            for row in SURVEY_ROWS[name]["rows"]]


@pytest.mark.parametrize("name", [ATTACKS, DEFENSES])
def test_json_is_the_survey_cell_for_cell(kg_cli, name):
    """`kg table NAME --json` (the default wording) equals the survey as the independent
    reading gives it: every row, every column, text and links, rowspans expanded."""
    r = kg_cli("table", name, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    table = SURVEY_ROWS[name]
    assert doc["table"] == name and doc["words"] == "survey"
    assert doc["headers"] == table["headers"]
    rows = doc["rows"]
    assert [row["row"] for row in rows] == [row["row"] for row in table["rows"]]
    assert [row["source"] for row in rows] == [f"{name} table, row {row['row']}"
                                               for row in table["rows"]]
    want = survey_cells(name)
    assert len(rows) == len(want)
    for i, (got, w) in enumerate(zip(rows, want, strict=True), start=1):
        assert list(got["cells"]) == table["headers"], f"{name} row {i}"
        for h in table["headers"]:
            assert got["cells"][h] == w[h], f"{name} row {i} column {h!r}"
    # rowspan-carried cells appear in every row they span
    carried = [(i, h) for i, row in enumerate(want, start=1)
               for h, c in row.items() if c["written_in_row"] != i]
    assert len(carried) > 10
    # --format json prints the same
    assert json.loads(kg_cli("table", name, "--format", "json").output) == doc


def test_survey_words_not_canonical_labels(kg_cli):
    """By default the survey's abbreviations; --canonical prints the graph's labels."""
    rows = json.loads(kg_cli("table", "attacks", "--json").output)["rows"]
    models = [r["cells"]["Target Models"]["text"] for r in rows]
    assert "LDM, DALL-E mini" in models and "SD, LDM, DDPM" in models
    md = kg_cli("table", "attacks").output
    assert "| LDM, DALL-E mini |" in md and "Latent diffusion model" not in md
    assert md.splitlines()[0] == ("| Category | Ref. | Attacker's knowledge | Target Models "
                                  "| Effectiveness | Limitations | Code |")

    canon_rows = json.loads(kg_cli("table", "attacks", "--json", "--canonical").output)["rows"]
    assert any("Latent diffusion model" in r["Target Models"] for r in canon_rows)
    assert not any("LDM" in r["Target Models"] for r in canon_rows)
    assert "Latent diffusion model" in kg_cli("table", "attacks", "--canonical").output


def test_canonical_is_todays_output(kg_cli, store):
    """--canonical prints the canonical rows exactly as render(table_rows(...)) does."""
    for name in (ATTACKS, DEFENSES):
        for fmt in ("md", "html", "csv", "json"):
            got = kg_cli("table", name, "--format", fmt, "--canonical").output
            want = render(table_rows(store, name), name, fmt)
            if fmt == "json":  # the command's JSON leads with its schema number
                assert json.loads(got) == {"schema": 1, **json.loads(want)}, name
            else:
                assert got == want, (name, fmt)


def test_survey_html_round_trips_through_the_ingester(kg_cli, survey):
    """`kg table NAME --format html` parsed back by parse_survey gives the survey's cells,
    links and rowspans (the same row each cell is written in)."""
    html_tables = {n: kg_cli("table", n, "--format", "html").output for n in (ATTACKS, DEFENSES)}
    doc = (f"# {survey.title}\n\n## Attacks\n\n{html_tables[ATTACKS]}\n"
           f"## Defenses\n\n{html_tables[DEFENSES]}")
    again = parse_survey(doc, file="regenerated.md")
    for n in (ATTACKS, DEFENSES):
        assert again.tables[n].headers == survey.tables[n].headers
        assert _ingested(again.tables[n]) == _ingested(survey.tables[n]), n
    assert '<a href="https://github.com/jinhaoduan/SecMI">code</a>' in html_tables[ATTACKS]


def _ingested(table) -> list[dict]:
    """A table as kg.ingest reads it (the round trip goes through the ingester)."""
    return [{h: (c.text, sorted(c.links), c.written_in_row) for h, c in row.cells.items()}
            for row in table.rows]


@pytest.mark.parametrize("fmt", ["md", "csv"])
def test_survey_formats_carry_text_and_links(kg_cli, survey, fmt):
    out = kg_cli("table", "defenses", "--format", fmt).output
    for row in survey.tables[DEFENSES].rows:
        for c in row.cells.values():
            assert c.text in out.replace("\\", "")
            for link in c.links:
                assert link in out
    if fmt == "md":
        assert f"[{JS_TITLE}](https://www.usenix.org/system/files/usenixsecurity23-carlini.pdf)" in out
        assert out.count("\n") == len(survey.tables[DEFENSES].rows) + 2
    else:
        assert out.splitlines()[0] == ("Threats,Ref.,Ref. links,Key Methods,Target Models,"
                                       "Effectiveness,Code,Code links")


def test_survey_words_on_oxigraph(graph, store):
    """The same survey cells from an embedded Oxigraph store as from rdflib."""
    from kg.stores.oxigraph import OxigraphStore
    from kg.table import survey_rows

    ox = OxigraphStore()
    ox.load(graph)
    for n in (ATTACKS, DEFENSES):
        assert survey_rows(ox, n) == survey_rows(store, n)


def test_survey_words_with_additions(survey, example_additions, store):
    """Addition rows (no survey words) follow the survey rows, written from the graph."""
    from kg.table import survey_rows

    s, base = MemoryStore(example_additions[0]), store
    rows, before = survey_rows(s, ATTACKS), survey_rows(base, ATTACKS)
    assert rows[: len(before)] == before
    extra = rows[len(before):]
    assert len(extra) == 1 and extra[0]["row"] is None
    assert extra[0]["source"].endswith("example.yaml: mia-attack-example")
    cells = extra[0]["cells"]
    assert list(cells) == list(survey.tables[ATTACKS].headers)
    assert cells["Ref."]["links"] == ["https://example.org/papers/loss-trajectory-mia"]
    assert cells["Code"] == {"text": "code", "links": ["https://github.com/example/loss-trajectory-mia"],
                             "written_in_row": None}
    html = render(rows, ATTACKS, "html", words="survey")
    assert '<a href="https://example.org/papers/loss-trajectory-mia">Example:' in html


@pytest.fixture
def hostile_survey(survey_text, tmp_path):
    """The survey with Markdown / HTML special characters in a cell's text. (Its links
    stay: a javascript: href no longer builds, see tests/test_hardening_data.py.)"""
    lim = "Explainability of regenerating parts of their training datasets"
    assert survey_text.count(lim) == 1
    text = survey_text.replace(lim, "a &lt;script&gt; | *b* [c](d) &amp; e_f")
    p = tmp_path / "hostile-survey.md"
    p.write_text(text, encoding="utf-8")
    return p


def _with_hrefs(graph, replace: dict[str, str]):
    """A copy of ``graph`` with some link IRIs replaced: a graph that did not come
    through kg build (kg load --graph, an endpoint) may hold any IRI."""
    from rdflib import Graph, URIRef

    g = Graph()
    for s, p, o in graph:
        if isinstance(o, URIRef) and str(o) in replace:
            o = URIRef(replace[str(o)])
        g.add((s, p, o))
    return g


def test_cell_text_is_text_in_md_and_html(kg_cli, hostile_survey):
    src = str(hostile_survey)
    md = kg_cli("table", "attacks", "--source", src).output
    assert "| a \\<script\\> \\| \\*b\\* \\[c\\](d) \\& e\\_f |" in md
    html = kg_cli("table", "attacks", "--source", src, "--format", "html").output
    assert "<td>a &lt;script&gt; | *b* [c](d) &amp; e_f</td>" in html
    assert "<script>" not in html


def test_non_web_links_in_a_graph_are_text_not_links(graph):
    """A javascript: href on a Ref. cell and a JavaScript: one on a Code cell, in a graph
    that did not come through kg build: every rendered table shows the text, no link."""
    from kg.table import survey_rows

    code = "https://github.com/jinhaoduan/SecMI"
    s = MemoryStore(_with_hrefs(graph, {JS_HREF: "javascript:alert(1)",
                                        code: "JavaScript:alert(2)"}))
    rows = survey_rows(s, ATTACKS)
    md = render(rows, ATTACKS, "md", words="survey")
    assert "javascript" not in md.lower()
    assert f"| {JS_TITLE} |" in md  # plain text, no link
    html = render(rows, ATTACKS, "html", words="survey")
    assert "javascript" not in html.lower()
    assert f"<td>{JS_TITLE}</td>" in html
    assert html.count(f'href="{code}"') == 0
    # the canonical views do not link them either
    canonical = table_rows(s, ATTACKS)
    for fmt in ("md", "html"):
        assert "javascript" not in render(canonical, ATTACKS, fmt).lower(), fmt
    # JSON is data: it carries the cells' hrefs as the graph keeps them
    assert rows[0]["cells"]["Ref."] == {"text": JS_TITLE, "links": ["javascript:alert(1)"],
                                        "written_in_row": 1}


def test_link_helpers():
    from kg.table import html_link, md_link, web_link

    for ok in ("https://arxiv.org/abs/2301.13188", "HTTP://example.org", "https://x.org/a?b=(c)"):
        assert web_link(ok), ok
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)", " https://x.org", "data:text/html,x",
                "//evil.org", "https://", "https:///path", "ftp://x.org", "mailto:a@b.org",
                "https://x.org/\nb", "", None, "vbscript:x", "https://x.org/a?b=(c)|d",
                "https://x.org/a b", "https://x/a}b"):
        assert not web_link(bad), bad
    assert md_link("a|b", "https://x.org/a(b)c") == "[a\\|b](https://x.org/a%28b%29c)"
    assert md_link("t", "javascript:x") == "t"
    assert html_link("<t>", "https://x.org/?a='b'&c") == (
        '<a href="https://x.org/?a=&#x27;b&#x27;&amp;c">&lt;t&gt;</a>')
    assert html_link("<t>", 'https://x.org/?a="b"') == "&lt;t&gt;"  # '"' is not URL text
    assert html_link("<t>", "javascript:x") == "&lt;t&gt;"
