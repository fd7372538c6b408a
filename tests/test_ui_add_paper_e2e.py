"""The Add a paper page in a real headless Chromium: fill the form, see the preview (diff and
gap changes), confirm, find the paper on its Entity page; with writing off the page refuses.
The servers write into temporary copies (survey, additions, build), never data/."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.procs import start_streamlit, stop
from tests.test_ui_e2e import ARTIFACTS, ROOT, _no_traceback, _settle, _shot

pytestmark = pytest.mark.slow

TITLE = "Example: Guarding SD v1.4 against Membership Inference"


def _serve(env_extra: dict, log_name: str):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **env_extra)
    return start_streamlit(ROOT / "ui" / "app.py", env, ARTIFACTS / log_name)


def _sandbox(tmp_path) -> dict:
    src = tmp_path / "survey.md"
    shutil.copyfile(ROOT / "data" / "privacy-taxonomy.md", src)
    (tmp_path / "additions").mkdir()
    return {"KG_SOURCE": str(src), "KG_ADDITIONS_DIR": str(tmp_path / "additions"),
            "KG_BUILD_DIR": str(tmp_path / "build")}


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    from tests.test_ui_e2e import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = b.new_context(viewport={"width": 1400, "height": 1800}).new_page()
        yield page
        b.close()


def _fill_and_preview(page, url: str) -> None:
    page.goto(f"{url}/add_paper")
    page.get_by_text("Paper title").first.wait_for(timeout=120_000)
    _settle(page)
    page.get_by_text("defense", exact=True).click()
    _settle(page)
    page.get_by_role("textbox", name="Paper title").fill(TITLE)
    page.get_by_label("Paper URL(s), one per line").fill("https://example.org/guard")
    page.get_by_label("Code repository URL, or 'none'").fill("none")
    page.get_by_role("textbox", name="Defense method (a known one or a new one)").fill(
        "Example guard")
    page.get_by_role("textbox", name="Effectiveness").fill("Attack AUC falls to 0.55")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Threat").click()
    page.get_by_role("option", name="Membership inference").first.click()
    models = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Target models")
    models.locator("input").first.click()
    page.keyboard.type("SD v1.4")
    page.get_by_role("option", name="SD v1.4").first.click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("Gaps opened / closed").first.wait_for(timeout=180_000)
    _settle(page)


def test_fill_preview_confirm_and_find_the_paper(tmp_path, browser_page):
    env = _sandbox(tmp_path)
    url, proc, log = _serve({**env, "KG_APP_WRITES": "on"}, "server-add-paper.log")
    page = browser_page
    try:
        _fill_and_preview(page, url)
        body = page.inner_text("body")
        _shot(page, "add-paper-preview")
        (ARTIFACTS / "add-paper-preview.txt").write_text(body, encoding="utf-8")
        # the gap changes: SD v1.4 gets its first defense, the new paper has no code link
        assert "closed model_without_defense@model: Membership inference on SD v1.4" in body
        assert f"opened no_code_link: {TITLE}" in body
        assert "Rows added" in body and TITLE in body  # the diff's added rows
        _shot(page, "add-paper-preview")
        page.get_by_role("button", name="Confirm: write and rebuild").click()
        page.get_by_text("rebuilt").first.wait_for(timeout=180_000)
        _settle(page)
        _no_traceback(page)
        assert any(TITLE in p.read_text(encoding="utf-8")
                   for p in (tmp_path / "additions").iterdir())
        page.get_by_text(f"Open {TITLE}").first.click()
        page.get_by_text("Provenance").first.wait_for(timeout=120_000)
        _settle(page)
        _no_traceback(page)
        assert TITLE in page.inner_text("body")
        _shot(page, "add-paper-entity")
    finally:
        stop(proc)
        log.close()


def test_with_writing_off_the_page_refuses(tmp_path, browser_page):
    env = _sandbox(tmp_path)
    url, proc, log = _serve(env, "server-add-paper-off.log")
    page = browser_page
    try:
        _fill_and_preview(page, url)
        assert "Writing is off" in page.inner_text("body")
        assert page.get_by_role("button", name="Confirm: write and rebuild").is_disabled()
        assert list((tmp_path / "additions").iterdir()) == []
        _no_traceback(page)
    finally:
        stop(proc)
        log.close()
