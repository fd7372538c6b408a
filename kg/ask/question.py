"""A question's way through: :func:`parse` runs the stages in order (tokens -> mentions ->
conditions -> form), :func:`ask` runs the form and words the answer.

Every content word of the question is either used by a stage or reported: a name the
graph does not hold stops the answer ("… is not in the graph", with the closest known
names, and semantic-search hits when a searcher is given); a negation that negates nothing
stops it too; another word is listed as not understood. The SPARQL shown is exactly the
query that produced the answers.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import NotApplicable
from ..lexicon_cache import lexicon
from ..query import Cond, Form, Term, context, describe, run, why_empty
from ..stores.base import Store
from .account import (
    context_clauses,
    determiners,
    names_aside,
    preamble,
    rest_of,
    strange_chars,
    unread_value_nouns,
)
from .across import across_tables
from .ambiguous import other_reading
from .answer import (
    Answer,
    answer_attribute,
    answer_item,
    attribute_parse,
    blocked_answer,
    conflict_answer,
    noun,
    row_noun,
    unattached_answer,
)
from .attribute import CHOICE_TARGET, attribute_cue, choice_target
from .conditions import (
    code_condition,
    entity_conditions,
    group_quantifiers,
    knowledge_followers,
    negation,
    t2i_condition,
    unattached,
    undefended,
    value_counts,
    year_conditions,
    years_of,
)
from .conflict import contradictions
from .define import answer_definition, defined_mention
from .form import Parse, parts_of, shape_of, target_of
from .gaps import answer_gaps, gap_parse
from .grouping import Grouping, answer_groups, blank, grouping_of
from .mentions import Names, not_in_graph, read_names
from .second import disagreement
from .spelling import correct_spelling, correct_text_words, words_of
from .text import text_conditions
from .tokens import GAP_CUE, check_question, expand_shorthand, text_vocabulary

#: Rows an answer lists (its total is counted apart, up to COUNT_CAP): at 100k papers a
#: listing of 100 rows reads in ~10 ms on Oxigraph, a full count in ~1 s per 25k rows.
ASK_ROWS = 100
COUNT_CAP = 1000


def parse(store: Store, question: str, prefer: dict[tuple[int, int], str] | None = None
          ) -> Parse:
    """The logical form of ``question`` (its shorthand written out and its misspelt parser
    words read first, each noted: :func:`kg.ask.tokens.expand_shorthand`,
    :func:`kg.ask.spelling.correct_spelling`) and what of it could not be used."""
    q, short = expand_shorthand(check_question(question))
    q, spelt = correct_spelling(q, lexicon(store), text_vocabulary(store))
    p = _parse(store, q, prefer)
    p.notes = short + spelt + p.notes
    p.text = q
    return p




def _parse(store: Store, q: str, prefer: dict[tuple[int, int], str] | None) -> Parse:
    lex = lexicon(store)
    names = read_names(q, lex, prefer)
    if GAP_CUE.search(q):
        return gap_parse(q, lex, names, text_vocabulary(store))
    cue = attribute_cue(q, names.toks, {m.entity.kind for m in names.mentions}, names.mentions)
    picked = grouping_of(q)
    if cue is not None and picked is not None and (picked.pick != "all" or not {
            m.entity.kind for m in names.mentions} & {"paper", "method", "threat"}):
        cue = None  # "which venue has the most MIA papers": venues picked by their count;
        # "the number of attack papers per venue": a grouping, no item's value
    if cue is None:
        group = picked
        if group is not None:  # "MIA attacks per venue": the rest selects what is counted
            return _group_parse(store, q, group, prefer)
        p = _query_parse(q, lex, names, text_vocabulary(store))
        p.others = names.others
        return p
    p = _query_parse(q, lex, names, text_vocabulary(store), cue[1])
    return attribute_parse(p, cue[0])


def _group_parse(store: Store, q: str, group: Grouping,
                 prefer: dict[tuple[int, int], str] | None) -> Parse:
    """A grouping question (:mod:`kg.ask.grouping`): ``q`` without its grouping words parsed
    as usual; a count of the items is what grouping gives, any other aggregate beside it
    (or an ordering) blocks the answer."""
    lex, rest = lexicon(store), blank(q, group)
    names = read_names(rest, lex, prefer)
    p = _query_parse(rest, lex, names, text_vocabulary(store))
    p.others = names.others
    if group.blocking:
        p.blocking.append(group.blocking)
    elif p.form is not None and p.form.agg is not None and p.form.agg.op != "count":
        a, b = group.spans[0]  # "the most models per year": a ranking beside the grouping
        p.blocking.append(" ".join(q[a:b].split()))
    elif p.form is not None:
        p.form = Form(p.form.target, p.form.conds, None, p.form.parts)
        p.group, p.asks_count = group, False
    return p


def _query_parse(q: str, lex, names: Names, vocab: frozenset[str],
                 extra_used: set[int] | frozenset[int] = frozenset()) -> Parse:
    """The stages of a question that selects rows, each on the tokens and what the stages
    before it found; every word is then consumed, a function word, or reported
    (:mod:`kg.ask.account`)."""
    toks, mentions = names.toks, names.mentions
    words = [t.norm for t in toks]
    years = years_of(q, toks)
    year_tok = {i for _, _, idx in years for i in idx}
    context, context_notes = context_clauses(q, toks)
    chat = preamble(q, toks) | {i for i in context if toks[i].mention is None}
    neg = negation(toks, year_tok, vocab, chat)
    code = code_condition(words, toks, neg.at)
    no_defense, no_defense_used = undefended(q, toks, words, neg.at)
    target = target_of(q, toks, mentions, neg.at, chat)
    shape = shape_of(q, toks, target)
    choice = choice_target(q, toks, mentions) if shape.agg is None else None
    if choice:  # "SecMI: black-box or white-box?": its knowledge levels, not a filter
        shape.target = choice
    parts = parts_of(q, target, shape, no_defense)
    named, named_kinds = entity_conditions(q, toks, mentions, neg.at, names.same)
    t2i = t2i_condition(q, toks, named_kinds)
    counts = value_counts(q, toks)
    used = (chat | {i for i, t in enumerate(toks) if t.mention is not None} | year_tok | neg.cues
            | counts.used | code.used | no_defense_used | target.used | shape.used | named.used | t2i.used
            | knowledge_followers(toks, mentions)
            | {i for i, t in enumerate(toks) for a, b in names.versioned if a <= t.start < b}
            | set(extra_used))
    text = text_conditions(q, toks, used, shape.target, neg.at)
    text_conds, text_notes = correct_text_words(q, text.conds, vocab, words_of(lex).all)
    used |= text.used | determiners(toks, target.used, shape.target)
    named_conds, group_used = group_quantifiers(q, toks, mentions, named.conds, shape.target,
                                                used, lambda: _levels(lex))
    used |= group_used
    choice_kind = {v: k for k, v in CHOICE_TARGET.items()}.get(choice or "")
    chosen = [c for c in named_conds if c.kind == choice_kind and not c.negated]
    named_conds = [c for c in named_conds if c not in chosen]
    conds = (code.conds + ([Cond("defended", negated=True)] if no_defense else [])
             + named_conds + year_conditions(years, neg.at) + t2i.conds + text_conds
             + counts.conds)
    across = across_tables(q, toks, mentions, conds, shape.target, parts)
    conds, parts, used = across.conds, across.parts, used | across.used
    conds, conflict_notes, conflicts = contradictions(q, toks, mentions, neg.at, names.same,
                                                      conds)
    rest = rest_of(toks, used, vocab)
    rest.leftover += unread_value_nouns(toks, used, {c.kind for c in conds})
    negated_rest = [i for i in rest.leftover + rest.blocking if i in neg.at]
    try:
        form, misfit = Form(shape.target, tuple(conds), shape.agg, parts), []
    except ValueError:  # the rows the words name are not rows of what is asked for
        form = Form(shape.target, tuple(conds), shape.agg)
        misfit = [toks[i].text for i in sorted(shape.used | target.used)]
    return Parse(form, mentions,
                 [toks[i].text for i in sorted(rest.leftover + rest.blocking)]
                 + strange_chars(q),
                 names.several + not_in_graph(q, lex, toks, names.versioned, rest.unknown),
                 asks_count=shape.asks_count,
                 unattached=unattached(q, toks, [d for d in neg.dangling
                                                 if d[0] not in across.used])
                 + [toks[i].text for i in negated_rest],
                 notes=names.notes + context_notes + conflict_notes + text_notes + [
                     "a choice question: the answer lists the values of the named item (the "
                     "choices were " + " or ".join(repr(v.label) for c in chosen
                                                   for v in c.values) + ")"] * bool(chosen),
                 blocking=[toks[i].text for i in rest.blocking] + across.blocking + misfit
                 + names_aside(toks, mentions, context),
                 conflicts=conflicts,
                 same=names.same)


def _levels(lex) -> list[Term]:
    """The graph's attacker-knowledge levels ("every access level")."""
    return [Term(e.iri, e.label) for e in lex.of_kind("knowledge")]


