"""User SPARQL in a worker process that can be stopped.

A query typed by a user (the app's console, ``kg sparql``, ``kg export construct``) runs in
a child process forked for that query alone:

* the deadline covers everything the query does, parsing and the read-only check
  included; when it passes, the child is killed (SIGKILL), so no evaluation goes on
  using CPU or memory after the user was told it stopped;
* the child's address space is capped (RLIMIT_AS = its size at fork + ``query_memory_mb``),
  so a runaway join fails with "needed more than N MB" instead of growing the server;
* rows are streamed and cut at the row limit (SELECT), CONSTRUCT/DESCRIBE stop at
  ``construct_max_triples``; the text is capped at ``query_max_chars`` before anything;
* the caller only waits on a pipe, so other users' queries (other threads of the app)
  go on while one query runs out its time;
* a server process runs at most :data:`WORKER_SLOTS` workers at once (one per CPU): a
  further query waits for a free one within its own deadline, then is refused;
* a query run for an ``owner`` (the app's browser session) stops that owner's previous
  query's worker: a superseded run holds no CPU.

The child inherits the store by fork: the in-memory store's Oxigraph engine is shared
copy-on-write; an embedded
Oxigraph directory is reopened read-only in the child (the parent's handle holds the lock);
an endpoint is reached over HTTP as in the parent. Results come back pickled: rdflib terms,
or N-Triples for graphs.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import resource
import signal
import threading
import time
from dataclasses import dataclass

from . import settings
from .errors import QueryError
from .sparql_text import check_read_only, warm_parser, with_prefixes
from .stores.base import Store
from .stores.memory import MemoryStore
from .stores.oxigraph import OxigraphStore, from_oxigraph

_CTX = mp.get_context("fork")


#: Workers one server process runs at once (its CPUs): more would only slow them all.
WORKER_SLOTS = max(1, os.cpu_count() or 1)
_slots = threading.BoundedSemaphore(WORKER_SLOTS)
_running: dict[object, object] = {}  # owner -> its running worker process
_running_lock = threading.Lock()


@dataclass(frozen=True)
class Limits:
    """What one user query may use."""

    timeout: float  # seconds, wall clock, parse included
    rows: int  # most SELECT rows returned
    memory_mb: int  # address space the child may add to its size at fork
    max_chars: int  # longest query text accepted
    max_triples: int  # most CONSTRUCT / DESCRIBE triples

    @classmethod
    def from_settings(cls, timeout: float | None = None, rows: int | None = None) -> Limits:
        return cls(timeout=float(timeout if timeout is not None
                                 else settings.get("query_timeout")),
                   rows=int(rows if rows is not None else settings.get("row_limit")),
                   memory_mb=int(settings.get("query_memory_mb")),
                   max_chars=int(settings.get("query_max_chars")),
                   max_triples=int(settings.get("construct_max_triples")))


def _vm_bytes() -> int:
    """This process's current virtual size (VmSize), the base of the memory cap."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cap_memory(extra_mb: int) -> None:
    cap = _vm_bytes() + extra_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _oxigraph_handle(store: OxigraphStore):
    """The directory reopened read-only (no lock, no shared state with the parent), else
    the handle inherited by fork (an in-memory store, or a layout read_only cannot open)."""
    if store.path is not None:
        from pyoxigraph import Store as OxStore

        try:
            return OxStore.read_only(str(store.path))
        except OSError:
            pass
    return store.ox


def _stream(store: Store, text: str, form: str, limits: Limits):
    """(form, payload) of the query, reading at most limit + 1 rows / max + 1 triples."""
    if isinstance(store, MemoryStore | OxigraphStore):
        handle = store.engine.ox if isinstance(store, MemoryStore) else _oxigraph_handle(store)
        res = handle.query(with_prefixes(text))
        if form == "select":
            names = [v.value for v in res.variables]
            rows = [{n: from_oxigraph(sol[n]) for n in names}
                    for sol in itertools.islice(res, limits.rows + 1)]
            return names, rows
        if form == "ask":
            return bool(res)
        return [(from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object))
                for t in itertools.islice(res, limits.max_triples + 1)]
    # an endpoint: the store's own calls (the endpoint streams); the deadline holds
    if form == "select":
        rows = store.select(text)
        return rows.vars, rows.rows[:limits.rows + 1]
    if form == "ask":
        return store.ask(text)
    return list(itertools.islice(iter(store.construct(text)), limits.max_triples + 1))


