"""Issue 29 (round 3, classes of the misses of independent phrasings): lead-ins and
closings that hold nothing asked, command verbs, phrases of exclusion, "code link",
terse attribute questions with the attribute first, attribute cues inside a selecting
clause, a relation to the other table that no condition holds, and an attribute question
whose conditions select no row. Wordings written for these tests, not the benchmark's;
answers checked against the plain-Python oracle."""

import pytest

from kg.ask import ask


@pytest.fixture(scope="module")
def oracle():
    from tests.oracle import Oracle

    return Oracle()


def labels(a):
    return {x["label"] for x in a.answers}


def same_as(store, oracle, variant, plain):
    """``variant`` answers as ``plain`` does, unflagged, and the answer is the oracle's."""
    a, b = ask(store, variant), ask(store, plain)
    assert a.intent == b.intent == "query", (a.message, b.message)
    assert not a.not_understood and not a.not_in_graph, a.message
    assert a.logical_form == b.logical_form
    assert labels(a) == set(oracle.answer(a.form)) != set()
    return a


@pytest.mark.parametrize("variant,plain", [
    ("Good evening! Which attacks target DDPM?", "Which attacks target DDPM?"),
    ("I'm drafting a lecture and wondered which defenses protect DDPM?",
     "which defenses protect DDPM?"),
    ("My supervisor asked me which attacks are gray-box.", "which attacks are gray-box?"),
    ("Hi, I'm building a reading list: which papers are from 2023?",
     "which papers are from 2023?"),
    ("For a workshop slide next month I need the defenses against membership inference.",
     "the defenses against membership inference"),
    ("Which attacks target DDIM? Could you help?", "Which attacks target DDIM?"),
    ("Can you help me with a bibliography? Which papers are from 2022?",
     "Which papers are from 2022?"),
    ("Sorry if this is a silly one, but which attacks are white-box?",
     "which attacks are white-box?"),
    ("Thanks so much. Another one: which defenses protect DDPM?",
     "which defenses protect DDPM?"),
    ("Just to confirm something for a review: which attacks target DDIM?",
     "which attacks target DDIM?"),
    ("For a poster I need the papers proposing defenses against training data extraction. "
     "How many are there?",
     "how many papers propose defenses against training data extraction?"),
])
def test_a_lead_in_or_closing_holds_nothing_asked(store, oracle, variant, plain):
    same_as(store, oracle, variant, plain)


@pytest.mark.parametrize("q", [
    "I work on DDIM and wondered which attacks are black-box?",  # a name inside: kept
    "For a talk on every threat, I need the attacks on DDIM.",  # a quantifier inside
    "Sorry if none of this is clear, but which attacks target DDIM?",  # a negation inside
])
def test_a_lead_in_holding_a_name_quantifier_or_negation_is_not_dropped(store, q):
    """The lead-in's words are taken as chat only when nothing of the question lies in
    them: else the name is a condition or the word is reported."""
    a = ask(store, q)
    assert a.intent != "query" or a.not_understood or "DDIM" in a.understood_as and \
        "Black-box" in a.understood_as, (a.intent, a.understood_as, a.message)


@pytest.mark.parametrize("variant,plain", [
    ("Enumerate the defenses evaluated on DDPM.", "defenses evaluated on DDPM"),
    ("Display every white-box attack.", "white-box attacks"),
    ("List all black-box attacks on DDIM.", "black-box attacks on DDIM"),
    ("Print the papers from 2023.", "papers from 2023"),
])
def test_command_verbs_and_all_before_named_rows(store, oracle, variant, plain):
    same_as(store, oracle, variant, plain)


@pytest.mark.parametrize("variant,plain", [
    ("white-box attacks, apart from the membership inference ones",
     "white-box attacks other than the membership inference ones"),
    ("attacks on DDPM leaving out the black-box ones",
     "attacks on DDPM other than the black-box ones"),
    ("gray-box attacks aside from the membership inference ones",
     "gray-box attacks except the membership inference ones"),
])
def test_a_phrase_of_exclusion_negates(store, oracle, variant, plain):
    a = same_as(store, oracle, variant, plain)
    assert "≠" in a.understood_as and "read '" in a.message


@pytest.mark.parametrize("variant,plain", [
    ("black-box attacks with no code link", "black-box attacks without code"),
    ("MI attacks on DDPM", "membership inference attacks on DDPM"),
])
def test_code_link_and_mi_are_read(store, oracle, variant, plain):
    same_as(store, oracle, variant, plain)


