"""The `kg` command: thin commands over the package API.

Every command that prints data takes --json where it makes sense and exits non-zero
with a one-line error on bad input (KGError); tracebacks are for bugs only.
Command modules register themselves on :data:`main` from :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
from pathlib import Path

import click

from . import settings
from .errors import KGError

COMMAND_MODULES = [
    "kg.commands.core",
    "kg.commands.export",
    "kg.commands.store",
    "kg.commands.search",
    "kg.commands.analysis",
    "kg.commands.maintain",
]


class KGGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KGError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)


@click.group(cls=KGGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="responsible-diffusion-kg")
def main() -> None:
    """Knowledge graph of privacy attacks and defenses for diffusion models."""


def source_option(f):
    s = next(s for s in settings.SETTINGS if s.name == "source")
    return click.option("--source", type=click.Path(path_type=Path), default=None,
                        help=f"{s.help} [env {s.env}; default data/privacy-taxonomy.md]")(f)


def _option_name(param: click.Parameter) -> str:
    return max(param.opts, key=len) if param.opts else str(param.name)


def whole_number(minimum: int = 1):
    """A click callback: the option as a whole number >= ``minimum`` (a one-line error
    naming the option otherwise; the option is declared without a click type)."""
    def check(ctx: click.Context, param: click.Parameter, value):
        if value is None:
            return None
        return settings.whole_number(value, _option_name(param), minimum)
    return check


def seconds(ctx: click.Context, param: click.Parameter, value):
    """A click callback: the option as seconds, finite and > 0 (one-line error otherwise)."""
    return None if value is None else settings.seconds(value, _option_name(param))


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@functools.cache
def _load() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name)


_load()
