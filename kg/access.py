"""The access an auditor can expose (data/access.yaml) and what it reaches.

Each access level satisfies some of the survey's attacker-knowledge levels, exposes some
things (generated outputs, intermediate outputs, weights, gradients) and includes weaker
access that comes with it. An attack row is reached by an access when one of the knowledge
levels the survey gives it is satisfied by the access or by an access it includes, or when
its own Effectiveness or Limitations cell says it works from something the access exposes
(the file's ``evidence`` words): :meth:`Access.reason`, the one rule the audit report
(kg.profile) selects by, counts open risks by and explains each reachable row with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import settings
from .errors import SourceError
from .files import display_path, load_yaml

ACCESS_FILE = settings.DATA_DIR / "access.yaml"


@dataclass(frozen=True)
class Access:
    """An access an auditor can expose, as data/access.yaml curates it: the knowledge levels
    it satisfies, what it exposes, the weaker access it includes; ``knowledge`` and
    ``words`` are what it reaches with what it includes (the closure): the levels it
    satisfies, and the evidence words of what it exposes."""

    name: str
    label: str
    satisfies: tuple[str, ...]
    reasoning: str
    source: str
    exposes: tuple[str, ...] = ()
    includes: tuple[str, ...] = ()
    knowledge: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def reason(self, knowledge, texts) -> str | None:
        """Why this access reaches an attack row with the survey's ``knowledge`` levels and
        cell ``texts`` (effectiveness, limitation), or None when it does not."""
        ok = [k for k in knowledge if k in self.knowledge]
        if ok:
            return f"{self.name} access satisfies {', '.join(ok)}"
        text = " ".join(texts).lower()
        said = [w for w in self.words if w in text]
        if said:
            return (f"its row says it works from what {self.name} access exposes "
                    f"({said[0]!r} in its cells)")
        return None


def _strings(e: dict, key: str, name: str, file: str, empty: bool = True) -> tuple[str, ...]:
    value = e.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) \
            or (not empty and not value):
        raise SourceError(f"access {name!r}: {key!r} must list names", file=file)
    return tuple(value)


def _closure(name: str, raw: dict[str, dict], file: str, seen: tuple[str, ...] = ()) -> set[str]:
    """``name`` and every access it includes, directly or not (SourceError for an unknown
    or circular one)."""
    if name in seen:
        raise SourceError(f"access {name!r} includes itself ({' -> '.join(seen + (name,))})",
                          file=file)
    if name not in raw:
        raise SourceError(f"access {seen[-1]!r} includes {name!r}, which the file does not "
                          "define", file=file)
    out = {name}
    for inc in raw[name].get("includes") or []:
        out |= _closure(inc, raw, file, seen + (name,))
    return out


def load_access(path: Path | None = None) -> dict[str, Access]:
    path = path or ACCESS_FILE
    file = display_path(path)
    data = load_yaml(path)
    raw = data.get("access") or {}
    evidence = data.get("evidence") or {}
    if not isinstance(evidence, dict) or not all(
            isinstance(ws, list) and all(isinstance(w, str) and w for w in ws)
            for ws in evidence.values()):
        raise SourceError("'evidence' must map what an access exposes to a list of words",
                          file=file)
    out = {}
    for name, e in raw.items():
        if not isinstance(e, dict):
            raise SourceError(f"access {name!r}: expected a mapping", file=file)
        for key in ("label", "reasoning", "source"):
            if not isinstance(e.get(key), str) or not e[key].strip():
                raise SourceError(f"access {name!r}: {key!r} must be a non-empty string",
                                  file=file)
        sat = _strings(e, "satisfies", name, file, empty=False)
        exposes, includes = _strings(e, "exposes", name, file), _strings(e, "includes", name, file)
        whole = sorted(_closure(name, raw, file))
        knowledge = tuple(dict.fromkeys(k for a in [name, *whole] for k in raw[a]["satisfies"]))
        words = tuple(dict.fromkeys(w.lower() for a in [name, *whole]
                                    for x in raw[a].get("exposes") or []
                                    for w in evidence.get(x, [])))
        out[name] = Access(name, e["label"], sat, e["reasoning"], e["source"], exposes,
                           includes, knowledge, words)
    if not out:
        raise SourceError("no access levels", file=file)
    return out


__all__ = ["ACCESS_FILE", "Access", "load_access"]
