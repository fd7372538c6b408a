"""BibTeX: one entry per paper of the view, keyed by data/bibliography.yaml ``key``.

Only fields the curated file holds are written; fields it lists as unverified stay empty
and are named in a comment above the entry. Preprints are ``@misc`` with
``eprint``/``archivePrefix``; a paper with no curated entry gets its survey title only.
"""

from __future__ import annotations

import re

from ..bibliography import PSEUDO_FIELDS, BibEntry
from .latex import escape as latex_escape
from .views import Paper, View

FIELD_ORDER = ("author", "title", "booktitle", "journal", "howpublished", "series", "volume",
               "number", "publisher", "pages", "year", "doi", "isbn", "eprint", "archiveprefix",
               "url", "note")
_NAMES = {"archiveprefix": "archivePrefix"}


def escape(text: str) -> str:
    """Text for a BibTeX field: LaTeX-escaped, with braces written as
    ``\\textbraceleft{}`` / ``\\textbraceright{}``: BibTeX matches braces even after a
    backslash, so an unbalanced ``\\}`` would end the field (and break the entry)."""
    return (latex_escape(text).replace("\\{", "\\textbraceleft{}")
            .replace("\\}", "\\textbraceright{}"))


def comment_text(text: str) -> str:
    """Text for a line outside the entries: BibTeX starts an entry at any '@'."""
    return text.replace("@", "(at)")


def protect_title(title: str) -> str:
    """Escape and brace words whose capitals must survive a bibliography style
    (``{PriSampler}``, ``{MIA}``, ``{Text-to-Image}``)."""
    words = []
    for w in escape(title).split(" "):
        core = re.sub(r"[^A-Za-z]", "", w)
        if len(core) > 1 and any(c.isupper() for c in core[1:]):
            w = "{" + w + "}"
        words.append(w)
    return " ".join(words)


def _value(v: str) -> str:
    return "{" + v + "}"


def fields(entry: BibEntry) -> dict[str, str]:
    f: dict[str, str] = {
        "author": " and ".join(escape(a) for a in entry.authors),
        "title": protect_title(entry.title),
    }
    if entry.entry_type == "inproceedings":
        if entry.booktitle:
            f["booktitle"] = escape(entry.booktitle)
        elif entry.venue or entry.venue_short:
            # booktitle unverified: stays empty; the verified venue name goes in a note
            f["note"] = escape(entry.venue or entry.venue_short or "")
    elif entry.entry_type == "article":
        if entry.journal:
            f["journal"] = escape(entry.journal)
    elif entry.arxiv:
        f["howpublished"] = f"arXiv preprint arXiv:{entry.arxiv}"
    for name in ("series", "volume", "number", "publisher"):
        # an issue number belongs to a journal article; the standard styles refuse volume
        # and number together in proceedings (the volume is kept there)
        if name == "number" and entry.entry_type != "article" and entry.volume:
            continue
        if getattr(entry, name):
            f[name] = escape(getattr(entry, name))
    if entry.pages:
        f["pages"] = entry.pages
    if entry.year:
        f["year"] = str(entry.year)
    for name in ("doi", "isbn"):
        if getattr(entry, name):
            f[name] = getattr(entry, name)
    if entry.arxiv:
        f["eprint"] = entry.arxiv
        f["archiveprefix"] = "arXiv"
    if entry.url:
        f["url"] = entry.url
    return f


def entry_text(paper: Paper) -> str:
    e = paper.entry
    if e is None:
        lines = [f"% no entry in data/bibliography.yaml for {comment_text(paper.title)!r}: "
                 "title only",
                 f"@misc{{{paper.key},", f"  title = {_value(protect_title(paper.title))},", "}"]
        return "\n".join(lines) + "\n"
    out = []
    empty = [u for u in e.unverified if u not in PSEUDO_FIELDS]
    if empty:
        out.append(f"% {e.key}: left empty, not verified against a public record: "
                   + ", ".join(empty))
    if "peer_reviewed_venue" in e.unverified:
        out.append(f"% {e.key}: no peer-reviewed venue found; cited as a preprint")
    f = fields(e)
    out.append(f"@{e.entry_type}{{{e.key},")
    body = [f"  {_NAMES.get(k, k)} = {_value(f[k])}" for k in FIELD_ORDER if k in f]
    out.append(",\n".join(body))
    out.append("}")
    return "\n".join(out) + "\n"


def to_bibtex(view: View) -> str:
    """The view's papers as BibTeX, in the order they first appear in the view."""
    header = view.header("bibtex")
    if any("@" in line for line in header):
        # BibTeX starts an entry at any '@', even in a comment
        header = [line.replace("@", "(at)") for line in header]
        header.append("('@' is written '(at)' in these comment lines)")
    out = ["".join(f"% {line}".rstrip() + "\n" for line in header)]
    out += [entry_text(p) for p in view.papers]
    return "\n".join(out)
