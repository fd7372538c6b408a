"""Every input in the version record (issue 30, item 4): a build records every file it
reads and hashes every module whose code runs while it builds and validates the graph;
editing any of them makes the build not current, and ``kg version`` says so."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from rdflib import Graph

from kg import settings
from kg.build import write_dir_atomically
from kg.version import (
    CURATED_INPUTS,
    build_state,
    builder_hash,
    builder_modules,
    dumps,
    render_text,
    source_files,
    version_record,
)
from tests.tiers import slow

ROOT = Path(__file__).resolve().parents[1]

#: Run in a child (an audit hook cannot be removed): build into argv[1] from the project's
#: data, recording every file opened and every kg source file whose code runs meanwhile.
TRACE = r"""
import json, os, sys
from pathlib import Path
import kg.build as b
opened, ran = set(), set()
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        opened.add(str(Path(os.fsdecode(args[0])).resolve()))
def prof(frame, event, arg):
    if event == "call":
        ran.add(frame.f_code.co_filename)
sys.addaudithook(hook)
sys.setprofile(prof)
result = b.build(build_dir=Path(sys.argv[1]))
sys.setprofile(None)
print(json.dumps({"opened": sorted(opened), "ran": sorted(ran), "record": result.version}))
"""


@slow  # a whole build (SHACL validation) in a child process, traced
def test_the_record_holds_every_file_and_module_a_build_reads(tmp_path):
    out = subprocess.run([sys.executable, "-c", TRACE, str(tmp_path / "build")],
                         capture_output=True, text=True, timeout=600, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                              "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.splitlines()[-1])
    root = str(ROOT.resolve()) + "/"
    inputs = {p[len(root):] for p in seen["opened"]
              if p.startswith(root) and p[len(root):].startswith(("data/", "ontology/"))}
    assert inputs, "the trace saw no input"
    assert set(seen["record"]["sources"]) == inputs
    kg_dir = root + "kg/"
    ran = {p[len(kg_dir):-3].replace("/", ".").removesuffix(".__init__")
           for p in seen["ran"] if p.startswith(kg_dir) and p.endswith(".py")}
    building = {m for m in ran if m not in {"build", "snapshot", "version"}}  # the writer
    assert "bibliography" in building
    assert building <= set(builder_modules()), building - set(builder_modules())
    assert seen["record"]["builder"] == builder_hash()


def test_builder_modules_are_what_the_graph_code_imports():
    """The modules loaded by importing the graph builder and the SHACL check (a child's
    sys.modules) are all among the hashed ones."""
    out = subprocess.run([sys.executable, "-c", "import sys, kg.graph, kg.validate; "
                          "print(' '.join(m for m in sys.modules if m.startswith('kg.')))"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    loaded = {m.removeprefix("kg.") for m in out.stdout.split()}
    assert {"graph", "bibliography", "ingest"} <= loaded
    assert loaded <= set(builder_modules())


def test_editing_a_builder_module_changes_the_builder_hash(tmp_path):
    kg_copy = tmp_path / "kg"
    shutil.copytree(ROOT / "kg", kg_copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = builder_hash(kg_copy)
    assert before == builder_hash()
    for name in ("bibliography", "validate", "urls"):
        f = kg_copy / f"{name}.py"
        text = f.read_text()
        f.write_text(text + "\n# edited\n")
        assert builder_hash(kg_copy) != before, name
        f.write_text(text)
    (kg_copy / "app" / "console.py").write_text("# not a builder\n")
    assert builder_hash(kg_copy) == before


def test_editing_any_curated_input_makes_the_build_stale(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(settings.DATA_DIR, data)
    monkeypatch.setattr(settings, "DATA_DIR", data)
    source = data / "privacy-taxonomy.md"
    files = source_files(source, tmp_path / "no-additions")
    assert {p.name for p in files} >= set(CURATED_INPUTS)
    record = {**version_record(Graph(), files), "builder": builder_hash()}
    build_dir = tmp_path / "build"
    write_dir_atomically(build_dir, {"version.json": dumps(record), "graph.nt": ""})
    monkeypatch.setenv("KG_ADDITIONS_DIR", str(tmp_path / "no-additions"))
    assert build_state(build_dir, source).current
    for name in ("bibliography.yaml", "definitions.yaml"):
        f = data / name
        text = f.read_text()
        f.write_text(text + "\n# edited\n")
        state = build_state(build_dir, source)
        assert not state.current and [Path(p).name for p in state.sources_changed] == [name]
        assert "sources changed since this build" in render_text(state)
        f.write_text(text)
    assert build_state(build_dir, source).current
