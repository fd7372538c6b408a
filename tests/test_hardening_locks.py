"""No lost writes (issue 30, item 2): every writer of a curated file reads, checks and
writes under the file's lock (kg.files.locked), so concurrent writers run one after
another; a writer that waits too long is refused, having written nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from kg.additions import load_additions
from kg.errors import BusyError
from kg.files import atomic_write, locked
from tests.tiers import slow

ROOT = Path(__file__).resolve().parents[1]


def test_writers_under_the_lock_lose_nothing(tmp_path):
    """Twenty threads each read a list, pause, and write it back one longer: under the lock
    all twenty entries remain (without it, most are lost)."""
    target = tmp_path / "list.yaml"
    atomic_write(target, "entries: []\n")
    barrier = threading.Barrier(20)

    def writer(i: int) -> None:
        barrier.wait()
        with locked(target):
            entries = yaml.safe_load(target.read_text())["entries"]
            threading.Event().wait(0.01)  # the read-modify-write window
            atomic_write(target, yaml.safe_dump({"entries": entries + [i]}))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(yaml.safe_load(target.read_text())["entries"]) == list(range(20))


def test_a_writer_that_waits_too_long_is_refused_naming_the_file(tmp_path):
    target = tmp_path / "curated.yaml"
    target.write_text("entries: []\n")
    with locked(target):
        child = subprocess.run(
            [sys.executable, "-c", "import sys; from pathlib import Path; from kg.files import "
             "locked\ntry:\n  with locked(Path(sys.argv[1]), wait=0.3): print('got it')\n"
             "except Exception as e: print(type(e).__name__, e)", str(target)],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.startswith("BusyError") and "curated.yaml" in child.stdout
    assert "nothing written" in child.stdout
    with locked(target, wait=0.3):  # released with the holder
        pass
    with pytest.raises(BusyError), locked(target), locked(target, wait=0.1):
        pass


@slow  # fifteen kg processes, each checking its entry with a build and SHACL
def test_fifteen_kg_add_at_once_leave_fifteen_entries(tmp_path):
    d = tmp_path / "additions"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "kg", "add", "--dir", str(d), "--file", "shared.yaml",
         "--kind", "attack", "--title", f"Concurrent writers paper {i}",
         "--url", f"https://arxiv.org/abs/2401.{i:05d}", "--code", "none", "--threat", "MIA",
         "--knowledge", "Black-box", "--model", "DDPM", "--effectiveness", f"AUC 0.{i:02d}",
         "--limitations", "none stated", "--no-input", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for i in range(15)]
    outs = [p.communicate(timeout=560) for p in procs]
    assert [p.returncode for p in procs] == [0] * 15, [e for _, e in outs]
    keys = {json.loads(o)["key"] for o, _ in outs}
    adds = load_additions(d)
    assert adds.rejected == [] and len(adds.entries) == 15
    assert {e.key for e in adds.entries} == keys
    assert sorted(e.title for e in adds.entries) == sorted(
        f"Concurrent writers paper {i}" for i in range(15))
