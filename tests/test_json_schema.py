"""Stable JSON: every command's --json output leads with its ``schema`` number, and the keys
of each (command, schema) are held here. A change of a command's shape fails this test until
its number is bumped in kg.commands.options.JSON_SCHEMAS, its new keys are added below
under the new number, and the README's "JSON changelog" says what changed."""

from __future__ import annotations

import json

import pytest

from kg.commands.options import JSON_SCHEMAS
from kg.profile import SCHEMA as PROFILE_SCHEMA

# (command, schema) -> the top-level keys of its --json object, in order
KEYS = {
    ("add paper", 1): ["schema", "file", "key", "entry", "other_bad_entries"],
    ("add model", 1): ["schema", "files", "entry", "what"],
    ("add alias", 1): ["schema", "files", "entry", "what"],
    ("ask", 4): ["schema", "question", "intent", "sparql", "answers", "count", "understood_as",
                 "logical_form", "not_understood", "not_in_graph", "linked", "message",
                 "readings"],
    ("build", 2): ["schema", "build_dir", "version", "counts", "conforms", "additions",
                   "previous_kept", "tasks"],
    ("centrality", 2): ["schema", "papers", "methods"],  # each node with its display name
    ("consistency", 1): ["schema", "count", "findings"],
    ("coverage", 1): ["schema", "by", "level", "level_note", "rows", "columns", "cells_total",
                      "items_limit", "cells_listed", "truncated_cells", "cells", "unknown"],
    ("crosswalk", 1): ["schema", "curated", "file", "source", "atlas_version", "verified_in",
                       "mappings", "unmapped", "coverage"],
    ("diff", 2): ["schema", "old", "new", "summary", "papers", "attacks",
                  "defense_evaluations", "gaps", "tasks"],
    ("explain", 1): ["schema", "iri", "label", "facts", "mentioned_in", "derived_from",
                     "derived_links", "unverified"],
    ("export construct", 1): ["schema", "format", "columns", "graph_sha256", "view", "command",
                              "construct", "question", "understood_as", "counts", "papers",
                              "empty_bibliographic_fields", "missing_bibliography", "path",
                              "paths", "content"],
    ("gaps", 1): ["schema", "count", "listed", "summary", "code_limit", "evidence_limit",
                  "truncated_gaps", "gaps"],
    ("links", 1): ["schema", "offline", "timeout", "workers", "counts", "links"],
    ("load", 2): ["schema", "store", "kind", "triples", "from", "seconds", "summary_cells",
                  "summary_seconds", "lexicon_seconds"],
    ("neighbors", 2): ["schema", "node", "depth", "neighbors"],
    ("path", 2): ["schema", "from", "to", "length", "steps"],
    ("release", 1): ["schema", "version", "graph_sha256", "triples", "directory", "files"],
    ("search", 1): ["schema", "query", "results"],
    ("stats", 1): ["schema", "triples", "counts"],
    ("stores", 1): ["schema", "stores"],
    ("summarize", 1): ["schema", "store", "stored", "graph", "fingerprint", "cells", "seconds"],
    ("table", 1): ["schema", "table", "words", "headers", "rows"],
    ("version", 1): ["schema", "build_date", "builder", "graph_sha256", "sources", "triples",
                     "version", "build_dir", "sources_changed"],
}
for _cmd in ("export view", "export question"):
    KEYS[(_cmd, 1)] = KEYS[("export construct", 1)]
KEYS[("curate", 1)] = KEYS[("diff", 2)]  # the one review structure (kg.diff.Diff.as_dict)
PROFILE_KEYS = {1: ["schema", "model", "lineage", "access", "satisfied_knowledge", "fine_tuned",
                    "attacks", "defenses", "threats", "open_risks", "selections",
                    "graph_version", "graph_sha256", "regenerate", "notes"]}


