"""kg add (paper | model | alias) | curate | links: curating the graph's sources."""

from __future__ import annotations

from pathlib import Path

import click

from .maintain import add as add_paper
from .options import echo_json, seconds, source_option, whole_number


class _PaperByDefault(click.Group):
    """``kg add``: a group whose subcommand is ``paper`` unless another is named, so
    ``kg add --kind attack ...`` (and a bare ``kg add``, which asks) work as they did."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["paper", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_PaperByDefault)
def add_group():
    """Curate: a paper's row (default: 'kg add [paper] ...'), a model, an alias."""


add_group.add_command(add_paper, "paper")


def _written(w, as_json: bool) -> None:
    if as_json:
        echo_json(w.as_dict())
        return
    click.echo(f"wrote {', '.join(w.files)}: {w.what}")
    click.echo("next: 'kg build' (or 'kg curate') to see the task resolved")


@add_group.command("model")
@click.argument("name")
@click.option("--broader", required=True, help="The model or family it belongs under.")
@click.option("--alias", "aliases", multiple=True, help="Another name of it (repeatable).")
@click.option("--source", "url", default=None, help="URL of the page that describes it.")
@click.option("--citation", default=None, help="Its source in words (else the URL is cited).")
@click.option("--kind", default=None,
              type=click.Choice(["DiffusionModel", "GenerativeAdversarialNetwork",
                                 "AutoregressiveModel", "GenerativeModel"]),
              help="Its class [default: the kind of --broader].")
@click.option("--family", is_flag=True, help="A family: models below it roll up to it.")
@click.option("--text-to-image", is_flag=True, help="It generates images from text.")
@click.option("--json", "as_json", is_flag=True)
def add_model(name, broader, aliases, url, citation, kind, family, text_to_image, as_json):
    """Add a target model to data/models.yaml (its aliases to data/aliases.yaml), checked:
    a new name of no kind, a known family, the tree a tree, a valid source URL. The names
    known are those of the curated files and of the survey (KG_SOURCE)."""
    from ..vocabulary import writing

    with writing() as vocabulary:
        w = vocabulary.add_model(name, broader, aliases=aliases, source=url,
                                 citation=citation, kind=kind, family=family,
                                 text_to_image=text_to_image)
    _written(w, as_json)


@add_group.command("alias")
@click.argument("alias")
@click.option("--for", "label", required=True, help="The known label it is another name of.")
@click.option("--kind", type=click.Choice(["model", "threat", "knowledge", "method"]),
              default=None, help="The label's kind [default: the one kind it names].")
@click.option("--source", "url", default=None, help="URL where this name is used for it.")
@click.option("--json", "as_json", is_flag=True)
def add_alias(alias, label, kind, url, as_json):
    """Add ALIAS as another name of a known label to data/aliases.yaml, checked: a name of
    no other node, of any kind."""
    from ..vocabulary import writing

    with writing() as vocabulary:
        w = vocabulary.add_alias(alias, label, kind=kind, source=url)
    _written(w, as_json)


@click.command()
@source_option
@click.option("--additions", "additions_dir", type=click.Path(path_type=Path), default=None,
              help="Curated additions directory [default data/additions/].")
@click.option("--build-dir", type=click.Path(path_type=Path), default=None,
              help="The current build [env KG_BUILD_DIR; default build/].")
@click.option("--no-gaps", is_flag=True, help="Skip the gap comparison.")
@click.option("--json", "as_json", is_flag=True)
def curate(source, additions_dir, build_dir, no_gaps, as_json):
    """The open curation tasks (names the vocabulary does not know, with the command that
    resolves each) and what the next build would change against the current one."""
    from ..diff import render_text, review_sources

    d = review_sources(source, additions_dir, build_dir, gaps=not no_gaps)
    if as_json:
        echo_json(d.as_dict())
    else:
        click.echo(render_text(d), nl=False)
        click.echo(f"{len(d.tasks)} open curation task(s)")


@click.command()
@click.option("--store", "store_setting", default=None, metavar="STORE",
              help="The graph whose URLs are checked [default KG_STORE].")
@click.option("--timeout", default="10", callback=seconds,
              help="Seconds each request may take (connect, send, receive) [default 10].")
@click.option("--workers", default="4", callback=whole_number(1),
              help="Requests at once [default 4].")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the report (JSON) here too.")
@click.option("--json", "as_json", is_flag=True)
def links(store_setting, timeout, workers, output, as_json):
    """Check every paper and code URL of the graph (HEAD, then GET): ok, moved (where to),
    gone, not a repository, unreachable. Never changes data; offline it says so."""
    from ..links import check_store, render_text, write_report

    report = check_store(store_setting, timeout=timeout, workers=workers)
    if output is not None:
        write_report(report, output)
    if as_json:
        echo_json(report.as_dict())
    else:
        click.echo(render_text(report), nl=False)
