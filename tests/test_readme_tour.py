"""The README's one-minute tour runs as written: every command exits 0, and where its
comment is a quotation of what it prints ("'Imagen' is not in the graph"), the output says
it."""

from __future__ import annotations

import re
import shlex

import pytest
from click.testing import CliRunner

from kg.cli import main

from .conftest import ROOT
from .tiers import slow

README = (ROOT / "README.md").read_text(encoding="utf-8")


def tour() -> list[tuple[list[str], str]]:
    """(arguments, comment) of each `kg` command of the tour's code block."""
    block = README.split("## A one-minute tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    out, pending, said = [], "", ""
    for line in block.splitlines():
        m = re.search(r"\s{2,}#", line)
        code, comment = (line[:m.start()], line[m.end():]) if m else (line, "")
        pending = f"{pending}\n{code}" if pending else code
        said += comment
        try:
            words = shlex.split(pending)
        except ValueError:  # an open quote: the command goes on on the next line
            continue
        if words and words[0] == "kg":
            out.append((words[1:], said.strip()))
        pending, said = "", ""
    return out


def test_the_tour_is_read():
    cmds = tour()
    assert len(cmds) >= 20 and cmds[0][0] == ["build"]
    assert any(c[0] == "sparql" and "Gradient inversion" in c[1] for c, _ in cmds)


def _quoted(comment: str) -> list[str]:
    """What a comment that starts with a quotation says the command prints, in pieces
    ("a ...; b": "a", "; b"); a comment that explains in its own words gives none."""
    m = re.match(r'"([^"]+)"', comment)
    return [p for p in m.group(1).split("...") if p.strip()] if m else []


@slow
def test_every_command_of_the_tour_runs_and_says_what_the_readme_says(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_BUILD_DIR", str(tmp_path / "build"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args, comment in tour():
        r = runner.invoke(main, args, catch_exceptions=False)
        assert r.exit_code == 0, (args, r.output)
        for piece in _quoted(comment):
            assert piece.strip() in r.output, (args, piece, r.output[:2000])


@pytest.mark.parametrize("comment, pieces", [
    ('"\'Imagen\' is not in the graph"', ["'Imagen' is not in the graph"]),
    ('"\'PIA\' can mean ...; read as the paper"', ["'PIA' can mean ", "; read as the paper"]),
    ("no quote here", []),
    ('authors: "Kong" is Fei Kong', []),
])
def test_quoted_pieces(comment, pieces):
    assert _quoted(comment) == pieces