def test_every_command_with_json_has_a_schema():
    from kg.cli import COMMANDS

    assert set(JSON_SCHEMAS) == {c for c, _ in KEYS}
    assert {c.split()[0] for c in JSON_SCHEMAS} <= set(COMMANDS)


def invocations(tmp):
    return {
        "add paper": ["add", "--kind", "attack", "--title", "A paper", "--url",
                "https://example.org/a", "--code", "none", "--threat", "MIA", "--knowledge",
                "black-box", "--model", "DDPM", "--effectiveness", "E", "--limitations", "L",
                "--dir", str(tmp / "additions"), "--no-input", "--json"],
        "add model": ["add", "model", "Imagen", "--broader", "DDPM", "--source",
                      "https://arxiv.org/abs/2205.11487", "--json"],
        "add alias": ["add", "alias", "Imagen v1", "--for", "Imagen", "--json"],
        "curate": ["curate", "--build-dir", str(tmp / "build"), "--no-gaps", "--json"],
        "ask": ["ask", "membership inference attacks on DDIM", "--json"],
        "build": ["build", "--build-dir", str(tmp / "build"), "--json"],
        "centrality": ["centrality", "--top", "2", "--json"],
        "consistency": ["consistency", "--json"],
        "coverage": ["coverage", "--json", "--items", "1"],
        "crosswalk": ["crosswalk", "--json"],
        "diff": ["diff", "data/privacy-taxonomy.md", "data/privacy-taxonomy.md", "--json"],
        "explain": ["explain", "DP-SGD", "--json"],
        "export construct": ["export", "construct",
                             "CONSTRUCT { ?a rd:threat ?t } WHERE { ?a rd:threat ?t }",
                             "-f", "turtle", "--json"],
        "export question": ["export", "question", "membership inference attacks on DDIM",
                            "-f", "csv", "--json"],
        "export view": ["export", "view", "--threat", "MIA", "-f", "csv", "--json"],
        "gaps": ["gaps", "--json", "--evidence", "1"],
        "load": ["load", "--store", "memory", "--json"],
        "neighbors": ["neighbors", "DP-SGD", "--json"],
        "path": ["path", "DP-SGD", "DDPM", "--json"],
        "release": ["release", "-o", str(tmp / "release"), "--json"],
        "search": ["search", "SecMI", "-k", "1", "--json"],
        "stats": ["stats", "--json"],
        "stores": ["stores", "--json"],
        "summarize": ["summarize", "--json"],
        "table": ["table", "attacks", "--json"],
        "version": ["version", "--build-dir", str(tmp / "build"), "--json"],
    }


@pytest.mark.slow
def test_each_commands_json_has_its_schemas_keys(kg_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)
    (tmp_path.parent / "data").mkdir(exist_ok=True)
    from .conftest import ROOT

    (tmp_path.parent / "data" / "privacy-taxonomy.md").write_bytes(
        (ROOT / "data" / "privacy-taxonomy.md").read_bytes())
    import shutil

    from kg import settings

    shutil.copytree(ROOT / "data", tmp_path / "data")  # kg add model / alias write here
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    for name, args in invocations(tmp_path).items():
        r = kg_cli(*args)
        assert r.exit_code == 0, (name, r.output[-500:])
        out = json.loads(r.output)
        assert out["schema"] == JSON_SCHEMAS[name], name
        assert list(out) == KEYS[(name, JSON_SCHEMAS[name])], name


def test_the_audit_reports_json_has_its_schemas_keys(store):
    from kg.profile import profile, to_json

    d = json.loads(to_json(profile(store, "TabDDPM", ["outputs"])))
    assert d["schema"] == PROFILE_SCHEMA and list(d) == PROFILE_KEYS[PROFILE_SCHEMA]


def test_a_command_without_a_schema_cannot_print_json(runner):
    import click

    from kg.commands.options import echo_json

    @click.command("no-such-command")
    def cmd():
        echo_json({"x": 1})

    r = runner.invoke(cmd, [])
    assert isinstance(r.exception, KeyError)
