"""kg add | diff | version: keeping the graph current."""

from __future__ import annotations

from pathlib import Path

import click

from ..additions import entry_fields
from ..errors import KGError, UnknownLabelError
from .options import echo_json, store_options

FIELD_HELP = {
    "title": "Paper title",
    "urls": "Paper URL(s), comma-separated",
    "code": "Code repository URL, or 'none'",
    "threat": "Threat category",
    "knowledge": "Attacker's knowledge (comma-separated)",
    "models": "Target models (comma-separated)",
    "method": "Defense method",
    "effectiveness": "Effectiveness",
    "limitations": "Limitations",
}

OPTION = {"urls": "url", "models": "model"}


def _ask(curation, name: str, given, required: bool, no_input: bool) -> str | None:
    """A field's text: given as an option (checked), else asked for (asked again while a
    label is unknown), else with --no-input a one-line error when it is required."""
    if given:
        return curation.check_field(name, ", ".join(given) if isinstance(given, tuple) else given)
    if no_input:
        if required:
            raise KGError(f"field {name!r}: missing; pass --{OPTION.get(name, name)} or "
                          "drop --no-input to be asked")
        return None

    def proc(text: str) -> str:
        try:
            return curation.check_field(name, text.strip())
        except UnknownLabelError as e:
            raise click.BadParameter(str(e)) from None

    return click.prompt(FIELD_HELP[name], value_proc=proc,
                        default=None if required else "", show_default=False) or None


def _fields(curation, kind: str | None, given: dict, no_input: bool) -> dict:
    """The entry's fields (kind first, then in file order), each given or asked for."""
    if kind is None:
        if no_input:
            raise KGError("field 'kind': missing; pass --kind attack or --kind defense")
        kind = click.prompt("Kind", type=click.Choice(["attack", "defense"]))
    raw = {"kind": kind}
    for name, required in entry_fields(kind):
        raw[name] = _ask(curation, name, given[name], required, no_input)
    return {k: v for k, v in raw.items() if v is not None}


@click.command()
@click.option("--kind", type=click.Choice(["attack", "defense"]), default=None,
              help="A row of the attack table or of the defense table.")
@click.option("--title", default=None, help="Paper title (the survey's 'Ref.' text).")
@click.option("--url", "urls", multiple=True, help="Paper URL (repeatable).")
@click.option("--code", default=None, help="Code repository URL, or 'none' (no code marked).")
@click.option("--threat", default=None, help="Threat category (aliases allowed, e.g. MIA).")
@click.option("--knowledge", multiple=True,
              help="Attacks: attacker's knowledge (repeatable or comma-separated).")
@click.option("--model", "models", multiple=True,
              help="Target model (repeatable or comma-separated; see data/models.yaml).")
@click.option("--method", default=None, help="Defenses: the key method.")
@click.option("--effectiveness", default=None, help="Effectiveness, as the survey words it.")
@click.option("--limitations", default=None, help="Attacks: limitations.")
@click.option("--key", default=None, help="Entry key, unique in its file [default: from the "
                                          "title, kind and threat/method].")
@click.option("--file", "file_name", default=None,
              help="Additions file to append to (a name in --dir, or a path) "
                   "[default: one file per paper, named after its title].")
@click.option("--dir", "additions_dir", type=click.Path(path_type=Path), default=None,
              help="Additions directory [default data/additions/].")
@store_options
@click.option("--no-input", is_flag=True, help="Never prompt: a missing field is an error.")
@click.option("--json", "as_json", is_flag=True, help="Print the written entry as JSON.")
def add(kind, title, urls, code, threat, knowledge, models, method, effectiveness, limitations,
        key, file_name, additions_dir, source, no_input, as_json):
    """Write a curated addition: one attack or defense row of a paper (no network).

    Fields not given as options are asked for (unless --no-input). Labels are checked
    against data/aliases.yaml, the ontology and data/models.yaml; the entry is checked
    against the survey (a duplicate with conflicting facts is refused) and the SHACL
    shapes before anything is written. Rebuild with 'kg build'.
    """
    from ..curation import open_curation

    curation = open_curation(source, additions_dir)
    given = {"title": title, "urls": urls, "code": code, "threat": threat,
             "knowledge": knowledge, "method": method, "models": models,
             "effectiveness": effectiveness, "limitations": limitations}
    added = curation.add(_fields(curation, kind, given, no_input), key=key, file_name=file_name)
    if as_json:
        echo_json(added.as_dict())
        return
    click.echo(f"wrote entry {added.key!r} to {added.file}")
    for r in added.other_bad:
        click.echo(f"note: another addition is bad and will stop 'kg build': {r}", err=True)
    click.echo("next: 'kg build' to rebuild, then 'kg diff' or the app to see what changed")


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--with-additions", is_flag=True,
              help="Survey files: build each with data/additions/ too (default: the survey alone).")
@click.option("--no-gaps", is_flag=True, help="Skip the gap comparison.")
@click.option("--json", "as_json", is_flag=True)
def diff(old, new, with_additions, no_gaps, as_json):
    """What changed from OLD to NEW (two survey files, two build dirs, or RDF files):
    papers, attacks, defense evaluations (cell by cell) and gaps opened or closed."""
    from ..diff import diff_paths, render_text

    d = diff_paths(old, new, with_additions=with_additions, gaps=not no_gaps)
    if as_json:
        echo_json(d.as_dict())
    else:
        click.echo(render_text(d), nl=False)


@click.command()
@click.option("--build-dir", type=click.Path(path_type=Path), default=None,
              help="The build to describe [env KG_BUILD_DIR; default build/].")
@click.option("--json", "as_json", is_flag=True)
def version(build_dir, as_json):
    """The version of the built graph (content hash, source hashes, build date), and
    which sources changed since that build."""
    from ..version import describe_build, render_text

    state = describe_build(build_dir)
    if as_json:
        echo_json(state.as_dict())
    else:
        click.echo(render_text(state))