@pytest.mark.parametrize("q,attr", [
    ("year Extracting Training Data from Diffusion Models", "year"),
    ("venue SecMI", "venue"),
    ("arXiv number for 'Extracting Training Data from Diffusion Models'", "arxiv"),
])
def test_a_terse_attribute_question_with_the_attribute_first(store, oracle, q, attr):
    a = ask(store, q)
    assert a.intent == "attribute" and not a.not_understood, a.message
    assert a.logical_form["attribute"] == attr
    assert labels(a) == oracle.attribute(a.form, attr) != set()


def test_an_attribute_word_inside_a_selecting_clause_is_a_condition(store, oracle):
    """"defenses … from papers that have a public code repository": the defenses with code,
    not the code links of the papers."""
    same_as(store, oracle, "Which defenses against training data extraction come from papers "
            "that have a public code repository?",
            "defenses against training data extraction with public code")


@pytest.mark.parametrize("q", [
    "Which defense methods come from papers that also report an attack?",
    "attacks from papers which propose a defense",
])
def test_a_relation_of_the_rows_paper_to_the_other_table_is_not_dropped(store, q):
    """No condition holds it on attack or defense rows: not answered, the phrase said."""
    a = ask(store, q)
    assert a.intent == "not_understood" and not a.answers, a.message
    assert "papers" in a.message


def test_an_attribute_whose_conditions_select_no_row_is_not_answered_none(store):
    """The named paper and another condition select nothing together: not "no value is
    recorded" (a value of the paper exists), but not answered, with why."""
    a = ask(store, "the venue of SecMI for training data extraction")
    assert a.intent == "not_applicable" and not a.answers, a.message
    assert "select no row" in a.message


@pytest.mark.parametrize("q", ["Who proposed DualMD?", "who introduced SecMI",
                               "who developed PIA (the attack)?"])
def test_who_proposed_asks_for_the_authors(store, oracle, q):
    """"Who proposed / introduced / developed X": the authors of X's paper, not the paper."""
    a = ask(store, q)
    assert a.intent in ("attribute", "ask_back"), a.message
    if a.intent == "attribute":
        assert a.logical_form["attribute"] == "authors"
        assert labels(a) == oracle.attribute(a.form, "authors") != set()


@pytest.mark.parametrize("q", ["threats where every attack paper has public code",
                               "Is there a threat for which every attack paper has public code?",
                               "models for which each defense paper has a code link"])
def test_every_before_another_noun_than_the_target_is_not_dropped(store, q):
    """"every" before the rows of a group (not the target noun itself) is a quantifier over
    the group the query layer does not apply here: said, never read as "all the target"."""
    a = ask(store, q)
    assert a.intent != "query" and not a.answers
    said = a.not_understood + [a.message]
    assert any("every" in w or "each" in w for w in said) or a.intent == "ask_back"


def test_rows_that_do_not_fit_the_target_are_declined_not_a_crash(store):
    """Words naming one kind of rows for another kind of item ("models for which each
    defense paper …" read as defense methods over attack rows) raised ValueError from the
    form (39 of 400 questions of the grammar below, seen before the fix): now declined,
    naming the words."""
    import random

    a = ask(store, "models for which each defense paper has a code link")
    assert a.intent == "not_understood" and not a.answers and "'each'" in a.message
    grammar = (["models", "threats", "papers", "defenses", "attacks", "methods", "venues"],
               ["for which", "where", "whose", "with", "that have", ""],
               ["each", "every", "all", "only", "at least two", "most", "no", "both", "per"],
               ["defense paper", "attack paper", "attack", "defense", "model", "method"],
               ["has a code link", "is black-box", "targets DDPM", "is from 2023", ""])
    rnd = random.Random(7)
    for _ in range(120):
        q = " ".join(x for x in (rnd.choice(g) for g in grammar) if x)
        a = ask(store, q)  # never raises
        assert a.intent in ("query", "attribute", "not_understood", "ask_back", "search",
                            "not_applicable", "unknown_entity", "gaps"), (q, a.intent)


@pytest.mark.parametrize("q,part", [
    ("papers proposing defenses against MIA", "defenses"),
    ("which papers offer protection from membership inference attacks?", "defenses"),
    ("papers on membership inference attacks and defenses", None),
    ("how many 2024 papers on MIA (attack + defense)?", None),
])
def test_which_table_a_paper_question_means(store, oracle, q, part):
    """A threat named after a defense word ("defenses against MIA") is what the defense is
    against, not a cue for attack rows; "attacks and defenses" of papers: either table."""
    from dataclasses import replace

    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert set(a.form.parts) == ({part} if part else {"attacks", "defenses"})
    assert labels(a) == set(oracle.answer(replace(a.form, agg=None))) != set()


