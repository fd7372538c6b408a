"""The oracle tests can fail: a deliberately broken parser, applied in a temporary copy of
the project, makes the oracle and cell-for-cell tests fail there.

The mutation is the one that once passed them all while the oracle read the survey through
the product: the graph builder keeps only the first name of every Target Models cell. Now
that the oracle reads the survey independently (tests/fixtures/survey_rows.json), the
tests that compare the product with it must see the change."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from .conftest import ROOT
from .tiers import slow

FIXTURE = ROOT / "tests" / "fixtures" / "survey_rows.json"
FIRST_MODEL_ONLY = ("for text in _nonempty_multi(ctx, row, MODELS)\n",
                    "for text in _nonempty_multi(ctx, row, MODELS)[:1]\n")
TESTS = ["tests/test_table.py::test_regenerated_table_equals_source_cell_by_cell",
         "tests/test_query.py::test_drawn_forms_equal_the_oracle",
         "tests/test_sentences.py::test_gap_reasons_count_what_the_oracle_counts",
         "tests/test_profile.py::test_line_by_line_against_the_oracle"]


def test_the_independent_reading_is_current_with_the_survey(tmp_path):
    out = tmp_path / "rows.json"
    subprocess.run([sys.executable, "-c", (
        "import sys, pathlib; sys.path.insert(0, 'tests/fixtures'); import survey_rows as s; "
        f"s.OUT = pathlib.Path({str(out)!r}); s.main()")], cwd=ROOT, check=True,
        capture_output=True)
    assert out.read_bytes() == FIXTURE.read_bytes()


@slow
def test_a_parser_that_keeps_one_model_per_cell_fails_the_oracle_tests(tmp_path):
    copy = tmp_path / "project"
    for part in ("kg", "tests", "data", "ontology"):
        shutil.copytree(ROOT / part, copy / part,
                        ignore=shutil.ignore_patterns("__pycache__", "artifacts"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    graph = copy / "kg" / "graph.py"
    text = graph.read_text(encoding="utf-8")
    assert text.count(FIRST_MODEL_ONLY[0]) == 1
    graph.write_text(text.replace(*FIRST_MODEL_ONLY), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(copy), "KG_BUILD_DIR": str(tmp_path / "build"),
           "KG_CACHE_DIR": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-p", "no:randomly", *TESTS], cwd=copy, env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 1, r.stdout[-2000:] + r.stderr[-2000:]
    failed = {line.split(" ")[1].split("[")[0] for line in r.stdout.splitlines()
              if line.startswith("FAILED ")}
    assert failed == set(TESTS), r.stdout[-3000:]
