"""A plain-Python oracle for the exposure report (kg profile): no rdflib, no SPARQL, no
kg.query. Over the survey rows of tests/oracle.Oracle and the plain YAML of
data/access.yaml, by the semantics in kg.profile's docstring: the lineage is the model and
its parents up the tree; a row applies when one of its models is on the lineage; an attack
is reachable when one of its knowledge levels is satisfied by the access; an open risk is a
(threat, access) with reachable attacks and no defense row on the lineage for the threat.
"""

from __future__ import annotations

import yaml

from kg import settings
from kg.survey import ATTACKS, DEFENSES

from .oracle import Oracle


def satisfied(access: list[str]) -> set[str]:
    data = yaml.safe_load((settings.DATA_DIR / "access.yaml").read_text(encoding="utf-8"))
    return {k for a in access for k in data["access"][a]["satisfies"]}


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
    sat = satisfied(access)
    attacks, defenses, n = [], [], {ATTACKS: 0, DEFENSES: 0}
    for r in o.rows:
        n[r.part] += 1
        levels = tuple(m for m in line if m in r.models)
        if not levels:
            continue
        if r.part == ATTACKS:
            attacks.append((n[r.part], r.paper, r.threat, bool(r.knowledge & sat), levels,
                            r.effectiveness, r.limitation))
        else:
            defenses.append((n[r.part], r.paper, r.method, r.threat, levels, r.effectiveness))
    rows_by_n = {a[0]: a for a in attacks}
    knowledge = {}
    m = 0
    for r in o.rows:
        if r.part == ATTACKS:
            m += 1
            knowledge[m] = r.knowledge
    defended = {d[3] for d in defenses}
    risks = []
    for t in dict.fromkeys(a[2] for a in attacks):
        if t in defended:
            continue
        for a in access:
            ok = satisfied([a])
            ev = tuple(x[0] for x in attacks if x[2] == t and knowledge[x[0]] & ok)
            if ev:
                risks.append((t, a, ev))
    return {"lineage": line, "attacks": attacks, "defenses": defenses, "risks": risks,
            "by_row": rows_by_n}
