"""Issue 30, lower items: a build directory copied without its links (``cp -rL``, ``zip -r``,
a tool that stores links as files, a copy without the hidden versions) is repaired by the
next build or refused in one line before anything is written; the new version is removed
on any failure; and ``kg export -f all`` switches the whole set at once (kg.snapshot)."""

from __future__ import annotations

import errno
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from kg import snapshot
from kg.build import write_dir_atomically
from kg.errors import WriteError
from tests.test_hardening_data import one_line_error
from tests.test_hardening_data import snapshot as files_under

OLD = {"graph.nt": "<urn:a> <urn:b> <urn:old> .\n", "version.json": '{"version": "OLD"}\n'}
NEW = {"graph.nt": "<urn:a> <urn:b> <urn:new> .\n", "version.json": '{"version": "NEW"}\n'}


def _built(d: Path) -> Path:
    write_dir_atomically(d, dict(OLD))
    return d


def _cp_L(src: Path, dst: Path) -> Path:
    subprocess.run(["cp", "-rL", str(src), str(dst)], check=True)
    return dst


def _zip_r(src: Path, dst: Path) -> Path:
    """``zip -r`` (links followed) and ``unzip``."""
    if not (shutil.which("zip") and shutil.which("unzip")):
        pytest.skip("zip/unzip not installed")
    z = dst.with_suffix(".zip")
    subprocess.run(["zip", "-qr", str(z), "."], cwd=src, check=True)
    subprocess.run(["unzip", "-q", str(z), "-d", str(dst)], check=True)
    return dst


def _zip_links_as_files(src: Path, dst: Path) -> Path:
    """``zip -ry`` (links stored as links) unpacked by Python's zipfile, which writes each
    link as a file holding its text (so do Windows tools and git without symlinks)."""
    if not shutil.which("zip"):
        pytest.skip("zip not installed")
    z = dst.with_suffix(".zip")
    subprocess.run(["zip", "-qry", str(z), "."], cwd=src, check=True)
    zipfile.ZipFile(z).extractall(dst)
    assert (dst / "current").is_file() and not (dst / "current").is_symlink()
    return dst


def _without_versions(src: Path, dst: Path) -> Path:
    """A copy of the visible files only (``cp -r build/* dst``): ``current`` dangles."""
    dst.mkdir()
    for p in src.iterdir():
        if not p.name.startswith("."):
            os.symlink(os.readlink(p), dst / p.name) if p.is_symlink() else \
                shutil.copy2(p, dst / p.name)
    assert (dst / "current").is_symlink() and not (dst / "current").exists()
    return dst


COPIES = [_cp_L, _zip_r, _zip_links_as_files, _without_versions]


@pytest.mark.parametrize("copy", COPIES, ids=lambda f: f.__name__.strip("_"))
def test_a_build_over_a_copied_build_directory_repairs_it(tmp_path, copy):
    cp = copy(_built(tmp_path / "b"), tmp_path / "cp")
    if copy is not _without_versions:  # readers of the copy read the old set until the switch
        assert (snapshot.resolve(cp) / "graph.nt").read_text() == OLD["graph.nt"]
    version = write_dir_atomically(cp, dict(NEW))
    assert os.readlink(cp / "current") == version.name
    for name, text in NEW.items():
        assert (cp / name).is_symlink() and (cp / name).read_text() == text
    versions = {p.name for p in cp.glob(".v-*")}  # the new one and the one it replaced
    assert version.name in versions and len(versions) <= 2
    assert not list(cp.glob(".stage-*")) and not list(cp.glob(".*.tmp"))
    again = write_dir_atomically(cp, dict(OLD))  # the next build prunes the adopted copy
    assert sorted(p.name for p in cp.glob(".v-*")) == sorted([version.name, again.name])


@pytest.mark.parametrize("copy", [_cp_L, _zip_links_as_files])
def test_a_failed_switch_removes_the_new_version_and_changes_nothing(tmp_path, monkeypatch,
                                                                     copy):
    cp = copy(_built(tmp_path / "b"), tmp_path / "cp")
    reads = {n: (snapshot.resolve(cp) / n).read_bytes() for n in OLD}
    real = snapshot.switch

    def full(location, version, link=snapshot.LINK):
        if "-NEW-" in version.name:
            raise OSError(errno.ENOSPC, "No space left on device", str(location / link))
        return real(location, version, link)

    monkeypatch.setattr(snapshot, "switch", full)
    with pytest.raises(WriteError) as e:
        write_dir_atomically(cp, dict(NEW))
    msg = str(e.value)
    assert "\n" not in msg and "No space left on device" in msg and "nothing was changed" in msg
    assert f"{cp} is as it was" in msg
    assert not list(cp.glob(".v-NEW-*")) and not list(cp.glob(".stage-*"))
    assert {n: (cp / n).read_bytes() for n in OLD} == reads  # every path reads as before
    assert {n: (snapshot.resolve(cp) / n).read_bytes() for n in OLD} == reads


@pytest.mark.parametrize("make, why", [
    (lambda d: (d / "current" / "graph.nt").write_text("edited\n"),
     "graph.nt differs from the one beside it"),
    (lambda d: (d / "current" / "sub").mkdir(), "'sub', which is not a plain file"),
])
def test_a_copied_current_holding_other_files_is_refused_before_writing(tmp_path, make, why):
    cp = _cp_L(_built(tmp_path / "b"), tmp_path / "cp")
    make(cp)
    before = files_under(cp)
    names = sorted(p.name for p in cp.iterdir())
    with pytest.raises(WriteError) as e:
        write_dir_atomically(cp, dict(NEW))
    msg = str(e.value)
    assert msg.startswith(f"build dir {cp}: 'current' is a directory, not a link")
    assert why in msg and "nothing was changed" in msg and "\n" not in msg
    assert files_under(cp) == before and sorted(p.name for p in cp.iterdir()) == names


