"""One version per reader (issue 30, item 3): a ``kg load`` into the embedded Oxigraph store
the app reads (another process) is seen by every page at once — the sidebar, the overview,
the console and the cached page data — and readers keep answering during a load, each
answer the old graph's or the new one's, none an error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kg.loading import load
from kg.stores.open import open_store
from tests.test_app import assert_clean, frames, run_page, texts

ROOT = Path(__file__).resolve().parent.parent
PAPERS = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a rd:Paper }"


def kg_load(setting: str, papers: int, seed: int) -> dict:
    """``kg load --synthetic`` in a process of its own (as a user would run it beside the
    app); its --json report."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "kg", "load", "--store", setting, "--synthetic",
                          str(papers), "--seed", str(seed), "--json"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture
def ox_store(tmp_path, monkeypatch):
    setting = f"oxigraph:{tmp_path / 'ox'}"
    load(setting, synthetic=12, seed=1)  # in this process: the handle the app reads
    monkeypatch.setenv("KG_STORE", setting)
    return setting


def _papers(store) -> int:
    return int(store.select(PAPERS).rows[0]["n"])


PAGE_QUERY = "SELECT ?t WHERE { ?p a rd:Paper ; dcterms:title ?t } ORDER BY ?t"


@pytest.mark.slow  # tiers.py: app pages driven while another process loads
def test_every_page_switches_to_a_version_loaded_by_another_process(ox_store):
    store = open_store(ox_store)
    pages = {p: run_page(p) for p in ("overview", "coverage", "gaps", "export", "sparql")}
    before = {p: (texts(at), [f.to_json() for f in frames(at)]) for p, at in pages.items()}
    assert "12" in texts(pages["overview"])
    console = pages["sparql"]
    console.text_area(key="sparql_text").set_value(PAGE_QUERY)
    console.button[0].click().run()
    old_titles = list(frames(console)[0]["t"])

    new = kg_load(ox_store, 30, 2)  # another process switches the store's version

    for page, at in pages.items():
        at.run()  # the same browser session, its next rerun
        assert_clean(at)
        shown = texts(at)
        assert f"{new['triples']:,} triples" in shown, (page, at.sidebar.caption)
        assert "A new version of the graph was loaded" in shown, page
        if page != "sparql":
            assert (shown, [f.to_json() for f in frames(at)]) != before[page], page
    assert _papers(store) == 30
    titles = list(frames(console)[0]["t"])  # the console reran on the new version
    assert titles == [str(r["t"]) for r in store.select(PAGE_QUERY)] != old_titles
    assert f"{len(titles)} rows" in texts(console)
    # a second rerun: no version changed, no notice
    again = pages["overview"].run()
    assert "A new version of the graph was loaded" not in texts(again)


@pytest.mark.slow  # tiers.py: a second process, two whole loads
def test_readers_answer_during_a_load_with_old_or_new_results(tmp_path):
    setting = f"oxigraph:{tmp_path / 'ox'}"
    load(setting, synthetic=10, seed=1)
    reader = open_store(setting)  # holds the live version open, as the app does
    answers: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                answers.append(_papers(reader))
            except BaseException as e:  # noqa: BLE001 - collected and asserted below
                errors.append(e)
            done.wait(0.02)  # a reader, not a CPU hog beside the load

    t = threading.Thread(target=read)
    t.start()
    try:
        # a reader opened in a process of its own while the directory is held: it answers
        fresh = subprocess.run(
            [sys.executable, "-m", "kg", "sparql", "--store", setting, PAPERS],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert fresh.returncode == 0, fresh.stderr
        assert "10" in fresh.stdout
        kg_load(setting, 25, 2)
        while len(answers) < 5 or answers[-1] != 25:
            assert not errors, errors[:1]
            if not t.is_alive():
                break
            done.wait(0.05)
            if answers and answers[-1] == 25:
                break
    finally:
        done.set()
        t.join(30)
    assert not errors, errors[:1]
    assert answers and set(answers) <= {10, 25}, sorted(set(answers))
    assert answers[0] == 10 and answers[-1] == 25
    reader.close()
