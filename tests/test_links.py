"""kg links against a local HTTP server (stdlib http.server in a thread) that serves each
case: ok, moved, gone, a page that refuses HEAD, a code link that is not a repository, a
server slower than the deadline; offline is said, and nothing is changed."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg.links import Link, check_links, is_repository, render_text

SLOW = 3.0  # the slow page answers after this many seconds; the deadline is shorter
DEADLINE = 1.0


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _answer(self, body: bool) -> None:
        path = self.path
        if path == "/slow":
            time.sleep(SLOW)
        if path == "/no-head" and self.command == "HEAD":
            self.send_response(405)
            self.end_headers()
            return
        if path in ("/moved", "/old-repo/owner/name"):
            self.send_response(301)
            self.send_header("Location", "/ok" if path == "/moved" else "/repo/owner/name")
            self.end_headers()
            return
        code = {"/gone": 404, "/gone-410": 410, "/broken": 500}.get(path, 200)
        self.send_response(code)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self):  # noqa: N802
        self._answer(False)

    def do_GET(self):  # noqa: N802
        self._answer(True)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that left before its answer (the slow page, after the deadline) is
        expected: its handler's BrokenPipeError is not printed. It was, seconds after this
        test, into whatever test then held sys.stderr (a CliRunner's captured output)."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server():
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_every_case_is_reported_right_within_its_deadline(server):
    links = [Link(f"{server}{p}", role, ("A paper",)) for p, role in [
        ("/ok", "paper"), ("/moved", "paper"), ("/gone", "paper"), ("/gone-410", "code"),
        ("/no-head", "paper"), ("/ok", "code"), ("/repo/owner/name", "code"),
        ("/old-repo/owner/name", "code"), ("/broken", "paper"), ("/slow", "paper")]]
    start = time.monotonic()
    report = check_links(links, timeout=DEADLINE, workers=3, hosts=("127.0.0.1",))
    took = time.monotonic() - start
    got = {(c.link.url.removeprefix(server), c.link.role): c for c in report.checked}
    status = {k: c.status for k, c in got.items()}
    assert status == {
        ("/ok", "paper"): "ok", ("/moved", "paper"): "moved", ("/gone", "paper"): "gone",
        ("/gone-410", "code"): "gone", ("/no-head", "paper"): "ok",
        ("/ok", "code"): "not a repository",  # a page, but no owner/name path
        ("/repo/owner/name", "code"): "ok", ("/old-repo/owner/name", "code"): "moved",
        ("/broken", "paper"): "error", ("/slow", "paper"): "unreachable"}
    moved = got[("/moved", "paper")]
    assert moved.redirects == [(301, f"{server}/ok")] and moved.final_url == f"{server}/ok"
    assert got[("/no-head", "paper")].method == "GET"  # HEAD refused, GET answered
    assert got[("/ok", "paper")].method == "HEAD"
    slow = got[("/slow", "paper")]
    assert "within 1 s" in slow.reason and slow.seconds < 2 * DEADLINE + 0.5
    assert took < SLOW + DEADLINE  # the slow page did not hold the others
    assert report.counts()["moved"] == 2 and not report.offline
    text = render_text(report)
    assert f"moved: paper {server}/moved" in text and f"301 -> {server}/ok" in text
    assert json.loads(json.dumps(report.as_dict()))["counts"]["gone"] == 2


def test_offline_is_said_and_nothing_judged(monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    report = check_links([Link("https://example.org/a", "paper", ("P",)),
                          Link("https://github.com/a/b", "code", ("P",))], timeout=1)
    assert report.offline and {c.status for c in report.checked} == {"unreachable"}
    assert render_text(report).startswith("offline: none of the 2 URLs could be reached")


def test_kg_links_cli_offline_exits_cleanly_and_writes_its_report(kg_cli, monkeypatch,
                                                                  tmp_path):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    from kg import settings

    before = {p: p.read_bytes() for p in settings.DATA_DIR.rglob("*") if p.is_file()}
    r = kg_cli("links", "--timeout", "1", "-o", str(tmp_path / "r.json"))
    assert r.exit_code == 0 and r.output.startswith("offline:"), r.output
    from tests.test_json_schema import KEYS

    out = json.loads(kg_cli("links", "--timeout", "1", "--json").output)
    assert list(out) == KEYS[("links", out["schema"])]
    saved = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert saved["offline"] and len(saved["links"]) > 20  # every paper and code URL
    assert {p: p.read_bytes() for p in settings.DATA_DIR.rglob("*") if p.is_file()} == before


def test_repository_pages():
    assert is_repository("https://github.com/YuxinWenRick/diffusion_memorization")
    assert not is_repository("https://github.com/YuxinWenRick")
    assert not is_repository("https://paperswithcode.com/paper/x")
    assert is_repository("https://huggingface.co/CompVis/stable-diffusion-v1-4")
