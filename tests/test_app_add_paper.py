"""The Add a paper page (issue 32): the form, the preview (rows, cells, tasks, coverage cells,
gaps), Confirm writing data/additions and rebuilding, the paper on its Entity page; off by
default, and then it refuses to write. Everything is written into temporary copies (the
survey, the additions directory, the build directory), never the checkout's data/."""

from __future__ import annotations

import shutil

import pytest

from kg.app import add_paper
from kg.errors import KGError
from tests.tiers import slow

from .conftest import SURVEY
from .test_app import assert_clean, run_page, texts

TITLE = "Example: Guarding SD v1.4 against Membership Inference"
FIELDS = {"kind": "defense", "title": TITLE, "urls": ["https://example.org/guard"],
          "code": "none", "threat": "Membership inference", "method": "Example guard",
          "models": ["SD v1.4"], "effectiveness": "Attack AUC falls to 0.55"}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """KG_SOURCE, KG_ADDITIONS_DIR and KG_BUILD_DIR in a temporary directory."""
    src = tmp_path / "survey.md"
    shutil.copyfile(SURVEY, src)
    (tmp_path / "additions").mkdir()
    monkeypatch.setenv("KG_SOURCE", str(src))
    monkeypatch.setenv("KG_ADDITIONS_DIR", str(tmp_path / "additions"))
    monkeypatch.setenv("KG_BUILD_DIR", str(tmp_path / "build"))
    return tmp_path


def test_the_form_lists_a_bounded_number_of_methods_and_searches_the_rest(store):
    """At 100k papers there are 54k defense methods: the form lists at most a limit of them
    (and says how many there are); the rest are found by searching the picker index."""
    from kg.app.names import entity_index
    from tests.oracle import Oracle

    known = {r.method for r in Oracle().rows if r.method}
    ch = add_paper.choices(store, limit=3)
    assert len(ch.methods) == 3 and set(ch.methods) <= known
    assert ch.methods_total == len(known)
    assert add_paper.choices(store).methods == sorted(known, key=str.casefold)
    found = add_paper.known_methods(entity_index(store), "dp-sg")
    assert [e.label for e in found.entities] == sorted(m for m in known if "dp-sg" in m.casefold())
    assert add_paper.known_methods(entity_index(store), "no such method").total == 0
    with pytest.raises(KGError, match="too long"):
        add_paper.known_methods(entity_index(store), "x" * 501)


def test_confirm_refuses_when_writing_is_off(sandbox, monkeypatch):
    monkeypatch.delenv("KG_APP_WRITES", raising=False)
    with pytest.raises(KGError, match="Writing is off"):
        add_paper.confirm(FIELDS)
    assert list((sandbox / "additions").iterdir()) == []


@slow  # tiers.py: an app page driven through several interactions, two validations
def test_the_preview_shows_rows_gaps_cells_and_tasks_and_writes_nothing(sandbox):
    p = add_paper.preview(FIELDS)
    assert p.error is None and p.ready
    s = p.review["summary"]
    assert s["defense_evaluations"]["added"] == 1 and s["papers"]["added"] == 1
    assert [(g["type"], g["cells"]) for g in p.review["gaps"]["closed"]] == [
        ("model_without_defense", [{"threat": "Membership inference", "model": "SD v1.4"}])]
    assert [(g["type"], g["cells"]) for g in p.review["gaps"]["opened"]] == [
        ("no_code_link", [{"paper": TITLE}])]
    cell = next(c for c in p.cells if (c.view, c.column) == ("model/model", "SD v1.4"))
    assert cell.after[1] == cell.before[1] + 1  # one more defense on SD v1.4
    assert list((sandbox / "additions").iterdir()) == []
    # an unknown model is a task, and the entry cannot be written
    p = add_paper.preview({**FIELDS, "models": ["SD v1.4", "Imagen"]})
    assert not p.ready and [t["label"] for t in p.tasks] == ["Imagen"]
    assert p.review["summary"]["defense_evaluations"]["added"] == 0  # held back
    # a check that fails is the preview's error, as kg add words it
    p = add_paper.preview({**FIELDS, "urls": ["javascript:alert(1)"]})
    assert p.error and "urls" in p.error


def _fill(at) -> None:
    at.radio(key="ap_kind").set_value("defense").run()
    at.text_input(key="ap_title").input(TITLE)
    at.text_area(key="ap_urls").input("https://example.org/guard")
    at.text_input(key="ap_code").input("none")
    at.selectbox(key="ap_threat").select("Membership inference")
    at.text_input(key="ap_method").input("Example guard")
    at.multiselect(key="ap_models").select("SD v1.4")
    at.text_input(key="ap_effectiveness").input("Attack AUC falls to 0.55")
    next(b for b in at.button if b.label == "Preview").click().run()


@slow
def test_page_off_previews_but_refuses_to_write(sandbox, monkeypatch):
    monkeypatch.delenv("KG_APP_WRITES", raising=False)
    at = run_page("add_paper", timeout=180)
    assert_clean(at)
    assert "Writing is off" in texts(at)
    _fill(at)
    assert_clean(at)
    confirm = next(b for b in at.button if b.label.startswith("Confirm"))
    assert confirm.disabled
    assert "Gaps opened / closed" in [m.label for m in at.metric]
    assert list((sandbox / "additions").iterdir()) == []


@slow
def test_page_on_previews_confirms_and_the_paper_has_its_entity_page(sandbox, monkeypatch):
    monkeypatch.setenv("KG_APP_WRITES", "on")
    at = run_page("add_paper", timeout=300)
    _fill(at)
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows added"] == "1" and metrics["Gaps opened / closed"] == "1 / 1"
    next(b for b in at.button if b.label.startswith("Confirm")).click().run()
    assert_clean(at)
    assert "rebuilt" in texts(at)
    (written,) = (sandbox / "additions").iterdir()
    assert TITLE in written.read_text(encoding="utf-8")
    assert (sandbox / "build" / "graph.nt").exists()
    at = run_page("entity", {"node": TITLE}, timeout=120)
    assert_clean(at)
    assert TITLE in texts(at)
