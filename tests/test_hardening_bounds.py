"""Bounded everything (issue 30, item 5): an endpoint's answer is capped in bytes with its
own message, and the client closes its connection there instead of reading on."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from kg.errors import EndpointError
from kg.stores.remote import RemoteStore

CHUNK = b"[" + b'{"s":{"type":"literal","value":"x"}},' * 1700  # ~64 KB of endless bindings


class EndlessServer:
    """Answers one request on 127.0.0.1 with SPARQL JSON that never ends: at most 400 chunks
    (~26 MB), then it stops by itself; records how many bytes it sent before the client
    closed the connection."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/query"
        self.sent = 0
        self.closed_by_client = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(10)
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json"
                         b"\r\nConnection: close\r\n\r\n"
                         b'{"head":{"vars":["s"]},"results":{"bindings":')
            try:
                for _ in range(400):
                    conn.sendall(CHUNK)
                    self.sent += len(CHUNK)
            except OSError:
                self.closed_by_client.set()


def test_an_endless_answer_is_cut_at_the_byte_cap(monkeypatch):
    monkeypatch.setenv("KG_RESPONSE_MAX_MB", "2")
    server = EndlessServer()
    start = time.monotonic()
    with pytest.raises(EndpointError, match=r"more than 2 MB.*KG_RESPONSE_MAX_MB") as e:
        RemoteStore(server.url, timeout=20, dialect="sparql11").select(
            "SELECT ?s WHERE { ?s ?p ?o }")
    assert server.url in str(e.value)
    assert time.monotonic() - start < 10
    assert server.closed_by_client.wait(10), "the client kept the connection open"
    assert server.sent < 8_000_000  # it stopped reading near the cap, not at the end
    server.thread.join(10)
    server.sock.close()


# ------------------------------------------------------------------ console workers

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _in_thread(fn):
    box: dict = {}

    def run():
        try:
            box["result"] = fn()
        except Exception as e:  # the test reads it
            box["error"] = e
    t = threading.Thread(target=run)
    t.start()
    return t, box


def _wait_running(owner, seconds: float = 10):
    from kg import worker

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        proc = worker._running.get(owner)
        if proc is not None and proc.is_alive():
            return proc
        time.sleep(0.02)
    raise AssertionError("the worker did not start")


def test_a_superseded_run_stops_its_worker(store):
    from kg.sparql import run_query

    t, box = _in_thread(lambda: run_query(store, RUNAWAY, timeout=60, owner="tab-1"))
    old = _wait_running("tab-1")
    start = time.monotonic()
    res = run_query(store, "ASK { ?s ?p ?o }", owner="tab-1")
    assert res.boolean is True
    t.join(10)
    assert not t.is_alive() and time.monotonic() - start < 10
    assert "newer query" in str(box["error"])
    assert not old.is_alive()


def test_workers_per_server_are_capped(store, monkeypatch):
    from kg import worker
    from kg.errors import QueryError
    from kg.sparql import run_query

    monkeypatch.setattr(worker, "_slots", threading.BoundedSemaphore(1))
    t, box = _in_thread(lambda: run_query(store, RUNAWAY, timeout=60, owner="tab-a"))
    _wait_running("tab-a")
    with pytest.raises(QueryError, match="query workers of this server were busy"):
        run_query(store, "ASK { ?s ?p ?o }", timeout=0.5, owner="tab-b")
    assert run_query(store, "ASK { ?s ?p ?o }", owner="tab-a").boolean is True  # stops it
    t.join(10)
    assert "newer query" in str(box["error"])
