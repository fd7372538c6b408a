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

Copies: ``cp -rL``, ``scp -r`` and ``zip -r`` follow the links, so a copied location has a
plain directory ``current`` and plain files where the links were; a tool that cannot make
links (Python's zipfile, git with ``core.symlinks=false``) leaves files holding the link's
text; a copy without the hidden version directories leaves ``current`` dangling.
:func:`publish` repairs each before it switches (:func:`adopt`: what every path reads stays
the same until the switch) and refuses, before writing anything, a ``current`` that holds
anything but a copy of the location's own files (:func:`check`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import filecmp
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import WriteError
from .files import display_path

LINK = "current"
STAGE = ".stage-"
VERSION = ".v-"
LOCK = ".lock"


def resolve(location: Path, link: str = LINK) -> Path:
    """The directory readers read: the target of ``location/link`` (read once: keep the
    returned path for every file of one set), else ``location`` itself."""
    return target(location, link) or location


def target(location: Path, link: str = LINK) -> Path | None:
    """The version ``location/link`` points to (a link, or a link stored as a file by a
    tool that cannot make links), or None when there is no link."""
    name = _read_link(location / link)
    return None if name is None else location / name


def _read_link(p: Path) -> str | None:
    """The text of the link ``p``; of a file holding only a version's name (a link a copy
    stored as a file); else None."""
    try:
        return os.readlink(p)
    except OSError as e:
        if e.errno != errno.EINVAL:  # absent (or unreadable): no link
            return None
    try:  # not a link: a small file holding a version's name is one stored as a file
        if not p.is_file() or p.stat().st_size > 200:
            return None
        name = p.read_bytes().decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name if name.startswith(VERSION) and "/" not in name else None


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


def check(location: Path, what: str = "build dir", link: str = LINK) -> None:
    """WriteError (one line, nothing written) unless ``location`` can be published to: its
    ``link`` is a link, a link stored as a file, absent, or a plain directory that is a copy
    (every entry a plain file equal to the location's own plain file of that name: what
    ``cp -rL`` and ``zip -r`` make). ``what`` names the location in the message."""
    p = location / link
    if p.is_symlink() or not os.path.lexists(p):
        return
    if p.is_file():
        if _read_link(p) is None:
            raise _refused(location, what, f"'{link}' is a file, not a link", link,
                           f"rename or remove '{link}'")
        return
    if not p.is_dir():
        raise _refused(location, what, f"'{link}' is not a link", link)
    for entry in sorted(p.iterdir()):
        own = location / entry.name
        if entry.is_symlink() or not entry.is_file():
            raise _refused(location, what, f"'{link}' is a directory, not a link, and holds "
                           f"{entry.name!r}, which is not a plain file", link)
        if not _plain(own) or not filecmp.cmp(own, entry, shallow=False):
            how = "differs from the one beside it" if _plain(own) else "is not beside it"
            raise _refused(location, what, f"'{link}' is a directory, not a link (copied with "
                           f"cp -rL?), and its {entry.name} {how}", link)


def _refused(location: Path, what: str, why: str, link: str, fix: str = "") -> WriteError:
    fix = fix or f"move what you need out of '{link}' and remove it"
    return WriteError(f"{what} {display_path(location)}: {why}; {fix}, or use a fresh "
                      "directory; nothing was changed")


def adopt(location: Path, names: Iterable[str], link: str = LINK) -> Path | None:
    """Give a location copied or written without its link (see the module docstring) the
    linked layout, without changing what any of its paths reads: a plain ``link`` directory
    (a copy, :func:`check` passed) becomes a version and the link points at it; a link
    stored as a file becomes a link; plain files of ``names`` with no live link become a
    version (hard links); then each plain file of ``names`` equal to the linked version's
    (or holding the link's text) is replaced by its link. Call under :func:`locked`.
    Returns the version adopted, else None."""
    p, adopted, live = location / link, None, target(location, link)
    if live is not None and _plain(p):  # a link stored as a file: a link again
        switch(location, live, link)
    if p.is_dir() and not p.is_symlink():
        adopted = new_version(location, "copy")
        os.rename(p, adopted)
        switch(location, adopted, link)
    elif live is None or not live.is_dir():  # no link, or a dangling one
        flat = [n for n in names if _plain(location / n) and not _stub(location / n, link)]
        if flat:
            stage = new_stage(location)
            for n in flat:
                try:
                    os.link(location / n, stage / n)
                except OSError:
                    shutil.copyfile(location / n, stage / n)
            fsync_dir(stage)
            adopted = new_version(location, "flat")
            os.rename(stage, adopted)
            switch(location, adopted, link)
    live = target(location, link)
    for n in names:
        f = location / n
        if _plain(f) and (_stub(f, link) or (live is not None and _plain(live / n)
                                             and filecmp.cmp(f, live / n, shallow=False))):
            link_file(location, n, link)
    return adopted


def _plain(p: Path) -> bool:
    return p.is_file() and not p.is_symlink()


def _stub(p: Path, link: str) -> bool:
    """A file holding the text of the link it replaced (``current/graph.nt``)."""
    try:
        return p.stat().st_size < 300 and p.read_bytes().strip() == f"{link}/{p.name}".encode()
    except OSError:
        return False


def publish(location: Path, files: dict[str, str | bytes], carry: dict[str, Path] | None = None,
            label: str = "", what: str = "build dir") -> Path:
    """Publish ``files`` as the new content of ``location`` in one atomic step: they are
    written into a stage directory inside it, renamed to a version directory, and
    ``location/current`` is switched to it by one rename; each name is a stable link
    ``location/NAME -> current/NAME``. ``carry``: files of the old version kept in the new
    one (hard-linked). A copied location is checked before anything is written and repaired
    (:func:`check`, :func:`adopt`); on any failure the new version is removed and nothing a
    path reads has changed; an OS error is a one-line WriteError naming the path. Returns
    the new version directory."""
    names = sorted(set(files) | set(carry or {}))
    try:
        location.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _write_error(e, location) from None
    check(location, what)
    try:
        return _publish(location, files, carry, label, names)
    except WriteError:
        raise
    except OSError as e:  # the lock or the stage could not be made (read-only, full)
        raise _write_error(e, location) from None


def _publish(location: Path, files: dict[str, str | bytes], carry: dict[str, Path] | None,
             label: str, names: list[str]) -> Path:
    with locked(location):
        clean_stages(location)
        before = target(location)
        version = _stage(location, files, carry, label)
        made = [n for n in names if not os.path.lexists(location / n) and (version / n).exists()]
        try:
            adopted = adopt(location, names)
            for n in made:  # new names: links that dangle until the switch
                link_file(location, n)
            switch(location, version)
        except BaseException as e:  # the old version is still linked: remove the new one
            shutil.rmtree(version, ignore_errors=True)
            for n in made:
                if os.path.islink(location / n):
                    (location / n).unlink(missing_ok=True)
            if isinstance(e, OSError) and not isinstance(e, WriteError):
                raise _write_error(e, location) from None
            raise
        _link_rest(location, names)
        prune(location, keep=[p for p in (version, adopted or before) if p])
    return version


def _link_rest(location: Path, names: Iterable[str]) -> None:
    """After the switch: plain files of ``names`` that differed from the old version
    (edited in place) become links too; the new version is published already."""
    for n in names:
        if _plain(location / n):
            try:
                link_file(location, n)
            except OSError as e:
                raise WriteError(f"cannot write {display_path(location / n)}: "
                                 f"{e.strerror or e}; the new version is in place (read it "
                                 f"through {display_path(location / LINK)}), but this name "
                                 f"still holds the old file; run again") from None


def _stage(location: Path, files: dict[str, str | bytes], carry: dict[str, Path] | None,
           label: str) -> Path:
    """The new version directory, written whole (a stage renamed), or a WriteError with
    the stage removed."""
    stage = new_stage(location)
    try:
        write_files(stage, files)
        for name, src in (carry or {}).items():
            if name not in files and src.is_file():
                try:
                    os.link(src, stage / name)
                except OSError:
                    shutil.copyfile(src, stage / name)
        fsync_dir(stage)
        version = new_version(location, label)
        os.rename(stage, version)
        return version
    except BaseException as e:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(e, OSError) and not isinstance(e, WriteError):  # disk full, read-only
            raise _write_error(e, location) from None
        raise


def _write_error(e: OSError, location: Path) -> WriteError:
    where = display_path(Path(e.filename)) if e.filename else display_path(location)
    return WriteError(f"cannot write {where}: {e.strerror or e}; nothing was changed: "
                      f"{display_path(location)} is as it was")


__all__ = ["LINK", "adopt", "check", "clean_stages", "link_file", "locked", "new_stage",
           "new_version", "prune", "publish",
           "resolve", "switch", "target", "write_files"]
