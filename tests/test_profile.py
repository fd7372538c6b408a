"""kg profile: the auditor's exposure report (kg.profile).

Golden reports for three lineages (SD v1.5 with API access, DDPM with weights, TabDDPM with
outputs only), regenerated only on purpose: KG_UPDATE_GOLDENS=1 pytest tests/test_profile.py
(the version stamp is masked). Each report is checked line by line against the
plain-Python oracle over the survey rows (tests/oracle_profile.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kg.errors import KGError, NotInGraph
from kg.profile import profile, render, to_html, to_json

from .oracle import Oracle
from .oracle_profile import expected

GOLDEN = Path(__file__).parent / "golden" / "profile"
ARTIFACTS = Path(__file__).parent / "artifacts"
UPDATE = os.environ.get("KG_UPDATE_GOLDENS") == "1"
CASES = {"sd-v1.5-api": ("SD v1.5", ["api"]), "ddpm-weights": ("DDPM", ["weights"]),
         "tabddpm-outputs": ("TabDDPM", ["outputs"])}


def mask(text: str) -> str:
    text = re.sub(r"graph version: [^\"\n<]*", "graph version: <version>", text)
    text = re.sub(r'("graph_version": )"[^"]*"', r'\1"<version>"', text)
    return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)


@pytest.fixture(scope="module")
def oracle():
    return Oracle()


@pytest.fixture(scope="module")
def reports(store):
    return {name: profile(store, m, a) for name, (m, a) in CASES.items()}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_golden(reports, name, fmt):
    path = GOLDEN / f"{name}.{fmt}"
    text = mask(render(reports[name], fmt).decode("utf-8"))
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; create it with KG_UPDATE_GOLDENS=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{path} differs; if intended, regenerate with KG_UPDATE_GOLDENS=1")


class _Items(HTMLParser):
    """The text of every <li>, and nesting errors (a strict check html.parser leaves out)."""

    VOID = {"meta"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.items: list[str] = []
        self._li: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self._li = []
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in self.VOID:
            self.errors.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        if tag == "li" and self._li is not None:
            self.items.append("".join(self._li))
            self._li = None

    def handle_data(self, data):
        if self._li is not None:
            self._li.append(data)


def _li(html_text: str) -> list[str]:
    p = _Items()
    p.feed(html_text)
    p.close()
    assert not p.errors and not p.stack, (p.errors, p.stack)
    return p.items


@pytest.mark.parametrize("name", CASES)
def test_line_by_line_against_the_oracle(reports, oracle, name):
    model, access = CASES[name]
    want = expected(oracle, model, access)
    rep = reports[name]
    assert [lv["label"] for lv in rep.lineage] == want["lineage"]
    got_a = [(a["row"], a["paper"], a["threat"], a["reachable"], tuple(a["evaluated_on"]),
              a["effectiveness"], a["limitation"]) for a in rep.attacks]
    assert sorted(got_a) == sorted(want["attacks"])
    got_d = [(d["row"], d["paper"], d["method"], d["threat"], tuple(d["evaluated_on"]),
              d["effectiveness"]) for d in rep.defenses]
    assert sorted(got_d) == sorted(want["defenses"])
    got_r = [(r["threat"], r["access"], tuple(e["row"] for e in r["evidence"]))
             for r in rep.open_risks]
    assert got_r == want["risks"]
    # every line of the rendered report: one attack / defense / risk line per oracle row
    items = _li(to_html(rep))
    a_lines = [i for i in items if i.startswith("attack (")]
    assert len(a_lines) == len(want["attacks"])
    for row, paper, _threat, ok, levels, eff, lim in want["attacks"]:
        head = "attack (reachable with this access: " if ok else "attack (needs more access)"
        line = next(i for i in a_lines if f"{paper} [" in i and f"row {row};" in i)
        assert line.startswith(head) and f"effectiveness: {eff}; limitation: {lim}" in line
        assert f"counts here via {', '.join(levels)}" in line
        assert "selected by selection " in line
    # every defense the lineage counts is listed, whether or not an attack applies to it
    d_lines = [i for i in items if i.startswith("defense ") and "reported effectiveness" in i]
    assert len(d_lines) == len(want["defenses"])
    for row, paper, method, _threat, levels, eff in want["defenses"]:
        line = next(i for i in d_lines if i.startswith(f"defense {method} — {paper} [")
                    and f"row {row};" in i)
        assert f"reported effectiveness and cost: {eff}; selected by selection " in line
        where = "the model itself" if model in levels else "via the family"
        assert where in line
    # the lineage's counts are the rows the body lists under each level
    for lv in want["lineage"]:
        line = next(i for i in items if i.startswith(lv) and "attack row(s), " in i)
        n_a, n_d = (int(p.strip().split(" ")[0]) for p in line.split(": ", 1)[1].split(","))
        assert n_a == sum(1 for a in want["attacks"] if lv in a[4])
        assert n_d == sum(1 for d in want["defenses"] if lv in d[4])
    risk_lines = [i for i in items if " × " in i and "evidence:" in i]
    assert [ln.split(":")[0] for ln in risk_lines] == [f"{t} × {a}" for t, a, _ in
                                                       want["risks"]]


def test_expected_reports_are_not_empty(oracle):
    """The three cases say something: reachable attacks, lineage defenses (a cost such as
    "Fail to converge" among them), and at least one open risk."""
    sd = expected(oracle, "SD v1.5", ["api"])
    assert any(a[3] for a in sd["attacks"]) and any(not a[3] for a in sd["attacks"])
    ddpm = expected(oracle, "DDPM", ["weights"])
    assert all(a[3] for a in ddpm["attacks"]) and ddpm["risks"]
    assert any("Fail to converge" in d[5] for d in ddpm["defenses"])
    tab = expected(oracle, "TabDDPM", ["outputs"])
    assert tab["lineage"] == ["TabDDPM", "DDPM", "Diffusion model"] and tab["risks"]


def test_every_selection_reruns_as_its_sparql(store, reports):
    """Each selection's SPARQL, run as shown, gives its rows; each report row names the
    selections that picked it, and is among their rows."""
    rep = reports["sd-v1.5-api"]
    assert rep.lines
    for line in rep.lines:
        rows = {str(r["row"]) for r in store.select(line.sparql)}
        assert rows == set(line.rows), line.title
    for row in (*rep.attacks, *rep.defenses):
        assert row["selections"]
        assert all(row["iri"] in rep.lines[i - 1].rows for i in row["selections"])


def test_atlas_ids_and_version(reports):
    rep = reports["sd-v1.5-api"]
    mi = next(t for t in rep.threats if t["threat"] == "Membership inference")
    assert any(re.fullmatch(r"AML\.T\d{4}(\.\d{3})?", m["technique"]) for m in mi["atlas"])
    d = json.loads(to_json(rep))
    assert d["regenerate"] == "kg profile --model 'SD v1.5' --access api -f md"
    assert d["graph_version"] and d["graph_sha256"]


def test_html_is_well_formed(reports):
    for rep in reports.values():
        text = to_html(rep)
        ET.fromstring(text.split("\n", 1)[1])  # strict: every tag closed, entities escaped
        _li(text)


def test_unknown_model_is_not_reported(store):
    with pytest.raises(NotInGraph) as e:
        profile(store, "SDXL", ["api"])
    assert "'SDXL' is not in the graph" in str(e.value)
    assert e.value.closest and all(c.startswith(("SD", "Stable")) for c in e.value.closest)


def test_bad_access(store):
    with pytest.raises(KGError, match="unknown access 'root'"):
        profile(store, "DDPM", ["root"])
    with pytest.raises(KGError, match="no --access"):
        profile(store, "DDPM", [])


def test_cli(kg_cli, runner, tmp_path):
    from kg.cli import main

    r = runner.invoke(main, ["profile", "--model", "SDXL", "--access", "api"])
    assert r.exit_code == 1 and "not in the graph" in r.output
    assert len(r.output.strip().splitlines()) == 1
    r = runner.invoke(main, ["profile", "--model", "DDPM", "--access", "root"])
    assert r.exit_code == 2
    out = tmp_path / "r.md"
    r = kg_cli("profile", "--model", "DDPM", "--access", "weights", "-o", str(out))
    assert r.exit_code == 0 and out.read_text(encoding="utf-8").startswith(
        "# Exposure report: DDPM")
    r = runner.invoke(main, ["profile", "--model", "DDPM", "--access", "weights", "-f", "pdf"])
    assert r.exit_code == 2 and "-f pdf needs -o" in r.output


def test_markdown_reads_well_as_text(kg_cli, tmp_path):
    """Markdown escapes only what Markdown needs: "row(s)", not "row\\(s\\)"."""
    out = tmp_path / "r.md"
    assert kg_cli("profile", "--model", "DDPM", "--access", "weights", "-f", "md", "-o",
                  str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "row(s)" in text
    assert not any(f"\\{c}" in text for c in "()!{}")


def test_the_command_writes_the_renderers_bytes(store, kg_cli, tmp_path):
    """`kg profile -f md -o F` writes exactly what the app's download gives (render)."""
    out = tmp_path / "r.md"
    assert kg_cli("profile", "--model", "TabDDPM", "--access", "outputs", "-o",
                  str(out)).exit_code == 0
    assert out.read_bytes() == render(profile(store, "TabDDPM", ["outputs"]), "md")
    assert out.read_text(encoding="utf-8").startswith("# Exposure report: TabDDPM")