# ------------------------------------------------------------ round 4 (touched sets 2, 3)

@pytest.mark.parametrize("q,title", [
    ("the limitation of the quantile regression attack",
     "Membership Inference Attacks on Diffusion Models via Quantile Regression"),
    ("what effectiveness is reported for the federated gradient inversion attack",
     "Gradient Inversion of Federated Diffusion Models"),
])
def test_title_words_before_attack_name_its_paper(store, oracle, q, title):
    """Words of one title right before "attack" name that paper (as before "paper"); the
    column after "the limitation of" is asked for, not read as a text condition."""
    a = ask(store, q)
    assert a.intent == "attribute" and not a.not_understood, a.message
    conds = a.form.conds
    assert [(c.kind, c.values[0].label) for c in conds] == [("paper", title)]
    assert {x["value"] for x in a.answers} == oracle.attribute(a.form, a.logical_form[
        "attribute"]) != set()


@pytest.mark.parametrize("q,unknown", [
    ("attribute inference attacks on SD", "attribute inference attacks"),
    ("which machine unlearning defenses protect DDPM?", "machine unlearning defenses"),
    ("backdoor attacks on diffusion models", "backdoor attacks"),
])
def test_an_unknown_kind_of_attack_or_defense_is_not_in_the_graph(store, q, unknown):
    a = ask(store, q)
    assert a.intent == "unknown_entity" and not a.answers, a.message
    assert [u["text"] for u in a.not_in_graph] == [unknown]


@pytest.mark.parametrize("q", ["successful attacks on DDPM", "strong defenses for MIA"])
def test_a_word_that_rates_an_attack_is_not_understood_not_a_name(store, q):
    a = ask(store, q)
    assert a.not_understood and not a.not_in_graph, a.message


@pytest.mark.parametrize("variant,plain", [
    ("Evening! Which attacks target DDPM?", "Which attacks target DDPM?"),
    ("For our audit memo: which defenses protect DDPM?", "which defenses protect DDPM?"),
    ("How many defense methods does the survey catalogue?", "How many defense methods?"),
    ("Which papers on DDIM link their code?", "Which papers on DDIM have code?"),
    ("Which white-box attacks are there? Could you look that up?",
     "Which white-box attacks are there?"),
    ("I study DDPM models. Which defenses were evaluated against membership inference on "
     "that family?", "Which defenses were evaluated on DDPM against membership inference?"),
    ("Which threats have been demonstrated against text-to-image models?",
     "Which threats are attacked on text-to-image models?"),
])
def test_chat_of_independent_writers_round_4(store, oracle, variant, plain):
    same_as(store, oracle, variant, plain)


def test_a_context_clause_with_a_name_lends_it_and_its_plain_words_are_context(store, oracle):
    """"it" stands for the context's names; the clause's other plain words are context
    (said in the notes)."""
    a = ask(store, "I'm auditing a claim that nobody has evaluated an attack on DALL-E mini. "
                   "Which attacks were evaluated on it?")
    assert a.intent == "query" and not a.not_understood, a.message
    assert "DALL-E mini" in a.understood_as and "as context" in a.message
    assert labels(a) == set(oracle.answer(a.form)) != set()


def test_it_with_no_name_to_stand_for_keeps_the_context_words_reported(store):
    a = ask(store, "I work on federated learning. Which attacks target it?")
    assert a.intent != "query" or a.not_understood or a.not_in_graph, a.message


@pytest.mark.parametrize("q", ["What year did the PriSampler paper come out?",
                               "What limitation does the survey note for SIDE?",
                               "PIA paper: which conf?"])
def test_attribute_phrasings_round_4(store, q):
    a = ask(store, q)
    assert a.intent == "attribute" and not a.not_understood, a.message
    assert a.answers


@pytest.mark.parametrize("q,agg", [
    ("attacks with at least 2 target models", None),
    ("membership inference attacks evaluated on at least two target models", None),
    ("attacks with at most 1 target model", None),
    ("which attack has the fewest rows", "bottom"),
])
def test_at_least_bounds_a_count_and_ranks_nothing(store, oracle, q, agg):
    """"at least" / "at most" bound a count: the least / most in them is no ranking (it
    was read as "the fewest rows" besides the bound, an answer to another question)."""
    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert (a.form.agg.op if a.form.agg else None) == agg
    assert labels(a) == set(oracle.answer(a.form)) != set()


