"""Every CLI command, setting and export format is documented in the README."""

from __future__ import annotations

import re

import click
import pytest

from kg import settings
from kg.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCH = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", main.list_commands(click.Context(main)))
def test_command_in_readme(name):
    assert f"`kg {name}" in README or f"kg {name} " in README, name


@pytest.mark.parametrize("s", settings.SETTINGS, ids=lambda s: s.name)
def test_setting_in_readme(s):
    assert f"`{s.env}`" in README, s.env


def test_export_formats_in_readme():
    from kg.export import FORMATS

    for name in FORMATS:
        assert name in README, name


def kg_modules() -> set[str]:
    """Every module of the package as a dotted name (a package by its own name)."""
    return {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for p in (ROOT / "kg").rglob("*.py")}


def table_modules() -> tuple[set[str], set[str]]:
    """The modules the architecture's module table names in its first column: exact names
    (``kg.export.{bibtex,latex}`` expanded) and package patterns (``kg.commands.*``: the
    package and everything in it)."""
    exact, packages = set(), set()
    for cell in re.findall(r"^\| ([^|]*) \|", ARCH, re.M):
        for name in re.findall(r"`(kg[\w.{},*]*)`", cell):
            if name.endswith(".*"):
                packages.add(name[:-2])
            elif m := re.fullmatch(r"(kg[\w.]*)\.\{([\w,]+)\}", name):
                exact |= {f"{m.group(1)}.{part}" for part in m.group(2).split(",")}
            else:
                exact.add(name)
    return exact, packages


def test_the_module_table_names_every_module_and_only_modules():
    modules = kg_modules()
    exact, packages = table_modules()

    def covered(m: str) -> bool:
        return m in exact or any(m == p or m.startswith(p + ".") for p in packages)

    assert sorted(m for m in modules if not covered(m)) == []  # every module has its row
    assert sorted((exact | packages) - modules) == []  # every row names a module that exists


def test_every_module_is_in_a_layer_of_the_import_contract():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c["layers"] for c in config["tool"]["importlinter"]["contracts"]
                 if c["type"] == "layers"]
    names = {n.strip().strip("()") for layer in layers for n in re.split(r"[|:]", layer)}
    assert "ui" in names and "kg.app" in names and "kg.api" in names
    outside = [m for m in kg_modules() if m not in ("kg", "kg.__main__")
               and not any(m == n or m.startswith(n + ".") for n in names)]
    assert outside == []