def _child(conn, store: Store | None, text: str, limits: Limits) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _cap_memory(limits.memory_mb)
        checked = check_read_only(text)  # the text that runs is the text that was checked
        conn.send(("ok", checked.form,
                   None if store is None else _stream(store, checked.text, checked.form,
                                                      limits)))
    except MemoryError:
        conn.send(("error", f"the query needed more than {limits.memory_mb} MB of memory and "
                            "was stopped; narrow it (KG_QUERY_MEMORY_MB sets the cap)"))
    except QueryError as e:
        conn.send(("error", str(e)))
    except BaseException as e:  # reported in the caller, with its type
        try:
            conn.send(("error", f"the query failed: {type(e).__name__}: {e}"))
        except BaseException:
            pass
    finally:
        conn.close()
        os._exit(0)


def _supersede(owner: object, proc) -> None:
    """Register ``proc`` as ``owner``'s running worker, killing the one it replaces."""
    with _running_lock:
        old = _running.get(owner)
        _running[owner] = proc
    if old is not None and old.is_alive():
        old.kill()


def _superseded(owner: object, proc) -> bool:
    with _running_lock:
        mine = _running.get(owner) is proc
        if mine:
            del _running[owner]
    return not mine


def run_in_worker(store: Store | None, text: str, limits: Limits, owner: object = None):
    """(form, payload) of a user's query run in a killable child; QueryError when refused,
    malformed, over a limit, stopped at the deadline, refused for want of a free worker
    (:data:`WORKER_SLOTS`), or replaced by a newer query of the same ``owner`` (whose run
    kills this one's worker). ``store=None``: only the read-only check (payload None),
    under the same deadline and caps."""
    if len(text) > limits.max_chars:
        raise QueryError(f"the query is {len(text):,} characters long; the most accepted is "
                         f"{limits.max_chars:,} (KG_QUERY_MAX_CHARS)")
    warm_parser()  # once per process: each child inherits the grammar ready (~0.2 s each)
    if isinstance(store, MemoryStore):
        store.engine  # noqa: B018  (loaded on first use: load it here, not in every child)
    elif isinstance(store, OxigraphStore):
        store.follow()  # the child reopens the live version, not the one last queried here
    start = time.monotonic()
    if owner is not None:
        _supersede(owner, None)  # the owner's previous query stops before this one waits
    if not _slots.acquire(timeout=limits.timeout):
        raise QueryError(f"all {WORKER_SLOTS} query workers of this server were busy for "
                         f"{limits.timeout:g} s; try again in a moment")
    parent, child = _CTX.Pipe(duplex=False)
    proc = _CTX.Process(target=_child, args=(child, store, text, limits), daemon=True)
    try:
        proc.start()
        if owner is not None:
            _supersede(owner, proc)
        child.close()
        msg = _wait(parent, proc, limits, start)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
        _slots.release()
        replaced = owner is not None and _superseded(owner, proc)
    if msg is None:
        if replaced:
            raise QueryError("stopped: a newer query from the same page replaced this one")
        raise QueryError("the query's worker ended without an answer (killed, or out of "
                         f"memory above {limits.memory_mb} MB); narrow the query")
    if msg[0] == "error":
        raise QueryError(msg[1])
    return msg[1], msg[2]


def _wait(parent, proc, limits: Limits, start: float):
    """The worker's message, or None when it ended without one; QueryError at the deadline."""
    if not parent.poll(max(0.0, limits.timeout - (time.monotonic() - start))):
        raise QueryError(f"the query ran longer than {limits.timeout:g} s and was stopped; "
                         "narrow it or raise the timeout (KG_QUERY_TIMEOUT)")
    try:
        return parent.recv()
    except EOFError:
        return None


def check_in_worker(text: str, limits: Limits | None = None) -> str:
    """The query form of an allowed query, checked in a worker (a huge query's parse is
    stopped at the deadline); QueryError otherwise."""
    return run_in_worker(None, text, limits or Limits.from_settings())[0]


__all__ = ["WORKER_SLOTS", "Limits", "check_in_worker", "run_in_worker"]
