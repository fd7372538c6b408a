"""The app is offline (issue 33, item 4): in a real headless Chromium, every request the
pages make — the page icon, scripts, fonts, icons, data — goes to the app's own host; none
leaves the machine. The server and browser are tests/test_ui_e2e.py's."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.test_ui_e2e import _settle, app_url, browser  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow

PAGES = ["", "coverage", "gaps", "graph", "entity?node=DP-SGD", "ask", "sparql", "export",
         "audit"]


def test_no_request_leaves_the_machine(app_url, browser):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})  # an empty cache
    hosts: dict[str, list[str]] = {}
    ctx.on("request", lambda r: hosts.setdefault(urlsplit(r.url).netloc, []).append(r.url))
    page = ctx.new_page()
    try:
        for path in PAGES:
            page.goto(f"{app_url}/{path}")
            _settle(page)
        icon = page.evaluate("() => document.querySelector('link[rel~=\"icon\"]')?.href")
    finally:
        ctx.close()
    own = urlsplit(app_url).netloc
    assert own in hosts and len(hosts[own]) > 20  # the recorder saw the app's own requests
    assert icon and urlsplit(icon).netloc == own, icon
    others = {h: urls[:3] for h, urls in hosts.items() if h not in (own, "")}
    assert not others, f"requests to other hosts: {others}"
