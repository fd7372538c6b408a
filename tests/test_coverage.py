"""Coverage matrices on the real survey: cells, family roll-up, derived knowledge, CLI."""

from __future__ import annotations

import json

import pytest

from kg import coverage
from kg.coverage.cells import matrix
from kg.coverage.links import evaluated_against
from kg.errors import KGError
from kg.vocab import iri
from tests.tiers import first_fast, slow


def _labels(items):
    return sorted(i.paper.label for i in items)


def test_model_cell_lists_attacks_and_defenses_with_papers(store):
    m = matrix(store, "model", "model")
    cell = m.cell("Membership inference", "DDPM")
    assert len(cell.attacks) == 5
    assert "Are Diffusion Models Vulnerable to Membership Inference Attacks?" in _labels(cell.attacks)
    # Duan et al.'s five defenses + DualMD and DistillMD on DDPM
    assert len(cell.defenses) == 7
    assert {i.kind for i in cell.defenses} == {"defense"}
    assert all(not i.derived and not i.rolled_up for i in cell.attacks + cell.defenses)
    assert m.cell("Membership inference", "DDIM").defenses == []
    assert len(m.cell("Membership inference", "DDIM").attacks) == 5


def test_family_level_rolls_sd_versions_up_to_stable_diffusion(store):
    model = matrix(store, "model", "model")
    fam = matrix(store, "model", "family")
    assert model.as_dict()["level"] == "model" and fam.as_dict()["level"] == "family"
    assert "SD v1.5" in [c.label for c in model.cols]
    assert "SD v1.5" not in [c.label for c in fam.cols]
    sd = fam.cell("Membership inference", "Stable Diffusion")
    methods = {i.node.label.split(" (")[0] for i in sd.defenses}
    assert methods == {"DualMD", "DistillMD", "MP-LoRA", "SMP-LoRA"}  # all evaluated on SD v1.5
    for d in sd.defenses:
        assert [n.label for n in d.evaluated_on] == ["SD v1.5"] and d.rolled_up
    # an attack evaluated on SD itself is not marked rolled up; one on SD v1.4 is
    by_paper = {i.paper.label: i for i in sd.attacks}
    assert not by_paper["Black-box Membership Inference Attacks Against Fine-tuned Diffusion Models"
                        ].rolled_up
    assert by_paper["Membership Inference on T2I Diffusion via Conditional Likelihood Discrepancy"
                    ].rolled_up


def test_family_cell_counts_an_attack_once_even_when_two_models_roll_up(store):
    fam = matrix(store, "model", "family")
    ddpm = fam.cell("Membership inference", "DDPM")
    gen = [i for i in ddpm.attacks if i.paper.label.startswith("Generated Distributions")]
    assert len(gen) == 1
    assert {n.label for n in gen[0].evaluated_on} == {"DDPM", "FastDPM"}
    assert len({i.node for i in ddpm.attacks}) == len(ddpm.attacks)


def test_family_of_is_nearest_family_or_self(store):
    fam = coverage.family_of(store)
    assert fam[str(iri("model", "SD v1.5"))] == str(iri("model", "Stable Diffusion"))
    assert fam[str(iri("model", "Stable Diffusion"))] == str(iri("model", "Stable Diffusion"))
    assert fam[str(iri("model", "TabDDPM"))] == str(iri("model", "DDPM"))
    assert fam[str(iri("model", "SMLD"))] == str(iri("model", "Score-based SDE model"))
    assert fam[str(iri("model", "VQGAN"))] == str(iri("model", "VQGAN"))  # no family above it


def test_knowledge_view_derives_defense_knowledge_and_keeps_unknown_apart(store):
    m = matrix(store, "knowledge")
    gray = m.cell("Membership inference", "Gray-box")
    assert len(gray.defenses) == 5  # Duan et al.'s defenses: their paper's attack is gray-box
    for d in gray.defenses:
        assert d.derived and d.path
        assert any("rd:fromPaper" in step for step in d.path)
    assert m.cell("Membership inference", "Black-box").defenses == []
    unknown = {i.paper.label for i in m.unknown[str(iri("threat", "Membership inference"))]}
    assert unknown == {
        "Dual-Model Defense: Safeguarding Diffusion Models from Membership Inference Attacks "
        "through Disjoint Data Splitting",
        "Privacy-Preserving Low-Rank Adaptation against MIA for Latent Diffusion Models"}
    # unknown is not counted in any knowledge column
    counted = {i.node for c in m.cells.values() for i in c.defenses}
    assert not counted & {i.node for i in m.unknown[str(iri("threat", "Membership inference"))]}
    d = m.as_dict()
    assert d["unknown"] and "not none" in d["unknown"][0]["note"]


def test_defense_view_places_attacks_by_derived_link(store):
    m = matrix(store, "defense")
    dp = m.cell("Training data extraction", "DP-SGD")
    assert [i.paper.label for i in dp.defenses] == ["Extracting Training Data from Diffusion Models"]
    assert [i.paper.label for i in dp.attacks] == ["Extracting Training Data from Diffusion Models"]
    assert dp.attacks[0].derived
    assert m.cell("Membership inference", "MP-LoRA").attacks == []
    assert not any(c.threat.label == "Gradient inversion" for c in m.cells.values())


