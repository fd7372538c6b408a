"""The curated bibliography (data/bibliography.yaml): one entry per cited paper.

Every field of an entry was checked against a public record named in its ``sources``;
a field that could not be verified is null and listed in ``unverified`` (the pseudo-field
``peer_reviewed_venue`` marks preprints whose venue could not be established). The loader
refuses an entry that fills a field it calls unverified, so nothing guessed slips in, and
:func:`empty_fields` reports what was left empty and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .curated import norm
from .errors import SourceError, UnknownLabelError
from .files import load_section
from .urls import url_problem

ENTRY_TYPES = ("inproceedings", "article", "misc")
TEXT_FIELDS = ("title", "venue", "venue_short", "booktitle", "journal", "series", "publisher",
               "pages", "doi", "isbn", "arxiv", "openreview", "url", "notes", "title_version",
               "number")
LIST_FIELDS = ("authors", "short_names")
#: Every bibliographic field; each filled one names where it was verified.
FIELDS = tuple(f for f in TEXT_FIELDS if f != "notes") + LIST_FIELDS + ("year", "volume")
PSEUDO_FIELDS = ("peer_reviewed_venue",)


@dataclass(frozen=True)
class BibEntry:
    """One paper's bibliographic record; empty fields are None."""

    key: str
    entry_type: str
    survey_title: str
    title: str
    authors: tuple[str, ...]  # "Family, Given"
    year: int | None
    venue: str | None = None
    venue_short: str | None = None
    booktitle: str | None = None
    journal: str | None = None
    series: str | None = None
    volume: str | None = None
    publisher: str | None = None
    pages: str | None = None
    doi: str | None = None
    isbn: str | None = None
    arxiv: str | None = None
    openreview: str | None = None
    url: str | None = None
    notes: str | None = None
    title_version: str | None = None  # which version of the paper ``title`` belongs to
    number: str | None = None
    short_names: tuple[str, ...] = ()  # acronyms / method names researchers use
    survey_urls: tuple[str, ...] = ()
    sources: tuple[tuple[tuple[str, ...], str], ...] = ()  # (fields, where verified)
    unverified: tuple[str, ...] = ()

    def value(self, name: str):
        """A field's value (None / () when empty)."""
        return getattr(self, name)

    def sources_of(self, name: str) -> list[str]:
        """Where field ``name`` was verified (empty: nowhere, so it must be empty).

        Besides the sources that list the field, three fields follow from others:
        ``url`` is the address of a public record itself; ``venue_short`` and
        ``booktitle`` name the venue whose full name ``venue`` was verified; a preprint's
        ``venue`` / ``venue_short`` ("arXiv") follow from its verified arXiv id."""
        out = [src for fields, src in self.sources if name in fields]
        if out or not self.value(name):
            return out
        if name == "url":
            return [f"the public record at {self.url}"]
        if name in ("venue_short", "booktitle") and self.sources_of("venue") and (
                name == "venue_short" or self.booktitle == self.venue):
            return [f"derived from the verified venue name {self.venue!r}"]
        if name in ("venue", "venue_short") and self.arxiv and \
                "peer_reviewed_venue" in self.unverified and self.sources_of("arxiv"):
            return [f"derived from the verified arXiv id {self.arxiv}: a preprint (no "
                    "peer-reviewed venue found)"]
        return out

    @staticmethod
    def verification_text(source: str) -> str:
        """How a source reads for people: "verified against <the record>", or the
        derivation itself ("derived from the verified venue name …")."""
        return source if source.startswith("derived from") else f"verified against {source}"

    def citation_label(self) -> str:
        """'SecMI — Duan et al., 2023': a short name (if any), first authors, year."""
        who = self.short_authors() if self.authors else self.title
        when = f", {self.year}" if self.year else ""
        name = self.short_names[0] if self.short_names else ""
        return f"{name} — {who}{when}" if name else f"{who}{when}"

    def family_names(self) -> list[str]:
        return [a.split(",", 1)[0].strip() for a in self.authors]

    def short_authors(self) -> str:
        """'Carlini et al.', 'Pang and Wang', 'Hu' — for prose and figure labels."""
        names = self.family_names()
        if not names:
            return self.title
        if len(names) == 1:
            return names[0]
        if len(names) == 2:
            return f"{names[0]} and {names[1]}"
        return f"{names[0]} et al."


