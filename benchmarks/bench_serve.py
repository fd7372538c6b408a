"""`kg serve` under a runaway query (issue 33): another client's p50 while one client's
cartesian query runs out its deadline, against the same client's p50 on the idle endpoint,
measured in the same run on the same server (medians over rounds; the ratio is the target:
within 2x of idle).

The server is the real one (``python -m kg serve`` under uvicorn, on a free port), the
clients plain HTTP (urllib): client B repeats a small SELECT, client A sends the runaway.

    .venv/bin/python benchmarks/bench_serve.py [--store memory|oxigraph:DIR] [--rounds 5]
        [--deadline 4]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "SELECT ?a ?label WHERE { ?a a rd:Attack ; rdfs:label ?label }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask(url: str, query: str, timeout: float = 120) -> tuple[int, bytes]:
    data = urllib.parse.urlencode({"query": query}).encode()
    req = urllib.request.Request(url, data=data, headers={
        "Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def simple_ms(url: str) -> float:
    t = time.perf_counter()
    code, body = ask(url, SIMPLE)
    if code != 200 or not json.loads(body)["results"]["bindings"]:
        raise SystemExit(f"the simple query failed: {code} {body[:200]!r}")
    return (time.perf_counter() - t) * 1000


def start(store: str, deadline: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", store, "--port",
                             str(port), "--timeout", str(deadline)], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2):
                return proc, base + "/sparql"
        except OSError:
            if proc.poll() is not None or time.monotonic() > end:
                raise SystemExit("kg serve did not start") from None
            time.sleep(0.2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", default="memory")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--deadline", type=float, default=4.0)
    ap.add_argument("--per-round", type=int, default=20, help="idle queries per round")
    a = ap.parse_args()

    proc, url = start(a.store, a.deadline)
    try:
        for _ in range(5):
            simple_ms(url)  # warm: the worker path, the server's first requests
        idle_p50, busy_p50, over, counts = [], [], [], []
        for _ in range(a.rounds):
            idle_p50.append(statistics.median(simple_ms(url) for _ in range(a.per_round)))
            box: dict = {}

            def run(box=box) -> None:
                t = time.perf_counter()
                box["code"], box["body"] = ask(url, RUNAWAY)
                box["took"] = time.perf_counter() - t

            th = threading.Thread(target=run)
            th.start()
            time.sleep(0.3)  # the runaway's worker is evaluating
            during = []
            while th.is_alive():
                during.append(simple_ms(url))
            th.join()
            if box["code"] != 400:
                raise SystemExit(f"the runaway was not stopped: {box['code']} {box['body'][:200]!r}")
            busy_p50.append(statistics.median(during))
            over.append(box["took"] - a.deadline)
            counts.append(len(during))
    finally:
        proc.terminate()
        proc.wait(10)

    idle, busy = statistics.median(idle_p50), statistics.median(busy_p50)
    print(f"kg serve on {a.store}; deadline {a.deadline:g} s; {a.rounds} rounds, "
          f"{os.cpu_count()} CPUs\n")
    print("| client B's simple query | p50 (median of rounds) | queries per round |")
    print("|---|---:|---:|")
    print(f"| idle endpoint (baseline) | {idle:.1f} ms | {a.per_round} |")
    print(f"| while client A's runaway runs | {busy:.1f} ms | {statistics.median(counts):.0f} |")
    print(f"\nratio during / idle: x{busy / idle:.2f} (target: at most x2)")
    print(f"runaway answered 400 at {statistics.median(over) * 1000:+.0f} ms from its deadline "
          f"(median; max {max(over) * 1000:+.0f} ms)")


if __name__ == "__main__":
    main()
