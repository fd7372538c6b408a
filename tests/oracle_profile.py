"""A plain-Python oracle for the exposure report (kg profile): no rdflib, no SPARQL, no
kg.query. Over the survey rows of tests/oracle.Oracle and the plain YAML of
data/access.yaml, by the semantics in kg.profile's docstring: the lineage is the model and
its parents up the tree; a row applies when one of its models is on the lineage; an attack
is reachable when one of its knowledge levels is satisfied by the access (or by an access
it includes), or when its Effectiveness or Limitations cell holds an evidence word of what
the access (or one it includes) exposes; an open risk is a (threat, access) with reachable
attacks and no defense row on the lineage for the threat.
"""

from __future__ import annotations

import functools

import yaml

from .oracle import ATTACKS, DATA, DEFENSES, Oracle, Rec


def _access() -> dict:
    """data/access.yaml as it is now (parsed once per text: :func:`reaches` asks for it
    for every row and access). Read only."""
    return _parsed((DATA / "access.yaml").read_text(encoding="utf-8"))


@functools.cache
def _parsed(text: str) -> dict:
    return yaml.safe_load(text)


def _with_included(name: str, levels: dict) -> set[str]:
    out = {name}
    for inc in levels[name].get("includes") or []:
        out |= _with_included(inc, levels)
    return out


def satisfied(access: list[str]) -> set[str]:
    levels = _access()["access"]
    return {k for a in access for b in _with_included(a, levels) for k in levels[b]["satisfies"]}


def evidence_words(access: list[str]) -> set[str]:
    data = _access()
    levels, evidence = data["access"], data.get("evidence") or {}
    return {w.lower() for a in access for b in _with_included(a, levels)
            for x in levels[b].get("exposes") or [] for w in evidence.get(x, [])}


def reaches(access: list[str], r: Rec) -> bool:
    text = f"{r.effectiveness} {r.limitation}".lower()
    return bool(r.knowledge & satisfied(access)) or any(w in text for w in evidence_words(access))


def lineage(o: Oracle, model: str) -> list[str]:
    out, m = [], model
    while m is not None:
        out.append(m)
        m = o.parent.get(m)
    return out


def expected(o: Oracle, model: str, access: list[str]) -> dict:
    """The report's rows as plain tuples: attacks (row number, paper, threat, reachable,
    lineage levels it counts under), defenses (row number, paper, method, threat, levels),
    open risks (threat, access, evidence row numbers)."""
    line = lineage(o, model)
    attacks, defenses, n = [], [], {ATTACKS: 0, DEFENSES: 0}
    for r in o.rows:
        n[r.part] += 1
        levels = tuple(m for m in line if m in r.models)
        if not levels:
            continue
        if r.part == ATTACKS:
            attacks.append((n[r.part], r.paper, r.threat, reaches(access, r), levels,
                            r.effectiveness, r.limitation))
        else:
            defenses.append((n[r.part], r.paper, r.method, r.threat, levels, r.effectiveness))
    rows_by_n = {a[0]: a for a in attacks}
    record = dict(enumerate((r for r in o.rows if r.part == ATTACKS), start=1))
    defended = {d[3] for d in defenses}
    risks = []
    for t in dict.fromkeys(a[2] for a in attacks):
        if t in defended:
            continue
        for a in access:
            ev = tuple(x[0] for x in attacks if x[2] == t and reaches([a], record[x[0]]))
            if ev:
                risks.append((t, a, ev))
    return {"lineage": line, "attacks": attacks, "defenses": defenses, "risks": risks,
            "by_row": rows_by_n}
