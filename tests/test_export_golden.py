"""Golden files for every text format on one fixed view (black-box membership inference
on Stable Diffusion and the defenses evaluated there).

Regenerate only on purpose:  KG_UPDATE_GOLDENS=1 pytest tests/test_export_golden.py
Compared by bytes once the version stamp is masked (it changes whenever any source
changes; test_export_views checks it), and RDF by meaning (rdflib isomorphism). SVG and
PDF are not golden: their bytes depend on the Graphviz build (the DOT golden fixes the
figure's content; test_export_formats checks the rendered files).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.export import FORMATS, export, make_view, view_spec

GOLDEN = Path(__file__).parent / "golden" / "export"
UPDATE = os.environ.get("KG_UPDATE_GOLDENS") == "1"
TEXT_FORMATS = [f for f in FORMATS if f not in ("svg", "pdf", "zip")]
RDF_FORMATS = {"turtle": "turtle", "jsonld": "json-ld"}


def mask(text: str) -> str:
    text = re.sub(r"graph version: [^\"\n<]*", "graph version: <version>", text)
    return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)


@pytest.fixture(scope="module")
def view(store):
    return make_view(store, view_spec(store, threats=["Membership inference"],
                                      knowledge=["Black-box"], models=["Stable Diffusion"]))


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_golden(view, fmt):
    path = GOLDEN / FORMATS[fmt].file_name
    text = export(view, fmt)
    assert isinstance(text, str)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(mask(text), encoding="utf-8")
    assert path.exists(), f"no golden file {path}; create it with KG_UPDATE_GOLDENS=1"
    golden = path.read_text(encoding="utf-8")
    if fmt in RDF_FORMATS:
        a = Graph().parse(data=golden, format=RDF_FORMATS[fmt])
        b = Graph().parse(data=text, format=RDF_FORMATS[fmt])
        assert isomorphic(a, b), f"{fmt}: the subgraph differs from {path}"
    else:
        assert mask(text) == golden, (
            f"{fmt} differs from {path}; if the change is intended, regenerate with "
            "KG_UPDATE_GOLDENS=1")


def test_goldens_cover_every_text_format():
    names = {p.name for p in GOLDEN.iterdir() if p.is_file()}
    assert names == {FORMATS[f].file_name for f in TEXT_FORMATS}


@pytest.mark.parametrize("fmt", ["paragraph", "paragraph-md"])
def test_golden_whole_survey_paragraph(store, fmt):
    """The related-work prose for the whole survey, kept to be read (issue 19): a change
    in any template or phrasing rule shows up here as a diff of sentences."""
    whole = make_view(store, view_spec(store))
    path = GOLDEN / "survey" / FORMATS[fmt].file_name
    text = mask(export(whole, fmt))
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; create it with KG_UPDATE_GOLDENS=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{fmt} of the whole survey differs from {path}; if intended, regenerate with "
        "KG_UPDATE_GOLDENS=1")
