"""The Model audit page in a real headless Chromium: pick a model and the access, read the
report, download it as Markdown, HTML and PDF — the same bytes as `kg profile` writes
(PDF: a PDF; Chromium stamps its creation time). Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.test_ui_e2e import (  # noqa: F401 - fixtures
    ARTIFACTS,
    _no_traceback,
    _settle,
    _shot,
    app_url,
    browser,
    context,
    page,
)

pytestmark = pytest.mark.slow


def _cli(fmt: str, tmp_path) -> bytes:
    from kg.cli import main

    out = tmp_path / f"r.{fmt}"
    r = CliRunner().invoke(main, ["profile", "--model", "SD v1.5", "--access", "api", "-f", fmt,
                                  "-o", str(out)])
    assert r.exit_code == 0, r.output
    return out.read_bytes()


def _download(page, name: str, tmp_path) -> bytes:  # noqa: F811
    with page.expect_download(timeout=120_000) as d:
        page.get_by_role("button", name=name).click()
    path = tmp_path / f"dl-{name.replace(' ', '-')}"
    d.value.save_as(path)
    return path.read_bytes()


def test_audit_sd_v15_with_api_access(app_url, page, tmp_path):  # noqa: F811
    page.goto(f"{app_url}/audit")
    page.get_by_text("Pick a model and at least one access level").first.wait_for(timeout=60_000)
    _settle(page)
    page.get_by_role("combobox", name="Model", exact=True).click()
    page.keyboard.type("SD v1.5")
    page.get_by_role("option", name="SD v1.5", exact=True).click()
    _settle(page)
    page.get_by_role("combobox", name="Access the model exposes").click()
    page.get_by_role("option", name="api — query API").click()
    page.keyboard.press("Escape")
    page.get_by_text("Threat: Membership inference").first.wait_for(timeout=120_000)
    _settle(page)
    _no_traceback(page)
    body = page.inner_text("body")
    assert "reachable with this access" in body and "needs more access" in body
    assert "AML.T0024.000" in body and "regenerate: kg profile --model" in body
    _shot(page, "audit-sd-v1.5-api")
    assert _download(page, "Download Markdown", tmp_path) == _cli("md", tmp_path)
    assert _download(page, "Download HTML", tmp_path) == _cli("html", tmp_path)
    page.get_by_role("button", name="Make the PDF").click()
    page.get_by_role("button", name="Download PDF").wait_for(timeout=180_000)
    _settle(page)
    assert _download(page, "Download PDF", tmp_path).startswith(b"%PDF")
    # each selection shows its query
    title = "attacks evaluated on Stable Diffusion that the access reaches"
    page.get_by_text(title).first.click()
    box = page.locator('[data-testid="stExpander"]').filter(has_text=title).first
    box.locator('[data-testid="stCode"]').first.wait_for(timeout=30_000)
    assert "rd:assumesKnowledge" in box.inner_text()
    _no_traceback(page)
    _shot(page, "audit-sd-v1.5-api-selection")
    assert ARTIFACTS.exists()


def test_audit_page_unknown_store_model_message(app_url, page):  # noqa: F811
    """Only models of the graph are offered: the picker has no 'SDXL'."""
    page.goto(f"{app_url}/audit")
    page.get_by_text("Pick a model and at least one access level").first.wait_for(timeout=60_000)
    _settle(page)
    page.get_by_role("combobox", name="Model", exact=True).click()
    page.keyboard.type("SDXL")
    page.wait_for_timeout(1000)
    assert page.get_by_role("option", name="SDXL", exact=True).count() == 0
    _no_traceback(page)
