"""The click pieces every command module shares: the store options, checked numbers, JSON out.

A command that queries the graph takes :func:`store_options` (``--source``, the survey file,
and ``--store``, where it reads); ``kg build``, ``validate``, ``load`` and the ``export``
subcommands take :func:`source_option` alone. Options are checked where they are read
(one-line error naming the option). Command modules import this module, never ``kg.cli``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import settings
from ..stores.open import use_store

_SOURCE = next(s for s in settings.SETTINGS if s.name == "source")
_STORE = next(s for s in settings.SETTINGS if s.name == "store")
STORE_HELP = f"{_STORE.help} [env {_STORE.env}; default {_STORE.default}]"


def source_option(f):
    """``--source PATH``: the survey file the graph is built from (default: KG_SOURCE)."""
    return click.option("--source", type=click.Path(path_type=Path), default=None,
                        help=f"{_SOURCE.help} [env {_SOURCE.env}; default "
                             "data/privacy-taxonomy.md]")(f)


def _use(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    use_store(value)  # a bad setting is a KGError: one line, exit 1
    return value


def store_options(f):
    """``--source`` where the decorator stands, and ``--store STORE`` (sets the process's
    store, :func:`kg.stores.open.use_store`, before the other options are read) as the
    command's last option. Click lists a command's options in the reverse order of
    ``__click_params__``: inserting ``--store`` first puts it last, where ``kg CMD -h`` has
    always shown it."""
    f = source_option(f)
    f.__click_params__.insert(0, click.Option(
        ["--store", "store_setting"], default=None, metavar="STORE", expose_value=False,
        callback=_use, is_eager=True, help=STORE_HELP))
    return f


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


#: The version of each command's ``--json`` shape ("schema" in every JSON object a command
#: prints). A change of a command's shape bumps its number and is listed in the README's
#: "JSON changelog"; tests/test_json_schema.py holds the keys of each (command, schema).
JSON_SCHEMAS = {
    "add alias": 1, "add model": 1, "add paper": 1, "ask": 4, "build": 2, "centrality": 2,
    "consistency": 1, "coverage": 1, "crosswalk": 1, "curate": 1, "diff": 2, "explain": 1,
    "export construct": 1, "export question": 1, "export view": 1, "gaps": 1, "links": 1,
    "load": 2, "neighbors": 2, "path": 2, "release": 1, "search": 1, "stats": 1, "stores": 1,
    "summarize": 1, "table": 1, "version": 1,
}


def echo_json(data: dict, compact: bool = False) -> None:
    """``data`` as JSON, non-ASCII kept, led by the running command's ``schema`` number
    (every command's ``--json``); ``compact``: on one line (a large answer)."""
    ctx, names = click.get_current_context(), []
    while ctx.parent is not None:  # the command's names below the group, whatever the
        names.insert(0, ctx.info_name)  # program is called (`kg`, `python -m kg`)
        ctx = ctx.parent
    name = " ".join(names)
    out = {"schema": JSON_SCHEMAS[name], **data}
    click.echo(json.dumps(out, ensure_ascii=False) if compact
               else json.dumps(out, indent=2, ensure_ascii=False))
