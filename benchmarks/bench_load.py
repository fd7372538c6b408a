"""Load benchmark: `kg load` into an embedded Oxigraph store against pyoxigraph's bare
bulk load of the same N-Triples file, in the same run.

    .venv/bin/python benchmarks/bench_load.py /tmp/scale100k/graph-100000.nt [--reps 1]

Each measurement is a fresh process into a fresh directory (removed afterwards), run
alternately (bare, kg, bare, kg …): wall time, CPU time (user + system of the child) and the
child's peak RSS. `kg load --graph F --json` does what a user's load does: read and check
the whole file, bulk-load a new version, count and store the coverage summary, switch the
link; its JSON gives the summary's share. The baseline is `pyoxigraph.Store(dir).bulk_load`
of the file, nothing else. Prints medians and the ratio kg / bare.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = """
import sys, pyoxigraph as ox
s = ox.Store(sys.argv[1])
s.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_TRIPLES)
s.flush()
print(len(s))
"""


def child(cmd: list[str]) -> tuple[float, float, float, str]:
    """(wall s, cpu s, peak RSS MB, stdout) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, HF_HUB_OFFLINE="1"))
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed ({p.returncode}): {p.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("nt", type=Path, help="an N-Triples file (e.g. bench_scale.py's graph-N.nt)")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--work", type=Path, default=None, help="where the stores are made")
    a = ap.parse_args()
    kg = str(Path(sys.executable).parent / "kg")
    work = Path(tempfile.mkdtemp(prefix="bench-load-", dir=a.work))
    rows: dict[str, list[tuple[float, float, float]]] = {"bare": [], "kg": []}
    summary_s: list[float] = []
    triples = None
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    try:
        for i in range(a.reps):
            d = work / f"bare-{i}"
            wall, cpu, rss, out = child([sys.executable, "-c", BARE, str(d), str(a.nt)])
            rows["bare"].append((wall, cpu, rss))
            triples = int(out.strip())
            shutil.rmtree(d, ignore_errors=True)
            d = work / f"kg-{i}"
            wall, cpu, rss, out = child([kg, "load", "--store", f"oxigraph:{d}", "--graph",
                                         str(a.nt), "--json"])
            rows["kg"].append((wall, cpu, rss))
            info = json.loads(out)
            if "summary_seconds" in info:
                summary_s.append(float(info["summary_seconds"]))
            shutil.rmtree(d, ignore_errors=True)
            print(f"rep {i + 1}: bare {rows['bare'][-1][0]:.1f} s, kg {wall:.1f} s",
                  file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{a.nt.name}: {triples:,} triples, {a.nt.stat().st_size / 1e9:.2f} GB; "
          f"{a.reps} run(s) each, alternating; started {started}")
    print(f"{'load':34} {'wall p50':>10} {'CPU p50':>10} {'peak RSS':>10} {'wall ratio':>11} "
          f"{'CPU ratio':>10}")
    base = {k: statistics.median(r[k] for r in rows["bare"]) for k in (0, 1)}
    for name, label in (("bare", "pyoxigraph bulk_load (baseline)"),
                        ("kg", "kg load --graph F (check, load, summary)")):
        w, c, m = (statistics.median(r[k] for r in rows[name]) for k in (0, 1, 2))
        print(f"{label:34} {w:8.1f} s {c:8.1f} s {m:7.0f} MB {w / base[0]:10.2f}x "
              f"{c / base[1]:9.2f}x")
    if summary_s:
        print(f"of kg load: coverage summary {statistics.median(summary_s):.1f} s")
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, Python "
          f"{platform.python_version()}")


if __name__ == "__main__":
    main()
