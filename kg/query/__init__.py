"""The query core: a typed logical form -> one SPARQL query with bound values -> rows.

Everything that selects rows of the taxonomy goes through here: ``kg ask`` (a question is
parsed into a :class:`Form`), ``kg export view`` / ``kg export question`` and the app's
pages. A form says what is asked for (``target``) and a conjunction of conditions
(:class:`Cond`), each positive or negated, and optionally an aggregate (:class:`Agg`).

Semantics (the same everywhere, tested against a plain-Python oracle over the survey rows):

* Rows are attack rows (``rd:Attack``) or defense rows (``rd:DefenseEvaluation``); the
  target decides which (``part``): attacks and knowledge levels range over attack rows,
  defense evaluations and methods over defense rows, papers, models and threats over
  either (or both, as a UNION).
* Positive any-of conditions hold together on one row of the item ("MIAs on SD" = one
  attack row with threat MI and a model under SD).
* A model condition covers every model below it (``skos:broader*``, :mod:`kg.family`).
* An all-of condition ("both DDIM and DALL-E 2") needs, for each value, a row of the item
  with that value (and the positive any-of conditions): for attacks the row itself.
* A negated condition excludes the item when any of its rows satisfies it ("methods on
  DDPM but not on SD" = no defense row of the method on an SD model); for attacks the row
  itself. Knowledge ``only`` = the attack's knowledge set lies within the values.
* A condition on the target's own kind constrains the item ("which SD models are
  attacked" = attacked models under SD).
* ``distinct`` conditions: the number of distinct models / knowledge levels / threats a row
  names (attacks, evaluations) or the item's rows name together (other targets, over the
  rows meeting the positive one-value conditions) lies in a span ("attacks on four or more
  models"). Mode ``every``: each row of the item meeting the other positive conditions, in
  the parts where the condition can hold, satisfies it ("threats whose attacks are all
  black-box"). A ``rows`` condition: the item (an attack's paper, an evaluation's method)
  has a row of the table ``of`` meeting the ``sub`` conditions (negated: none), across the
  tables ("papers with both an attack and a defense"; "models attacked by MI and never
  defended against it" = the model-level gap cells of kg.coverage).
* Aggregates: ``count`` (the number of items the listing returns), ``per_item`` (rows
  per item), ``top`` / ``bottom`` (the items with the most / fewest rows, ties kept; with
  ``of``, the most / fewest distinct target models, knowledge levels or threats their
  matching rows name: "the attack evaluated on the most models"), ``more_than`` /
  ``fewer_than`` N rows.

A condition that cannot hold on the rows a target ranges over (attacker knowledge of a
defense method) is never dropped: :func:`compile_form` raises :class:`NotApplicable`
with the reason. Values reach the query only as RDF terms written by
:func:`kg.sparql_text.sparql_term` into ``VALUES`` blocks (IRIs checked, literals escaped): the
text shown is exactly the text run, and it runs unchanged through ``kg sparql``.
"""

from .attribute import ATTRIBUTES, Values, attribute
from .compiler import Compiled, Context, compile_form, context
from .counts import bounded_count, summary_cell, summary_grouped
from .form import (
    AGGREGATES,
    KINDS,
    TARGETS,
    VALUE_NOUN,
    Agg,
    Cond,
    Form,
    Term,
    applicable_parts,
    describe,
    render_agg,
    render_cond,
)
from .result import ROW_CAP, Result, row_ids, run, why_empty

__all__ = ["AGGREGATES", "ATTRIBUTES", "Agg", "Compiled", "Cond", "Context", "Form", "KINDS",
           "ROW_CAP", "VALUE_NOUN", "Values", "attribute",
           "Result", "TARGETS", "Term", "applicable_parts", "bounded_count", "compile_form",
           "context", "describe", "summary_cell", "summary_grouped", "render_agg", "render_cond", "row_ids",
           "run", "why_empty"]