@pytest.mark.parametrize("variant,plain", [
    ("MIA atks w/ ≥2 target models", "MIA attacks with at least 2 target models"),
    ("attacks on >1 target models", "attacks on more than 1 target models"),
    ("# MIA atks per knowledge lvl", "number of MIA attacks per knowledge level"),
    ("SMP-LoRA eff.?", "effectiveness of SMP-LoRA"),
])
def test_shorthand_and_comparison_signs_are_read_as_words(store, variant, plain):
    a, b = ask(store, variant), ask(store, plain)
    assert not a.not_understood and a.intent == b.intent, (a.message, b.message)
    assert a.logical_form == b.logical_form and a.answers == b.answers
    assert "read " in a.message


@pytest.mark.parametrize("q", ["which papers appear in both tables",
                               "which papers have an attack row and a defense row",
                               "papers that propose an attack and a defense",
                               "Which works are in both tables, i.e. report an attack and a "
                               "defense?"])
def test_papers_of_both_tables(store, oracle, q):
    """Before: "have an attack row and a defense row" answered the attack papers (16, not
    4), unflagged."""
    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert [c.kind for c in a.form.conds] == ["rows"]
    assert labels(a) == set(oracle.answer(a.form)) and len(labels(a)) == 4


@pytest.mark.parametrize("q", ["threats whose attacks are all black-box",
                               "threats where every attack assumes black-box access",
                               "a threat where every single attack targets DDPM"])
def test_every_row_of_a_group_with_a_verb_between(store, oracle, q):
    """The quantifier reaches its name over a verb ("every attack assumes …"); the reading
    is every row (or asked back when the second reader reads it otherwise), never the
    quantifier dropped."""
    a = ask(store, q)
    assert not a.not_understood, a.message
    if a.intent == "query":
        assert [c.mode for c in a.form.conds] == ["every"]
        assert labels(a) == set(oracle.answer(a.form))
    else:
        assert a.intent == "ask_back" and any(
            "every row" in r["understood_as"] for r in a.readings), a.message


@pytest.mark.parametrize("variant,plain", [
    ("Which attack was evaluated on more target models than any other?",
     "Which attack was evaluated on the most target models?"),
    ("which threat has more attacks than any other threat?",
     "which threat has the most attacks?"),
])
def test_more_than_any_other_is_the_most(store, variant, plain):
    a, b = ask(store, variant), ask(store, plain)
    assert a.intent == b.intent == "query" and not a.not_understood, a.message
    assert a.logical_form == b.logical_form and a.answers == b.answers


@pytest.mark.parametrize("q,attribute", [("who wrote PIA", "authors"),
                                         ("first author of PIA", "first_author"),
                                         ("PIA venue", "venue")])
def test_a_paper_attribute_reads_an_ambiguous_name_as_the_paper(store, oracle, q, attribute):
    """"PIA" is the threat property inference and Kong et al.'s paper: only the paper has
    authors, a venue, a year — it was read as the threat (the authors of every property
    inference attack paper), said only in a note."""
    a = ask(store, q)
    assert a.intent == "attribute" and a.logical_form["attribute"] == attribute, a.message
    assert [(c.kind, c.values[0].label) for c in a.form.conds] == [
        ("paper", "Efficient Membership Inference for Diffusion Models by Proximal "
                  "Initialization")]
    assert {x["value"] for x in a.answers} == oracle.attribute(a.form, attribute) != set()


@pytest.mark.parametrize("q,title", [
    ("which venue published the quantile regresion paper",
     "Membership Inference Attacks on Diffusion Models via Quantile Regression"),
    ("the year of the ECCV cross-attention memorization paper",
     "Unveiling and Mitigating Memorization in Text-to-Image Diffusion Models through Cross "
     "Attention"),
])
def test_a_title_phrase_with_a_venue_or_a_misspelt_word_names_its_paper(store, q, title):
    """A venue named in the phrase is no title word; a misspelt plain word is found one
    edit from a word of the titles that hold the phrase's other words."""
    a = ask(store, q)
    assert not a.not_understood and not a.not_in_graph, a.message
    assert title in [c.values[0].label for c in a.form.conds if c.kind == "paper"]


@pytest.mark.parametrize("q,attribute,label", [
    ("What does the survey say about the effectiveness of DP-SGD against MIA?",
     "effectiveness", "DP-SGD"),
    ("what's the venue of the paper that proposed DualMD", "venue", "DualMD"),
    ("the year of the paper that introduced SecMI", "year", "SecMI"),
    ("list all authors of PriSampler", "authors", "PriSampler"),
    ("github link for PIA", "code", "PIA"),
])
def test_attribute_questions_round_4(store, q, attribute, label):
    """"say about" asks about the item (no text condition, its names kept); an attribute
    "of the paper that …" is asked of what the clause selects (it listed the paper)."""
    a = ask(store, q)
    assert a.intent == "attribute" and not a.not_understood, a.message
    assert a.logical_form["attribute"] == attribute and a.answers