def ask(store: Store, question: str, search=None) -> Answer:
    """Answer ``question``; ``search(text, k)`` gives labelled fallback hits when nothing of
    the question could be used. A name of two kinds that no word of the question decides
    ("PIA": the threat or the paper) is read both ways; when the readings answer differently
    the answer asks back ("Did you mean A or B?", intent ``ask_back``) with each reading and
    its answer in ``readings``, never picking one."""
    p = parse(store, question)
    defined = defined_mention(p)
    if defined is not None:  # "what is membership inference?": its definition
        return answer_definition(store, check_question(question), p, defined)
    a = _answer(store, question, p, search)
    if a.intent in ("query", "attribute") and p.others:
        return _ask_back(store, question, p, a, search)
    if a.intent == "query" and p.form is not None and p.group is None and not p.attribute:
        other = other_reading(p.text, p.form)
        if other is not None:
            return _two_established_readings(store, question, p, a, search, other)
    if a.intent in ("query", "attribute") and p.form is not None and p.group is None:
        return _second_reading(store, question, p, a, search)
    return a


def _two_established_readings(store: Store, question: str, p: Parse, a: Answer, search,
                              other: tuple[Form, str, str]) -> Answer:
    """A phrase read two ways by different readers (:mod:`kg.ask.ambiguous`): both readings
    answered and asked back when they differ; ``a`` when they answer alike."""
    form, first, second = other
    a2 = _answer(store, question, replace(p, form=form), search)
    if a2.intent != "query" or _answered(a2) == _answered(a):
        return a
    return _asked_back(question, p, [(first, a), (second, a2)],
                       "the phrase is read both ways and the readings answer differently")


