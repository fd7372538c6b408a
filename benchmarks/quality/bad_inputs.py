"""Run the held-out bad-input corpus (benchmarks/quality/bad_inputs.yaml) against `python -m kg`.

Rule: each case runs in a fresh temporary directory (a copy of the repository's kg/, data/,
ontology/, pyproject.toml and build/ when the case sets `copy_repo`), never in the repository
itself; the real data/ is never edited. A case passes when the exit code is the expected one,
stdout+stderr hold no "Traceback", every `mentions` string appears (case-insensitive; a list
item means any one of its strings), no `lacks` string appears, every `unchanged` path is
byte-identical (an absent one still absent), every `same_output` command prints the same
before and after, the listener received no request, and the command ended within the timeout.
The runner prints one line per case, a table per style and `passed N/M`, and exits 0 (it is a
benchmark, not a gate). The case format is described at the top of the corpus file.

Usage: .venv/bin/python benchmarks/quality/bad_inputs.py benchmarks/quality/bad_inputs.yaml
       [--json] [--only ID ...] [--timeout 60] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
COPIED = ("kg", "data", "ontology", "pyproject.toml", "build")
WATCHED = ("data", "ontology", "build", "kg", "benchmarks")


class Invalid(Exception):
    """The case itself cannot be run as written (a bug in the case, not in the tool)."""


# ------------------------------------------------------------------ listener
class _Recorder(socketserver.BaseRequestHandler):
    hits: list = []

    def handle(self):
        self.request.settimeout(2)
        try:
            first = self.request.recv(4096)
        except OSError:
            first = b""
        _Recorder.hits.append(first[:200].decode("latin-1"))
        body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
        try:
            self.request.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
            )
        except OSError:
            pass


def start_listener():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/sparql"


# ------------------------------------------------------------------ helpers
def subst(value, ctx):
    if isinstance(value, str):
        for key, val in ctx.items():
            value = value.replace("{" + key + "}", val)
        return value
    if isinstance(value, list):
        return [subst(v, ctx) for v in value]
    if isinstance(value, dict):
        if "join" in value:
            return "".join(subst(str(s), ctx) * int(n) for s, n in value["join"])
        return {k: subst(v, ctx) for k, v in value.items()}
    return value


def hash_path(path: Path):
    """None when absent; a file's sha256; a directory's {relpath: sha256} (no .*.lock, no caches)."""
    if not os.path.lexists(path):
        return None
    if path.is_file() and not path.is_dir():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    out = {}
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for d in dirs:
            full = Path(root, d)
            if full.is_symlink():
                out[str(full.relative_to(path)) + "/"] = "link:" + os.readlink(full)
        for name in sorted(files):
            if name.startswith(".") and name.endswith(".lock"):
                continue
            full = Path(root, name)
            rel = str(full.relative_to(path))
            if full.is_symlink():
                out[rel] = "link:" + os.readlink(full)
            else:
                out[rel] = hashlib.sha256(full.read_bytes()).hexdigest()
    return out


def write_files(tmp: Path, files: dict, ctx):
    for rel, spec in (files or {}).items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        encoding = "utf-8"
        if isinstance(spec, str):
            text = subst(spec, ctx)
        else:
            source = REPO / spec["from"]
            if not source.exists():
                raise Invalid(f"file {rel}: {spec['from']} does not exist in the repository")
            text = source.read_text(encoding="utf-8")
            if "head_lines" in spec:
                text = "".join(text.splitlines(keepends=True)[: int(spec["head_lines"])])
            for old, new in spec.get("replace", []):
                if old not in text:
                    raise Invalid(f"file {rel}: replace target not found: {old[:60]!r}")
                text = text.replace(old, subst(new, ctx), 1)
            text += spec.get("append", "")
            encoding = spec.get("encoding", "utf-8")
        # a non-UTF-8 encoding is there to make an undecodable file: what it cannot encode becomes "?"
        target.write_bytes(text.encode(encoding, errors="strict" if encoding == "utf-8" else "replace"))


def base_env(python_path: Path, extra: dict):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env.update(
        PYTHONPATH=str(python_path),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    cache = REPO / ".cache"
    if cache.exists():
        env["KG_CACHE_DIR"] = str(cache)
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def run_kg(python, argv, cwd, env, timeout):
    """(exit code or None on timeout, stdout text, stderr text, seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [python, "-m", "kg", *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    dec = lambda b: b.decode("utf-8", errors="replace")  # noqa: E731
    return code, dec(out), dec(err), time.monotonic() - start


def shown(text: str, lines: int = 4) -> str:
    picked = [ln for ln in text.splitlines() if ln.strip()][:lines]
    return " | ".join(ascii(ln)[1:-1][:220] for ln in picked)


# ------------------------------------------------------------------ one case
def run_case(case, python, timeout, listener_url, keep):
    tmp = Path(tempfile.mkdtemp(prefix=f"kg-bad-{case['id']}-"))
    ctx = {"tmp": str(tmp), "repo": str(REPO), "listener": listener_url}
    result = {"id": case["id"], "style": case["style"], "status": "FAIL", "why": [], "exit": None}
    try:
        if case.get("copy_repo"):
            for name in COPIED:
                src = REPO / name
                if src.is_dir():
                    shutil.copytree(src, tmp / name, symlinks=True,
                                    ignore=shutil.ignore_patterns("__pycache__"))
                elif src.exists():
                    shutil.copy2(src, tmp / name)
        write_files(tmp, case.get("files"), ctx)
        env = base_env(tmp if case.get("copy_repo") else REPO, subst(case.get("env"), ctx))
        expect = case.get("expect", {})
        for argv in subst(case.get("setup", []), ctx):
            code, out, err, _ = run_kg(python, argv, tmp, env, timeout * 3)
            if code != 0:
                result["why"].append(f"setup {argv[:2]} failed (exit {code}): {shown(out + err, 2)}")
                return result
        unchanged = {p: hash_path(tmp / p) for p in expect.get("unchanged", [])}
        same = [(argv, run_kg(python, argv, tmp, env, timeout)[1])
                for argv in subst(expect.get("same_output", []), ctx)]
        hits_before = len(_Recorder.hits)
        argv = subst(case["command"], ctx)
        if not all(isinstance(a, str) for a in argv):
            raise Invalid("command items must be strings or {join: ...}")
        code, out, err, secs = run_kg(python, argv, tmp, env, timeout)
        both = out + "\n" + err
        result.update(exit=code, seconds=round(secs, 1), stdout_head=shown(out), stderr_head=shown(err))
        why = result["why"]
        want = expect.get("exit", "nonzero")
        if code is None:
            why.append(f"timed out after {timeout} s")
        elif want == "nonzero" and code == 0:
            why.append("exit 0, expected non-zero")
        elif want == "zero" and code != 0:
            why.append(f"exit {code}, expected 0")
        if "Traceback" in both:
            why.append("traceback in output")
        low = both.lower()
        for item in expect.get("mentions", []):
            options = item if isinstance(item, list) else [item]
            if not any(str(o).lower() in low for o in options):
                why.append("does not mention " + " or ".join(repr(str(o)) for o in options))
        for bad in expect.get("lacks", []):
            if bad.lower() in low:
                why.append(f"output contains {bad!r}")
        for rel, before in unchanged.items():
            after = hash_path(tmp / rel)
            if after != before:
                why.append(f"{rel} changed" if before is not None else f"{rel} was created")
        for argv_same, before in same:
            if run_kg(python, argv_same, tmp, env, timeout)[1] != before:
                why.append(f"output of `kg {' '.join(argv_same[:3])}` changed")
        if len(_Recorder.hits) > hits_before:
            why.append(f"the listener received {len(_Recorder.hits) - hits_before} request(s): "
                       + ascii(_Recorder.hits[hits_before][:80]))
        result["status"] = "PASS" if not why else "FAIL"
    except Invalid as exc:
        result.update(status="INVALID", why=[str(exc)])
    finally:
        if keep:
            result["tmp"] = str(tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return result


# ------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--only", nargs="*", help="run only these case ids")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--keep", action="store_true", help="keep each case's temp dir")
    default_python = REPO / ".venv" / "bin" / "python"
    ap.add_argument("--python", default=str(default_python if default_python.exists() else sys.executable))
    args = ap.parse_args()

    cases = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))["cases"]
    if args.only:
        cases = [c for c in cases if c["id"] in set(args.only)]
    if not (REPO / "build" / "graph.nt").exists():
        print("note: no build/graph.nt in the repository; run `python -m kg build` first", file=sys.stderr)
    watched_before = {name: hash_path(REPO / name) for name in WATCHED}
    server, url = start_listener()
    results = []
    for case in cases:
        res = run_case(case, args.python, args.timeout, url, args.keep)
        results.append(res)
        if not args.json:
            line = f"{res['status']:7} {res['id']}"
            if res["status"] != "PASS":
                line += f"  (exit {res['exit']}): " + "; ".join(res["why"])
                if res.get("stdout_head") or res.get("stderr_head"):
                    line += (f"\n          stdout: {res.get('stdout_head', '')}"
                             f"\n          stderr: {res.get('stderr_head', '')}")
            print(line, flush=True)
    server.shutdown()
    repo_changed = [n for n in WATCHED if hash_path(REPO / n) != watched_before[n]]

    styles = OrderedDict()
    for res in results:
        row = styles.setdefault(res["style"], [0, 0, 0])
        row[0] += res["status"] == "PASS"
        row[1] += 1
        row[2] += res["status"] == "INVALID"
    passed = sum(r["status"] == "PASS" for r in results)
    if args.json:
        print(json.dumps({
            "schema": 1, "passed": passed, "total": len(results),
            "styles": {s: {"passed": p, "total": t, "invalid": i} for s, (p, t, i) in styles.items()},
            "repository_changed": repo_changed, "cases": results,
        }, indent=1, ensure_ascii=True))
        return 0
    print()
    width = max([len(s) for s in styles] + [5])
    print(f"{'style':{width}}  passed  total")
    for style, (p, t, i) in styles.items():
        print(f"{style:{width}}  {p:6}  {t:5}" + (f"  ({i} invalid)" if i else ""))
    if repo_changed:
        print(f"WARNING: the repository changed during the run: {', '.join(repo_changed)}")
    print(f"passed {passed}/{len(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
