"""kg add | diff | version: keeping the graph current."""

from __future__ import annotations

from pathlib import Path

import click

from .. import settings
from ..cli import echo_json, main, source_option
from ..errors import KGError, UnknownLabelError

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


def _target(file_name: str | None, directory: Path, title: str) -> Path:
    from ..vocab import slug

    if not file_name:
        return directory / f"{slug(title)[:60]}.yaml"
    p = Path(file_name)
    if not p.suffix:
        p = p.with_suffix(".yaml")
    return p if (p.is_absolute() or len(p.parts) > 1) else directory / p


@main.command()
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
@source_option
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
    from ..additions import (
        AdditionReport,
        Additions,
        addition_files,
        default_dir,
        load_additions,
        parse_additions,
        parse_entry,
        with_entry,
    )
    from ..curated import load_aliases
    from ..errors import AdditionError
    from ..files import atomic_write, display_path
    from ..graph import build_graph, split_multi
    from ..ingest import read_survey
    from ..validate import require_valid
    from ..vocab import slug

    directory = additions_dir or default_dir()
    source = source or settings.path("source")
    survey = read_survey(source, display_path(source))
    aliases = load_aliases()
    build_graph(survey, aliases=aliases)  # registers the ontology's and models' labels

    kinds = {"threat": "threats", "knowledge": "knowledge", "models": "models"}

    def check(fld: str, text: str) -> str:
        if fld in kinds:
            for part in ([text] if fld == "threat" else split_multi(text)):
                aliases.require(kinds[fld], part, f"field {fld!r}")
        return text

    def ask(fld: str, given, required: bool = True):
        if given:
            text = ", ".join(given) if isinstance(given, tuple) else given
            return check(fld, text)
        if no_input:
            if required:
                raise KGError(f"field {fld!r}: missing; pass --{OPTION.get(fld, fld)} or "
                              "drop --no-input to be asked")
            return None

        def proc(text: str) -> str:
            try:
                return check(fld, text.strip())
            except UnknownLabelError as e:
                raise click.BadParameter(str(e)) from None

        return click.prompt(FIELD_HELP[fld], value_proc=proc,
                            default=None if required else "", show_default=False) or None

    if kind is None:
        if no_input:
            raise KGError("field 'kind': missing; pass --kind attack or --kind defense")
        kind = click.prompt("Kind", type=click.Choice(["attack", "defense"]))
    raw: dict = {"kind": kind, "title": ask("title", title)}
    raw["urls"] = ask("urls", urls, required=False)
    raw["code"] = ask("code", code, required=False)
    raw["threat"] = ask("threat", threat)
    if kind == "attack":
        raw["knowledge"] = ask("knowledge", knowledge)
    else:
        raw["method"] = ask("method", method)
    raw["models"] = ask("models", models)
    raw["effectiveness"] = ask("effectiveness", effectiveness)
    if kind == "attack":
        raw["limitations"] = ask("limitations", limitations)
    raw = {k: v for k, v in raw.items() if v is not None}

    target = _target(file_name, directory, raw["title"])
    rel = display_path(target)
    old_text = target.read_text(encoding="utf-8") if target.is_file() else None
    existing = parse_additions(old_text or "", rel)
    taken = {e.key for e in existing.entries}
    if key is None:
        what = raw.get("threat") if kind == "attack" else raw.get("method")
        stem = f"{slug(raw['title'])[:48]}-{kind}-{slug(str(what))[:24]}".strip("-")
        key, n = stem, 2
        while key in taken:
            key, n = f"{stem}-{n}", n + 1
    entry = parse_entry({"key": key, **raw}, rel, len(existing.entries) + 1, set(taken))
    new_text = with_entry(old_text, entry)

    # The whole additions directory as it would be, built on the survey and validated.
    others = Additions()
    for p in addition_files(directory):
        if p.resolve() != target.resolve():
            one = load_additions(p)
            others.files += one.files
            others.entries += one.entries
            others.rejected += one.rejected
    mine = parse_additions(new_text, rel)
    if mine.rejected:
        raise AdditionError(mine.rejected)
    report = AdditionReport()
    g = build_graph(survey, aliases=load_aliases(), additions=Additions(
        others.files + mine.files, others.entries + mine.entries, others.rejected),
        skip_bad=True, report=report)
    bad = [r for r in report.skipped if r.file == rel]
    if bad:
        raise AdditionError(bad)
    for e, where in report.unchanged:
        if e.file == rel and e.key == key:
            raise KGError(f"file {rel}, entry {key!r}: already in the graph ({where}); "
                          "nothing written")
    require_valid(g)
    atomic_write(target, new_text)
    if as_json:
        echo_json({"file": rel, "key": key, "entry": entry.as_yaml_dict(),
                   "other_bad_entries": [r.as_dict() for r in report.skipped]})
        return
    click.echo(f"wrote entry {key!r} to {rel}")
    for r in report.skipped:
        click.echo(f"note: another addition is bad and will stop 'kg build': {r}", err=True)
    click.echo("next: 'kg build' to rebuild, then 'kg diff' or the app to see what changed")


@main.command()
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


@main.command()
@click.option("--build-dir", type=click.Path(path_type=Path), default=None,
              help="The build to describe [env KG_BUILD_DIR; default build/].")
@click.option("--json", "as_json", is_flag=True)
def version(build_dir, as_json):
    """The version of the built graph (content hash, source hashes, build date), and
    which sources changed since that build."""
    from ..additions import addition_files
    from ..files import display_path
    from ..version import read_version, sha256_file, version_line

    build_dir = build_dir or settings.path("build_dir")
    rec = read_version(build_dir)
    if rec is None or "version" not in rec:
        raise KGError(f"no version record in {display_path(build_dir)}; run 'kg build'")
    was = rec.get("sources", {})
    stale = []
    for path, digest in was.items():  # the recorded sources, re-hashed
        p = Path(path) if Path(path).is_absolute() else settings.ROOT / path
        if not p.is_file() or sha256_file(p) != digest:
            stale.append(path)
    stale += [display_path(p) for p in addition_files() if display_path(p) not in was]
    stale.sort()
    if as_json:
        echo_json({**rec, "build_dir": display_path(build_dir), "sources_changed": stale})
        return
    click.echo(version_line(rec))
    for path, digest in sorted(was.items()):
        click.echo(f"  {digest[:16]}  {path}")
    if stale:
        click.echo("sources changed since this build (run 'kg build'): " + ", ".join(stale))
    else:
        click.echo("sources unchanged since this build")