def test_evaluated_against_links_are_derived_with_path(store):
    links = evaluated_against(store)
    assert len(links) == 3 + 3 + 5 + 1  # Carlini, Wen, Duan, PriSampler
    d = links[0].as_dict()
    assert d["derived"] is True and d["predicate"] == "rd:evaluatedAgainst" and d["path"]


def test_bad_arguments_raise_kg_error(store):
    with pytest.raises(KGError, match="unknown coverage view"):
        matrix(store, "paper")
    with pytest.raises(KGError, match="applies to --by model only"):
        matrix(store, "knowledge", "family")
    with pytest.raises(KGError, match="did you mean"):
        matrix(store).cell("Membership inferenc", "DDPM")


def test_cli_coverage_json_and_text(kg_cli):
    r = kg_cli("coverage", "--by", "model", "--level", "family", "--json")
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert d["by"] == "model" and d["level"] == "family" and "family" in d["level_note"]
    assert {c["label"] for c in d["columns"]} >= {"Stable Diffusion", "DDPM", "DDIM"}
    cell = next(c for c in d["cells"] if c["threat"]["label"] == "Membership inference"
                and c["column"]["label"] == "DDIM")
    assert cell["defenses"] == [] and len(cell["attacks"]) == 5 and cell["papers"]
    r = kg_cli("coverage", "--by", "knowledge")
    assert r.exit_code == 0 and "unknown knowledge" in r.output and "Gray-box" in r.output


def test_cli_coverage_bad_level_is_one_line_error(runner):
    from kg.cli import main

    r = runner.invoke(main, ["coverage", "--by", "defense", "--level", "family"])
    assert r.exit_code == 1 and "error:" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("by,level", first_fast([("model", "model"), ("model", "family"),
                                      ("knowledge", "model"), ("defense", "model")]))
def test_a_cell_queried_alone_equals_the_cell_of_the_whole_matrix(store, by, level):
    from kg.stores.memory import MemoryStore
    from kg.synthetic import generate_graph

    for st in (store, MemoryStore(generate_graph(60, seed=3))):
        m = matrix(st, by, level)
        for (t, c), cell in m.cells.items():
            alone = matrix(st, by, level, threat=t, column=c)
            assert alone.cell(t, c).as_dict() == cell.as_dict(), (t, c)
        for t, items in m.unknown.items():
            assert matrix(st, by, level, threat=t).unknown[t] == items


# ---------------------------------------------------------------- one meaning everywhere

@slow
def test_gaps_coverage_ask_and_export_agree_with_the_survey_oracle(store, survey):
    """Every gap of the survey from a plain-Python oracle over its rows (full family
    closure); each model or family gap cell is empty of defenses for the query core, ask and
    an export view alike, and each covered family cell is not."""
    from kg.ask import ask
    from kg.coverage.gaps import find_gaps
    from kg.export import make_view, view_spec
    from kg.query import Cond, Form, Term, run
    from tests.oracle import Oracle

    oracle = Oracle()
    found = find_gaps(store)
    ident = set()
    for g in found:
        (c,) = g.cells
        ident.add((g.type, g.level) + tuple(c[k]["label"] for k in ("threat", "model",
                                                                     "knowledge", "paper")
                                           if k in c))
    assert ident == oracle.gaps()
    fam = matrix(store, "model", "family")
    for cell in fam.cells.values():
        t, col = cell.threat, cell.col
        form = Form("evaluations", (Cond("threat", (Term(t.iri, t.label),)),
                                    Cond("model", (Term(col.iri, col.label),))))
        core = {x for item in run(store, form, cap=None).items for x in item["rows"]}
        assert core == {i.node.iri for i in cell.defenses}, (t.label, col.label)
        gap = ("model_without_defense", "family", t.label, col.label) in ident
        assert gap == (bool(cell.attacks) and not cell.defenses)
        view = make_view(store, view_spec(store, threats=[t.label], models=[col.label],
                                          part="defenses"))
        assert {str(r.iri) for r in view.defenses} == core
    a = ask(store, "defenses against membership inference on DDIM")
    assert a.intent == "query" and a.answers == []  # the MI x DDIM gap, asked


@pytest.mark.parametrize("by,level", [("model", "model"), ("model", "family")])
def test_every_model_cell_is_a_query_core_selection(store, by, level):
    """A coverage cell and the query core's form for it give the same rows (model level:
    the model exactly; family level: every model below the family)."""
    from kg.query import Cond, Form, Term, run

    m = matrix(store, by, level)
    mode = "exact" if level == "model" else "any"
    for cell in m.cells.values():
        conds = (Cond("threat", (Term(cell.threat.iri, cell.threat.label),)),
                 Cond("model", (Term(cell.col.iri, cell.col.label),), mode=mode))
        attacks = run(store, Form("attacks", conds), cap=None)
        defenses = run(store, Form("evaluations", conds), cap=None)
        assert {r for x in attacks.items for r in x["rows"]} == {i.node.iri for i in cell.attacks}
        assert {r for x in defenses.items for r in x["rows"]} == {
            i.node.iri for i in cell.defenses}