def test_a_current_file_that_names_no_version_is_refused(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "current").write_text("my notes\n")
    with pytest.raises(WriteError, match="'current' is a file, not a link; rename or remove "
                                         "'current', or use a fresh directory"):
        write_dir_atomically(d, dict(NEW))
    assert sorted(p.name for p in d.iterdir()) == ["current"]


@pytest.mark.parametrize("where", ["locked", "new_stage"])
def test_a_read_only_build_directory_is_one_line(tmp_path, monkeypatch, where):
    d = _built(tmp_path / "b")
    before = files_under(d)

    def read_only(location, *a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(location / ".lock"))

    monkeypatch.setattr(snapshot, where, read_only)
    with pytest.raises(WriteError) as e:
        write_dir_atomically(d, dict(NEW))
    assert str(e.value) == (f"cannot write {d / '.lock'}: Read-only file system; nothing was "
                            f"changed: {d} is as it was")
    assert files_under(d) == before


def test_kg_build_repairs_a_cp_rL_copy(kg_cli, survey_build, tmp_path):
    cp = _cp_L(survey_build, tmp_path / "cp")
    r = kg_cli("build", "--build-dir", str(cp))
    assert r.exit_code == 0, r.output
    assert (cp / "current").is_symlink() and (cp / "graph.nt").is_symlink()
    assert (cp / "graph.nt").read_bytes() == (survey_build / "graph.nt").read_bytes()
    assert json.loads((cp / "version.json").read_text())["graph_sha256"] == \
        json.loads((survey_build / "version.json").read_text())["graph_sha256"]
    linked = os.readlink(cp / "current")
    assert {p.name for p in cp.glob(".v-*")} == {linked} | {p.name for p in cp.glob(".v-copy-*")}


def test_kg_build_refuses_a_copy_it_cannot_repair_in_one_line(kg_cli, survey_build, tmp_path):
    cp = _cp_L(survey_build, tmp_path / "cp")
    (cp / "current" / "mine.txt").write_text("notes")
    (cp / "mine.txt").write_text("other notes")
    before = files_under(cp)
    r = kg_cli("build", "--build-dir", str(cp))
    one_line_error(r, f"build dir {cp}: 'current' is a directory", "cp -rL",
                   "mine.txt differs", "nothing was changed")
    assert files_under(cp) == before


# ------------------------------------------------------------------ export sets

PAPER = ["export", "view", "--paper", "carlini2023extracting", "-f", "all", "-o"]
OTHER = ["export", "view", "--paper", "li2025blackbox", "-f", "all", "-o"]


def _disk_full_after_first_file(monkeypatch, directory: Path) -> None:
    """Every file opened for writing under ``directory`` after the first raises ENOSPC
    (``open`` and ``io.open``: any writer)."""
    real, n = io.open, [0]

    def full(file, mode="r", *a, **k):
        if any(c in mode for c in "wax") and str(file).startswith(str(directory)):
            n[0] += 1
            if n[0] > 1:
                raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real(file, mode, *a, **k)

    monkeypatch.setattr("builtins.open", full)
    monkeypatch.setattr(io, "open", full)


def test_a_full_disk_during_export_all_changes_nothing(kg_cli, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert kg_cli(*PAPER, str(out)).exit_code == 0
    before = files_under(out)
    _disk_full_after_first_file(monkeypatch, out)
    r = kg_cli(*OTHER, str(out))
    one_line_error(r, "cannot write", "No space left on device", "nothing was changed",
                   f"{out} is as it was")
    monkeypatch.undo()
    assert files_under(out) == before


def test_a_full_disk_during_a_first_export_leaves_no_directory(kg_cli, tmp_path, monkeypatch):
    out = tmp_path / "new"
    _disk_full_after_first_file(monkeypatch, out)
    one_line_error(kg_cli(*PAPER, str(out)), "No space left on device", "nothing was changed")
    monkeypatch.undo()
    assert not out.exists()


def _undated(p: Path) -> bytes:
    """The file's bytes without a PDF's creation date (Graphviz stamps the time)."""
    return re.sub(rb"/CreationDate \(D:[^)]*\)", b"", p.read_bytes())


def test_export_all_replaces_the_set_and_keeps_other_files(kg_cli, tmp_path):
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "table.tex").write_text("an export by an older version: plain files")
    for args in (PAPER, OTHER, OTHER):
        r = kg_cli(*args, str(out))
        assert r.exit_code == 0, r.output
    assert kg_cli(*OTHER, str(fresh)).exit_code == 0
    names = sorted(p.name for p in fresh.iterdir() if not p.name.startswith("."))
    assert len(names) == 16 and "current" in names  # 15 files and the link
    for name in names:
        if name != "current":
            assert (out / name).is_symlink()
            assert _undated(out / name) == _undated(fresh / name), name
    assert (out / "notes.txt").read_text() == "mine"
    assert len(list(out.glob(".v-*"))) <= 2 and not list(out.glob(".stage-*"))
    assert not list(tmp_path.glob(".out*"))  # nothing staged beside it


def test_export_all_refuses_a_directory_whose_current_is_not_a_link(kg_cli, tmp_path):
    out = tmp_path / "out"
    (out / "current").mkdir(parents=True)
    (out / "current" / "table.tex").write_text("someone's file")
    r = kg_cli(*PAPER, str(out))
    one_line_error(r, f"export directory {out}: 'current' is a directory",
                   "nothing was changed")
    assert sorted(p.name for p in out.rglob("*")) == ["current", "table.tex"]
