"""The house's size rules: no module of kg/ over 500 lines, no function over 80 lines, no
CLI command over 25 (a command parses its options, makes one library call and prints).
The import layers and the absence of circles are held by `lint-imports` (pyproject.toml)."""

from __future__ import annotations

import ast

from .conftest import ROOT

KG = ROOT / "kg"
MODULE_MAX, FUNCTION_MAX, COMMAND_MAX = 500, 80, 25


def _functions(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1


def test_no_module_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in KG.rglob("*.py")
            if (n := p.read_text(encoding="utf-8").count("\n")) > MODULE_MAX}
    assert long == {}


def test_no_function_over_80_lines_and_no_command_over_25():
    long = []
    for p in sorted(KG.rglob("*.py")):
        limit = COMMAND_MAX if p.parent.name == "commands" else FUNCTION_MAX
        long += [f"{p.relative_to(ROOT)}:{line} {name} ({n} lines)"
                 for name, line, n in _functions(p) if n > limit]
    assert long == []


def test_the_size_check_sees_a_long_function(tmp_path):
    p = tmp_path / "x.py"
    p.write_text("def f():\n" + "    x = 1\n" * 90, encoding="utf-8")
    assert [n for _, _, n in _functions(p)] == [91]
