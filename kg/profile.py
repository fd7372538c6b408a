"""An auditor's exposure report: a model and the access it exposes -> which attacks apply,
what defenses were evaluated against them, and what is untested.

Pure over the store: every selection is a logical form of the query core (:mod:`kg.query`),
so each line of the report carries the form (in words and as a dict) and the SPARQL that
selected it, runnable unchanged with ``kg sparql``. Row details (effectiveness, limitation,
code, paper, citation key) come from :func:`kg.export.views.make_view` over exactly the
selected rows. Access levels map to the survey's attacker-knowledge levels through the
curated ``data/access.yaml`` (with its reasoning and source).

Semantics:

* lineage = the model and every model above it (``skos:broader*``); an attack or a defense
  *applies* when it was evaluated on one of them — selected per level with an exact model
  condition, so the report says where it was evaluated (the model itself or a family);
* an attack is *reachable* when any knowledge level the survey gives it is satisfied by the
  exposed access or an access it includes (``knowledge ∈ {…}``), or when its own row says
  it works from what the access exposes (``effectiveness or limitation contains 'gradient'``:
  the evidence words of ``data/access.yaml``), else it *needs more access* (``knowledge ∉
  {…}`` and none of those words); stronger access never reaches fewer attacks;
* an open risk is a (threat, access) with reachable attacks on the lineage and no defense
  evaluated on the lineage against that threat.
"""

from __future__ import annotations

import difflib
import html
import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .access import Access, load_access
from .crosswalk import load_crosswalk
from .errors import KGError, NotInGraph, UnknownLabelError
from .export.labels import Resolver
from .export.spec import selection_spec
from .export.views import make_view
from .markup import md_text
from .query import Cond, Form, Term, context, run

FORMATS = ("md", "html", "json", "pdf")
#: The version of the report's JSON shape ("schema"; the README's JSON changelog).
SCHEMA = 1


@dataclass
class Line:
    """One selection of the report: what it is, its logical form and its SPARQL."""

    title: str
    understood_as: str
    form: dict
    sparql: str
    rows: list[str]

    def as_dict(self) -> dict:
        return {"title": self.title, "understood_as": self.understood_as,
                "logical_form": self.form, "sparql": self.sparql, "rows": self.rows}


@dataclass
class Report:
    model: str
    lineage: list[dict]  # label, iri, family flag, level (0 = the model)
    access: list[Access]
    satisfied: list[str]
    fine_tuned: bool
    attacks: list[dict]  # rows with reachable flag, evaluated_on level
    defenses: list[dict]
    threats: list[dict]  # threat, atlas, attacks, defenses
    open_risks: list[dict]
    lines: list[Line]
    version: str
    graph_sha256: str
    command: str
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"schema": SCHEMA, "model": self.model, "lineage": self.lineage,
                "access": [{"name": a.name, "label": a.label, "satisfies": list(a.satisfies),
                            "includes": list(a.includes), "exposes": list(a.exposes),
                            "reaches_knowledge": list(a.knowledge),
                            "evidence_words": list(a.words),
                            "reasoning": a.reasoning, "source": a.source} for a in self.access],
                "satisfied_knowledge": self.satisfied, "fine_tuned": self.fine_tuned,
                "attacks": self.attacks, "defenses": self.defenses, "threats": self.threats,
                "open_risks": self.open_risks, "selections": [x.as_dict() for x in self.lines],
                "graph_version": self.version, "graph_sha256": self.graph_sha256,
                "regenerate": self.command, "notes": self.notes}


def command_words(model: str, access: list[str], fine_tuned: bool, fmt: str = "md") -> str:
    words = ["kg", "profile", "--model", model]
    for a in access:
        words += ["--access", a]
    if fine_tuned:
        words.append("--fine-tuned")
    words += ["-f", fmt]
    return shlex.join(words)


