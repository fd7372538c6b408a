"""Links to the app's views in a real headless Chromium: each view's URL (ui/links.py)
opened fresh, in a page of its own (a new session), shows that view; its "Link to this
view" shows the full URL the browser has, with the same parameters. Screenshots go to
tests/artifacts/."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest

from kg.app import coverage as app_coverage
from kg.app import export as app_export
from kg.app import gaps as app_gaps
from tests.test_ui_e2e import (  # noqa: F401 - fixtures
    _no_traceback,
    _settle,
    _shot,
    app_url,
    browser,
    context,
    page,
)

pytestmark = pytest.mark.slow

QUESTION = "Which defenses protect against membership inference on Stable Diffusion?"


def _views(store) -> dict[str, tuple[str, dict, list[str]]]:
    """name -> (page, the link's parameters, texts the view shows), from the backends."""
    table = app_coverage.coverage_table(store, "knowledge", "model")
    cell = max(table.cells, key=lambda c: (c["attacks"], c["threat"], c["column"]))
    detail = app_coverage.coverage_cell(store, "knowledge", "model", cell["threat"],
                                        cell["column"])
    gaps = app_gaps.gap_rows(store)
    threat = sorted({g.threat for g in gaps if g.threat})[0]
    n_gaps = sum(g.threat == threat for g in gaps)
    view = app_export.export_view(store, ["Membership inference"], (), (), (), "attacks")
    return {
        "ask": ("ask", {"q": QUESTION}, ["The SPARQL that ran", "rd:mitigates"]),
        "coverage": ("coverage", {"by": "knowledge", "threat": cell["threat"],
                                  "column": cell["column"]},
                     [f"{cell['threat']} × {cell['column']}", f"Attacks ({detail.n_attacks:,}"]),
        "gaps": ("gaps", {"threat": threat},
                 [f"{n_gaps} gap{'s' if n_gaps != 1 else ''}", "Reasons and evidence"]),
        "entity": ("entity", {"node": "DP-SGD"}, ["Provenance", "DP-SGD"]),
        "graph": ("graph", {"node": "DP-SGD"}, ["neighbour(s) within", "DP-SGD"]),
        "audit": ("audit", {"model": "SD v1.5", "access": "api"},
                  ["Threat: Membership inference", "reachable with this access"]),
        "export": ("export", {"threat": "Membership inference", "rows": "attacks",
                              "format": "csv"},
                   [f"{len(view.attacks)} attacks", view.spec.command("csv")]),
    }


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.fixture(scope="module")
def views(store):
    return _views(store)


@pytest.mark.parametrize("name", ["ask", "coverage", "gaps", "entity", "graph", "audit",
                                  "export"])
def test_a_view_opens_from_its_link(app_url, page, views, name):  # noqa: F811
    path, query, expected = views[name]
    page.goto(f"{app_url}/{path}?{urlencode(query, quote_via=quote)}")
    page.get_by_text(expected[0]).first.wait_for(timeout=180_000)
    _settle(page)
    _no_traceback(page)
    for text in expected:  # a code block's text is drawn after the run: wait for each
        page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=text,
                               timeout=30_000)
    # the page keeps its view in the URL (entity and graph name the node by its IRI name)
    here = _query(page.url)
    if name in ("entity", "graph"):
        assert here == {"node": ["rdi:method-dp-sgd"]}
    else:
        assert here == {k: [v] for k, v in query.items()}
    # "Link to this view": the browser's full URL, the same parameters
    page.get_by_role("button", name="Link to this view").click()
    shown = page.locator('[data-testid="stCode"]').filter(has_text=app_url).first
    shown.wait_for(timeout=30_000)
    link = shown.inner_text().strip()
    assert link.startswith(f"{app_url}/{path}?") and _query(link) == here
    _shot(page, f"link-{name}")


def test_a_changed_selection_is_in_the_url(app_url, page, views):  # noqa: F811
    """Pick another cell: the URL follows, and opened fresh it shows that cell."""
    path, query, _ = views["coverage"]
    page.goto(f"{app_url}/{path}?{urlencode(query, quote_via=quote)}")
    page.get_by_text("Attacks (").first.wait_for(timeout=60_000)
    _settle(page)
    box = page.get_by_role("combobox", name="Attacker knowledge")
    box.click()
    other = next(o for o in page.get_by_role("option").all_inner_texts()
                 if o.strip() != query["column"]).strip()
    page.get_by_role("option", name=other, exact=True).click()
    page.wait_for_function("(v) => new URLSearchParams(location.search).get('column') === v",
                           arg=other, timeout=60_000)
    _settle(page)
    url = page.url
    fresh = page.context.new_page()
    try:
        fresh.goto(url)
        fresh.get_by_text(f"{query['threat']} × {other}").first.wait_for(timeout=60_000)
        _settle(fresh)
        _no_traceback(fresh)
    finally:
        fresh.close()


def test_a_bad_link_is_a_message(app_url, page):  # noqa: F811
    page.goto(f"{app_url}/audit?model=Imagen%209&access=root&colour=red")
    page.get_by_text("is not a target model").first.wait_for(timeout=60_000)
    _settle(page)
    _no_traceback(page)
    body = page.inner_text("body")
    assert "access='root' is not an access level" in body
    assert "parameter 'colour' is not one this page takes" in body