def test_a_name_word_in_a_text_condition_is_not_corrected_into_another_word(store):
    """"white" is no misspelt "while": the words of the names stay as written."""
    a = ask(store, "attacks whose limitation says white-box")
    assert [c.words for c in a.form.conds] == [("white", "box")]


# ------------------------------------------------------------ round 4b (touched set 4)

@pytest.mark.parametrize("q,pick,n", [
    ("Which venue has the most membership inference attack papers?", "top", 0),
    ("Which venues published at least two membership inference papers?", "more_than", 1)])
def test_venues_picked_by_a_count_are_grouped_not_an_attribute(store, oracle, q, pick, n):
    """Before: the venues of every MIA paper, "the most" / "at least two" dropped unsaid."""
    a = ask(store, q)
    assert a.intent == "query" and "counted per venue" in a.understood_as, a.message
    got = {x["label"]: x["n"] for x in a.answers}
    assert got == oracle.grouped(a.form, "venue", pick, n) != {}


def test_an_attribute_with_a_ranking_is_not_answered_without_it(store):
    """The authors "with the most papers": no form ranks an attribute's values — said, not
    the authors of every paper."""
    a = ask(store, "which authors wrote the most MIA papers?")
    assert a.intent == "not_understood" and not a.answers, a.message


@pytest.mark.parametrize("q", ["Give me every paper co-authored by Nicholas Carlini.",
                               "every paper by Carlini"])
def test_every_before_the_target_is_a_determiner_not_a_group(store, oracle, q):
    """Before: "count of rows per item" over attack rows, which left out a defense paper."""
    a = ask(store, q)
    assert a.intent == "query" and a.form.agg is None and not a.not_understood, a.message
    assert labels(a) == set(oracle.answer(a.form)) != set()


def test_how_many_authors_asks_for_the_attribute(store, oracle):
    """Before: "threats · paper = SecMI", 1 — a count of another thing."""
    a = ask(store, "how many authors does SecMI have")
    assert a.intent == "attribute" and a.logical_form["attribute"] == "authors", a.message
    assert a.count == len(oracle.attribute(a.form, "authors")) == 5


@pytest.mark.parametrize("q,model", [
    ("For DDIM, which threats are attacked but never defended?", "DDIM"),
    ("threats attacked on DDPM but never defended", "DDPM"),
])
def test_threats_never_defended_on_a_named_model_are_its_gaps(store, oracle, q, model):
    """With a model named, the threats with no defense row on that model (family roll-up,
    as kg gaps' family view), not "no defense at all" (which gave none for DDIM)."""
    from kg.coverage.gaps import find_gaps

    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert "rows" in [c.kind for c in a.form.conds]
    assert labels(a) == set(oracle.answer(a.form)) != set()
    gaps = {g.cells[0]["threat"]["label"] for g in find_gaps(store)
            if g.type == "model_without_defense" and g.level == "family"
            and g.cells[0]["model"]["label"] == model}
    assert labels(a) == gaps


@pytest.mark.parametrize("q,model", [("gaps on SD", "Stable Diffusion"),
                                     ("gaps DDIM", "DDIM"),
                                     ("gaps on SD v1.4", "SD v1.4")])
def test_a_family_named_in_a_gaps_question_selects_family_level_gaps(store, q, model):
    """A family named: both sides roll up (kg gaps' family view); a model with nothing
    below it: its model-level gaps. Before, "gaps on SD" listed membership inference from
    the model-level gaps of SD v1.4, though SD v1.5 (in the family) is defended."""
    from kg.coverage.gaps import find_gaps
    from kg.linking import resolve
    from kg.query import context

    tree = context(store).tree
    a = ask(store, q)
    assert a.intent == "gaps" and not a.not_understood, a.message
    iri = str(resolve(store, model))
    level = "family" if tree.has_children(iri) else "model"
    want = {g.cells[0]["threat"]["label"] for g in find_gaps(store)
            if g.type == "model_without_defense" and g.level == level
            and g.cells[0]["model"]["iri"] in tree.below(iri)}
    assert labels(a) == want


@pytest.mark.parametrize("variant,plain", [
    ("Which models are attacked under at least two different threats?",
     "Which models are attacked by at least two different threats?"),
    ("How many distinct defense methods does the survey list in total?",
     "How many distinct defense methods?"),
    ("List the defense papers that were published somewhere other than arXiv.",
     "List the defense papers not published at arXiv."),
])
def test_phrasings_round_4b(store, oracle, variant, plain):
    a, b = ask(store, variant), ask(store, plain)
    assert a.intent == b.intent == "query" and not a.not_understood, a.message
    assert a.logical_form == b.logical_form and labels(a) == labels(b)
    assert labels(a) == set(oracle.answer(a.form)) != set()