def resolve_model(store, text: str, resolver=None) -> str:
    """The canonical label of a model, else NotInGraph with the closest known models."""
    r = resolver or Resolver(store)
    try:
        return r.resolve("models", text)
    except UnknownLabelError:
        # every surface form (labels and the alias file's spellings) ranked by the shared
        # leading characters, then by difflib's ratio ("SDXL" -> "SD v1.5", "SD v2", …)
        known = set(r.iris["models"])
        forms = {label.casefold(): label for label in known}
        for alt, label in r.aliases.canonical["models"].items():
            if label in known:
                forms.setdefault(alt.casefold(), label)
        want = " ".join(text.split()).casefold()

        def score(form: str) -> tuple:
            prefix = len(os.path.commonprefix([want, form]))
            return (-prefix, -difflib.SequenceMatcher(None, want, form).ratio(), form)

        close = []
        for form in sorted(forms, key=score):
            if forms[form] not in close:
                close.append(forms[form])
            if len(close) == 3:
                break
        raise NotInGraph(text, close) from None


def _checked_access(access: list[str], levels: dict[str, Access]) -> list[str]:
    """The access levels asked for, each once (KGError when none, UnknownLabelError for one
    ``data/access.yaml`` does not define)."""
    if not access:
        raise KGError(f"no --access given; expected one or more of {', '.join(levels)}")
    for a in access:
        if a not in levels:
            raise UnknownLabelError("access", a, levels, "--access")
    return list(dict.fromkeys(access))


def _lineage(tree, iri: str) -> list[dict]:
    """The model and every model above it (``skos:broader*``), nearest first (breadth
    first): label, IRI, level (0 = the model) and whether it is a family."""
    order, seen, todo = [], {iri}, [iri]
    while todo:
        m = todo.pop(0)
        order.append(m)
        for b in sorted(tree.broader.get(m, ())):
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return [{"label": tree.labels.get(m, m), "iri": m, "level": i,
             "family": m in tree.families} for i, m in enumerate(order)]


@dataclass
class _Selections:
    """The report's selections, each a query-core form run once: its :class:`Line`, and
    row -> the selections (1-based) that picked it."""

    store: object
    lines: list[Line] = field(default_factory=list)
    picked: dict[str, list[int]] = field(default_factory=dict)

    def select(self, title: str, form: Form) -> list[str]:
        result = run(self.store, form, cap=None)
        rows = sorted({r for it in result.items for r in it.get("rows", ())})  # not store order
        self.lines.append(Line(title, result.understood_as, form.as_dict(), result.sparql, rows))
        for r in rows:
            self.picked.setdefault(r, []).append(len(self.lines))
        return rows

    def by_level(self, lineage: list[dict], kterms: tuple[Term, ...], words: tuple[str, ...]
                 ) -> tuple[dict[str, list[str]], dict[str, bool]]:
        """Per lineage level (an exact model condition): the attacks the access reaches by
        their knowledge, those it reaches by their own words (``words``: what it exposes),
        those that need more access, the defense evaluations. Returns row -> the levels it
        was evaluated on, and attack row -> reachable."""
        where: dict[str, list[str]] = {}
        reach: dict[str, bool] = {}
        for lv in lineage:
            mc = Cond("model", (Term(lv["iri"], lv["label"]),), mode="exact")
            known = Cond("knowledge", kterms)
            other = Cond("knowledge", kterms, negated=True)
            picks = [(f"attacks evaluated on {lv['label']} that the access reaches",
                      Form("attacks", (mc, known)), True)]
            picks += [(f"attacks evaluated on {lv['label']} that the access reaches by what "
                       f"their rows say they work from ({w!r})",
                       Form("attacks", (mc, other, Cond("text", words=(w,)))), True)
                      for w in words]
            picks.append((f"attacks evaluated on {lv['label']} that need more access",
                          Form("attacks", (mc, other, *(Cond("text", words=(w,), negated=True)
                                                        for w in words))), False))
            for title, form, ok in picks:
                for r in self.select(title, form):
                    where.setdefault(r, []).append(lv["label"])
                    reach[r] = ok
            for r in self.select(f"defense evaluations on {lv['label']}",
                                 Form("evaluations", (mc,))):
                where.setdefault(r, []).append(lv["label"])
        return where, reach


