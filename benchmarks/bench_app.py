"""App benchmark: wall time per page and memory of the Streamlit process, in a real browser.

For each store setting, starts ``streamlit run ui/app.py`` (headless, on a free port, from
the repository root) with ``KG_STORE=<setting>``, waits for ``/_stcore/health``, then drives
Debian's Chromium (Playwright) through every page of the app's navigation (ui/app.py, in
its order; ``--last`` pages are moved to the end), each in a new browser session, waiting
until the page has rendered: the script is no longer running and no spinner is shown, at
most ``--cap`` seconds per page. Per page it records the wall time from the navigation to
the moment the page settled (it must then stay settled for 1 s to count; that confirming
second is not part of the figure — figures of this script before 2026-12-07 23:00 UTC
included it, so they are about 1.0-1.1 s higher for the same page), the Streamlit process's
VmRSS (its child processes included, if any) after the page, and whether an exception
(``stException``), a traceback or an "internal error" message is shown; at the end the
processes' VmHWM (peak resident memory).

    .venv/bin/python benchmarks/bench_app.py                       # the survey (memory)
    .venv/bin/python benchmarks/bench_app.py --store memory \\
        --store oxigraph:/tmp/kgbench/ox-100000 --cache-dir /tmp/kgbench/app-cache

A page over the cap is reported as such; its script may still be running in the server
while the next pages are measured (hence ``--last ask``: the search model and the
embeddings of every node load on the Ask page).
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ERROR_MARKERS = ("Traceback", "internal error")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_pages() -> list[tuple[str, str, str]]:
    """(name, title, url path) of every page in the app's navigation, in its order."""
    resources = (ROOT / "ui" / "resources.py").read_text(encoding="utf-8")
    m = re.search(r"^PAGES = (\{.*?^\})", resources, re.S | re.M)
    files = ast.literal_eval(m.group(1))
    app = (ROOT / "ui" / "app.py").read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r'st\.Page\(P\["(\w+)"\],\s*title="([^"]+)"([^)]*)\)', app):
        name, title, rest = m.groups()
        path = "" if "default=True" in rest else Path(files[name]).stem
        out.append((name, title, path))
    return out


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def mem_mb(pid: int, key: str) -> float:
    return sum(status_kb(p, key) for p in tree(pid)) / 1024


SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]'))
    return false;
  if (document.querySelector('[data-testid="stSpinner"]')) return false;
  return !!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]');
}"""


class OverMemory(Exception):
    pass


def wait_rendered(page, cap: float, pid: int, max_rss: float) -> float | None:
    """The time (time.perf_counter) at which the page became settled, once it has stayed
    settled for 1 s since (the run can restart right after a first run, e.g. after a query
    parameter is written; the 1 s that confirms it is not part of the page's time); None at
    the cap. OverMemory when the Streamlit process grows over ``max_rss`` MB (the machine
    is shared)."""
    deadline = time.perf_counter() + cap
    stable_since = None
    while time.perf_counter() < deadline:
        rss = mem_mb(pid, "VmRSS")
        if rss > max_rss:
            raise OverMemory(f"Streamlit RSS {rss:.0f} MB > {max_rss:g} MB: stopped")
        try:
            ok = page.evaluate(SETTLED)
        except Exception:  # noqa: BLE001 - page navigating: not settled yet
            ok = False
        now = time.perf_counter()
        if ok:
            stable_since = stable_since or now
            if now - stable_since >= 1.0:
                return stable_since
        else:
            stable_since = None
        time.sleep(0.1)
    return None


def errors_shown(page) -> list[str]:
    out = []
    if page.locator('[data-testid="stException"]').count():
        out.append("stException")
    try:
        body = page.inner_text("body")
    except Exception:  # noqa: BLE001
        body = ""
    out += [m for m in ERROR_MARKERS if m in body]
    return out


def start_app(setting: str, port: int, log: Path, cache_dir: str | None) -> subprocess.Popen:
    env = dict(os.environ, KG_STORE=setting, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if cache_dir:
        env["KG_CACHE_DIR"] = cache_dir
    exe = Path(sys.executable).with_name("streamlit")
    cmd = [str(exe), "run", "ui/app.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)


def wait_health(url: str, proc: subprocess.Popen, timeout: float) -> float:
    t = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return time.perf_counter() - t
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("streamlit did not answer /_stcore/health")


def run_store(setting: str, pages, cap: float, cache_dir: str | None, shots: Path | None,
              logdir: Path, max_rss: float) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = logdir / f"streamlit-{re.sub(r'[^A-Za-z0-9]+', '_', setting)}.log"
    proc = start_app(setting, port, log, cache_dir)
    res = {"store": setting, "pages": [], "log": str(log)}
    try:
        res["health"] = wait_health(url, proc, 120)
        res["rss_idle"] = mem_mb(proc.pid, "VmRSS")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for name, title, path in pages:
                    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                    pg = ctx.new_page()
                    js_errors: list[str] = []
                    pg.on("pageerror", lambda e, js_errors=js_errors: js_errors.append(str(e)))
                    t = time.perf_counter()
                    try:
                        pg.goto(f"{url}/{path}", timeout=cap * 1000)
                        settled = wait_rendered(pg, cap - (time.perf_counter() - t),
                                                proc.pid, max_rss)
                        ok = settled is not None
                        sec = (settled if ok else time.perf_counter()) - t
                        errs = errors_shown(pg)
                        if shots is not None:
                            shots.mkdir(parents=True, exist_ok=True)
                            pg.screenshot(path=str(shots / f"{name}.png"), full_page=True)
                    except OverMemory as e:
                        res["error"] = f"{e} on page {title}"
                        res["hwm"] = mem_mb(proc.pid, "VmHWM")
                        res["procs"] = len(tree(proc.pid))
                        res["pages"].append({"page": title, "path": "/" + path,
                                             "seconds": time.perf_counter() - t,
                                             "rendered": False, "rss": mem_mb(proc.pid, "VmRSS"),
                                             "errors": [str(e)]})
                        break
                    except Exception as e:  # noqa: BLE001 - reported in the table
                        ok, sec = False, time.perf_counter() - t
                        errs = [f"browser: {type(e).__name__}: {str(e)[:80]}"]
                    errs += [f"JS: {e[:80]}" for e in js_errors]
                    row = {"page": title, "path": "/" + path, "seconds": sec, "rendered": ok,
                           "rss": mem_mb(proc.pid, "VmRSS"), "errors": errs}
                    print(f"[{setting}] {row}", file=sys.stderr, flush=True)
                    res["pages"].append(row)
                    ctx.close()
            finally:
                browser.close()
        res.setdefault("hwm", mem_mb(proc.pid, "VmHWM"))
        res.setdefault("procs", len(tree(proc.pid)))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return res


def report(results: list[dict], cap: float, started: str, ended: str) -> str:
    import streamlit

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True,
                                  timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        chromium = "chromium ?"
    pw = importlib.metadata.version("playwright")
    lines = [f"Machine: {cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, {platform.system()} "
             f"{platform.release()}, Python {platform.python_version()}, streamlit "
             f"{streamlit.__version__}, {chromium}, playwright {pw}",
             f"Run: {started} to {ended}. One visit per page, each in a new browser session; "
             f"cap {cap:g} s per page. RSS/peak: the Streamlit process (and its children).",
             ""]
    for r in results:
        lines.append(f"Store `{r['store']}`: health after {r.get('health', 0):.1f} s, idle RSS "
                     f"{r.get('rss_idle', 0):.0f} MB" + (f"; error: {r['error']}"
                                                         if "error" in r else ""))
        lines.append("")
        lines.append("| page | URL | wall time | rendered | RSS after | errors shown |")
        lines.append("|---|---|---:|---|---:|---|")
        for p in r["pages"]:
            lines.append(f"| {p['page']} | {p['path']} | {p['seconds']:.2f} s | "
                         + ("yes" if p["rendered"] else f"no (cap {cap:g} s)")
                         + f" | {p['rss']:.0f} MB | {', '.join(p['errors']) or 'none'} |")
        if "hwm" in r:
            lines.append(f"| **peak (VmHWM)** | | {sum(p['seconds'] for p in r['pages']):.2f} s "
                         f"in all | | **{r['hwm']:.0f} MB** | processes: {r['procs']} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", action="append",
                    help="KG_STORE setting (repeatable); default: memory")
    ap.add_argument("--cap", type=float, default=120.0, help="Seconds a page may take.")
    ap.add_argument("--last", default="ask",
                    help="Pages (names, comma-separated) to visit after the others.")
    ap.add_argument("--pages", help="Only these pages (names, comma-separated; "
                    "entity_threat: the Entity page of the threat Membership inference).")
    ap.add_argument("--cache-dir", help="KG_CACHE_DIR for the app (search embeddings).")
    ap.add_argument("--screenshots", help="Directory for a screenshot of every page.")
    ap.add_argument("--max-rss-mb", type=float, default=16000,
                    help="Stop a store's run when Streamlit's RSS grows over this (MB).")
    a = ap.parse_args()
    # beside the navigation's pages: the Entity page of the busiest kind of node (a threat:
    # every attack of the graph links to one of four)
    pages = app_pages() + [("entity_threat", "Entity: a threat",
                            "entity?node=Membership%20inference")]
    if a.pages:
        keep = a.pages.split(",")
        pages = [p for p in pages if p[0] in keep]
    last = [x for x in (a.last or "").split(",") if x]
    pages = [p for p in pages if p[0] not in last] + [p for p in pages if p[0] in last]
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    logdir = Path(tempfile.mkdtemp(prefix="bench-app-"))
    results = []
    for setting in a.store or ["memory"]:
        shots = Path(a.screenshots) / re.sub(r"[^A-Za-z0-9]+", "_", setting) \
            if a.screenshots else None
        try:
            results.append(run_store(setting, pages, a.cap, a.cache_dir, shots, logdir,
                                     a.max_rss_mb))
        except Exception as e:  # noqa: BLE001 - reported in the table
            results.append({"store": setting, "pages": [], "error": f"{type(e).__name__}: {e}"})
    print(report(results, a.cap, started, time.strftime("%Y-%m-%d %H:%M:%S %Z")))
    print(f"\nStreamlit logs: {logdir}", file=sys.stderr)


if __name__ == "__main__":
    main()
