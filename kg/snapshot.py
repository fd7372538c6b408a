"""A directory whose content switches all at once (the build directory, an Oxigraph store).

Layout of a location ``L`` (the build directory, or an ``oxigraph:`` directory)::

    L/current -> .v-<name>   a relative symlink, the one thing that switches: a new link is
                             made beside it and renamed over it (os.replace, atomic)
    L/.v-<name>/             complete versions: the linked one, and the one it replaced
                             (kept until the next switch, for readers still reading it)
    L/.stage-<random>/       a version being written; any left over is removed on the next
                             start (a killed writer)
    L/.lock                  held (flock) by the one writer at a time

Readers call :func:`resolve` once and read every file of one set from the directory it
returns, so they see the old version or the new one, never a mix. A location without the
link (written by an older version of this package) resolves to itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

LINK = "current"
STAGE = ".stage-"
VERSION = ".v-"
LOCK = ".lock"


def resolve(location: Path, link: str = LINK) -> Path:
    """The directory readers read: the target of ``location/link`` (read once: keep the
    returned path for every file of one set), else ``location`` itself."""
    try:
        return location / os.readlink(location / link)
    except OSError:  # no link (absent, or not a symlink): the flat layout
        return location


def target(location: Path, link: str = LINK) -> Path | None:
    """The version ``location/link`` points to, or None when there is no link."""
    try:
        return location / os.readlink(location / link)
    except OSError:
        return None


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a rename, a new link) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(location: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold the location's writer lock (yields True), or, with ``wait=False`` when another
    writer holds it, yield False at once."""
    fd = os.open(location / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the flock


def new_stage(location: Path) -> Path:
    """A new, empty stage directory inside ``location`` (call under :func:`locked`), with
    the permissions of any new directory (the umask's; mkdtemp would make it private)."""
    while True:
        p = location / f"{STAGE}{secrets.token_hex(4)}"
        try:
            p.mkdir()
            return p
        except FileExistsError:
            continue


def new_version(location: Path, label: str = "") -> Path:
    """The path of a new version directory (not created): ``.v-<label>-<random>``."""
    return location / f"{VERSION}{label + '-' if label else ''}{secrets.token_hex(4)}"


def clean_stages(location: Path) -> list[Path]:
    """Remove stage directories left by a killed writer (call under :func:`locked`)."""
    gone = [p for p in location.glob(STAGE + "*") if p.is_dir()]
    for p in gone:
        shutil.rmtree(p, ignore_errors=True)
    return gone


def switch(location: Path, version: Path, link: str = LINK) -> None:
    """Point ``location/link`` at ``version`` in one atomic step (a new symlink renamed over
    the old one) and make it durable."""
    tmp = location / f".{link}.{secrets.token_hex(4)}.tmp"
    os.symlink(version.name, tmp)
    try:
        os.replace(tmp, location / link)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(location)


def prune(location: Path, keep: Iterable[Path], in_use: Callable[[Path], bool] | None = None,
          link: str = LINK) -> list[Path]:
    """Remove version directories other than the linked one and ``keep``, except those
    ``in_use`` says another reader has open (call under :func:`locked`)."""
    keep_names = {p.name for p in keep}
    current = target(location, link)
    if current is not None:
        keep_names.add(current.name)
    gone = []
    for p in sorted(location.glob(VERSION + "*")):
        if p.name in keep_names or not p.is_dir() or (in_use and in_use(p)):
            continue
        shutil.rmtree(p, ignore_errors=True)
        gone.append(p)
    return gone


def write_files(directory: Path, files: dict[str, str | bytes]) -> None:
    """Write ``files`` into ``directory`` and make them durable (before a switch)."""
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        with open(directory / name, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def link_file(location: Path, name: str, link: str = LINK) -> None:
    """Make ``location/name`` a symlink to ``link/name`` (a stable path for people and
    scripts: ``build/graph.nt``), replacing a plain file of that name atomically."""
    p = location / name
    want = f"{link}/{name}"
    try:
        if os.readlink(p) == want:
            return
    except OSError:
        pass
    tmp = location / f".{name}.{secrets.token_hex(4)}.tmp"
    os.symlink(want, tmp)
    try:
        os.replace(tmp, p)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


__all__ = ["LINK", "clean_stages", "link_file", "locked", "new_stage", "new_version", "prune",
           "resolve", "switch", "target", "write_files"]
