"""The curated bibliography: every paper has an entry, unverified fields stay empty."""

from __future__ import annotations

import pytest
import yaml
from rdflib import RDF
from rdflib.namespace import DCTERMS

from kg.bibliography import empty_fields, load_bibliography
from kg.errors import SourceError
from kg.settings import DATA_DIR
from kg.vocab import RD


def test_every_paper_in_the_graph_has_an_entry_with_a_unique_key(graph):
    bib = load_bibliography()
    titles = [str(graph.value(p, DCTERMS.title)) for p in graph.subjects(RDF.type, RD.Paper)]
    missing = [t for t in titles if bib.for_title(t) is None]
    assert not missing
    assert len(set(bib.keys)) == len(bib.keys) == len(bib.entries)


def test_unverified_fields_are_empty_and_reported():
    bib = load_bibliography()
    report = empty_fields(bib.entries)
    assert report  # the file does leave fields empty
    for f in report:
        e = bib.get(f.key)
        if f.field != "peer_reviewed_venue":
            assert getattr(e, f.field) in (None, ())
        assert f.reason


def _write(tmp_path, mutate):
    data = yaml.safe_load((DATA_DIR / "bibliography.yaml").read_text(encoding="utf-8"))
    mutate(data["papers"])
    p = tmp_path / "bib.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


@pytest.mark.parametrize("mutate,needle", [
    (lambda ps: ps[0].update(doi="10.0000/guessed"), "listed as unverified but filled"),
    (lambda ps: ps[1].update(key=ps[0]["key"]), "duplicate key"),
    (lambda ps: ps[0].update(sources=[]), "names no source"),
    (lambda ps: ps[0].update(entry_type="book"), "entry_type"),
])
def test_loader_refuses_bad_entries(tmp_path, mutate, needle):
    with pytest.raises(SourceError) as e:
        load_bibliography(_write(tmp_path, mutate))
    assert needle in str(e.value) and "bib.yaml" in str(e.value)
