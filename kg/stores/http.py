"""HTTP with one deadline per request: connect, send and receive together end by it.

A plain socket timeout restarts at every byte received, so a server that sends one byte at
a time could stretch a request without end; here every socket call waits only for the time
left before the deadline (:func:`opener`), and :func:`left` raises ``TimeoutError`` once it
has passed.
"""

from __future__ import annotations

import functools
import http.client
import io
import socket
import ssl
import time
import urllib.request


def left(deadline: float) -> float:
    """Seconds left before ``deadline`` (time.monotonic); TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the request's deadline passed")
    return left


class _DeadlineSocket:
    """A connected socket whose every send and receive ends by ``deadline``: its timeout is
    set to the time left before each call, so a server that sends one byte at a time cannot
    stretch a request (a plain socket timeout restarts at every byte received)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock, self._deadline = sock, deadline

    def _arm(self) -> None:
        self._sock.settimeout(left(self._deadline))

    def sendall(self, data, *args):
        self._arm()
        return self._sock.sendall(data, *args)

    def send(self, data, *args):
        self._arm()
        return self._sock.send(data, *args)

    def recv(self, n, *args):
        self._arm()
        return self._sock.recv(n, *args)

    def recv_into(self, buffer, *args):
        self._arm()
        return self._sock.recv_into(buffer, *args)

    def makefile(self, mode="rb", buffering=None, **_):
        """The file http.client reads the status line, headers and body from: every read
        goes through :meth:`recv_into`, under the deadline."""
        raw = socket.SocketIO(self, mode)
        self._sock._io_refs += 1  # as socket.makefile: close() waits for the file's close
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)

    def _decref_socketios(self) -> None:  # called by SocketIO.close
        self._sock._decref_socketios()

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _deadline_connect(deadline: float):
    """socket.create_connection whose attempts (one per address) share ``deadline``."""

    def create(address, timeout=None, source_address=None, *args, **kwargs):
        host, port = address
        err: OSError | None = None
        for af, kind, proto, _, addr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
            sock = socket.socket(af, kind, proto)
            try:
                sock.settimeout(left(deadline))
                if source_address:
                    sock.bind(source_address)
                sock.connect(addr)
                sock.settimeout(left(deadline))  # a TLS handshake next is bounded by this
                return sock
            except OSError as e:
                sock.close()
                err = e
                if isinstance(e, TimeoutError):
                    break
        raise err or OSError(f"no address for {host}")

    return create


class _DeadlineConnection(http.client.HTTPConnection):
    def __init__(self, *args, deadline: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._create_connection = _deadline_connect(deadline)

    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock, self._deadline)


class _DeadlineTLSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, deadline: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self._create_connection = _deadline_connect(deadline)

    def connect(self) -> None:
        super().connect()  # TCP connect, then the TLS handshake (bounded by the time left)
        self.sock = _DeadlineSocket(self.sock, self._deadline)


class _DeadlineHTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req):
        return self.do_open(functools.partial(_DeadlineConnection, deadline=self._deadline), req)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The default TLS context, made once per process (loading the CA certificates takes
    ~0.1 s; a context is safe to share between threads)."""
    return ssl.create_default_context()


class _DeadlineHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__(context=_tls_context())
        self._deadline = deadline

    def https_open(self, req):
        return self.do_open(functools.partial(_DeadlineTLSConnection, deadline=self._deadline),
                            req, context=self._context)



def opener(deadline: float, *handlers: urllib.request.BaseHandler
           ) -> urllib.request.OpenerDirector:
    """A urllib opener whose http and https connections end by ``deadline``
    (time.monotonic), redirects included; ``handlers`` are added (e.g. one that records
    the redirects)."""
    return urllib.request.build_opener(_DeadlineHTTP(deadline), _DeadlineHTTPS(deadline),
                                       *handlers)
