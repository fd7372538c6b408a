"""kg.files: a curated YAML file is parsed once per distinct text, and no reader can change
what the next reader gets."""

from __future__ import annotations

import pytest

from kg.errors import SourceError
from kg.files import load_yaml


def test_an_edited_file_is_read_again(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("a: [1, 2]\n", encoding="utf-8")
    assert load_yaml(f) == {"a": [1, 2]}
    f.write_text("a: [1, 3]\n", encoding="utf-8")  # same size, same second
    assert load_yaml(f) == {"a": [1, 3]}


def test_changing_a_loaded_mapping_leaves_the_next_load_as_the_file_says(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("a: {b: [1]}\n", encoding="utf-8")
    first = load_yaml(f)
    first["a"]["b"].append(2)
    first["c"] = 1
    assert load_yaml(f) == {"a": {"b": [1]}}


def test_a_bad_file_is_refused_every_time(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("a: [1\n", encoding="utf-8")
    for _ in range(2):  # an error is never kept as an answer
        with pytest.raises(SourceError, match="not valid YAML"):
            load_yaml(f)