# ------------------------------------------------ round 4: the classes of held-out set 4


@pytest.mark.parametrize("variant,plain", [
    ("Reviewer question: which attacks target DDIM?", "which attacks target DDIM?"),
    ("Note for my slides: which defenses protect DDPM?", "which defenses protect DDPM?"),
    ("which gray-box attacks target Stable Diffusion, any version?",
     "which gray-box attacks target Stable Diffusion?"),
    ("which attacks on SD (any of its versions) are gray-box?",
     "which attacks on SD are gray-box?"),
    ("Which defenses already protect DDPM?", "Which defenses protect DDPM?"),
    ("which threats are among the attacks on DDIM?", "which threats are attacked on DDIM?"),
    ("Which attacks assume white-box knowledge only?", "Which attacks are white-box only?"),
    ("Which attacks need black-box access only?", "Which attacks are black-box only?"),
    ("Which threats have a black-box attack and a white-box attack (not necessarily the "
     "same one)?", "Which threats have a black-box attack and a white-box attack?"),
    ("how mnay defenses protect DDPM?", "how many defenses protect DDPM?"),
])
def test_round_4_lead_ins_and_words_that_add_nothing(store, oracle, variant, plain):
    same_as(store, oracle, variant, plain)


@pytest.mark.parametrize("q,kept", [
    ("Not on DDPM: which attacks?", "∉ DDPM"),  # a negation in the lead-in
    ("DDIM: which attacks are black-box?", "model = DDIM"),  # a name in the lead-in
    ("Top 3: which attacks target DDIM?", None),  # a number in the lead-in: reported
])
def test_a_colon_lead_in_holding_a_name_number_or_negation_is_not_dropped(store, q, kept):
    a = ask(store, q)
    if kept is None:
        assert a.intent != "query" or a.not_understood, a.message
    else:
        assert kept in a.understood_as, a.understood_as


def test_attacks_on_all_versions_are_not_read_as_any_version(store):
    """'all versions' may mean every version at once: reported, never read as the family."""
    a = ask(store, "attacks on all versions of SD")
    assert a.intent != "query" or a.not_understood


@pytest.mark.parametrize("q,attr,target,parts", [
    ("Give me the years of the defense papers.", "year", "papers", ["defenses"]),
    ("list the venues of the attack papers", "venue", "papers", ["attacks"]),
    ("what are the years of these black-box attack papers?", "year", "papers", ["attacks"]),
])
def test_a_value_of_the_rows_a_noun_names(store, oracle, q, attr, target, parts):
    """An attribute of rows named by a noun alone ("the defense papers"): the values of the
    rows the rest selects, each from the oracle's papers."""
    a = ask(store, q)
    assert a.intent == "attribute" and not a.not_understood, (a.intent, a.message)
    assert a.logical_form["attribute"] == attr and a.logical_form["target"] == target
    assert list(a.logical_form["parts"]) == parts
    # the values are the bibliography's, of exactly the papers the form selects (the oracle's)
    field = {"year": "year", "venue": "venue_short"}[attr]
    want = {str(oracle.bib[t.casefold()][field]) for t in oracle.answer(a.form)
            if oracle.bib.get(t.casefold(), {}).get(field)}
    assert {x["value"] for x in a.answers} == want != set()


@pytest.mark.parametrize("q", ["venues", "years", "the authors", "MIA attacks venue years"])
def test_a_value_noun_nothing_reads_is_reported(store, q):
    """'venues' alone is no listing of attacks: the word is said not understood."""
    a = ask(store, q)
    assert a.intent != "query" or a.not_understood, (a.understood_as, a.message)


@pytest.mark.parametrize("q", [
    "how many MIA papers will be published in 2027?",
    "which attacks will appear in 2026?",
])
def test_a_question_about_the_future_is_not_answered_with_none(store, q):
    a = ask(store, q)
    assert "will" in a.not_understood or a.intent != "query", (a.intent, a.message)


def test_a_past_year_question_is_answered(store, oracle):
    same_as(store, oracle, "how many MIA papers came out in 2024?",
            "how many MIA papers are from 2024?")


def test_a_terse_attribute_after_a_name_in_brackets(store):
    a, b = ask(store, "SecMI (Duan et al.) venue"), ask(store, "venue of SecMI")
    assert a.intent == b.intent == "attribute" and a.answers == b.answers != []


