"""A remote endpoint that is down, silent or broken gives a clear error naming it, in
bounded time, never a hang or a traceback."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from kg.errors import EndpointError, KGError, StoreError
from kg.stores.open import open_store
from kg.stores.remote import RemoteStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TinyServer:
    """Accepts connections on 127.0.0.1 and answers with ``reply`` (None: never answers)."""

    def __init__(self, reply: bytes | None) -> None:
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/query"
        self.conns: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            if self.reply is not None:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(self.reply)
                except OSError:
                    pass
                conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def silent_server():
    s = TinyServer(None)
    yield s
    s.close()


def test_endpoint_down_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    t = time.monotonic()
    with pytest.raises(EndpointError) as e:
        RemoteStore(url, timeout=2).select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert time.monotonic() - t < 2
    assert url in str(e.value) and "unreachable" in str(e.value)
    assert isinstance(e.value, KGError)


def test_slow_endpoint_times_out_naming_it(silent_server):
    store = RemoteStore(silent_server.url, timeout=0.5)
    t = time.monotonic()
    with pytest.raises(EndpointError) as e:
        store.ask("ASK { ?s ?p ?o }")
    took = time.monotonic() - t
    assert 0.4 < took < 3
    assert silent_server.url in str(e.value) and "0.5 s" in str(e.value)


def test_slow_endpoint_on_load(silent_server, graph):
    store = RemoteStore(silent_server.url, store_url=silent_server.url.replace("/query", "/store"),
                        timeout=0.5)
    with pytest.raises(EndpointError, match="did not answer within 0.5 s"):
        store.load(graph)


@pytest.mark.parametrize("reply,needle", [
    (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nboom",
     "HTTP 500"),
    (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\nConnection: close"
     b"\r\n\r\n<html>", "not SPARQL JSON results"),
])
def test_broken_endpoint_answers(reply, needle):
    s = TinyServer(reply)
    try:
        with pytest.raises(EndpointError) as e:
            RemoteStore(s.url, timeout=2).select("SELECT * WHERE { ?s ?p ?o }")
        assert needle in str(e.value) and s.url in str(e.value)
    finally:
        s.close()


def test_open_store_checks_the_endpoint(silent_server, monkeypatch):
    """What the app calls: an unreachable or silent endpoint is a KGError it can show."""
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "0.5")
    with pytest.raises(KGError, match="did not answer"):
        open_store(silent_server.url)
    monkeypatch.setenv("KG_STORE", f"http://127.0.0.1:{free_port()}/query")
    with pytest.raises(KGError, match="unreachable"):
        open_store()


def test_cli_endpoint_down_one_line_exit_1(kg_cli, silent_server, monkeypatch):
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "0.5")
    t = time.monotonic()
    r = kg_cli("table", "attacks", "--store", silent_server.url)
    assert time.monotonic() - t < 5
    assert r.exit_code == 1
    assert r.output.startswith("error: ") and silent_server.url in r.output
    assert "Traceback" not in r.output


def test_bad_settings():
    with pytest.raises(StoreError, match="expected 'memory'"):
        open_store("ftp://example.org/sparql")
    with pytest.raises(StoreError, match="name the directory"):
        open_store("oxigraph:")
    with pytest.raises(StoreError, match="not an http"):
        RemoteStore("http:///query")
