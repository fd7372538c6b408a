"""The lower items of issue 30 (item 6): invisible and text-direction characters refused in
URLs, control characters refused in survey cells (naming the cell), and `kg load --graph`
of a file holding no paper refused unless --force, the store left as it was."""

from __future__ import annotations

import errno

import pytest
from rdflib.namespace import PROV

from kg.errors import SourceError
from kg.ingest import parse_survey
from kg.urls import url_problem
from tests.test_hardening_data import ADD, one_line_error
from tests.tiers import first_fast

from .conftest import SURVEY


@pytest.mark.parametrize("ch", ["\u202e", "\u200b", "\u200e", "\u2066", "\u2060", "\u00ad",
                                "\ufeff", "\u061c"])
def test_invisible_and_bidi_characters_are_refused_in_urls(ch):
    why = url_problem(f"https://example.org/{ch}gnp.exe")
    assert why is not None and f"U+{ord(ch):04X}" in why
    assert url_problem(f"https://exa{ch}mple.org/") is not None


def test_letters_beyond_ascii_stay_allowed_in_urls():
    assert url_problem("https://example.org/Tramèr/日本") is None


def test_kg_add_refuses_a_right_to_left_override_in_a_url(kg_cli, tmp_path):
    d = tmp_path / "additions"
    d.mkdir()
    r = kg_cli(*ADD, "--url", "https://x.org/\u202efdp.exe", "--code", "none", "--dir", str(d))
    one_line_error(r, "field 'urls'", "is not a valid http(s) URL", "U+202E")
    assert not any(d.iterdir())


def _cell(text: str) -> str:
    """The survey with ``text`` appended to its first data cell of the attacks table."""
    survey = SURVEY.read_text(encoding="utf-8")
    i = survey.index("<td", survey.index("Attacker&apos;s knowledge"))
    j = survey.index(">", i) + 1
    return survey[:j] + text + survey[j:]


@pytest.mark.parametrize("text, code", [("\x1b[31mred", "U+001B"), ("&#27;[2J", "U+001B"),
                                        ("a\x00b", "U+0000"), ("x\x85y", "U+0085"),
                                        ("&#x7f;", "U+007F")])
def test_a_control_character_in_a_cell_is_refused_naming_the_cell(text, code):
    with pytest.raises(SourceError) as e:
        parse_survey(_cell(text), file="s.md")
    msg = str(e.value)
    assert "file s.md" in msg and "table 'attacks'" in msg and "row 1" in msg
    assert f"control character {code}" in msg and "\n" not in msg


def test_tabs_and_line_breaks_in_a_cell_are_text():
    s = parse_survey(_cell("\tword\r\n"), file="s.md")
    assert s.tables["attacks"].rows[0]


@pytest.fixture
def loaded(tmp_path):
    from kg.loading import load

    setting = f"oxigraph:{tmp_path / 'ox'}"
    load(setting, synthetic=5, seed=1)
    return setting


def _papers(setting: str) -> int:
    from kg.stores.open import open_store

    return len(open_store(setting, check=False).select("SELECT ?p WHERE { ?p a rd:Paper }"))


@pytest.mark.parametrize("content", first_fast(
    ["", "<http://e.org/a> <http://e.org/b> <http://e.org/c> .\n"]))
def test_kg_load_refuses_a_graph_without_papers_unless_forced(kg_cli, loaded, tmp_path, content):
    f = tmp_path / "other.nt"
    f.write_text(content, encoding="utf-8")
    r = kg_cli("load", "--store", loaded, "--graph", str(f))
    one_line_error(r, f"file {f}", "holds no paper", "nothing was loaded", "is unchanged",
                   "--force")
    assert _papers(loaded) == 5
    r = kg_cli("load", "--store", loaded, "--graph", str(f), "--force")
    assert r.exit_code == 0, r.output
    assert _papers(loaded) == 0


def _enospc(*a, **k):
    raise OSError(errno.ENOSPC, "No space left on device", a[-1] if a else None)


def test_a_full_disk_in_kg_add_is_one_line_and_changes_nothing(kg_cli, tmp_path, monkeypatch):
    import kg.files

    d = tmp_path / "additions"
    d.mkdir()
    f = d / "mine.yaml"
    f.write_text("entries: []\n", encoding="utf-8")
    monkeypatch.setattr(kg.files.os, "replace", _enospc)
    r = kg_cli(*ADD, "--url", "https://x.org/p", "--code", "none", "--dir", str(d),
               "--file", "mine.yaml")
    one_line_error(r, f"cannot write {f}", "No space left on device", "nothing was changed")
    assert f.read_text(encoding="utf-8") == "entries: []\n"
    assert sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) == ["mine.yaml"]


def test_a_full_disk_in_kg_build_is_one_line_and_keeps_the_build(kg_cli, survey_build, tmp_path,
                                                                monkeypatch):
    import kg.snapshot
    from tests.built import copy_build
    from tests.test_hardening_data import snapshot

    out = copy_build(survey_build, tmp_path / "out")
    before = snapshot(out)
    real = open

    def full(path, mode="r", *a, **k):
        if "w" in mode and ".stage-" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, mode, *a, **k)

    monkeypatch.setattr(kg.snapshot, "open", full, raising=False)
    r = kg_cli("build", "--build-dir", str(out))
    one_line_error(r, "cannot write", ".stage-", "No space left on device", "nothing was changed",
                   "is as it was")
    assert snapshot(out) == before


def test_a_shacl_failure_names_the_file_and_row(graph):
    from rdflib import Graph, Literal

    from kg.errors import ValidationError
    from kg.validate import require_valid
    from kg.vocab import RD

    g = Graph()
    for t in graph:
        g.add(t)
    attack = sorted(g.subjects(RD.threat, None))[0]
    row = g.value(attack, PROV.wasDerivedFrom)
    number = int(g.value(row, RD.rowNumber))
    g.add((attack, RD.effectiveness, Literal("a second effectiveness")))
    with pytest.raises(ValidationError) as e:
        require_valid(g)
    msg = str(e.value)
    assert "\n" not in msg
    assert f"file {SURVEY.relative_to(SURVEY.parents[1])}, attacks table, row {number} " \
        f"(node {attack})" in msg
    assert "effectiveness" in msg and "More than 1 values" in msg
