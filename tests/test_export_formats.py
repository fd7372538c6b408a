"""Each format through its real consumer: bibtexparser, networkx, rdflib, an XML parser,
Graphviz `dot`, the csv module. (pdflatex + bibtex: test_export_latex.py.)"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import bibtexparser
import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.export import FORMATS, export, make_view, view_spec, write_bundle
from kg.export.graphml import to_networkx
from kg.export.latex import escape


@pytest.fixture(scope="module")
def view(store):
    return make_view(store, view_spec(store, threats=["Membership inference"],
                                      knowledge=["Black-box"], models=["Stable Diffusion"]))


@pytest.fixture(scope="module")
def whole(store):
    return make_view(store, view_spec(store))


def require(binary: str) -> str:
    exe = shutil.which(binary)
    if exe is None:
        pytest.fail(f"{binary!r} is not installed: run `bash scripts/install.sh --test` "
                    "(installs graphviz and TeX Live)")
    return exe


@pytest.mark.parametrize("fixture", ["view", "whole"])
def test_bibtex_parses_with_expected_keys(request, fixture):
    v = request.getfixturevalue(fixture)
    lib = bibtexparser.parse_string(export(v, "bibtex"))
    assert lib.failed_blocks == []
    assert [e.key for e in lib.entries] == [p.key for p in v.papers]
    for e, p in zip(lib.entries, v.papers, strict=True):
        assert p.entry is not None
        assert e.fields_dict["year"].value == str(p.entry.year)
        assert e.fields_dict["author"].value.count(" and ") == len(p.entry.authors) - 1
        for name in p.entry.unverified:  # an unverified field is never written
            assert name not in e.fields_dict


def test_bibtex_of_the_whole_taxonomy_cites_every_paper(whole):
    assert len(whole.papers) == len({p.iri for p in whole.papers}) == 19


@pytest.mark.parametrize("fixture", ["view", "whole"])
def test_turtle_and_jsonld_parse_back_isomorphic(request, fixture):
    v = request.getfixturevalue(fixture)
    for fmt, parser in (("turtle", "turtle"), ("jsonld", "json-ld")):
        g = Graph().parse(data=export(v, fmt), format=parser)
        assert len(g) == len(v.graph)
        assert isomorphic(g, v.graph), fmt
    assert json.loads(export(v, "jsonld"))["_comment"][2].startswith("graph sha256: ")


def test_graphml_reads_back_in_networkx(view):
    text = export(view, "graphml")
    G = nx.read_graphml(io.BytesIO(text.encode("utf-8")), force_multigraph=True)
    expected = to_networkx(view.graph)
    assert set(G.nodes) == set(expected.nodes)
    assert G.number_of_edges() == expected.number_of_edges()
    for n, attrs in expected.nodes(data=True):
        assert G.nodes[n] == attrs
    assert sorted(d["label"] for *_, d in G.edges(data=True)) == sorted(
        d["label"] for *_, d in expected.edges(data=True))
    assert G.graph["kg_graph_sha256"] == view.graph_sha256
    for a in view.attacks:
        assert G.nodes[str(a.iri)]["rd:effectiveness"] == a.effectiveness


def test_dot_is_accepted_by_graphviz(view, whole):
    dot = require("dot")
    for v in (view, whole):
        r = subprocess.run([dot, "-Tcanon"], input=export(v, "dot").encode(),
                           capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr.decode()
        for p in v.papers:
            assert f"paper:{p.key}" in r.stdout.decode()


def test_svg_is_well_formed_and_carries_the_header(view):
    require("dot")
    svg = export(view, "svg")
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for p in view.papers:
        assert p.key in texts
    meta = root.find("{http://www.w3.org/2000/svg}metadata")
    assert meta is not None and view.graph_sha256 in meta.text
    assert "--format svg" in meta.text


def test_pdf_is_a_pdf(view):
    require("dot")
    pdf = export(view, "pdf")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]


def test_mermaid_declares_every_node_it_links(view):
    text = export(view, "mermaid")
    lines = text.splitlines()
    assert all(line.startswith("%%") for line in lines[:4])
    body = lines[lines.index("flowchart LR") + 1:]
    declared = {m.group(1) for line in body if (m := re.match(r"\s+(\w+)[\[\(\{]", line))}
    linked = {x for line in body for x in re.findall(r"^\s+(\w+) -|\| (\w+)$", line)
              for x in x if x}
    assert linked and linked <= declared
    assert len(declared) == len(view.threats()) + len(view.papers) + len(view.models()) + len(
        view.methods())


def test_csv_rows_match_the_view(view):
    rows = list(csv.DictReader(io.StringIO(export(view, "csv"))))
    assert [r["citation_key"] for r in rows] == [
        r.paper.key for r in (*view.attacks, *view.defenses)]
    assert {r["kind"] for r in rows} == {"attack", "defense"}


def test_markdown_tables_cite_with_the_bibtex_keys(view):
    md = export(view, "markdown")
    assert md.startswith("<!--") and view.graph_sha256 in md
    rows = [line for line in md.splitlines() if line.startswith("| ") and "@" in line]
    assert len(rows) == len(view.attacks) + len(view.defenses)
    assert {k for k in re.findall(r"\[@([\w-]+)\]", md)} == {p.key for p in view.papers}


def test_paragraphs_group_by_threat_and_knowledge_and_cite_the_same_keys(view, whole):
    tex = export(whole, "paragraph")
    md = export(whole, "paragraph-md")
    cited_tex = {k for group in re.findall(r"\\cite\{([^}]*)\}", tex) for k in group.split(",")}
    cited_md = set(re.findall(r"(?:\[|; )@([\w-]+)", md.split("-->", 1)[1]))
    assert cited_tex == cited_md == {p.key for p in whole.papers}
    for threat in whole.threats():
        assert f"\\paragraph{{{threat}.}}" in tex and f"### {threat}" in md
    for level in ("black-box", "gray-box", "white-box"):  # the knowledge, in words
        assert f"{level} access" in tex or f"{level} setting" in tex
    for m in view.models():  # models are named
        assert m in export(view, "paragraph")


def test_every_export_starts_with_the_header_comment(view):
    starts = {"bibtex": "% ", "latex": "% ", "paragraph": "% ", "paragraph-md": "<!--",
              "markdown": "<!--", "dot": "// ", "mermaid": "%% ", "turtle": "# ",
              "graphml": "<!--", "jsonld": "{", "svg": "<?xml"}
    for fmt, start in starts.items():
        text = export(view, fmt)
        assert text.startswith(start), fmt
        assert view.graph_sha256 in text[:1500], fmt


def test_bundle_writes_every_format(tmp_path, view):
    require("dot")
    paths = write_bundle(view, tmp_path / "out")
    assert sorted(p.name for p in paths) == sorted(f.file_name for f in FORMATS.values())
    hidden = sorted(p.name for p in (tmp_path / "out").iterdir() if p.name.startswith("."))
    assert hidden[0] == ".lock" and len(hidden) == 2 and hidden[1].startswith(".v-")  # one set


@given(st.text(alphabet="ab &%$#_{}~^\\ℓ–—’“”…<>×", max_size=40))
def test_latex_escape_leaves_no_bare_special(text):
    out = escape(text)
    assert "ℓ" not in out and "–" not in out
    stripped = re.sub(r"\\(textbackslash|textasciitilde|textasciicircum|textless|textgreater"
                      r"|ldots|times|ell)\{?\}?|\\[&%$#_{}]|\$\\(ell|times)\$", "", out)
    assert not re.search(r"[&%#_{}~^\\]", stripped.replace("$", "")), out
