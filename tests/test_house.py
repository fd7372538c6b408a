"""The house's size rules: no module of kg/ over 500 lines, no function over 80 lines, no
CLI command over 25 (a command parses its options, makes one library call and prints).
The import layers and the absence of circles are held by `lint-imports` (pyproject.toml)."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT

KG = ROOT / "kg"
MODULE_MAX, FUNCTION_MAX, COMMAND_MAX = 500, 80, 25


# Parsed in a fresh interpreter: CPython 3.11.7's ast.parse fails now and then with
# "AST constructor recursion depth mismatch" inside a long-running test worker.
_SIZES = """
import ast, json, sys
out = {}
for path in sys.argv[1:]:
    tree = ast.parse(open(path, encoding="utf-8").read())
    out[path] = [(n.name, n.lineno, n.end_lineno - n.lineno + 1) for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
print(json.dumps(out))
"""


def _sizes(paths) -> dict:
    r = subprocess.run([sys.executable, "-c", _SIZES, *map(str, paths)], capture_output=True,
                       text=True, check=True, timeout=120)
    return json.loads(r.stdout)


def _functions(path):
    return [tuple(f) for f in _sizes([path])[str(path)]]


def test_no_module_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in KG.rglob("*.py")
            if (n := p.read_text(encoding="utf-8").count("\n")) > MODULE_MAX}
    assert long == {}


def test_no_function_over_80_lines_and_no_command_over_25():
    long = []
    paths = sorted(KG.rglob("*.py"))
    sizes = _sizes(paths)
    for p in paths:
        limit = COMMAND_MAX if p.parent.name == "commands" else FUNCTION_MAX
        long += [f"{p.relative_to(ROOT)}:{line} {name} ({n} lines)"
                 for name, line, n in sizes[str(p)] if n > limit]
    assert long == []


def test_the_size_check_sees_a_long_function(tmp_path):
    p = tmp_path / "x.py"
    p.write_text("def f():\n" + "    x = 1\n" * 90, encoding="utf-8")
    assert [n for _, _, n in _functions(p)] == [91]
