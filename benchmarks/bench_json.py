"""Wall time of the `--json` paths of `kg gaps` and `kg coverage` (every `--by`/`--level`),
each a fresh `kg` process, against a baseline: the same commands run by the code of a git
ref (`git archive REF`, unpacked in a temporary directory) on the same store, in the same
run. Prints a Markdown table of medians and ratios (current / baseline).

    .venv/bin/python benchmarks/bench_json.py --store memory \\
        --store oxigraph:/tmp/scale100k/ox-100000 --baseline 72553d7 --timeout 300

A run over ``--timeout`` seconds is killed and reported as "> T s" (not repeated). The
baseline may need its own copy of an Oxigraph directory (one process holds it at a time,
and the runs here are sequential, so the same directory is fine):
``--baseline-store oxigraph:/tmp/scale100k/ox-before`` pairs with the n-th ``--store``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = [
    ("gaps --json", ["gaps", "--json"]),
    ("coverage --json --by model", ["coverage", "--json", "--by", "model"]),
    ("coverage --json --by model --level family",
     ["coverage", "--json", "--by", "model", "--level", "family"]),
    ("coverage --json --by knowledge", ["coverage", "--json", "--by", "knowledge"]),
    ("coverage --json --by defense", ["coverage", "--json", "--by", "defense"]),
]


def run(root: Path, args: list[str], store: str, timeout: float) -> tuple[float | None, int]:
    """Seconds of one `kg ARGS --store STORE` run by the code in ``root`` (None: over
    ``timeout``, killed), and the bytes it printed."""
    code = "import sys; from kg.cli import main; sys.argv = ['kg'] + sys.argv[1:]; main()"
    env = dict(os.environ, PYTHONPATH=str(root), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-c", code, *args, "--store", store], cwd=root,
                             env=env, stdout=out, stderr=subprocess.PIPE)
        try:
            _, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return None, 0
        sec = time.perf_counter() - t
        if p.returncode != 0:
            raise SystemExit(f"kg {' '.join(args)} --store {store} ({root}) failed:\n"
                             + err.decode(errors="replace")[-2000:])
        return sec, out.seek(0, 2)


def median(root: Path, args: list[str], store: str, reps: int, timeout: float
           ) -> tuple[float | None, int]:
    times, size = [], 0
    for _ in range(reps):
        sec, size = run(root, args, store, timeout)
        if sec is None:
            return None, 0
        times.append(sec)
    return statistics.median(times), size


def fmt(x: float | None, timeout: float) -> str:
    if x is None:
        return f"> {timeout:g} s"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def fmt_bytes(n: int) -> str:
    return "—" if not n else (f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", action="append", default=[],
                    help="Store to run on (repeatable; default memory: the survey).")
    ap.add_argument("--baseline", metavar="REF", help="Git ref whose code is the baseline.")
    ap.add_argument("--baseline-store", action="append", default=[],
                    help="The baseline's store for the n-th --store (default: the same).")
    ap.add_argument("--reps", type=int, default=3, help="Runs per command (median).")
    ap.add_argument("--baseline-reps", type=int, default=None,
                    help="Runs per baseline command (default --reps).")
    ap.add_argument("--timeout", type=float, default=300.0, help="Seconds per run.")
    ap.add_argument("--only", action="append", default=[],
                    help="Only commands whose name contains this (repeatable).")
    ap.add_argument("--record", metavar="FILE",
                    help="Run only the baseline and write its medians to FILE (JSON).")
    ap.add_argument("--recorded", metavar="FILE",
                    help="Baseline medians recorded by --record (instead of running them).")
    a = ap.parse_args()
    stores = a.store or ["memory"]
    commands = [c for c in COMMANDS if not a.only or any(o in c[0] for o in a.only)]
    base_dir = None
    if a.baseline:
        base_dir = Path(tempfile.mkdtemp(prefix="bench-json-base-"))
        a.baseline = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", a.baseline],
                                    capture_output=True, text=True, check=True).stdout.strip()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", a.baseline],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_dir)], input=archive, check=True)
    recorded = json.loads(Path(a.recorded).read_text()) if a.recorded else {}
    record: dict = {}
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    lines = ["| store | command | baseline | current | current / baseline | output |",
             "|---|---|---:|---:|---:|---:|"]
    for i, store in enumerate(stores):
        bstore = a.baseline_store[i] if i < len(a.baseline_store) else store
        for name, args in commands:
            base = None
            key = f"{store} | {name}"
            if key in recorded:
                base = recorded[key]["seconds"]
                a.baseline = a.baseline or recorded[key]["ref"] + " (recorded " + \
                    recorded[key]["at"] + ")"
                a.baseline_reps = recorded[key].get("reps", a.baseline_reps)
            elif base_dir is not None:
                base, _ = median(base_dir, args, bstore, a.baseline_reps or a.reps, a.timeout)
            if a.record:
                record[key] = {"seconds": base, "ref": a.baseline,
                               "reps": a.baseline_reps or a.reps,
                               "at": time.strftime("%Y-%m-%d %H:%M %Z")}
                Path(a.record).write_text(json.dumps(record, indent=1))
                print(key, fmt(base, a.timeout), file=sys.stderr, flush=True)
                continue
            cur, size = median(ROOT, args, store, a.reps, a.timeout)
            has_base = base_dir is not None or key in recorded
            ratio = (f"×{cur / base:.3g}" if base and cur else
                     (f"< ×{cur / a.timeout:.3g}" if cur and has_base else "—"))
            lines.append(f"| `{store}` | `kg {name}` | "
                         f"{fmt(base, a.timeout) if has_base else '—'} | "
                         f"{fmt(cur, a.timeout)} | {ratio} | {fmt_bytes(size)} |")
            print(lines[-1], file=sys.stderr, flush=True)
    if a.record:
        return
    print(f"Run {started} to {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; medians of {a.reps} "
          f"run(s) ({a.baseline_reps or a.reps} for the baseline {a.baseline or '—'}); each "
          f"a fresh process; a run over {a.timeout:g} s is killed.\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