@dataclass(frozen=True)
class Bibliography:
    file: str
    entries: tuple[BibEntry, ...]
    _by_key: dict[str, BibEntry] = field(default_factory=dict, compare=False, repr=False)
    _by_title: dict[str, BibEntry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for e in self.entries:
            self._by_key[e.key] = e
            for t in (e.survey_title, e.title):
                self._by_title.setdefault(norm(t), e)

    def get(self, key: str) -> BibEntry | None:
        return self._by_key.get(key)

    def for_title(self, title: str) -> BibEntry | None:
        """The entry of a paper by its survey title (or its record title), case-insensitive."""
        return self._by_title.get(norm(title))

    def require(self, key: str) -> BibEntry:
        e = self.get(key)
        if e is None:
            raise UnknownLabelError("citation key", key, self._by_key, self.file)
        return e

    @property
    def keys(self) -> list[str]:
        return [e.key for e in self.entries]


@dataclass(frozen=True)
class EmptyField:
    key: str
    field: str
    reason: str


def _opt(v) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def load_bibliography(path: Path | None = None) -> Bibliography:
    rel, raw = load_section(path, "bibliography.yaml", "papers", list)
    assert isinstance(raw, list)
    entries: list[BibEntry] = []
    seen: set[str] = set()
    for i, e in enumerate(raw, start=1):
        where = f"entry {i}"
        if not isinstance(e, dict):
            raise SourceError(f"{where}: expected a mapping", file=rel)
        key = _opt(e.get("key"))
        if not key:
            raise SourceError(f"{where}: needs a 'key' (the citation key)", file=rel)
        where = f"entry {i} ({key})"
        if key in seen:
            raise SourceError(f"{where}: duplicate key", file=rel)
        seen.add(key)
        etype = e.get("entry_type")
        if etype not in ENTRY_TYPES:
            raise SourceError(f"{where}: entry_type {etype!r} is not one of {ENTRY_TYPES}",
                              file=rel)
        for req in ("survey_title", "title"):
            if not _opt(e.get(req)):
                raise SourceError(f"{where}: needs a non-empty {req!r}", file=rel)
        authors = e.get("authors") or []
        if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
            raise SourceError(f"{where}: 'authors' must be a list of 'Family, Given' strings",
                              file=rel)
        sources = []
        for s in e.get("sources") or []:
            if not isinstance(s, dict) or not _opt(s.get("source")):
                raise SourceError(f"{where}: each source needs 'fields' and 'source'", file=rel)
            sources.append((tuple(str(f) for f in s.get("fields") or []), str(s["source"])))
        if not sources:
            raise SourceError(f"{where}: names no source; every field must be verified",
                              file=rel)
        unverified = tuple(str(f) for f in e.get("unverified") or [])
        for f in unverified:
            if f in PSEUDO_FIELDS:
                continue
            if f not in TEXT_FIELDS + LIST_FIELDS + ("year", "volume"):
                raise SourceError(f"{where}: unverified field {f!r} is not a bibliographic "
                                  "field", file=rel)
            if e.get(f) not in (None, "", []):
                raise SourceError(f"{where}: field {f!r} is listed as unverified but filled; "
                                  "an unverified field must stay empty", file=rel)
        for u in ([e.get("url")] if e.get("url") else []) + list(e.get("survey_urls") or []):
            problem = url_problem(str(u))
            if problem:
                raise SourceError(f"{where}: url {u!r} is not a valid http(s) URL: {problem}",
                                  file=rel)
        short = e.get("short_names") or []
        if not isinstance(short, list) or not all(isinstance(a, str) and a.strip()
                                                  for a in short):
            raise SourceError(f"{where}: 'short_names' must be a list of names", file=rel)
        year = e.get("year")
        if year is not None and not isinstance(year, int):
            raise SourceError(f"{where}: year must be an integer", file=rel)
        entry = BibEntry(
            key=key, entry_type=etype, survey_title=str(e["survey_title"]).strip(),
            authors=tuple(a.strip() for a in authors), year=year,
            volume=_opt(e.get("volume")),
            short_names=tuple(a.strip() for a in short),
            survey_urls=tuple(str(u) for u in e.get("survey_urls") or []),
            sources=tuple(sources), unverified=unverified,
            **{f: _opt(e.get(f)) for f in TEXT_FIELDS},
        )
        for f in FIELDS:
            if entry.value(f) and not entry.sources_of(f):
                raise SourceError(f"{where}: field {f!r} names no source (add it to the "
                                  "'fields' of the source that verified it)", file=rel)
        entries.append(entry)
    return Bibliography(rel, tuple(entries))


def empty_fields(entries) -> list[EmptyField]:
    """The fields left empty because no public record verified them, with the reason."""
    out = []
    for e in entries:
        for f in e.unverified:
            if f == "peer_reviewed_venue":
                reason = "no peer-reviewed venue found; recorded as a preprint"
            else:
                reason = "no public record verified it"
            out.append(EmptyField(e.key, f, reason))
    return out


__all__ = ["BibEntry", "Bibliography", "EmptyField", "empty_fields", "load_bibliography"]
