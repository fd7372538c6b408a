"""Every CLI command, setting and export format is documented in the README."""

from __future__ import annotations

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


def test_modules_in_architecture():
    for path in sorted((ROOT / "kg").rglob("*.py")):
        if path.name == "__init__.py" and path.parent.name != "export":
            continue
        mod = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        mod = mod.removesuffix(".__init__")
        short = mod.rsplit(".", 1)[0] + ".*" if mod.startswith("kg.commands.") else mod
        assert f"`{mod}`" in ARCH or f"`{short}`" in ARCH or (
            mod.startswith("kg.export.") and "`kg.export." in ARCH), mod