def _rows(view, label: str, where: dict[str, list[str]], reach: dict[str, bool],
          picked: dict[str, list[int]], access: list[Access]) -> tuple[list[dict], list[dict]]:
    """The report's attack and defense rows: the view's details (kg.export.views) with
    where each was evaluated on the lineage, the selections that picked it and, for an
    attack, whether the access reaches it and why."""
    attacks = [{"row": a.row, "iri": str(a.iri), "threat": a.threat, "paper": a.paper.title,
                "citation_key": a.paper.key, "knowledge": list(a.knowledge),
                "models": list(a.models), "effectiveness": a.effectiveness,
                "limitation": a.limitation, "code": list(a.code_urls),
                "reference_url": a.reference_url, "reachable": reach[str(a.iri)],
                "reachable_because": [why for x in access if (why := x.reason(
                    a.knowledge, (a.effectiveness, a.limitation)))],
                "evaluated_on": where[str(a.iri)], "selections": picked[str(a.iri)],
                "exact_model": label in where[str(a.iri)]} for a in view.attacks]
    defenses = [{"row": d.row, "iri": str(d.iri), "threat": d.threat, "paper": d.paper.title,
                 "citation_key": d.paper.key, "method": d.method, "models": list(d.models),
                 "effectiveness": d.effectiveness, "code": list(d.code_urls),
                 "reference_url": d.reference_url, "evaluated_on": where[str(d.iri)],
                 "selections": picked[str(d.iri)],
                 "exact_model": label in where[str(d.iri)]} for d in view.defenses]
    return attacks, defenses


def _threats(threat_order: list[str], attacks: list[dict], defenses: list[dict]) -> list[dict]:
    """Per threat with a row on the lineage: its curated ATLAS mappings and the rows
    counted (every row counted is listed in the report's body)."""
    cw = load_crosswalk()
    threats = []
    for t in threat_order:
        threats.append({
            "threat": t,
            "atlas": [{"technique": m.technique, "name": m.name, "match": m.match,
                       "url": m.url} for m in cw.mappings if m.threat == t],
            "attacks_reachable": sum(1 for a in attacks if a["threat"] == t and a["reachable"]),
            "attacks_need_more": sum(1 for a in attacks
                                     if a["threat"] == t and not a["reachable"]),
            "defenses": sum(1 for d in defenses if d["threat"] == t)})
    return threats


def _open_risks(threat_order: list[str], attacks: list[dict], defenses: list[dict],
                access: list[str], levels: dict[str, Access], label: str) -> list[dict]:
    """(threat, access) pairs with attacks the access reaches on the lineage (the rule of
    :meth:`Access.reason`, the selections' rule) and no defense
    evaluated on the lineage against that threat, with the attack rows as evidence."""
    risks = []
    for t in threat_order:
        if any(d["threat"] == t for d in defenses):
            continue
        for a in access:
            ev = [x for x in attacks if x["threat"] == t and levels[a].reason(
                x["knowledge"], (x["effectiveness"], x["limitation"]))]
            if ev:
                risks.append({"threat": t, "access": a,
                              "reason": f"{len(ev)} attack row(s) reachable with {a} access "
                                        f"on the lineage of {label}, no defense evaluated "
                                        f"on the lineage against {t}",
                              "evidence": [{"row": x["row"], "paper": x["paper"],
                                            "citation_key": x["citation_key"],
                                            "evaluated_on": x["evaluated_on"]} for x in ev]})
    return risks