@pytest.mark.parametrize("q,kind", [("TDE gaps: which models?", "model"),
                                    ("gaps on DDIM: what threats?", "threat")])
def test_a_gap_question_asking_for_a_kind_after_the_cue(store, q, kind):
    """The values of the selected gap cells, as when the kind is asked first."""
    from kg.ask import parse

    p = parse(store, q)
    assert p.gaps and p.gap_target is not None and p.gap_target[0] == kind


@pytest.mark.parametrize("variant,plain", [
    ("Show the models together with how many attacks each one has.",
     "how many attacks per model?"),
    ("list the threats and the number of defenses each has", "how many defenses per threat?"),
    ("For which threats is each recorded attack a black-box one?",
     "threats whose attacks are all black-box"),
])
def test_a_count_or_quantifier_that_refers_back(store, oracle, variant, plain):
    a, b = ask(store, variant), ask(store, plain)
    assert not a.not_understood and a.logical_form == b.logical_form, (a.understood_as,
                                                                      b.understood_as)
    if a.intent == "query":
        assert labels(a) == set(oracle.answer(a.form)) != set()


@pytest.mark.parametrize("q,sub", [
    ("Which defense papers report no attack?", []),
    ("defense papers without any attack row in the survey", []),
    ("defense papers with no attack on DDPM", ["model"]),
    ("which defense papers have no gradient inversion attack?", ["threat"]),
])
def test_defense_papers_with_no_attack(store, oracle, q, sub):
    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, (a.intent, a.message)
    rows = [c for c in a.logical_form["conditions"] if c["kind"] == "rows"]
    assert len(rows) == 1 and rows[0]["negated"] and rows[0]["of"] == "attacks"
    assert [c["kind"] for c in rows[0].get("sub", [])] == sub
    assert list(a.logical_form["parts"]) == ["defenses"]
    assert labels(a) == set(oracle.answer(a.form)) != set()


def test_defense_papers_with_no_white_box_attack_are_not_answered(store):
    """No condition on attack rows holds a knowledge level here: said, never dropped."""
    a = ask(store, "defense papers with no white-box attack")
    assert a.intent != "query" or a.not_understood


def test_a_count_per_venue_of_named_rows_is_a_grouping(store):
    a = ask(store, "Give me the number of attack papers per venue.")
    assert a.intent == "query" and not a.not_understood
    assert a.understood_as.endswith("counted per venue")


# ------------------------------------------------ round 5: the classes of held-out set 5


@pytest.mark.parametrize("variant,plain", [
    ("We are evaluating a DDPM model for a client and need to decide what to check. Which "
     "attacks target DDPM?", "Which attacks target DDPM?"),
    ("A colleague asked whether DDIM was ever attacked. Which attacks target DDIM?",
     "Which attacks target DDIM?"),
    ("My supervisor wants to know what came out in 2024. List the attack papers from that "
     "year.", "List the attack papers from 2024."),
    ("Which defense papers include SD v1.5 among their target models?",
     "Which defense papers target SD v1.5?"),
    ("Which attacks cover black-, gray- and white-box access?",
     "Which attacks cover black-box, gray-box and white-box access?"),
])
def test_round_5_context_and_words_that_add_nothing(store, oracle, variant, plain):
    same_as(store, oracle, variant, plain)


def test_a_context_sentence_with_a_year_keeps_it_when_asked_about_that_year(store):
    a = ask(store, "I was told a lot happened in 2022. Which papers are from that year?")
    assert "year = 2022" in a.understood_as or a.not_understood, a.understood_as


@pytest.mark.parametrize("q,want", [
    ("How many defense papers are there for each threat?", "defenses"),
    ("how many attack papers per model", "attacks"),
])
def test_papers_per_group_count_papers_not_rows(store, oracle, q, want):
    a = ask(store, q)
    assert a.intent == "query" and a.logical_form["aggregate"] == {"op": "per_item", "of": "paper"}
    assert list(a.logical_form["parts"]) == [want]
    assert {x["label"]: x["n"] for x in a.answers} == oracle.answer(a.form)


@pytest.mark.parametrize("q,target", [
    ("Which models have been defended but never attacked?", "models"),
    ("threats that are defended yet not attacked", "threats"),
])
def test_defended_but_never_attacked(store, oracle, q, target):
    a = ask(store, q)
    assert a.intent == "query" and not a.not_understood, a.message
    assert a.logical_form["target"] == target and list(a.logical_form["parts"]) == ["defenses"]
    assert labels(a) == set(oracle.answer(a.form))


