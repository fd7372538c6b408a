"""The bounded --json paths (issue 17): a page of the coverage matrix (kg.coverage.page) and
gaps with capped evidence (find_gaps evidence_limit) have the same cells, gaps and counts as
the full computations; the lists are cut, the totals are right, and the cut is said."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from kg.coverage import gaps as gaps_mod
from kg.coverage.cells import matrix
from kg.coverage.page import page
from kg.stores.memory import MemoryStore
from kg.synthetic import generate_graph
from tests.tiers import first_fast, slow

VIEWS = [("model", "model"), ("model", "family"), ("knowledge", "model"), ("defense", "model")]


@pytest.fixture(scope="module")
def synthetic():
    return MemoryStore(generate_graph(100, seed=3))


@pytest.fixture(scope="module")
def full_gaps(store):
    return gaps_mod.find_gaps(store)


def _same_page(full: dict, got: dict, items: int) -> None:
    """``got`` (a page) is ``full`` (the whole matrix) with its lists cut at ``items``."""
    assert got["rows"] == full["rows"] and got["columns"] == full["columns"]
    assert [(c["threat"], c["column"]) for c in got["cells"]] == \
        [(c["threat"], c["column"]) for c in full["cells"]]
    cut = 0
    for a, b in zip(full["cells"], got["cells"], strict=True):
        for k in ("attacks", "defenses", "papers"):
            assert b[f"{k}_total"] == a[f"{k}_total"] == len(a[k])
            assert all(x in a[k] for x in b[k]), k  # each listed item is the matrix's item
        assert len(b["attacks"]) == min(items, len(a["attacks"]))
        assert len(b["defenses"]) == min(items, len(a["defenses"]))
        assert b["truncated"] == (len(b["attacks"]) + len(b["defenses"])
                                  < len(a["attacks"]) + len(a["defenses"]))
        cut += b["truncated"]
    assert got["truncated_cells"] == cut and got["cells_total"] == full["cells_total"]
    assert [(u["threat"], u["defenses_total"]) for u in got["unknown"]] == \
        [(u["threat"], len(u["defenses"])) for u in full["unknown"]]
    for a, b in zip(full["unknown"], got["unknown"], strict=True):
        assert all(x in a["defenses"] for x in b["defenses"]) and len(b["defenses"]) == \
            min(items, len(a["defenses"])) and b["truncated"] == (len(b["defenses"]) < len(a["defenses"]))


@pytest.mark.parametrize("by,level", first_fast(VIEWS))
def test_page_of_the_survey_matrix(store, by, level):
    full = matrix(store, by, level).as_dict()
    assert page(store, by, level, items=10**6, cells=10**6).as_dict() == \
        {**full, "items_limit": 10**6}  # nothing cut: the whole matrix, key for key
    got = page(store, by, level, items=1).as_dict()
    _same_page(full, got, 1)
    assert got["items_limit"] == 1 and got["truncated_cells"] == sum(
        1 for c in full["cells"] if max(len(c["attacks"]), len(c["defenses"])) > 1)


@pytest.mark.parametrize("by,level", first_fast(VIEWS))
def test_page_of_a_synthetic_matrix(synthetic, by, level):
    full = matrix(synthetic, by, level).as_dict()
    _same_page(full, page(synthetic, by, level, items=3, cells=10**6).as_dict(), 3)


def test_cells_past_the_limit_keep_their_counts(synthetic):
    full = matrix(synthetic, "defense").as_dict()
    got = page(synthetic, "defense", items=5, cells=4).as_dict()
    assert got["cells_listed"] == 4 and got["cells_total"] == len(full["cells"]) > 4
    for i, (a, b) in enumerate(zip(full["cells"], got["cells"], strict=True)):
        assert (b["attacks_total"], b["defenses_total"], b["papers_total"]) == \
            (len(a["attacks"]), len(a["defenses"]), len(a["papers"]))
        assert b["items_listed"] == (i < 4)
        if i >= 4:
            assert b["attacks"] == b["defenses"] == [] and b["truncated"]


def _same_gaps(full: list, cut: list, limit: int) -> int:
    """The same gaps and reasons; each cut evidence list a part of the full one, of at most
    ``limit`` pieces per kind, with the full list's counts. Returns how many were cut."""
    assert [(g.key, g.reason) for g in cut] == [(g.key, g.reason) for g in full]
    n = 0
    for a, b in zip(full, cut, strict=True):
        da, db = a.as_dict(), b.as_dict()
        kinds = Counter(e["kind"] for e in da["evidence"])
        assert da["evidence_counts"] == db["evidence_counts"] == dict(sorted(kinds.items()))
        assert da["evidence_total"] == db["evidence_total"] == len(da["evidence"])
        assert not da["evidence_truncated"]
        assert all(e in da["evidence"] for e in db["evidence"])
        capped = ("attack", "family_defense", "unknown_knowledge")  # a code gap's few: all
        assert all(v <= limit for k, v in Counter(e["kind"] for e in db["evidence"]).items()
                   if k in capped)
        assert db["evidence_truncated"] == (len(db["evidence"]) < len(da["evidence"]))
        n += db["evidence_truncated"]
    return n


def test_capped_gaps_of_the_survey(store, full_gaps):
    assert _same_gaps(full_gaps, gaps_mod.find_gaps(store, evidence_limit=1), 1) > 0
    assert _same_gaps(full_gaps, gaps_mod.find_gaps(store, evidence_limit=10**6), 10**6) == 0


@slow
def test_capped_gaps_of_a_synthetic_graph(synthetic):
    full = gaps_mod.find_gaps(synthetic)
    assert _same_gaps(full, gaps_mod.find_gaps(synthetic, evidence_limit=2), 2) > 0


def test_cli_json_says_what_is_cut(kg_cli, store, full_gaps):
    d = json.loads(kg_cli("gaps", "--json", "--evidence", "1").output)
    total, by_type = gaps_mod.totals(full_gaps)
    assert d["count"] == total == len(full_gaps) and d["summary"] == by_type
    assert d["evidence_limit"] == 1 and d["truncated_gaps"] == sum(
        g["evidence_truncated"] for g in d["gaps"]) > 0
    # papers without a code link past --limit: counted, not listed
    d = json.loads(kg_cli("gaps", "--json", "--limit", "3").output)
    assert d["count"] == total and d["listed"] == total - 8 and d["summary"] == by_type
    assert d["gaps"][-1]["evidence"] == [{"kind": "not_listed", "count": 8}]
    d = json.loads(kg_cli("coverage", "--json", "--by", "knowledge", "--items", "1").output)
    full = matrix(store, "knowledge").as_dict()
    _same_page(full, d, 1)
    help_text = kg_cli("coverage", "--help").output + kg_cli("gaps", "--help").output
    assert "--items" in help_text and "--cells" in help_text and "--evidence" in help_text
