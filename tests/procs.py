"""Helpers for the servers tests start (oxigraph serve, Virtuoso, streamlit)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate ``proc``; kill it if it has not exited within ``timeout`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_streamlit(app: Path, env: dict, log_path: Path, *extra: str, timeout: float = 60):
    """``streamlit run app`` headless on a free local port with ``env`` and the options
    ``extra``, its output in ``log_path``; (url, process, log file) once its health route
    answers "ok", else the process is stopped and RuntimeError names the log."""
    import sys

    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app),
         "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", *extra],
        cwd=app.parent.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return url, proc, log
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            log.close()
            raise RuntimeError(f"streamlit did not start; see {log_path}")
        time.sleep(0.3)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/vsp
ServerThreads = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@contextlib.contextmanager
def virtuoso(directory: Path, start_timeout: float = 60) -> Iterator[str]:
    """A Virtuoso server (``virtuoso-t -f``, foreground) with its own database in
    ``directory``, on free 127.0.0.1 ports, whose ``SPARQL`` user may update (the
    ``SPARQL_UPDATE`` role, via ``isql``); its /sparql URL. Stopped at the end."""
    exe, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt") or shutil.which("isql")
    if not exe or not isql:
        raise FileNotFoundError("virtuoso-t / isql-vt (Debian package virtuoso-opensource)")
    sql, http = free_port(), free_port()
    (directory / "vsp").mkdir(parents=True, exist_ok=True)
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=directory, sql=sql, http=http))
    url = f"http://127.0.0.1:{http}/sparql"
    log = (directory / "stdout.log").open("wb")
    proc = subprocess.Popen([exe, "-f", "-c", str(ini)], cwd=directory, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                with urllib.request.urlopen(url + "?query=ASK%20%7B%7D", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Virtuoso did not start on port {http}: "
                                       + (directory / "stdout.log").read_text()[-2000:]
                                       ) from None
                time.sleep(0.2)
        grant = subprocess.run([isql, f"127.0.0.1:{sql}", "dba", "dba",
                                'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                               capture_output=True, text=True, timeout=30)
        if grant.returncode != 0 or "Error" in grant.stdout + grant.stderr:
            raise RuntimeError(f"isql could not grant SPARQL_UPDATE: {grant.stdout}"
                               f"{grant.stderr}")
        yield url
    finally:
        stop(proc, timeout=30)
        log.close()