# ------------------------------------------------------------------ access from the survey

ACCESS = ("api", "outputs", "intermediate", "weights", "gradients")


def _reached(rep) -> dict[str, set[int]]:
    """Access level -> the attack rows (survey row numbers) its reason reaches."""
    return {a: {x["row"] for x in rep.attacks
                if any(w.startswith(f"{a} access") or f"what {a} access" in w
                       for w in x["reachable_because"])} for a in ACCESS}


def _check_profile(store, oracle, model: str) -> None:
    rep = profile(store, model, list(ACCESS))
    reached = _reached(rep)
    for a in ACCESS:
        want = expected(oracle, model, [a])
        assert reached[a] == {x[0] for x in want["attacks"] if x[3]}, (model, a)
        assert [(r["threat"], tuple(e["row"] for e in r["evidence"]))
                for r in rep.open_risks if r["access"] == a] == [
            (t, ev) for t, _, ev in want["risks"]], (model, a)
    union = expected(oracle, model, list(ACCESS))
    assert sorted((x["row"], x["reachable"]) for x in rep.attacks) == sorted(
        (x[0], x[3]) for x in union["attacks"])
    assert sorted(d["row"] for d in rep.defenses) == sorted(d[0] for d in union["defenses"])


def test_gradient_inversion_is_reached_with_every_access(store, oracle):
    """The survey labels gradient inversion gray-box / black-box and says it works from the
    gradients: every access reaches it (gradients by the row's own words), and an auditor
    of federated training sees it as an open risk (no defense is evaluated against it)."""
    rep = profile(store, "DDPM", list(ACCESS))
    gidm = next(x for x in rep.attacks if x["threat"] == "Gradient inversion")
    assert gidm["reachable"] and _reached(rep)["gradients"] >= {gidm["row"]}
    assert all(gidm["row"] in rows for rows in _reached(rep).values())
    only = profile(store, "DDPM", ["gradients"])
    assert any(r["threat"] == "Gradient inversion" and r["access"] == "gradients"
               for r in only.open_risks)
    _check_profile(store, oracle, "DDPM")


