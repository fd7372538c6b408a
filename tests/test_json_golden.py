"""Golden files for the `--json` outputs of `kg gaps` and `kg coverage` (every view) on the
survey, compared byte for byte: a change of how their rows are read or written (issue 31:
bindings as VALUES blocks, query shapes, rows to output) must leave every byte as it was.

The goldens were written by the code of 5fcdc01 (before issue 31's second pass).
Regenerate only on purpose:  KG_UPDATE_GOLDENS=1 pytest tests/test_json_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "json"
UPDATE = os.environ.get("KG_UPDATE_GOLDENS") == "1"

COMMANDS = {
    "gaps": ["gaps", "--json"],
    "coverage-model": ["coverage", "--json", "--by", "model"],
    "coverage-family": ["coverage", "--json", "--by", "model", "--level", "family"],
    "coverage-knowledge": ["coverage", "--json", "--by", "knowledge"],
    "coverage-defense": ["coverage", "--json", "--by", "defense"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_json_output_is_golden(kg_cli, name):
    r = kg_cli(*COMMANDS[name])
    assert r.exit_code == 0, r.output
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(r.output, encoding="utf-8")
    assert r.output == path.read_text(encoding="utf-8"), f"{name}: differs from {path}"