def _second_reading(store: Store, question: str, p: Parse, a: Answer, search) -> Answer:
    """The question asked back when the second reader (:mod:`kg.ask.second`, independent of
    the first reader's rules) reads its structure otherwise and its reading answers
    differently; ``a`` itself when the readings agree or answer alike."""
    assert p.form is not None
    d = disagreement(p.text, p.mentions, p.same, p.form, p.attribute, p.asks_count)
    if d is None:
        return a
    a2 = _answer(store, question, replace(p, form=d.form, attribute=d.attribute), search)
    if a2.intent not in ("query", "attribute") or _answered(a2) == _answered(a):
        return a
    return _asked_back(question, p, [(a.understood_as, a), (a2.understood_as, a2)],
                       "two independent readings of the question answer differently (the "
                       f"second matches the sentence {d.second.text!r})")


def _answered(a: Answer) -> frozenset:
    """What an answer says: its items (or values) with their counts."""
    return frozenset((x["iri"], x.get("n"), x.get("value")) for x in a.answers) | {a.count}


def _ask_back(store: Store, question: str, p: Parse, a: Answer, search) -> Answer:
    """The question asked back when another reading of its ambiguous name answers
    differently (see :func:`ask`); ``a`` itself when every reading gives its answer."""
    readings = [("", a)]
    for span, alts in p.others.items():
        for m in alts:
            p2 = parse(store, question, prefer={span: m.entity.kind})
            a2 = _answer(store, question, p2, search)
            if a2.intent in ("query", "attribute"):
                readings.append((f"{m.text!r} as the {m.entity.kind} {m.entity.label!r}", a2))
    if len({_answered(r) for _, r in readings}) < 2:
        return a
    first = next(mm for mm in p.mentions if (mm.start, mm.end) in p.others)
    readings[0] = (f"{first.text!r} as the {first.entity.kind} {first.entity.label!r}", a)
    return _asked_back(question, p, readings, "the readings answer differently")


def _asked_back(question: str, p: Parse, readings: list[tuple[str, Answer]], why: str
                ) -> Answer:
    """"Did you mean A or B?": each reading with its answer and SPARQL, none picked."""
    ask_back = "Did you mean " + " or ".join(r for r, _ in readings) + f"? {why[0].upper()}" \
        f"{why[1:]}, so both are given; name the one you mean in full."
    return Answer(check_question(question), "ask_back", "", [], p.mentions,
                  message=ask_back, understood_as=" | ".join(r.understood_as for _, r in readings),
                  not_understood=p.not_understood,
                  readings=[{"reading": r, "understood_as": x.understood_as,
                             "logical_form": x.logical_form, "sparql": x.sparql,
                             "answers": x.answers, "count": x.count, "message": x.message}
                            for r, x in readings])


def answer_form(store: Store, form: Form, question: str = "", attribute: str = "",
                group: tuple[str, str, int] | None = None) -> Answer:
    """The answer of a logical form given as it is, not read from words (the app's edited
    reading): run and worded by the same functions as a parsed question's form, nothing
    re-parsed; ``attribute`` (:data:`kg.query.ATTRIBUTES`) and ``group`` ((by, pick, n) of
    :mod:`kg.ask.grouping`) as a question's attribute or grouping."""
    q = check_question(question) if question.strip() else ""
    p = Parse(form, [], [], [], attribute=attribute)
    if attribute:
        return answer_attribute(store, q, p)
    if group is not None:
        p.group = Grouping(*group, spans=())
        return answer_groups(store, q, p, p.group)
    return _run(store, q, p, form)