@pytest.mark.slow
def test_every_model_and_access_agrees_with_the_oracle(store, oracle):
    """Every model of the graph, every access level: reachable rows, defenses and open
    risks equal the oracle's (one report per model with every access, read per access
    through each row's reasons)."""
    for model in sorted(oracle.parent):
        _check_profile(store, oracle, model)


def test_stronger_access_never_reaches_fewer_attacks(oracle):
    """An access reaches every attack row an access it includes reaches, on every row of
    the survey (so on every model), and weights reach every row."""
    from kg.access import load_access

    levels = load_access()
    rows = [r for r in oracle.rows if r.part == "attacks"]

    def reach(a):
        return {i for i, r in enumerate(rows)
                if levels[a].reason(r.knowledge, (r.effectiveness, r.limitation))}

    for a, level in levels.items():
        for b in level.includes:
            assert reach(a) >= reach(b), (a, b)
    assert reach("weights") == set(range(len(rows)))


def test_the_access_mapping_agrees_with_each_rows_own_words(oracle):
    """A row whose cells say it works from something (gradients, intermediate outputs) is
    reached by every access that exposes it, whatever knowledge level the survey gives it;
    the gray-box rows of SecMI and PIA are reached by intermediate access."""
    import yaml

    from kg.access import ACCESS_FILE, load_access

    levels = load_access()
    evidence = yaml.safe_load(ACCESS_FILE.read_text(encoding="utf-8"))["evidence"]
    seen = 0
    for r in (r for r in oracle.rows if r.part == "attacks"):
        text = f"{r.effectiveness} {r.limitation}".lower()
        for thing, words in evidence.items():
            if any(w.lower() in text for w in words):
                seen += 1
                for a in levels.values():
                    if thing in a.exposes:
                        assert a.reason(r.knowledge, (r.effectiveness, r.limitation)), (
                            r.paper, a.name)
    assert seen >= 3  # gradient inversion, SecMI, PIA


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) missing")
def test_pdf_renders(reports):
    pdf = render(reports["sd-v1.5-api"], "pdf")
    assert pdf.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "profile-sd-v1.5-api.pdf").write_bytes(pdf)
    stem = ARTIFACTS / "profile-sd-v1.5-api"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1",
                    str(ARTIFACTS / "profile-sd-v1.5-api.pdf"), str(stem)], check=True,
                   timeout=120)
    pngs = sorted(ARTIFACTS.glob("profile-sd-v1.5-api*.png"))
    assert pngs and pngs[0].stat().st_size > 1000
