"""Link checks (``kg links``): every paper and code URL of the graph asked for, and a report.

Each URL gets a HEAD request, then a GET when HEAD does not answer 2xx (some servers refuse
HEAD); each request has its own deadline for connect, send and receive together
(:func:`kg.stores.http.opener`), redirects are followed and recorded, and at most
``workers`` requests run at once. A URL is:

- ``ok``: 2xx where it points;
- ``moved``: 2xx after redirects (the report gives where it ends and each hop);
- ``gone``: 404 or 410;
- ``not a repository``: a code URL that answers but does not end at a repository (a host of
  :data:`REPOSITORY_HOSTS` with an owner and a name in its path), e.g. an aggregator page;
- ``error``: another HTTP status; ``unreachable``: no answer by the deadline, or no
  connection.

When no URL could be reached because no host name resolves or the network is unreachable,
the report says it is offline and judges nothing. The checks never change data: the report
is for a curator to act on.
"""

from __future__ import annotations

import errno
import json
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .files import atomic_write
from .stores.base import Store
from .stores.http import opener
from .stores.open import open_store

LINKS_QUERY = """
SELECT DISTINCT ?url ?role ?title WHERE {
  ?paper a rd:Paper ; dcterms:title ?title .
  { ?paper rd:paperURL ?url . BIND("paper" AS ?role) }
  UNION { ?paper rd:codeRepository ?url . BIND("code" AS ?role) }
}
"""

#: hosts whose ``/owner/name`` paths are source repositories
REPOSITORY_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org",
                    "huggingface.co", "gitee.com", "sourceforge.net")
USER_AGENT = "kg-links/1 (link check of a research knowledge graph)"
GONE = (404, 410)
STATUSES = ("ok", "moved", "gone", "not a repository", "error", "unreachable")


@dataclass(frozen=True)
class Link:
    """A URL to check: its role (paper or code) and the papers that give it."""

    url: str
    role: str
    papers: tuple[str, ...]


@dataclass
class Checked:
    """What a URL answered: status (one of STATUSES), the last HTTP status, the method
    that decided, where it ended, each redirect (code, to), and why when not ok."""

    link: Link
    status: str
    http_status: int | None = None
    method: str = "HEAD"
    final_url: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0
    offline: bool = False  # no name resolution / network: says nothing about the URL

    def as_dict(self) -> dict:
        return {"url": self.link.url, "role": self.link.role, "papers": list(self.link.papers),
                "status": self.status, "http_status": self.http_status, "method": self.method,
                "final_url": self.final_url,
                "redirects": [{"code": c, "to": u} for c, u in self.redirects],
                "reason": self.reason, "seconds": round(self.seconds, 3)}


@dataclass
class Report:
    checked: list[Checked]
    timeout: float
    workers: int

    @property
    def offline(self) -> bool:
        """No URL could be reached and every failure was the network's (none judged)."""
        return bool(self.checked) and all(c.offline for c in self.checked)

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.checked) for s in STATUSES}

    def as_dict(self) -> dict:
        return {"offline": self.offline, "timeout": self.timeout, "workers": self.workers,
                "counts": self.counts(), "links": [c.as_dict() for c in self.checked]}


class _Recorder(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, keeping each hop (code, new URL)."""

    def __init__(self) -> None:
        self.hops: list[tuple[int, str]] = []

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.hops.append((code, newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def is_repository(url: str, hosts: tuple[str, ...] = REPOSITORY_HOSTS) -> bool:
    """A repository page: a host of ``hosts`` (or a subdomain) with an owner and a name."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    segments = [s for s in parts.path.split("/") if s]
    return any(host == h or host.endswith("." + h) for h in hosts) and len(segments) >= 2


def _network_down(err: BaseException) -> bool:
    reason = getattr(err, "reason", err)
    return isinstance(reason, socket.gaierror) or (
        isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH))


