"""Curated additions: papers the maintainers read that the survey does not (yet) list.

Each YAML file in ``data/additions/`` holds ``entries:``, one per survey-style row:

    entries:
      - key: zhang2025-mia            # unique in the file; provenance names file + key
        kind: attack                  # or: defense
        title: "A paper title"
        urls: [https://arxiv.org/abs/...]
        code: none                    # or a repository URL, or a list of them
        threat: Membership inference
        knowledge: [Black-box]        # attacks only
        models: [DDPM, SD v1.5]
        effectiveness: "..."
        limitations: "..."            # attacks only
        method: "..."                 # defenses only

This module is the format: the entry model, parsing and checking each entry's fields
(a problem is reported naming file, entry and field: :class:`AdditionError`), reading a
directory of files, and writing an entry into a file's text. Parsing
(:func:`parse_additions`) is pure; :func:`load_additions` is the I/O edge. Labels are
checked against the graph's vocabularies when the entries enter the graph
(:mod:`kg.additions_graph`); ``kg add`` makes a new entry (:mod:`kg.curation`).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import settings
from .errors import AdditionError
from .files import display_path
from .survey import FIELD_COLUMN
from .urls import url_problem

ADDITIONS_DIR = settings.DATA_DIR / "additions"
KINDS = ("attack", "defense")
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

# Fields of an entry per kind (required, then optional), in the order `kg add` writes them.
COMMON_REQUIRED = ("key", "kind", "title", "threat", "models", "effectiveness")
REQUIRED = {
    "attack": COMMON_REQUIRED + ("knowledge", "limitations"),
    "defense": COMMON_REQUIRED + ("method",),
}
OPTIONAL = ("urls", "code")  # required for a paper the graph does not know yet
FIELD_ORDER = ("key", "kind", "title", "urls", "code", "threat", "knowledge", "method",
               "models", "effectiveness", "limitations")
NO_CODE = {"none", "no", "no public code", "-"}  # each means: no code marked


@dataclass(frozen=True)
class Rejected:
    """One refused entry: where, which field, why."""

    file: str
    entry: str  # the entry's key, or "#N" (its position) when it has none
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"file {self.file}, entry {self.entry!r}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "entry": self.entry, "field": self.field,
                "message": self.message}


@dataclass(frozen=True)
class Entry:
    """One addition, as written (labels not yet resolved)."""

    file: str
    key: str
    kind: str
    title: str
    threat: str
    models: tuple[str, ...]
    effectiveness: str
    urls: tuple[str, ...] = ()
    code: tuple[str, ...] | None = None  # None: not given; (): "none" (no code marked)
    knowledge: tuple[str, ...] = ()
    limitations: str | None = None
    method: str | None = None

    def as_yaml_dict(self) -> dict:
        """The entry as it is written to a file (field order of FIELD_ORDER)."""
        out: dict = {}
        for name in FIELD_ORDER:
            v = getattr(self, name)
            if name == "code":
                if v is None:
                    continue
                v = "none" if not v else (v[0] if len(v) == 1 else list(v))
            elif isinstance(v, tuple):
                if not v:
                    continue
                v = list(v)
            elif v is None:
                continue
            out[name] = v
        return out


@dataclass
class Additions:
    """The parsed additions files: entries that parsed, and entries refused while parsing."""

    files: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass
class AdditionReport:
    added: list[Entry] = field(default_factory=list)
    unchanged: list[tuple[Entry, str]] = field(default_factory=list)  # (entry, already in)
    skipped: list[Rejected] = field(default_factory=list)
    # held back until a name they use is curated (each is a curation task, kg.tasks)
    pending: list[Rejected] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "added": [{"file": e.file, "entry": e.key} for e in self.added],
            "unchanged": [{"file": e.file, "entry": e.key, "already_in": w}
                          for e, w in self.unchanged],
            "skipped": [r.as_dict() for r in self.skipped],
            "pending": [r.as_dict() for r in self.pending],
        }


# ------------------------------------------------------------------ parsing (pure)

def collapse(text: str) -> str:
    """Runs of whitespace as one space, none at the ends (how a field's text is compared)."""
    return " ".join(text.split())


def _text_field(raw: dict, name: str) -> str | None:
    v = raw.get(name)
    if v is None:
        return None
    if isinstance(v, (list, dict)):
        raise ValueError("must be text, not a list or mapping")
    return collapse(str(v))


def _list_field(raw: dict, name: str) -> tuple[str, ...]:
    """A list of labels: a YAML list, or one comma-separated string (as in the survey)."""
    v = raw.get(name)
    if v is None:
        return ()
    if isinstance(v, str):
        parts = v.split(",")
    elif isinstance(v, list) and all(isinstance(x, (str, int, float)) for x in v):
        parts = [str(x) for x in v]
    else:
        raise ValueError("must be a list of labels (or one comma-separated string)")
    return tuple(p for p in (collapse(x) for x in parts) if p)


def _urls(values: Iterable[str]) -> tuple[str, ...]:
    """Each must be a valid http(s) URL (kg.urls): it becomes an IRI and a link."""
    out = []
    for u in values:
        why = url_problem(u)
        if why:
            raise ValueError(f"{u[:80]!r} is not a valid http(s) URL: it {why}")
        out.append(u)
    return tuple(out)


def _code_field(raw: dict) -> tuple[str, ...] | None:
    if "code" not in raw or raw["code"] is None:
        return None
    v = raw["code"]
    if isinstance(v, bool) and v is False:
        return ()
    if isinstance(v, str) and collapse(v).casefold() in NO_CODE:
        return ()
    if isinstance(v, str):
        return _urls([collapse(v)])
    if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
        return _urls(collapse(x) for x in v)
    raise ValueError("must be a repository URL, a list of them, or 'none'")


def parse_entry(raw: object, file: str, position: int, seen_keys: set[str]) -> Entry:
    """One entry mapping -> Entry; raises AdditionError naming file, entry and field."""
    name = f"#{position}"

    def bad(fld: str | None, msg: str) -> AdditionError:
        return AdditionError([Rejected(file, name, fld, msg)])

    if not isinstance(raw, dict):
        raise bad(None, "an entry must be a mapping of fields")
    raw = {str(k): v for k, v in raw.items()}
    key = raw.get("key")
    if key is None or not str(key).strip():
        raise bad("key", "missing; every entry needs a key unique in its file "
                         "(letters, digits, '.', '_', '-')")
    key = str(key).strip()
    if not KEY_PATTERN.fullmatch(key):
        raise bad("key", f"{key!r} may use only letters, digits, '.', '_' and '-'")
    name = key
    if key in seen_keys:
        raise bad("key", f"duplicate key {key!r} in this file")
    kind = str(raw.get("kind") or "").strip().lower()
    if kind not in KINDS:
        got = raw.get("kind")
        hint = difflib.get_close_matches(kind, KINDS, n=1)
        raise bad("kind", ("missing" if got is None else f"{got!r} is not a kind")
                  + "; expected 'attack' or 'defense'"
                  + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    allowed = set(REQUIRED[kind]) | set(OPTIONAL)
    for fld in raw:
        if fld not in allowed:
            close = difflib.get_close_matches(fld, sorted(allowed), n=1)
            raise bad(fld, f"unknown field for a {kind} entry"
                      + (f"; did you mean {close[0]!r}?" if close else
                         f"; expected {', '.join(f for f in FIELD_ORDER if f in allowed)}"))
    values: dict = {}
    for fld in FIELD_ORDER:
        if fld in ("key", "kind") or fld not in allowed:
            continue
        try:
            if fld in ("urls",):
                values[fld] = _urls(_list_field(raw, fld))
            elif fld == "code":
                values[fld] = _code_field(raw)
            elif fld in ("knowledge", "models"):
                values[fld] = _list_field(raw, fld)
            else:
                values[fld] = _text_field(raw, fld)
        except ValueError as e:
            raise bad(fld, str(e)) from None
        if fld in REQUIRED[kind] and not values[fld]:
            what = "missing" if raw.get(fld) is None else "empty"
            col = FIELD_COLUMN[kind].get(fld)
            raise bad(fld, f"{what}; a {kind} entry needs it"
                      + (f" (the survey's {col!r} column)" if col else ""))
    seen_keys.add(key)
    return Entry(file=file, key=key, kind=kind, **values)


def parse_additions(text: str, file: str) -> Additions:
    """Parse one additions file's text. Bad entries are collected, not raised."""
    import yaml  # PyYAML loads with the first additions file read, not with kg ask

    out = Additions(files=[file])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        out.rejected.append(Rejected(file, "(file)", None, f"not valid YAML: {e}"))
        return out
    if data is None:
        return out  # an empty file adds nothing
    if not isinstance(data, dict) or not isinstance(data.get("entries", []), list):
        out.rejected.append(Rejected(file, "(file)", "entries",
                                     "expected a mapping with an 'entries:' list"))
        return out
    unknown = set(data) - {"entries", "source"}
    if unknown:
        out.rejected.append(Rejected(file, "(file)", sorted(unknown)[0],
                                     "unknown top-level field; expected 'entries' "
                                     "(and optionally 'source')"))
        return out
    seen: set[str] = set()
    for i, raw in enumerate(data.get("entries") or [], start=1):
        try:
            out.entries.append(parse_entry(raw, file, i, seen))
        except AdditionError as e:
            out.rejected.extend(e.problems)
    return out


def entry_fields(kind: str) -> list[tuple[str, bool]]:
    """The fields of a ``kind`` entry after its key and kind, in file order, each with
    whether it is required (what `kg add` asks for)."""
    return [(f, f in REQUIRED[kind]) for f in FIELD_ORDER[2:]
            if f in REQUIRED[kind] or f in OPTIONAL]


def default_dir() -> Path:
    """KG_ADDITIONS_DIR when set, else data/additions/."""
    return settings.path("additions_dir") if os.environ.get("KG_ADDITIONS_DIR") else ADDITIONS_DIR


def addition_files(directory: Path | None = None) -> list[Path]:
    """The additions files of a directory, in a stable order (README.md is not one)."""
    directory = directory or default_dir()
    if directory.is_file():
        return [directory]
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith("."))


def load_additions(directory: Path | None = None) -> Additions:
    """Read and parse every additions file of ``directory`` (default data/additions/)."""
    out = Additions()
    for p in addition_files(directory):
        rel = display_path(p)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            out.files.append(rel)
            out.rejected.append(Rejected(rel, "(file)", None, f"cannot read: {e}"))
            continue
        one = parse_additions(text, rel)
        out.files += one.files
        out.entries += one.entries
        out.rejected += one.rejected
    return out


# ------------------------------------------------------------------ writing

HEADER = ("# Curated additions (format: data/additions/README.md). Every entry enters the\n"
          "# default build with this file and its key as provenance.\n")


def entry_yaml(e: Entry) -> str:
    """One entry as a YAML list item (what `kg add` appends)."""
    import yaml

    return yaml.safe_dump([e.as_yaml_dict()], sort_keys=False, allow_unicode=True,
                          default_flow_style=None, width=100)


def with_entry(text: str | None, e: Entry) -> str:
    """A file's text with ``e`` appended to its entries, keeping the rest (and comments).

    Falls back to re-writing the file's data when its layout does not allow appending.
    """
    import yaml

    if not text or not text.strip():
        return HEADER + "entries:\n" + entry_yaml(e)
    data = yaml.safe_load(text) or {}
    old = list(data.get("entries") or []) if isinstance(data, dict) else []
    want = old + [e.as_yaml_dict()]
    item = entry_yaml(e)
    base = text if text.endswith("\n") else text + "\n"
    candidates = [base + item, base + "".join("  " + ln if ln.strip() else ln
                                              for ln in item.splitlines(keepends=True))]
    if not old and "entries" not in (data or {}):
        candidates = [base + "entries:\n" + item]
    for c in candidates:
        try:
            got = yaml.safe_load(c)
        except yaml.YAMLError:
            continue
        if isinstance(got, dict) and got.get("entries") == want:
            return c
    data = dict(data) if isinstance(data, dict) else {}
    data["entries"] = want
    return HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                                   default_flow_style=None, width=100)


__all__ = [
    "ADDITIONS_DIR", "AdditionError", "AdditionReport", "Additions", "Entry", "Rejected",
    "addition_files", "collapse", "entry_fields", "entry_yaml", "load_additions",
    "parse_additions", "parse_entry", "with_entry",
]
