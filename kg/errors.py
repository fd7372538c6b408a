"""The few errors the package raises. Each message says where and what would be valid."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


def closest(label: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known labels closest to ``label`` (at most ``n``; as written, else ignoring case):
    the "did you mean" of every unknown name."""
    known = sorted(set(known))
    close = difflib.get_close_matches(label, known, n=n, cutoff=0.5)
    if not close:
        lowered = {k.lower(): k for k in known}
        close = [lowered[m] for m in difflib.get_close_matches(label.lower(), lowered, n=n)]
    return close


class KGError(Exception):
    """Base class: every error a user can cause. The CLI prints it in one line, exit 1."""


class SourceError(KGError, ValueError):
    """The survey text (or a curated file) is malformed. Names file, table, row and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        table: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file, self.table, self.row, self.column = file, table, row, column
        where = []
        if file:
            where.append(f"file {file}")
        if table:
            where.append(f"table {table!r}")
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class SettingError(KGError, ValueError):
    """A setting (environment variable) or command option with a value it cannot take;
    the message names the variable or option and what would be valid."""


class UnknownLabelError(KGError, LookupError):
    """A label that names nothing known; suggests the closest known labels."""

    def __init__(self, kind: str, label: str, known: Iterable[str], where: str = "") -> None:
        self.kind, self.label = kind, label
        close = closest(label, known)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        loc = f"{where}: " if where else ""
        super().__init__(f"{loc}unknown {kind} {label!r}{hint}")

    def __str__(self) -> str:  # LookupError would repr() the message
        return self.args[0]


class QueryError(KGError, ValueError):
    """A SPARQL query that is malformed or not allowed (updates, LOAD, SERVICE, FROM)."""


class ValidationError(KGError, ValueError):
    """The built graph does not conform to the SHACL shapes."""

    def __init__(self, report: str) -> None:
        self.report = report
        sep = "\n" if "\n" in report else " "  # a report of results: one line
        super().__init__("the graph does not conform to the SHACL shapes:" + sep + report)


class SourceChangedError(KGError, ValueError):
    """The survey source no longer matches the hash recorded in its lock file."""


class GraphDataError(KGError, ValueError):
    """Triples to load that are not N-Triples: the line, the column and what is wrong.
    Raised before anything is replaced."""


class StoreError(KGError):
    """A store setting names nothing usable (bad setting, locked or empty directory)."""


class EndpointError(KGError):
    """A SPARQL endpoint is unreachable, too slow, or refuses a request."""


class NotApplicable(KGError):
    """A condition that cannot hold on the rows the form ranges over."""


class NotInGraph(KGError, LookupError):
    """The model is not in the graph; carries the closest known models."""

    def __init__(self, model: str, closest: list[str]) -> None:
        self.model, self.closest = model, closest
        hint = f"; closest known models: {', '.join(closest)}" if closest else ""
        super().__init__(f"model {model!r} is not in the graph{hint} (no report is made for "
                         "another model)")

    def __str__(self) -> str:
        return self.args[0]


class CurationNeeded(KGError, LookupError):
    """The survey names what the curated vocabulary does not know: every such name with
    the cells that name it and the command that resolves it (``tasks``: kg.tasks.Task)."""

    def __init__(self, tasks: Sequence[object]) -> None:
        self.tasks = list(tasks)
        lines = "\n".join(f"  {t}" for t in self.tasks)
        super().__init__(f"{len(self.tasks)} name(s) the curated vocabulary does not know "
                         f"(curation tasks; 'kg curate' lists them):\n{lines}")

    def __str__(self) -> str:
        return self.args[0]


class AdditionError(KGError, ValueError):
    """A malformed or conflicting addition; names file, entry and field (``problems``: the
    refused entries, kg.additions.Rejected, each printing where and why)."""

    def __init__(self, problems: Sequence[object]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = (f" (and {len(self.problems) - 1} more problem(s))"
                if len(self.problems) > 1 else "")
        super().__init__(f"{first}{more}; fix the entry, or build without bad entries "
                         "with --skip-bad-additions")


class AmbiguousNameError(KGError, LookupError):
    """A name with several readings (a threat's abbreviation that is also a paper's short
    name): each reading (kind, label, IRI), so the user can give one."""

    def __init__(self, name: str, readings: Sequence[tuple[str, str, str]]) -> None:
        self.name, self.readings = name, list(readings)
        listed = "; ".join(f"the {kind} {label!r} ({iri})" for kind, label, iri in self.readings)
        super().__init__(f"{name!r} can mean {len(self.readings)} things: {listed}; "
                         "give the label or IRI of the one you mean")

    def __str__(self) -> str:
        return self.args[0]


class BusyError(KGError):
    """Another writer held a curated file's lock longer than a writer waits; nothing was
    written."""


class WriteError(KGError, OSError):
    """A file could not be written (disk full, read-only file system, no permission): one
    line naming the path and saying that nothing was changed."""


class ReleaseError(KGError, ValueError):
    """A dataset release that cannot be written or does not verify; names the file."""
