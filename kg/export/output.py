"""Where an export goes (``kg export``): a view in one format to standard output or a file,
or every format into a directory, with the record that describes it.

The format and the output are checked before the view is selected (``all`` needs a
directory, PDF and zip a file; :func:`kg.export.check_output`), so a bad request costs no
query and writes nothing; files are written atomically. The record names the format,
the graph's hash, the view (as words, as a command, as a CONSTRUCT or a question), the
counts, the papers and their empty bibliographic fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import settings
from ..bibliography import empty_fields
from ..errors import KGError
from . import check_output, export, format_named, write_bundle, write_export
from .latex import Layout
from .views import View, ViewSpec, make_view


@dataclass(frozen=True)
class Exported:
    """An export done: its record (``--json``), the text for standard output when no file
    was given (else None), the line saying what was written (else ""), and the papers the
    bibliography has no entry for."""

    record: dict
    content: str | None
    summary: str
    missing_bibliography: list[str]


def export_to(store, spec: ViewSpec, fmt: str, output: Path | None,
              layout: Layout | None = None) -> Exported:
    """Select ``spec``'s view and write it in ``fmt`` to ``output`` (a directory for
    ``all``; None: the text is returned for standard output)."""
    if fmt.lower() != "all":
        fmt = format_named(fmt).name
    elif output is None:
        raise KGError("--format all writes one file per format: give a directory with -o DIR")
    if fmt in ("pdf", "zip") and output is None:
        raise KGError(f"{fmt.upper()} is binary: give a file with -o FILE.{fmt}")
    layout = layout or Layout()
    if output is not None:
        check_output(output, directory=fmt == "all")
    view = make_view(store, spec, limit=settings.number("row_limit"),
                     timeout=settings.number("query_timeout"))
    record = _record(view, spec, fmt, layout)
    content = None
    if fmt == "all":
        assert output is not None
        paths = write_bundle(view, output, layout=layout)
        record["paths"] = [str(p) for p in paths]
        wrote = f"wrote {len(paths)} files to {output}"
    else:
        rendered = export(view, fmt, layout)
        if output is not None:
            write_export(output, rendered)
            record["path"] = str(output)
            wrote = f"wrote {output}"
        else:
            assert isinstance(rendered, str)
            content, wrote = rendered, ""
    c = record["counts"]
    summary = (f"{wrote} ({c['attacks']} attacks, {c['defenses']} defense evaluations, "
               f"{c['papers']} papers; graph sha256 {view.graph_sha256[:12]}…)") if wrote else ""
    return Exported(record, content, summary, view.missing_bibliography)


def _record(view: View, spec: ViewSpec, fmt: str, layout: Layout) -> dict:
    """What ``kg export --json`` says of an export (before its paths or content)."""
    return {
        "format": fmt, "columns": layout.columns, "graph_sha256": view.graph_sha256,
        "view": spec.describe(),
        "command": spec.command(fmt), "construct": spec.construct,
        "question": spec.question, "understood_as": spec.understood_as or None,
        "counts": {"attacks": len(view.attacks), "defenses": len(view.defenses),
                   "papers": len(view.papers), "triples": len(view.graph)},
        "papers": [p.key for p in view.papers],
        "empty_bibliographic_fields": [
            {"key": e.key, "field": e.field, "reason": e.reason}
            for e in empty_fields(p.entry for p in view.papers if p.entry)],
        "missing_bibliography": view.missing_bibliography,
        "path": None, "paths": None,  # the file written (-o FILE), the files (-f all -o DIR)
    }


__all__ = ["Exported", "export_to"]