def profile(store, model: str, access: list[str], fine_tuned: bool = False,
            access_levels: dict[str, Access] | None = None) -> Report:
    """The exposure report of ``model`` (any label the graph or the alias file knows) for
    the ``access`` levels exposed (data/access.yaml): its lineage, the attacks that apply per
    lineage level split by whether the access reaches them, the defenses evaluated on the
    lineage, ATLAS ids per threat and the open risks; every selection a query-core form."""
    levels = access_levels or load_access()
    access = _checked_access(access, levels)
    res = Resolver(store)
    label = resolve_model(store, model, res)
    lineage = _lineage(context(store).tree, str(res.iri("models", label)))
    satisfied = list(dict.fromkeys(k for a in access for k in levels[a].knowledge))
    kterms = tuple(Term(str(res.iri("knowledge", k)), k) for k in satisfied)
    words = tuple(dict.fromkeys(w for a in access for w in levels[a].words))
    sel = _Selections(store)
    where, reach = sel.by_level(lineage, kterms, words)
    view = make_view(store, selection_spec(f"audit profile of {label}", where), with_graph=False)
    attacks, defenses = _rows(view, label, where, reach, sel.picked,
                              [levels[a] for a in access])
    # every threat with a row on the lineage: an attack, or a defense evaluated on it
    threat_order = list(dict.fromkeys([a["threat"] for a in attacks]
                                      + [d["threat"] for d in defenses]))
    notes = ["Family semantics here: a row applies when it was evaluated on the model or on "
             "a model above it (each level selected with an exact model condition)."]
    if fine_tuned:
        notes.append("--fine-tuned: the graph holds no fine-tuned variants; the rows of the "
                     "base model and its families are reported, and the auditor should read "
                     "each row's limitation for fine-tuning settings.")
    return Report(label, lineage, [levels[a] for a in access], satisfied, fine_tuned, attacks,
                  defenses, _threats(threat_order, attacks, defenses),
                  _open_risks(threat_order, attacks, defenses, access, levels, label),
                  sel.lines, view.version, view.graph_sha256,
                  command_words(label, access, fine_tuned), notes)


# ------------------------------------------------------------------ rendering

def _md(text: str) -> str:

    return md_text(text)


def to_json(rep: Report) -> str:
    return json.dumps(rep.as_dict(), ensure_ascii=False, indent=2) + "\n"


def _sel(row: dict) -> str:
    return "selected by " + ", ".join(f"selection {i}" for i in row["selections"])


def _where(row: dict) -> str:
    return "the model itself" if row["exact_model"] else (
        "via the family " + ", ".join(row["evaluated_on"]))


def sections(rep: Report):
    """The report as (heading, list of paragraphs/bullets) in one neutral structure that
    md and html render alike."""
    out = []
    out.append(("Access exposed", [
        f"{a.name}: {a.label} — satisfies {', '.join(a.knowledge)}"
        f"{' (with ' + ', '.join(a.includes) + ')' if a.includes else ''}; exposes "
        f"{', '.join(a.exposes) or 'nothing more'}. {a.reasoning} (source: {a.source})"
        for a in rep.access]))
    out.append(("Lineage", [
        f"{lv['label']}{' (family)' if lv['family'] else ''}"
        f"{' — the model' if lv['level'] == 0 else ''}: "
        f"{sum(1 for a in rep.attacks if lv['label'] in a['evaluated_on'])} attack row(s), "
        f"{sum(1 for d in rep.defenses if lv['label'] in d['evaluated_on'])} defense row(s)"
        for lv in rep.lineage]))
    for t in rep.threats:
        atlas = ", ".join(f"{m['technique']} {m['name']} ({m['match']})" for m in t["atlas"])
        items = [f"ATLAS: {atlas or 'no curated ATLAS mapping'}"]
        if not t["attacks_reachable"] and not t["attacks_need_more"]:
            items.append("no attack evaluated on this lineage applies to this threat; the "
                         "defenses below were evaluated on it")
        for ok, head in ((True, "reachable with this access"), (False, "needs more access")):
            for a in rep.attacks:
                if a["threat"] == t["threat"] and a["reachable"] == ok:
                    why = f": {'; '.join(a['reachable_because'])}" if ok else ""
                    items.append(
                        f"attack ({head}{why}) — {a['paper']} [{a['citation_key']}], row "
                        f"{a['row']}; knowledge {', '.join(a['knowledge'])}; evaluated on "
                        f"{', '.join(a['models'])} (counts here via "
                        f"{', '.join(a['evaluated_on'])}); effectiveness: "
                        f"{a['effectiveness']}; limitation: {a['limitation']}; code: "
                        f"{', '.join(a['code']) or 'no link in the survey'}; "
                        f"{_sel(a)}")
        for d in rep.defenses:
            if d["threat"] == t["threat"]:
                items.append(
                    f"defense {d['method']} — {d['paper']} [{d['citation_key']}], row "
                    f"{d['row']}; evaluated on {', '.join(d['models'])} "
                    f"({_where(d)}); "
                    f"reported effectiveness and cost: {d['effectiveness']}; {_sel(d)}")
        out.append((f"Threat: {t['threat']}", items))
    out.append(("Open risks (untested: attacks, no evaluated defense on this lineage)", [
        f"{r['threat']} × {r['access']}: {r['reason']}; evidence: " + "; ".join(
            f"row {e['row']} {e['paper']} [{e['citation_key']}]" for e in r["evidence"])
        for r in rep.open_risks] or ["none: every threat with attacks has a defense "
                                     "evaluated on the lineage"]))
    out.append(("Selections (each reproducible with kg sparql)", [
        f"selection {i}, {x.title}: {x.understood_as} — {len(x.rows)} row(s)"
        for i, x in enumerate(rep.lines, start=1)]))
    out.append(("Notes", rep.notes))
    return out


