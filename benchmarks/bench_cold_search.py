"""Cold `kg search` from the shell: the ONNX query path against the sentence-transformers
path, and both against the bare imports they cannot avoid, in one run.

    .venv/bin/python benchmarks/bench_cold_search.py [--reps 5] [--query Q]

Every measure is a new process (wall time, median of --reps runs, after one warm-up run
that fills the caches: node vectors, search data, the ONNX export). Prints a Markdown
table: median, and the ratio to today's path (sentence-transformers) measured in the
same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KG = [str(Path(sys.executable).parent / "kg")]  # the installed console script


def wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--query", default="membership inference on stable diffusion")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    subprocess.run([sys.executable, "-m", "kg.onnx_embed"], cwd=ROOT, check=True,
                   capture_output=True)
    search = KG + ["search", args.query, "-k", "5"]
    from kg.sentence_model import DEFAULT_MODEL, model_path

    cases = {
        "kg search, sentence-transformers query path (today's)": (
            search, {"KG_QUERY_ENCODER": "sentence-transformers"}),
        "kg search, ONNX query path (shipped)": (search, {"KG_QUERY_ENCODER": "auto"}),
        "bare: import torch + sentence-transformers, load the model": (
            [sys.executable, "-c", "from sentence_transformers import SentenceTransformer; "
             f"SentenceTransformer({model_path(DEFAULT_MODEL)!r}, device='cpu')"], None),
        "bare: import onnxruntime + tokenizers": (
            [sys.executable, "-c", "import onnxruntime, tokenizers"], None),
        "bare: python -c pass": ([sys.executable, "-c", "pass"], None),
    }
    for cmd, env in cases.values():  # warm-up: caches filled, files in the page cache
        wall(cmd, env)
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.reps):  # interleaved, so a load change hits every case alike
        for name, (cmd, env) in cases.items():
            times[name].append(wall(cmd, env))
    base = statistics.median(times["kg search, sentence-transformers query path (today's)"])
    print(f"cold `kg search {args.query!r}`, {args.reps} runs each, medians "
          f"({os.cpu_count()} CPUs)\n")
    print("| measure | median wall (s) | ratio to today's path |")
    print("|---|---|---|")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"| {name} | {m:.2f} | {m / base:.2f} |")


if __name__ == "__main__":
    main()
