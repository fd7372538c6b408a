"""The `kg` command: the group and the table of its commands.

Each command lives in a module of :mod:`kg.commands` and is named in :data:`COMMANDS`;
the group imports a command's module only when that command is asked for (``kg ask``
does not load the export or the profile code), ``kg --help`` loads them all for their
short help. Every invocation starts from ``KG_STORE`` (a command's ``--store`` changes
it for that invocation). A KGError is a one-line error and exit 1; tracebacks are for
bugs only. Command modules never import this module.
"""

from __future__ import annotations

import importlib
import sys

import click

from .errors import KGError
from .stores.open import use_store

# command name -> "module:attribute" of its click command
COMMANDS = {
    "add": "kg.commands.curate:add_group",
    "ask": "kg.commands.search:ask",
    "build": "kg.commands.core:build",
    "centrality": "kg.commands.analysis:centrality",
    "consistency": "kg.commands.analysis:consistency",
    "coverage": "kg.commands.analysis:coverage",
    "crosswalk": "kg.commands.analysis:crosswalk",
    "curate": "kg.commands.curate:curate",
    "diff": "kg.commands.maintain:diff",
    "explain": "kg.commands.core:explain",
    "export": "kg.commands.export:export_group",
    "gaps": "kg.commands.analysis:gaps",
    "links": "kg.commands.curate:links",
    "load": "kg.commands.store:load",
    "neighbors": "kg.commands.analysis:neighbors",
    "path": "kg.commands.analysis:path",
    "profile": "kg.commands.analysis:profile",
    "release": "kg.commands.share:release",
    "search": "kg.commands.search:search",
    "serve": "kg.commands.share:serve",
    "sparql": "kg.commands.core:sparql",
    "stats": "kg.commands.core:stats",
    "stores": "kg.commands.store:stores",
    "summarize": "kg.commands.store:summarize",
    "table": "kg.commands.core:table",
    "validate": "kg.commands.core:validate",
    "version": "kg.commands.maintain:version",
}


class KGGroup(click.Group):
    """A group whose commands are the table's, each imported when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, attribute = where.split(":")
        return getattr(importlib.import_module(module), attribute)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as e:  # "did you mean" from the table's names
            raise click.exceptions.NoSuchCommand(
                e.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def invoke(self, ctx: click.Context):
        use_store(None)  # each invocation starts from KG_STORE, and leaves it so
        try:
            return super().invoke(ctx)
        except KGError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        finally:
            use_store(None)


@click.group(cls=KGGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="responsible-diffusion-kg")
def main() -> None:
    """Knowledge graph of privacy attacks and defenses for diffusion models."""