def _answer(store: Store, question: str, p: Parse, search) -> Answer:
    """The answer of one parse of ``question``."""
    q = check_question(question)
    if p.not_in_graph:
        names = ", ".join(f"{u['text']!r}" + (f" (closest known: {', '.join(u['closest'])})"
                                              if u["closest"] else "")
                          for u in p.not_in_graph)
        verb = "is" if len(p.not_in_graph) == 1 else "are"
        a = _fallback(q, p, search, f"{names} {verb} not in the graph, so the question is not "
                      "answered (an answer without it would answer a different question)",
                      intent="unknown_entity")
        a.understood_as = describe(p.form) if p.form else ("gaps" if p.gaps else "")
        a.logical_form = p.form.as_dict() if p.form else None
        return a
    if p.gaps:
        return answer_gaps(store, q, p)
    if p.conflicts:
        return conflict_answer(q, p, describe(p.form, context(store).tree) if p.form else "",
                               p.form.as_dict() if p.form else None)
    if p.attribute and not p.unattached and not p.blocking:
        return answer_attribute(store, q, p)
    form = p.form
    assert form is not None
    if p.unattached:
        return unattached_answer(q, p, describe(form), form.as_dict())
    if p.blocking:
        return blocked_answer(q, p, describe(form, context(store).tree), form.as_dict())
    if p.group is not None:
        return answer_groups(store, q, p, p.group)
    if not form.conds and form.agg is None and not p.mentions and p.not_understood:
        return _fallback(q, p, search, "no word of the question names a threat, attacker "
                         "knowledge, model, defense method or paper of the graph",
                         intent="search")
    return _run(store, q, p, form)


def _run(store: Store, q: str, p: Parse, form: Form) -> Answer:
    """The form run on the store (a listing stops at ASK_ROWS rows; its total is counted up
    to COUNT_CAP unless the question asks for the number), and the answer's message."""
    try:
        counted = form.agg is not None and form.agg.op == "count" or p.asks_count
        res = run(store, form, cap=ASK_ROWS, count_cap=None if counted else COUNT_CAP)
    except NotApplicable as e:
        a = Answer(q, "not_applicable", "", [], p.mentions,
                   message="; ".join(p.notes + [f"Not answered: {e}."]),
                   understood_as=describe(form, context(store).tree),
                   logical_form=form.as_dict(), not_understood=p.not_understood)
        return a
    cites = lexicon(store).citation_labels
    answers = [answer_item(x, form, cites) for x in res.items]
    a = Answer(q, "query", res.sparql, answers, p.mentions, asks_count=p.asks_count,
               understood_as=res.understood_as, logical_form=form.as_dict(),
               not_understood=p.not_understood, form=form)
    msgs = list(p.notes)
    if res.truncated:
        a.total, a.total_exact = res.count, res.count_exact
        a.count_sparql, a.count_source = res.total_sparql, res.count_source
        unit = "rows" if form.target in ("attacks", "evaluations") else noun(form.target, 2)
        source = (" (counted from the coverage summary stored at load)"
                  if res.count_source == "summary" else "")
        msgs.append(f"listing stopped at {ASK_ROWS} rows ({len(answers)} "
                    f"{noun(form.target, len(answers))}); "
                    + (f"{res.count:,} {unit} match{source}" if res.count_exact else
                       f"more than {COUNT_CAP:,} {unit} match (counting stopped there; "
                       f"ask \"how many …\" for the exact number)"))
    if form.agg and form.agg.op == "count" or p.asks_count and not form.agg:
        msgs.append(f"{res.count} {noun(form.target, res.count)}")
    elif form.agg and form.agg.op in ("top", "bottom") and answers:
        n = answers[0]["n"]
        msgs.append(f"{', '.join(x['label'] for x in answers)}: {n} "
                    f"{row_noun(form, n)}")
    if not answers and form.conds:
        msgs.append(f"no answer: {why_empty(store, form)}")
    if p.not_understood:
        msgs.append("not understood (not used): " + ", ".join(repr(w) for w in p.not_understood))
    msgs += res.not_applied
    a.message = "; ".join(msgs)
    if form.agg and form.agg.op == "count":
        a.total = res.count
    return a


def _fallback(q: str, p: Parse, search, why: str, intent: str) -> Answer:
    """No answer by query: semantic-search hits instead, labelled as such."""
    hits = search(q, 5) if search is not None else []
    answers = [dict(h.as_dict(), source=h.source) for h in hits]
    kind = (hits[0].source if hits else "semantic search").replace(" ", "-")
    msg = f"No answer by query: {why}; " + (
        f"showing {kind} hits instead (not answers to the question)."
        if answers else f"no {kind} hits either.")
    return Answer(q, intent, "", answers, p.mentions, message=msg,
                  not_understood=p.not_understood, not_in_graph=p.not_in_graph)
