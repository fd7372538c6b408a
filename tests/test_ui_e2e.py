"""The app in a real headless Chromium: start `streamlit run ui/app.py` on a free port,
visit every page, ask a question, open the coverage view, check what is visible.
Screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.procs import start_streamlit, stop

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(survey_build):
    """The app as scripts/start.sh runs it: after kg build (the run's shared build). With
    KG_E2E_STORE set (e.g. ``oxigraph:DIR`` of a 100k-paper store made by ``kg load
    --synthetic 100000``), the app reads that store instead: the same browser checks at
    scale (benchmarks/RESULTS.md records such runs; CI has no such store)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               KG_BUILD_DIR=str(survey_build))
    if os.environ.get("KG_E2E_STORE"):
        env["KG_STORE"] = os.environ["KG_E2E_STORE"]
    url, proc, log = start_streamlit(ROOT / "ui" / "app.py", env, ARTIFACTS / "server.log",
                                     "--client.toolbarMode", "minimal")
    try:
        yield url
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/install.sh --test (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def context(browser):
    """One browser context per module: each test opens a page of its own (a session of
    its own on the server), and the app's scripts load from the browser's cache after
    the first page (a fresh context fetched them anew each test: ~1 s)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    pg.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def _settle(page) -> None:
    """Wait until the script run is over (the running indicator is gone)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(1500)  # tables and charts draw after the run ends


def _no_traceback(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "a traceback is shown"
    body = page.inner_text("body")
    assert "Traceback" not in body and "internal error" not in body


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


PAGES = {
    "overview": ("", "Threats"),
    "coverage": ("coverage", "Attacks ("),
    "gaps": ("gaps", "Reasons and evidence"),
    "graph": ("graph", "neighbour(s) within"),
    # a node of the survey; a synthetic store's methods are "DP-SGD variant N", so a threat
    "entity": ("entity?node=" + ("Membership%20inference" if os.environ.get("KG_E2E_STORE")
                                 else "DP-SGD"), "Provenance"),
    "sparql": ("sparql", "Example queries"),
    "export": ("export", "Command line"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders(app_url, page, name):
    path, expected = PAGES[name]
    page.goto(f"{app_url}/{path}")
    page.get_by_text(expected).first.wait_for(timeout=60_000)
    _settle(page)
    _no_traceback(page)
    _shot(page, name)


def test_ask_a_question_then_open_the_coverage_view(app_url, page):
    page.goto(f"{app_url}/ask")
    page.get_by_text("Type a question").first.wait_for(timeout=60_000)
    box = page.get_by_label("Question or search words")
    box.fill("Which defenses protect against membership inference on Stable Diffusion?")
    box.press("Enter")
    page.get_by_text("The SPARQL that ran").first.wait_for(timeout=180_000)
    _settle(page)
    _no_traceback(page)
    # the answer table names the methods evaluated against MIA on Stable Diffusion
    answer = page.locator('[data-testid="stDataFrame"]').first
    answer.wait_for(timeout=30_000)
    code = page.locator('[data-testid="stCode"]').first.inner_text()
    assert "rd:mitigates" in code
    assert page.get_by_text("Semantic hits").count() == 1
    _shot(page, "ask")
    # the question named a threat and a model: the sidebar takes us to the coverage map
    page.get_by_role("link", name="Coverage").first.click()
    page.get_by_text("Attacks (").first.wait_for(timeout=60_000)
    _settle(page)
    _no_traceback(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
    assert "Membership inference" in page.inner_text("body")
    _shot(page, "coverage-after-ask")


def test_hostile_input_in_the_ask_box(app_url, page):
    page.goto(f"{app_url}/ask")
    page.get_by_text("Type a question").first.wait_for(timeout=60_000)
    box = page.get_by_label("Question or search words")
    box.fill("'; DROP TABLE attacks; -- <script>alert(1)</script> } INSERT DATA {")
    box.press("Enter")
    page.wait_for_function(
        "() => document.body.innerText.includes('How the question was understood')"
        " || document.querySelector('[data-testid=\"stAlertContentError\"]')", timeout=180_000)
    _settle(page)
    _no_traceback(page)
    _shot(page, "ask-hostile")


def test_remove_a_chip_and_open_the_shared_url(app_url, page, context):
    """Open an ?q= URL: the question is asked. Remove the model chip of its reading: the
    answer, the reading and the SPARQL shown change, and the URL carries the edited reading;
    that URL opened anew shows the edited answer (issue 29, item 6)."""
    from urllib.parse import quote

    q = "Which defenses protect against membership inference on Stable Diffusion?"
    page.goto(f"{app_url}/ask?q={quote(q)}")
    page.get_by_text("The SPARQL that ran").first.wait_for(timeout=180_000)
    _settle(page)
    _no_traceback(page)
    assert page.get_by_label("Question or search words").input_value() == q
    sparql = page.locator('[data-testid="stCode"]').first
    assert "model-stable-diffusion" in sparql.inner_text()
    assert page.get_by_text("model ∈ Stable Diffusion family").count() >= 1
    _shot(page, "ask-chips")
    page.get_by_role("button", name="Remove").nth(1).click()  # the model chip
    page.get_by_text("Edited reading").first.wait_for(timeout=60_000)
    _settle(page)
    _no_traceback(page)
    assert "model-stable-diffusion" not in sparql.inner_text()
    assert "rd:mitigates" in sparql.inner_text()
    assert page.get_by_text("model ∈ Stable Diffusion family").count() == 0
    assert "r=" in page.url and "q=" in page.url
    _shot(page, "ask-chip-removed")
    again = context.new_page()
    try:
        again.goto(page.url)
        again.get_by_text("Edited reading").first.wait_for(timeout=120_000)
        _settle(again)
        _no_traceback(again)
        code = again.locator('[data-testid="stCode"]').first.inner_text()
        assert "model-stable-diffusion" not in code and "rd:mitigates" in code
    finally:
        again.close()


def test_entity_picker_searches_as_you_type(app_url, page):
    """Type part of a name into the search box (no Enter: it searches after a pause), pick
    the best match from the list it narrows to, and that entity's page opens."""
    page.goto(f"{app_url}/entity")
    page.get_by_text("Pick a node above").first.wait_for(timeout=60_000)
    _settle(page)
    page.get_by_label("Search open a page").press_sequentially("extracting train", delay=40)
    page.get_by_text("match(es)").first.wait_for(timeout=60_000)
    _settle(page)
    page.get_by_role("combobox", name="Open a page").click()
    option = page.get_by_role("option").first
    # found by its title, listed by its display name (the citation label)
    assert "Carlini et al., 2023" in option.inner_text()
    option.click()
    page.get_by_role("heading", name="Provenance").wait_for(timeout=60_000)
    _settle(page)
    _no_traceback(page)
    assert "Carlini et al., 2023" in page.get_by_role("heading", level=2).first.inner_text()
    assert "Extracting Training Data from Diffusion Models" in page.inner_text("body")
    assert "node=rdi" in page.url  # the page is a link
    _shot(page, "entity-picker-search")


def test_graph_explorer_centre_by_search(app_url, page):
    page.goto(f"{app_url}/graph")
    page.get_by_text("neighbour(s) within").first.wait_for(timeout=60_000)
    _settle(page)
    page.get_by_label("Search centre node").press_sequentially("dp-sg", delay=40)
    page.get_by_text("match(es)").first.wait_for(timeout=60_000)
    _settle(page)
    page.get_by_role("combobox", name="Centre node").click()
    page.get_by_role("option", name="DP-SGD  ·  Defense method").click()
    page.wait_for_function("() => location.href.includes('node=rdi')", timeout=60_000)
    _settle(page)
    _no_traceback(page)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=30_000)
    assert "node=rdi%3Amethod-dp-sgd" in page.url or "node=rdi:method-dp-sgd" in page.url
    _shot(page, "graph-centre-by-search")


def test_sparql_syntax_error_is_a_message(app_url, page):
    page.goto(f"{app_url}/sparql")
    page.get_by_text("Example queries").first.wait_for(timeout=60_000)
    _settle(page)
    area = page.get_by_label("Query")
    area.fill("SELEC ?x WHERE { ?x ?p ?o }")
    page.get_by_role("button", name="Run query").click()
    page.get_by_text("syntax error").first.wait_for(timeout=30_000)
    _no_traceback(page)
    _shot(page, "sparql-error")


# A visible element whose own text is cut: its content is wider than its box and it hides
# the overflow (ellipsis or clipping). Canvas-drawn grids are skipped (they draw no DOM text).
CLIPPED_JS = """
() => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (el.closest('[data-testid="stDataFrame"], [data-testid="stVegaLiteChart"], svg, canvas'))
      continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    const hides = ['hidden', 'clip'].includes(s.overflowX) || s.textOverflow === 'ellipsis';
    if (hides && el.scrollWidth > el.clientWidth + 1)
      out.push(el.textContent.trim().slice(0, 80));
  }
  return out;
}
"""


@pytest.mark.parametrize("name", list(PAGES))
def test_no_visible_text_is_cut(app_url, page, name):
    """Every page at 1400x1000: no text element is clipped (its content fits or wraps)."""
    path, expected = PAGES[name]
    page.goto(f"{app_url}/{path}")
    page.get_by_text(expected).first.wait_for(timeout=60_000)
    _settle(page)
    _no_traceback(page)
    _shot(page, f"text-{name}")
    assert page.evaluate(CLIPPED_JS) == []


def test_graph_explorer_labels_are_unique_and_exported_alike(app_url, page):
    """The explorer's labels (as the chart draws them) are unique, and the SVG the page
    exports shows exactly those labels."""
    import re
    from xml.etree import ElementTree

    page.goto(f"{app_url}/graph")
    page.get_by_text("neighbour(s) within").first.wait_for(timeout=60_000)
    _settle(page)
    _no_traceback(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="SVG").click()
    svg = Path(info.value.path()).read_text(encoding="utf-8")
    (ARTIFACTS / "graph-explorer.svg").write_text(svg, encoding="utf-8")
    ns = "{http://www.w3.org/2000/svg}"
    labels = [t.text for t in ElementTree.fromstring(svg).iter(ns + "text")
              if t.get("class") == "label"]
    assert labels and len(labels) == len(set(labels))
    if not os.environ.get("KG_E2E_STORE"):  # a node of the survey
        assert "SecMI (membership inference)" in labels
    assert not any(re.search(r"attack: .*…$", x) for x in labels)
    # the chart (drawn as SVG) shows the same names, once each
    marks = '[data-testid="stVegaLiteChart"] svg g.mark-text.role-mark text'
    drawn = page.locator(marks).all_text_contents()
    assert sorted(drawn) == sorted(labels)
    _shot(page, "graph-explorer-labels")