@pytest.mark.parametrize("q,sub", [
    ("Which threats are defended but never attacked on DDPM?", "model"),
    ("models defended but never attacked by membership inference", "threat"),
])
def test_never_attacked_with_a_name_inside(store, oracle, q, sub):
    a = ask(store, q)
    rows = [c for c in a.logical_form["conditions"] if c["kind"] == "rows"]
    assert [c["kind"] for c in rows[0]["sub"]] == [sub] and rows[0]["negated"]
    assert labels(a) == set(oracle.answer(a.form))


@pytest.mark.parametrize("q", ["which models are not attacked by membership inference",
                               "threats not attacked on DDPM"])
def test_not_attacked_without_defended_is_a_plain_negation(store, q):
    """No "defended": the name is negated on the rows as usual, no defense rows asked for."""
    a = ask(store, q)
    assert not any(c["kind"] == "rows" for c in a.logical_form["conditions"])


def test_papers_only_about_a_threat_have_every_row_on_it(store, oracle):
    a = ask(store, "which papers are only about training data extraction?")
    cond = [c for c in a.logical_form["conditions"] if c["kind"] == "threat"][0]
    assert cond.get("mode") == "every" and labels(a) == set(oracle.answer(a.form)) != set()


def test_only_on_a_model_is_said_not_read_as_every_row(store):
    """A row may name several models: "evaluated only on SD" is not "every row on SD"."""
    a = ask(store, "Which defense methods were evaluated only on Stable Diffusion?")
    assert a.intent != "query" or "only" in a.not_understood


def test_attacks_together_spanning_levels_are_an_all_of(store, oracle):
    a = ask(store, "Which threats have attacks that together span gray-box and white-box?")
    cond = [c for c in a.logical_form["conditions"] if c["kind"] == "knowledge"][0]
    assert cond.get("mode") == "all" and not a.not_understood
    assert labels(a) == set(oracle.answer(a.form)) != set()


def test_papers_that_come_with_a_code_link_are_a_condition(store):
    a = ask(store, "Which attack papers come with a code link?")
    assert a.intent == "query" and any(c["kind"] == "code" for c in
                                       a.logical_form["conditions"])


@pytest.mark.parametrize("variant,plain", [
    ("Rank the models by number of attacks and give me the top one.",
     "the models with the most attacks"),
    ("rank the threats by count of defenses and name the bottom one",
     "the threats with the fewest defenses"),
])
def test_rank_and_take_the_top_one(store, oracle, variant, plain):
    a, b = ask(store, variant), ask(store, plain)
    assert not a.not_understood and a.logical_form == b.logical_form
    assert {x["label"]: x["n"] for x in a.answers} == oracle.answer(a.form) != {}


def test_rank_and_take_the_top_three_is_not_read_as_the_top_one(store):
    a = ask(store, "rank the threats by number of attacks and give me the top three")
    assert a.intent != "query" or a.not_understood


@pytest.mark.parametrize("q,aside", [
    ("We benchmark DDIM in our group. Which attacks are white-box?", "DDIM"),
    ("I teach a course on gradient inversion. Which defenses protect DDPM?", "gradient inversion"),
])
def test_a_name_only_in_a_context_sentence_stops_the_answer(store, q, aside):
    """Neither applied unsaid (it would narrow the answer) nor dropped unsaid: said."""
    a = ask(store, q)
    assert a.intent != "query" and not a.answers and aside in a.message, (a.intent, a.message)


@pytest.mark.parametrize("variant,plain", [
    ("I work with DDPM models. Which defenses were evaluated against membership inference on "
     "that family?", "Which defenses were evaluated on DDPM against membership inference?"),
    ("Our lab runs DDIM. Which attacks target DDIM?", "Which attacks target DDIM?"),
])
def test_a_context_name_the_question_repeats_or_refers_to_is_used(store, oracle, variant,
                                                                   plain):
    same_as(store, oracle, variant, plain)


@pytest.mark.parametrize("q", [
    "Which models are attacked under some threat but have no defense against that threat?",
    "models with an attack of a threat and not any defense for the same threat",
])
def test_an_attack_of_some_threat_but_no_defense_against_that_threat_is_a_gap(store, q):
    """The threat is the same on both sides: a model-level gap cell of any threat (the gap
    engine's), not "no defense at all"."""
    from kg.coverage.gaps import find_gaps

    a = ask(store, q)
    assert a.intent == "gaps" and not a.not_understood, (a.intent, a.message)
    want = {g.cells[0]["model"]["label"] for g in find_gaps(store)
            if g.type == "model_without_defense" and g.level == "model"}
    assert {x["label"] for x in a.answers} == want != set()