def header(rep: Report, fmt: str = "md") -> list[str]:
    cmd = command_words(rep.model, [a.name for a in rep.access], rep.fine_tuned, fmt)
    return [f"graph version: {rep.version}", f"graph sha256: {rep.graph_sha256}",
            f"regenerate: {cmd}"]


def to_md(rep: Report) -> str:
    lines = [f"# Exposure report: {_md(rep.model)}", ""]
    lines += [f"- {_md(h)}" for h in header(rep, "md")] + [""]
    for head, items in sections(rep):
        lines += [f"## {_md(head)}", ""] + [f"- {_md(i)}" for i in items] + [""]
    lines += ["## SPARQL of each selection", ""]
    for i, x in enumerate(rep.lines, start=1):
        lines += [f"### {_md(f'selection {i}, {x.title}')}", "", "```sparql", x.sparql, "```",
                  ""]
    return "\n".join(lines)


def to_html(rep: Report, fmt: str = "html") -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8"/>',
             f"<title>Exposure report: {e(rep.model)}</title>", "</head>", "<body>",
             f"<h1>Exposure report: {e(rep.model)}</h1>", "<ul>"]
    parts += [f"<li>{e(h)}</li>" for h in header(rep, fmt)] + ["</ul>"]
    for head, items in sections(rep):
        parts += [f"<h2>{e(head)}</h2>", "<ul>"] + [f"<li>{e(i)}</li>" for i in items]
        parts.append("</ul>")
    parts.append("<h2>SPARQL of each selection</h2>")
    for i, x in enumerate(rep.lines, start=1):
        parts += [f"<h3>selection {i}, {e(x.title)}</h3>", f"<pre>{e(x.sparql)}</pre>"]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def render(rep: Report, fmt: str) -> bytes:
    if fmt == "md":
        return to_md(rep).encode("utf-8")
    if fmt == "html":
        return to_html(rep).encode("utf-8")
    if fmt == "json":
        return to_json(rep).encode("utf-8")
    if fmt == "pdf":
        return to_pdf(rep)
    raise KGError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def to_pdf(rep: Report) -> bytes:
    """The HTML report printed by headless Chromium (offline; KG_CHROMIUM or
    /usr/bin/chromium)."""
    import os
    import subprocess
    import tempfile

    chromium = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as d:
        src, out = Path(d) / "report.html", Path(d) / "report.pdf"
        src.write_text(to_html(rep, "pdf"), encoding="utf-8")
        try:
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--no-pdf-header-footer", f"--print-to-pdf={out}",
                            src.as_uri()], capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise KGError(f"cannot make the PDF with {chromium}: {err}") from None
        if not out.exists() or out.stat().st_size == 0:
            raise KGError(f"cannot make the PDF with {chromium}: no output")
        return out.read_bytes()


__all__ = ["FORMATS", "Line", "Report", "header", "profile", "render", "resolve_model",
           "sections", "to_html", "to_json", "to_md", "to_pdf"]
