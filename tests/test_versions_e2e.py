"""One version per reader in a real browser (issue 30, item 3): the app reads an embedded
Oxigraph store; `kg load` (another process) switches it to a new version while a browser
session is open; the session's next pages all show the new version, and say so."""

from __future__ import annotations

import os
import re

import pytest

from tests.procs import start_streamlit, stop
from tests.test_ui_e2e import ARTIFACTS, ROOT, _no_traceback, _settle, browser, context, page  # noqa: F401  (fixtures)
from tests.test_versions import kg_load

pytestmark = pytest.mark.slow


@pytest.fixture
def ox_app(tmp_path):
    setting = f"oxigraph:{tmp_path / 'ox'}"
    first = kg_load(setting, 12, 1)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", KG_STORE=setting,
               PYTHONPATH=str(ROOT))
    url, proc, log = start_streamlit(ROOT / "ui" / "app.py", env,
                                     ARTIFACTS / "server-versions.log")
    try:
        yield url, setting, first
    finally:
        stop(proc)
        log.close()


def _triples(page) -> int:  # noqa: F811
    """The triple count the sidebar shows (waiting for the run that draws it)."""
    side = page.locator('[data-testid="stSidebar"]')
    side.get_by_text(re.compile(r"[\d,]+ triples")).wait_for(timeout=60_000)
    m = re.search(r"([\d,]+) triples", side.inner_text())
    assert m, side.inner_text()
    return int(m.group(1).replace(",", ""))


def test_a_load_is_seen_by_every_page_of_an_open_session(ox_app, page):  # noqa: F811
    url, setting, first = ox_app
    page.goto(url)
    _settle(page)
    assert _triples(page) == first["triples"]
    page.get_by_role("link", name="Coverage").click()
    _settle(page)
    assert _triples(page) == first["triples"]

    new = kg_load(setting, 30, 2)  # another process: the app's store switches version

    for name in ("Gaps", "Overview", "SPARQL console", "Coverage"):
        page.get_by_role("link", name=name).click()
        _settle(page)
        _no_traceback(page)
        assert _triples(page) == new["triples"], name
    page.get_by_role("link", name="Overview").click()
    _settle(page)
    body = page.inner_text("body")
    assert "Papers" in body and "30" in body
