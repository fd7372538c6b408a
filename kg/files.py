"""Files: read a curated YAML file, name a path for people, write a file whole or not at all,
and let one writer at a time change a curated file.

Every module that reads a data file or writes one goes through here, so an unreadable file
is one :class:`~kg.errors.SourceError` naming it, a path is shown relative to the project,
a reader never sees half a file, and every writer of a curated file (``kg add``, the app's
form, the vocabulary commands) reads, checks and writes under :func:`locked`, so two
writers never lose each other's entries.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import functools
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from . import settings
from .errors import BusyError, SourceError, WriteError


def __getattr__(name: str):
    if name == "SAFE_LOADER":  # PyYAML is imported by the first YAML read, not by kg ask
        import yaml

        #: libyaml's safe loader where PyYAML was built with it (10x faster), else Python's.
        return getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def display_path(path: Path) -> str:
    """A path relative to the project root where possible (stable across clones)."""
    try:
        return str(path.resolve().relative_to(settings.ROOT))
    except ValueError:
        return str(path)


def load_yaml(path: Path) -> dict:
    """The mapping a YAML file holds; SourceError naming the file otherwise."""
    import yaml

    rel = display_path(path)
    try:
        data = copy.deepcopy(_parsed_yaml(path.read_text(encoding="utf-8")))
    except OSError as e:
        raise SourceError(f"cannot read: {e.strerror}", file=rel) from None
    except UnicodeDecodeError:
        raise SourceError("not UTF-8 text", file=rel) from None
    except yaml.YAMLError as e:
        raise SourceError(f"not valid YAML: {e}", file=rel) from None
    if not isinstance(data, dict):
        raise SourceError("expected a mapping at the top level", file=rel)
    return data


@functools.lru_cache(maxsize=64)
def _parsed_yaml(text: str):
    """YAML text parsed once per distinct text (a build reads each curated file several
    times; the caller gets a deep copy, so a cached value is never changed)."""
    import yaml

    return yaml.load(text, Loader=__getattr__("SAFE_LOADER"))


def load_section(path: Path | None, default: str, key: str, kind: type) -> tuple[str, object]:
    """A curated file's top-level ``key`` (a dict or list, ``kind``) and the file's display
    path; ``path`` None reads ``data/<default>``. SourceError names the file."""
    path = path or settings.DATA_DIR / default
    rel = display_path(path)
    value = load_yaml(path).get(key)
    if not isinstance(value, kind):
        what = "a mapping" if kind is dict else "a list"
        raise SourceError(f"expected {what} under {key!r}", file=rel)
    return rel, value


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the process umask (mkstemp's
    temporary files are 0o600, which a written file must not keep)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no /proc: read the umask by setting it back at once
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def replacing(path: Path, prefix: str | None = None, suffix: str = "") -> Iterator[Path]:
    """A temporary file beside ``path`` to write; renamed over ``path`` when the block
    ends without error (readers see the old file or the new one, never a half), removed
    otherwise. The file gets the normal mode of a new file. An OS error while writing (disk
    full, read-only file system, no permission) is a WriteError naming ``path``: nothing
    was changed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=prefix if prefix is not None else f".{path.name}.",
                                   suffix=suffix, dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise _write_error(path, e) from None
    try:
        yield Path(tmp)
        os.chmod(tmp, new_file_mode())
        os.replace(tmp, path)
    except WriteError:
        raise
    except OSError as e:
        raise _write_error(path, e) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _write_error(path: Path, e: OSError) -> WriteError:
    why = e.strerror or str(e)
    return WriteError(f"cannot write {display_path(path)}: {why}; nothing was changed "
                      f"({'it is as it was' if path.exists() else 'it was not created'})")


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write a file so readers see the old or the new content, never a half; it gets the
    normal mode of a new file (0o644 under umask 022)."""
    with replacing(path) as tmp:
        tmp.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)


#: Seconds a writer waits for another writer of the same curated file before giving up.
LOCK_WAIT = 300.0


@contextlib.contextmanager
def locked(path: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the write lock of ``path`` (a curated file, or a directory of them) for the
    block: an exclusive ``flock`` on ``.NAME.lock`` beside it. A writer reads, checks and
    writes inside the block, so concurrent writers run one after another; one that waited
    ``wait`` seconds gets a BusyError naming the path, having written nothing. The lock goes
    with the process (a killed writer holds nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent / f".{path.name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError(f"{display_path(path)}: another writer has been changing "
                                    f"it for over {wait:g} s; nothing written, try again"
                                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