def _request(url: str, method: str, timeout: float) -> tuple[int | None, str | None,
                                                              list[tuple[int, str]], str, bool]:
    """One request under its own deadline: (HTTP status, final URL, hops, why, offline)."""
    rec = _Recorder()
    req = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
    try:
        with opener(time.monotonic() + timeout, rec).open(req) as resp:
            return resp.status, resp.geturl(), rec.hops, "", False
    except urllib.error.HTTPError as e:
        return e.code, e.geturl(), rec.hops, f"HTTP {e.code}", False
    except (urllib.error.URLError, OSError, ValueError) as e:
        why = str(getattr(e, "reason", e)) or type(e).__name__
        if isinstance(getattr(e, "reason", e), TimeoutError):
            why = f"no answer within {timeout:g} s"
        return None, None, rec.hops, why, _network_down(e)


def check(link: Link, timeout: float, hosts: tuple[str, ...] = REPOSITORY_HOSTS) -> Checked:
    """One URL checked: HEAD, then GET unless HEAD answered 2xx, then judged (module rule)."""
    start = time.monotonic()
    method = "HEAD"
    code, final, hops, why, offline = _request(link.url, "HEAD", timeout)
    if code is None or not 200 <= code < 300:
        method = "GET"
        code, final, hops, why, offline = _request(link.url, "GET", timeout)
    out = Checked(link, "ok", code, method, final, hops, why, time.monotonic() - start, offline)
    if code is None:
        out.status = "unreachable"
    elif code in GONE:
        out.status = "gone"
    elif not 200 <= code < 300:
        out.status = "error"
    elif link.role == "code" and not is_repository(final or link.url, hosts):
        out.status, out.reason = "not a repository", "the page is not a source repository"
    elif hops and final != link.url:
        out.status, out.reason = "moved", f"now at {final}"
    return out


def check_links(links: list[Link], *, timeout: float = 10.0, workers: int = 4,
                hosts: tuple[str, ...] = REPOSITORY_HOSTS) -> Report:
    """Every link checked, at most ``workers`` at once, sorted by status then URL."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(lambda ln: check(ln, timeout, hosts), links))
    done.sort(key=lambda c: (STATUSES.index(c.status), c.link.url, c.link.role))
    return Report(done, timeout, workers)


def graph_links(store: Store) -> list[Link]:
    """The paper and code URLs of the graph, each with the titles of the papers giving it."""
    found: dict[tuple[str, str], set[str]] = {}
    for r in store.select(LINKS_QUERY):
        found.setdefault((str(r["url"]), str(r["role"])), set()).add(str(r["title"]))
    return [Link(u, role, tuple(sorted(t))) for (u, role), t in sorted(found.items())]


def check_store(setting: str | None = None, *, timeout: float = 10.0,
                workers: int = 4) -> Report:
    """``kg links``: the graph's links (the store ``setting``, default KG_STORE) checked."""
    return check_links(graph_links(open_store(setting)), timeout=timeout, workers=workers)


def write_report(report: Report, path: Path) -> None:
    """The report as JSON, written whole."""
    atomic_write(path, json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")


def render_text(report: Report) -> str:
    """The report for a terminal: the counts, then every URL that is not ok."""
    n = len(report.checked)
    if report.offline:
        return (f"offline: none of the {n} URLs could be reached (no name resolution or no "
                "network); nothing was judged and nothing changed\n")
    counts = ", ".join(f"{v} {k}" for k, v in report.counts().items() if v)
    lines = [f"{n} URLs checked (HEAD then GET, {report.timeout:g} s each, "
             f"{report.workers} at once): {counts or 'none'}"]
    for c in report.checked:
        if c.status == "ok":
            continue
        lines.append(f"  {c.status}: {c.link.role} {c.link.url}  ({'; '.join(c.link.papers)})")
        for code, to in c.redirects:
            lines.append(f"      {code} -> {to}")
        if c.reason:
            lines.append(f"      {c.reason}")
    lines.append("nothing was changed; fix the sources (the survey, data/additions) by hand")
    return "\n".join(lines) + "\n"


__all__ = ["Checked", "Link", "REPOSITORY_HOSTS", "Report", "check", "check_links",
           "check_store", "graph_links", "is_repository", "render_text", "write_report"]
